package dev.junction.jdbc.internal;

import java.io.InputStream;
import java.io.OutputStream;
import java.sql.Blob;
import java.sql.SQLException;

/**
 * A driver Blob that reads through its physical connection (pgjdbc's {@code PgBlob}: a large object,
 * opened, read and written with large-object calls on the connection it came from), usable while
 * its {@link Lease} holds. Afterwards every call fails with {@link Lease#EXPIRED} instead of running on
 * the connection's next borrower. Passed to {@code setBlob} of a Junction statement it is read through
 * the {@link Blob} interface by the driver of whatever connection runs that statement (pgjdbc and
 * Connector/J copy its bytes), so it is never unwrapped. Blobs held in memory (Connector/J's) are not
 * wrapped: see {@link JunctionLobs}.
 */
final class JunctionBlob implements Blob {
  private final Blob physical;
  private final Lease lease;

  JunctionBlob(Blob physical, Lease lease) {
    this.physical = physical;
    this.lease = lease;
  }

  private Blob physical() throws SQLException {
    lease.check("Blob");
    return physical;
  }

  @Override public long length() throws SQLException { return physical().length(); }
  @Override public byte[] getBytes(long pos, int length) throws SQLException { return physical().getBytes(pos, length); }
  @Override public InputStream getBinaryStream() throws SQLException {
    return LeasedStreams.in(physical().getBinaryStream(), lease, "Blob");
  }
  @Override public InputStream getBinaryStream(long pos, long length) throws SQLException {
    return LeasedStreams.in(physical().getBinaryStream(pos, length), lease, "Blob");
  }
  @Override public long position(byte[] pattern, long start) throws SQLException { return physical().position(pattern, start); }
  @Override public long position(Blob pattern, long start) throws SQLException { return physical().position(pattern, start); }
  @Override public int setBytes(long pos, byte[] bytes) throws SQLException { return physical().setBytes(pos, bytes); }
  @Override public int setBytes(long pos, byte[] bytes, int offset, int len) throws SQLException {
    return physical().setBytes(pos, bytes, offset, len);
  }
  @Override public OutputStream setBinaryStream(long pos) throws SQLException {
    return LeasedStreams.out(physical().setBinaryStream(pos), lease, "Blob");
  }
  @Override public void truncate(long len) throws SQLException { physical().truncate(len); }

  /** Frees the driver's object while the lease holds; afterwards there is nothing of ours to free on that connection. */
  @Override
  public void free() throws SQLException {
    if (lease.valid()) {
      physical.free();
    }
  }

  @Override
  public String toString() {
    return "JunctionBlob wrapping " + physical;
  }
}
