package dev.junction.merge;

/**
 * A time-of-day value of a shard row ({@code time}, {@code timetz}; MySQL/MariaDB {@code TIME}) as the merge groups
 * and orders it: the value the application gets (the driver's {@code java.sql.Time}, or the proxy's text) together
 * with the exact value, read from the database's text.
 *
 * <p>Why: the drivers hand these columns out as {@code java.sql.Time}, which holds milliseconds and no zone.
 * PostgreSQL keeps microseconds ({@code 12:00:00.0001} and {@code 12:00:00.0009} are two values, one
 * {@code java.sql.Time}), and a {@code timetz} is equal to another only when both its time and its zone are
 * ({@code 12:00+01} and {@code 11:00+00} are the same instant but not equal; pgjdbc turns both into one
 * {@code java.sql.Time}), ordered by the UTC time first and then by the zone (the zone east of UTC first). MySQL's
 * {@code TIME(6)} keeps microseconds too. Grouping or ordering by {@code java.sql.Time} merged such values into one
 * group or ordered them arbitrarily: a silent wrong answer. This value compares as the database does
 * (PostgreSQL's {@code timetz_cmp}: UTC time, then the zone); a text it cannot read is refused (0AJ00) when grouped
 * or ordered, never guessed.
 */
public final class SqlTime {
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final Object value;
  /** The local time of day in nanoseconds (PostgreSQL: 00:00 to 24:00; MySQL: a signed duration). */
  private final long nanos;
  /** Seconds west of UTC, as PostgreSQL stores a timetz's zone; 0 without a zone. */
  private final int zoneWest;
  private final boolean zoned;
  /** False: the text could not be read; grouping or ordering the value is refused. */
  private final boolean exact;

  private SqlTime(Object value, long nanos, int zoneWest, boolean zoned, boolean exact) {
    this.value = value;
    this.nanos = nanos;
    this.zoneWest = zoneWest;
    this.zoned = zoned;
    this.exact = exact;
  }

  /**
   * {@code value} (handed out unchanged) with the exact value read from {@code text}, the database's text form:
   * {@code [-]H:MM:SS[.fraction]}, with a zone offset {@code ±HH[:MM[:SS]]} when {@code zoned}.
   */
  public static SqlTime of(Object value, String text, boolean zoned) {
    if (text != null) {
      try {
        String t = text.strip();
        int zoneWest = 0;
        if (zoned) {
          int at = Math.max(t.lastIndexOf('+'), t.lastIndexOf('-'));
          if (at <= 0) {
            return inexact(value, zoned);
          }
          zoneWest = -offsetSeconds(t.substring(at));
          t = t.substring(0, at);
        }
        return new SqlTime(value, timeNanos(t), zoneWest, zoned, true);
      } catch (RuntimeException unreadable) {
        return inexact(value, zoned);
      }
    }
    return inexact(value, zoned);
  }

  /**
   * {@code value} (handed out unchanged) with the exact value of a {@code timetz} as the driver reads it with its zone
   * (pgjdbc's {@code getObject(i, OffsetTime.class)}; its {@code getString} of a binary-format timetz is moved to the
   * client's offset, which loses the zone); null: not readable.
   */
  public static SqlTime of(Object value, java.time.OffsetTime exact) {
    if (exact == null) {
      return inexact(value, true);
    }
    java.time.LocalTime t = exact.toLocalTime();
    long nanos = t.equals(java.time.LocalTime.MAX) ? 86_400L * NANOS_PER_SECOND : t.toNanoOfDay(); // pgjdbc's 24:00
    return new SqlTime(value, nanos, -exact.getOffset().getTotalSeconds(), true, true);
  }

  private static SqlTime inexact(Object value, boolean zoned) {
    return new SqlTime(value, 0, 0, zoned, false);
  }

  /** What the application gets for this value. */
  public Object value() {
    return value;
  }

  private static long timeNanos(String t) {
    boolean negative = t.startsWith("-");
    String[] parts = (negative ? t.substring(1) : t).split(":", -1);
    if (parts.length != 3 || parts[1].length() != 2 || parts[0].isEmpty() || !digits(parts[0]) || !digits(parts[1])) {
      throw new IllegalArgumentException(t);
    }
    String s = parts[2];
    int dot = s.indexOf('.');
    String whole = dot < 0 ? s : s.substring(0, dot);
    String fraction = dot < 0 ? "" : s.substring(dot + 1);
    if (whole.length() != 2 || !digits(whole) || fraction.length() > 9 || !digits(fraction)) {
      throw new IllegalArgumentException(t);
    }
    long seconds = (Long.parseLong(parts[0]) * 60 + Integer.parseInt(parts[1])) * 60 + Integer.parseInt(whole);
    long n = seconds * NANOS_PER_SECOND + (fraction.isEmpty() ? 0 : Long.parseLong((fraction + "000000000").substring(0, 9)));
    return negative ? -n : n;
  }

  private static int offsetSeconds(String o) {
    int sign = o.charAt(0) == '-' ? -1 : 1;
    String[] parts = o.substring(1).split(":", -1);
    if (parts.length > 3) {
      throw new IllegalArgumentException(o);
    }
    int seconds = 0;
    for (int i = 0; i < 3; i++) {
      String p = i < parts.length ? parts[i] : "0";
      if (p.isEmpty() || p.length() > 2 || !digits(p)) {
        throw new IllegalArgumentException(o);
      }
      seconds = seconds * 60 + Integer.parseInt(p);
    }
    return sign * seconds;
  }

  private static boolean digits(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  /** PostgreSQL's order (timetz: by UTC time, then by zone); throws the refusal for a value it could not read. */
  int compareTo(SqlTime o, boolean ordering) {
    if (!exact || !o.exact) {
      throw ordering ? UnmergeableValueException.ordering() : UnmergeableValueException.grouping();
    }
    if (zoned != o.zoned) {
      throw IncomparableValuesException.of("compare", value, o.value);
    }
    if (!zoned) {
      return Long.compare(nanos, o.nanos);
    }
    int c = Long.compare(nanos + zoneWest * NANOS_PER_SECOND, o.nanos + o.zoneWest * NANOS_PER_SECOND);
    return c != 0 ? c : Integer.compare(zoneWest, o.zoneWest);
  }

  /** Equal exactly when the database's {@code =} says so: the same time of day and the same zone. */
  Object groupingKey() {
    if (!exact) {
      throw UnmergeableValueException.grouping();
    }
    return new Key(nanos, zoneWest, zoned);
  }

  private record Key(long nanos, int zoneWest, boolean zoned) {}

  @Override
  public String toString() {
    return String.valueOf(value);
  }
}
