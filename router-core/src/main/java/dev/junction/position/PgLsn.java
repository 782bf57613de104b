package dev.junction.position;

/**
 * A PostgreSQL WAL location ({@code pg_lsn}): a 64-bit byte position written {@code X/Y} in hex.
 * Compared in Java as an unsigned long, so no round trip to {@code pg_wal_lsn_diff} is needed.
 */
public record PgLsn(long value) implements ReplicationPosition {

  public static final PgLsn ZERO = new PgLsn(0);

  /** Parses the server's text form, e.g. {@code 0/3000148}. */
  public static PgLsn parse(String text) {
    int slash = text.indexOf('/');
    if (slash <= 0 || slash == text.length() - 1) {
      throw new IllegalArgumentException("not a PostgreSQL LSN: '" + text + "' (expected hex 'X/Y', e.g. 0/3000148)");
    }
    try {
      long hi = Long.parseUnsignedLong(text, 0, slash, 16);
      long lo = Long.parseUnsignedLong(text, slash + 1, text.length(), 16);
      if (hi > 0xFFFF_FFFFL || lo > 0xFFFF_FFFFL) {
        throw new NumberFormatException("half exceeds 32 bits");
      }
      return new PgLsn((hi << 32) | lo);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a PostgreSQL LSN: '" + text + "' (expected hex 'X/Y', e.g. 0/3000148)", e);
    }
  }

  /** Page header sizes on 64-bit servers: {@code SizeOfXLogShortPHD}, {@code SizeOfXLogLongPHD}. */
  static final long SHORT_PAGE_HEADER = 24;
  static final long LONG_PAGE_HEADER = 40;

  /**
   * The insert position ({@code pg_current_wal_insert_lsn()}), moved back over a page header it points
   * just past. When the last record ended exactly at a page boundary, the insert position points after
   * the next page's header, where no replica's replay position (the end of the last record replayed)
   * will ever be until the primary writes again: an idle primary would make every fenced read wait.
   * Nothing can end inside a header, so the boundary is the same fence. {@code blockSize} and
   * {@code segmentSize} are the server's {@code wal_block_size} and {@code wal_segment_size} in bytes
   * (0 when unknown: the position is kept).
   */
  public static PgLsn recordBoundary(PgLsn insert, long blockSize, long segmentSize) {
    long v = insert.value;
    if (segmentSize > 0 && Long.remainderUnsigned(v, segmentSize) == LONG_PAGE_HEADER) {
      return new PgLsn(v - LONG_PAGE_HEADER);
    }
    if (blockSize > 0 && Long.remainderUnsigned(v, blockSize) == SHORT_PAGE_HEADER) {
      return new PgLsn(v - SHORT_PAGE_HEADER);
    }
    return insert;
  }

  /** Bytes by which this position is ahead of {@code other} (negative when behind). */
  public long minus(PgLsn other) {
    return value - other.value;
  }

  @Override
  public boolean covers(ReplicationPosition fence) {
    return Long.compareUnsigned(value, ((PgLsn) fence).value) >= 0;
  }

  @Override
  public ReplicationPosition max(ReplicationPosition other) {
    return covers(other) ? this : other;
  }

  @Override
  public ReplicationPosition clampTo(ReplicationPosition head) {
    return ((PgLsn) head).covers(this) ? this : head;
  }

  @Override
  public String encode() {
    return "pg:" + this;
  }

  @Override
  public String toString() {
    return Long.toHexString(value >>> 32).toUpperCase() + "/" + Long.toHexString(value & 0xFFFF_FFFFL).toUpperCase();
  }
}
