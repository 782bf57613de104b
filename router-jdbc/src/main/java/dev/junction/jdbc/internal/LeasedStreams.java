package dev.junction.jdbc.internal;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.FilterReader;
import java.io.FilterWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.io.Writer;

/**
 * The streams of a leased LOB. pgjdbc's large-object streams read and write lazily, chunk by chunk,
 * through the connection the LOB came from; a stream taken while the lease held and used after it
 * expired would run large-object calls on the next borrower's connection. Each call checks the lease
 * first and fails with an {@link IOException} whose cause carries SQLSTATE {@link Lease#EXPIRED}.
 * Closing never fails (the driver's stream is dropped unclosed once the lease expired).
 */
final class LeasedStreams {
  private LeasedStreams() {}

  static InputStream in(InputStream s, Lease lease, String what) {
    return s == null ? null : new FilterInputStream(s) {
      @Override public int read() throws IOException { check(lease, what); return super.read(); }
      @Override public int read(byte[] b, int off, int len) throws IOException { check(lease, what); return super.read(b, off, len); }
      @Override public long skip(long n) throws IOException { check(lease, what); return super.skip(n); }
      @Override public int available() throws IOException { check(lease, what); return super.available(); }
      @Override public synchronized void reset() throws IOException { check(lease, what); super.reset(); }
      @Override public void close() throws IOException { if (lease.valid()) super.close(); }
    };
  }

  static OutputStream out(OutputStream s, Lease lease, String what) {
    return s == null ? null : new FilterOutputStream(s) {
      @Override public void write(int b) throws IOException { check(lease, what); out.write(b); }
      @Override public void write(byte[] b, int off, int len) throws IOException { check(lease, what); out.write(b, off, len); }
      @Override public void flush() throws IOException { check(lease, what); out.flush(); }
      @Override public void close() throws IOException { if (lease.valid()) out.close(); }
    };
  }

  static Reader reader(Reader r, Lease lease, String what) {
    return r == null ? null : new FilterReader(r) {
      @Override public int read() throws IOException { check(lease, what); return super.read(); }
      @Override public int read(char[] b, int off, int len) throws IOException { check(lease, what); return super.read(b, off, len); }
      @Override public long skip(long n) throws IOException { check(lease, what); return super.skip(n); }
      @Override public boolean ready() throws IOException { check(lease, what); return super.ready(); }
      @Override public void reset() throws IOException { check(lease, what); super.reset(); }
      @Override public void close() throws IOException { if (lease.valid()) super.close(); }
    };
  }

  static Writer writer(Writer w, Lease lease, String what) {
    return w == null ? null : new FilterWriter(w) {
      @Override public void write(int c) throws IOException { check(lease, what); super.write(c); }
      @Override public void write(char[] b, int off, int len) throws IOException { check(lease, what); super.write(b, off, len); }
      @Override public void write(String s, int off, int len) throws IOException { check(lease, what); super.write(s, off, len); }
      @Override public void flush() throws IOException { check(lease, what); super.flush(); }
      @Override public void close() throws IOException { if (lease.valid()) super.close(); }
    };
  }

  private static void check(Lease lease, String what) throws IOException {
    if (!lease.valid()) {
      throw new IOException(Lease.expired(what).getMessage(), Lease.expired(what));
    }
  }
}
