package dev.junction.proxy.server;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A raw PostgreSQL v3 client for differential tests (trust authentication only): it sends exactly the
 * messages a test names, simple Query or Parse/Bind/Describe/Execute with Sync or Flush, and reports
 * what came back as a transcript of comparable lines, so that the proxy's answer to an arbitrary
 * sequence can be compared with PostgreSQL's own. pgjdbc cannot be used for this: it tracks the
 * transaction itself, sends its own BEGIN and refuses some sequences before they reach the server.
 *
 * <p>Transcript lines: {@code C:tag}, {@code E:sqlstate}, {@code N:severity:sqlstate} (notices and
 * warnings), {@code Z:status}, {@code D:v1|v2} (text values), {@code T:col,...}, and the bare type of
 * the other answers ({@code 1 2 3 n s I}). ParameterStatus and BackendKeyData are left out (the proxy
 * reports its own, e.g. {@code junction.fence}).
 */
final class WireClient implements AutoCloseable {
  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  /** The messages of errors in the last exchange, for failure reports (never compared: wording differs). */
  final List<String> errorMessages = new ArrayList<>();

  WireClient(String host, int port, String user, String database) throws IOException {
    this(host, port, user, database, java.util.Map.of());
  }

  /** With more startup parameters ({@code options}, {@code application_name}...), in the map's order. */
  WireClient(String host, int port, String user, String database, java.util.Map<String, String> parameters) throws IOException {
    socket = new Socket(host, port);
    socket.setSoTimeout(20_000);
    in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
    out = socket.getOutputStream();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    DataOutputStream b = new DataOutputStream(body);
    b.writeInt(196608);
    for (String s : new String[] {"user", user, "database", database, "client_encoding", "UTF8"}) {
      cstring(b, s);
    }
    for (java.util.Map.Entry<String, String> p : parameters.entrySet()) {
      cstring(b, p.getKey());
      cstring(b, p.getValue());
    }
    b.writeByte(0);
    DataOutputStream o = new DataOutputStream(out);
    o.writeInt(body.size() + 4);
    o.write(body.toByteArray());
    o.flush();
    while (true) {
      char type = (char) in.readUnsignedByte();
      byte[] m = new byte[in.readInt() - 4];
      in.readFully(m);
      if (type == 'R' && readInt(m, 0) != 0) {
        throw new IOException("only trust authentication is supported, got request " + readInt(m, 0));
      }
      if (type == 'E') {
        throw new IOException("login failed: " + fields(m));
      }
      if (type == 'Z') {
        return;
      }
    }
  }

