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
