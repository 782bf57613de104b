package dev.junction.jdbc.internal;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.io.Writer;
import java.sql.Clob;
import java.sql.NClob;
import java.sql.SQLException;

/**
 * A driver Clob (or NClob) that reads through its physical connection (pgjdbc's {@code PgClob}, a
 * large object), usable while its {@link Lease} holds; afterwards every call fails with
 * {@link Lease#EXPIRED}. See {@link JunctionBlob}; in-memory Clobs are not wrapped ({@link JunctionLobs}).
 */
class JunctionClob implements Clob {
  final Clob physical;
  final Lease lease;
  private final String what;

  JunctionClob(Clob physical, Lease lease) {
    this(physical, lease, "Clob");
  }

  JunctionClob(Clob physical, Lease lease, String what) {
    this.physical = physical;
    this.lease = lease;
    this.what = what;
  }

  Clob physical() throws SQLException {
    lease.check(what);
    return physical;
  }

  @Override public long length() throws SQLException { return physical().length(); }
  @Override public String getSubString(long pos, int length) throws SQLException { return physical().getSubString(pos, length); }
  @Override public Reader getCharacterStream() throws SQLException {
    return LeasedStreams.reader(physical().getCharacterStream(), lease, what);
  }
  @Override public Reader getCharacterStream(long pos, long length) throws SQLException {
    return LeasedStreams.reader(physical().getCharacterStream(pos, length), lease, what);
  }
  @Override public InputStream getAsciiStream() throws SQLException {
    return LeasedStreams.in(physical().getAsciiStream(), lease, what);
  }
  @Override public long position(String pattern, long start) throws SQLException { return physical().position(pattern, start); }
  @Override public long position(Clob pattern, long start) throws SQLException { return physical().position(pattern, start); }
  @Override public int setString(long pos, String str) throws SQLException { return physical().setString(pos, str); }
  @Override public int setString(long pos, String str, int offset, int len) throws SQLException {
    return physical().setString(pos, str, offset, len);
  }
  @Override public OutputStream setAsciiStream(long pos) throws SQLException {
    return LeasedStreams.out(physical().setAsciiStream(pos), lease, what);
  }
  @Override public Writer setCharacterStream(long pos) throws SQLException {
    return LeasedStreams.writer(physical().setCharacterStream(pos), lease, what);
  }
  @Override public void truncate(long len) throws SQLException { physical().truncate(len); }

  @Override
  public void free() throws SQLException {
    if (lease.valid()) {
      physical.free();
    }
  }

  @Override
  public String toString() {
    return "Junction" + what + " wrapping " + physical;
  }

  /** The NClob flavour (same calls; the interface only marks national character data). */
  static final class N extends JunctionClob implements NClob {
    N(NClob physical, Lease lease) {
      super(physical, lease, "NClob");
    }
  }
}