  /** One simple Query; the answer up to ReadyForQuery. */
  List<String> query(String sql) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    message(buf, 'Q', b -> cstring(b, sql));
    send(buf);
    return readUntil(-1);
  }

  /**
   * Each statement as unnamed Parse, Bind, Describe portal, Execute; then Sync (answer up to
   * ReadyForQuery) or Flush (answer up to the last Execute's completion or the first error).
   */
  List<String> extended(List<String> statements, boolean sync) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    for (String sql : statements) {
      message(buf, 'P', b -> {
        cstring(b, "");
        cstring(b, sql);
        b.writeShort(0);
      });
      bindDescribeExecute(buf, "");
    }
    message(buf, sync ? 'S' : 'H', b -> { });
    send(buf);
    return readUntil(sync ? -1 : statements.size());
  }

  /**
   * Each statement as its own unit (unnamed Parse, Bind, Describe portal, Execute, Sync), all written at
   * once before any answer is read (pipelining); the answers up to the last ReadyForQuery.
   */
  List<String> pipelined(List<String> statements) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    for (String sql : statements) {
      message(buf, 'P', b -> {
        cstring(b, "");
        cstring(b, sql);
        b.writeShort(0);
      });
      bindDescribeExecute(buf, "");
      message(buf, 'S', b -> { });
    }
    send(buf);
    List<String> t = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    for (int i = 0; i < statements.size(); i++) {
      t.addAll(readUntil(-1));
      errors.addAll(errorMessages);
      errorMessages.clear();
    }
    errorMessages.addAll(errors);
    return t;
  }

  /** A named statement's Parse and a Sync, as libpq's {@code PQprepare} sends them. */
  List<String> prepare(String name, String sql) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    message(buf, 'P', b -> {
      cstring(b, name);
      cstring(b, sql);
      b.writeShort(0);
    });
    message(buf, 'S', b -> { });
    send(buf);
    return readUntil(-1);
  }

  /** Bind of named statement {@code name} without parameters, Describe portal, Execute, Sync. */
  List<String> executePrepared(String name) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    bindDescribeExecute(buf, name);
    message(buf, 'S', b -> { });
    send(buf);
    return readUntil(-1);
  }

  /** Bind of {@code statement} (no parameters) to the unnamed portal, Describe portal, Execute all rows. */
  private static void bindDescribeExecute(ByteArrayOutputStream buf, String statement) throws IOException {
    message(buf, 'B', b -> {
      cstring(b, "");
      cstring(b, statement);
      b.writeShort(0);
      b.writeShort(0);
      b.writeShort(0);
    });
    message(buf, 'D', b -> {
      b.writeByte('P');
      cstring(b, "");
    });
    message(buf, 'E', b -> {
      cstring(b, "");
      b.writeInt(0);
    });
  }

  /** A Sync alone. */
  List<String> sync() throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    message(buf, 'S', b -> { });
    send(buf);
    return readUntil(-1);
  }

  private void send(ByteArrayOutputStream buf) throws IOException {
    errorMessages.clear();
    out.write(buf.toByteArray());
    out.flush();
  }

  /** Reads up to ReadyForQuery ({@code executes} < 0), or until that many Executes completed or one failed. */
  private List<String> readUntil(int executes) throws IOException {
    List<String> t = new ArrayList<>();
    int done = 0;
    if (executes == 0) {
      return t;
    }
    try {
      while (true) {
        char type = (char) in.readUnsignedByte();
        byte[] m = new byte[in.readInt() - 4];
        in.readFully(m);
        switch (type) {
          case 'S', 'K' -> { }
          case 'C' -> t.add("C:" + new String(m, 0, m.length - 1, StandardCharsets.UTF_8));
          case 'E' -> {
            List<String> f = fields(m);
            t.add("E:" + field(f, 'C'));
            errorMessages.add(field(f, 'C') + " " + field(f, 'M'));
          }
          case 'N' -> {
            List<String> f = fields(m);
            t.add("N:" + field(f, 'V') + ":" + field(f, 'C'));
          }
          case 'Z' -> t.add("Z:" + (char) m[0]);
          case 'D' -> t.add("D:" + dataRow(m));
          case 'T' -> t.add("T:" + columns(m));
          default -> t.add(String.valueOf(type));
        }
        if (type == 'Z' && executes < 0) {
          return t;
        }
        if (executes > 0 && (type == 'E' || type == 'C' || type == 'I' || type == 's') && (type == 'E' || ++done == executes)) {
          return t;
        }
      }
    } catch (SocketTimeoutException e) {
      t.add("TIMEOUT");
      return t;
    }
  }

  @Override
  public void close() {
    try {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      message(buf, 'X', b -> { });
      out.write(buf.toByteArray());
      out.flush();
    } catch (IOException ignored) {
      // closing anyway
    }
    try {
      socket.close();
    } catch (IOException ignored) {
      // closed
    }
  }

  // ------------------------------------------------------------------ encoding

  private interface Body {
    void write(DataOutputStream b) throws IOException;
  }

  private static void message(ByteArrayOutputStream buf, char type, Body body) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    body.write(new DataOutputStream(bytes));
    DataOutputStream o = new DataOutputStream(buf);
    o.writeByte(type);
    o.writeInt(bytes.size() + 4);
    o.write(bytes.toByteArray());
  }

  private static void cstring(DataOutputStream b, String s) throws IOException {
    b.write(s.getBytes(StandardCharsets.UTF_8));
    b.writeByte(0);
  }

  private static int readInt(byte[] m, int at) {
    return (m[at] & 0xff) << 24 | (m[at + 1] & 0xff) << 16 | (m[at + 2] & 0xff) << 8 | (m[at + 3] & 0xff);
  }

  private static List<String> fields(byte[] m) {
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i < m.length && m[i] != 0) {
      int start = i + 1;
      int end = start;
      while (m[end] != 0) {
        end++;
      }
      out.add((char) m[i] + new String(m, start, end - start, StandardCharsets.UTF_8));
      i = end + 1;
    }
    return out;
  }

  private static String field(List<String> fields, char code) {
    for (String f : fields) {
      if (f.charAt(0) == code) {
        return f.substring(1);
      }
    }
    return "";
  }

  private static String dataRow(byte[] m) {
    int n = (m[0] & 0xff) << 8 | (m[1] & 0xff);
    StringBuilder s = new StringBuilder();
    int at = 2;
    for (int i = 0; i < n; i++) {
      int len = readInt(m, at);
      at += 4;
      s.append(i == 0 ? "" : "|").append(len < 0 ? "NULL" : new String(m, at, len, StandardCharsets.UTF_8));
      at += Math.max(len, 0);
    }
    return s.toString();
  }

  private static String columns(byte[] m) {
    int n = (m[0] & 0xff) << 8 | (m[1] & 0xff);
    StringBuilder s = new StringBuilder();
    int at = 2;
    for (int i = 0; i < n; i++) {
      int end = at;
      while (m[end] != 0) {
        end++;
      }
      s.append(i == 0 ? "" : ",").append(new String(m, at, end - at, StandardCharsets.UTF_8));
      at = end + 1 + 18;
    }
    return s.toString();
  }
}
