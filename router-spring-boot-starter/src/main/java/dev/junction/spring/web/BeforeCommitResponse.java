package dev.junction.spring.web;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;

/**
 * Runs a hook once, just before the response can first be committed: the first byte or character
 * of body, a flush, an error or a redirect, or (through {@link #beforeCommit()}) the end of the
 * request. Headers set by the hook therefore always reach the client, without buffering the body
 * the way a content-caching wrapper would.
 */
final class BeforeCommitResponse extends HttpServletResponseWrapper {
  private final Runnable hook;
  private boolean fired;
  private ServletOutputStream stream;
  private PrintWriter writer;

  BeforeCommitResponse(HttpServletResponse response, Runnable hook) {
    super(response);
    this.hook = hook;
  }

  /** Runs the hook unless it already ran or the response is already committed. */
  void beforeCommit() {
    if (!fired) {
      fired = true;
      if (!getResponse().isCommitted()) {
        hook.run();
      }
    }
  }

  @Override
  public ServletOutputStream getOutputStream() throws IOException {
    if (stream == null) {
      stream = new HookedStream(super.getOutputStream());
    }
    return stream;
  }

  @Override
  public PrintWriter getWriter() throws IOException {
    if (writer == null) {
      writer = new PrintWriter(new HookedWriter(super.getWriter()));
    }
    return writer;
  }

  @Override
  public void flushBuffer() throws IOException {
    beforeCommit();
    super.flushBuffer();
  }

  @Override
  public void sendError(int sc, String msg) throws IOException {
    beforeCommit();
    super.sendError(sc, msg);
  }

  @Override
  public void sendError(int sc) throws IOException {
    beforeCommit();
    super.sendError(sc);
  }

  @Override
  public void sendRedirect(String location) throws IOException {
    beforeCommit();
    super.sendRedirect(location);
  }

  /** A reset drops the headers the hook set: let it run again. */
  @Override
  public void reset() {
    super.reset();
    fired = false;
  }

  private final class HookedStream extends ServletOutputStream {
    private final ServletOutputStream delegate;

    HookedStream(ServletOutputStream delegate) {
      this.delegate = delegate;
    }

    @Override
    public void write(int b) throws IOException {
      beforeCommit();
      delegate.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      beforeCommit();
      delegate.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
      beforeCommit();
      delegate.flush();
    }

    @Override
    public void close() throws IOException {
      beforeCommit();
      delegate.close();
    }

    @Override
    public boolean isReady() {
      return delegate.isReady();
    }

    @Override
    public void setWriteListener(WriteListener listener) {
      delegate.setWriteListener(listener);
    }
  }

  private final class HookedWriter extends Writer {
    private final Writer delegate;

    HookedWriter(Writer delegate) {
      this.delegate = delegate;
    }

    @Override
    public void write(char[] cbuf, int off, int len) throws IOException {
      beforeCommit();
      delegate.write(cbuf, off, len);
    }

    @Override
    public void write(String str, int off, int len) throws IOException {
      beforeCommit();
      delegate.write(str, off, len);
    }

    @Override
    public void flush() throws IOException {
      beforeCommit();
      delegate.flush();
    }

    @Override
    public void close() throws IOException {
      beforeCommit();
      delegate.close();
    }
  }
}
