package dev.junction.merge;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.Arrays;
import java.util.UUID;

/**
 * How the merger orders and groups the Java values a JDBC driver hands back, so that rows from
 * different shards interleave the way one database would have sorted them.
 *
 * <ul>
 *   <li>Numbers of any class (Integer, Long, BigInteger, BigDecimal, Float, Double) compare by
 *       numeric value; {@code 1}, {@code 1L} and {@code 1.00} are equal. NaN sorts above every
 *       other number and -0.0 equals 0.0, as in PostgreSQL.
 *   <li>Strings compare by Unicode code point, which is PostgreSQL's {@code "C"} collation and
 *       MySQL's {@code utf8mb4_bin}. A shard that sorts text under a linguistic or
 *       case-insensitive collation produces a different order, and the k-way merge then
 *       interleaves rows wrongly: give text sort keys a binary collation in scatter queries — on
 *       the column ({@code name text COLLATE "C"}, {@code utf8mb4_bin}) or in the query
 *       ({@code ORDER BY name COLLATE ucs_basic} on PostgreSQL, {@code COLLATE utf8mb4_bin} on
 *       MySQL; the parser does not accept the quoted {@code COLLATE "C"}). The same holds for GROUP BY and
 *       DISTINCT on text: strings group by exact equality, so under a case- or accent-insensitive
 *       collation (MySQL's default {@code utf8mb4_0900_ai_ci}) 'a' and 'A' are one group on a
 *       shard but stay two groups when they come from different shards.
 *   <li>{@code byte[]} compares unsigned lexicographically (PostgreSQL {@code bytea}, MySQL
 *       binary); {@link UUID} compares as 16 unsigned bytes (PostgreSQL {@code uuid}), not
 *       with {@link UUID#compareTo}, which compares signed longs.
 *   <li>{@link OffsetDateTime}/{@link ZonedDateTime} compare by instant; {@link java.util.Date}
 *       and its {@code java.sql} subclasses by time then nanos; other values of one class
 *       through {@link Comparable}. A {@code time}/{@code timetz} column is not read as the driver's
 *       {@code java.sql.Time} (milliseconds, no zone) but as a {@link SqlTime} (microseconds, and
 *       {@code timetz}'s zone: {@code 12:00+01} and {@code 11:00+00} are two values).
 * </ul>
 *
 * Values of unrelated classes in one column are a configuration error (the shards disagree on a
 * column type) and raise an error rather than being ordered arbitrarily. NULL is never passed
 * here: NULL placement belongs to the sort key.
 */
public final class SqlValues {

  private SqlValues() {}

  /**
   * Compares two non-null values of one column.
   *
   * @throws IllegalArgumentException when the values cannot be
   *     ordered against each other
   */
  public static int compare(Object a, Object b) {
    if (a instanceof Number x && b instanceof Number y) {
      return compareNumbers(x, y);
    }
    if (a instanceof String x && b instanceof String y) {
      return compareCodePoints(x, y);
    }
    if (a instanceof byte[] x && b instanceof byte[] y) {
      return Arrays.compareUnsigned(x, y);
    }
    if (a instanceof UUID x && b instanceof UUID y) {
      int c = Long.compareUnsigned(x.getMostSignificantBits(), y.getMostSignificantBits());
      return c != 0 ? c : Long.compareUnsigned(x.getLeastSignificantBits(), y.getLeastSignificantBits());
    }
    if (a instanceof OffsetDateTime x && b instanceof OffsetDateTime y) {
      return x.toInstant().compareTo(y.toInstant());
    }
    if (a instanceof ZonedDateTime x && b instanceof ZonedDateTime y) {
      return x.toInstant().compareTo(y.toInstant());
    }
    if (a instanceof SqlTime x && b instanceof SqlTime y) {
      return x.compareTo(y, true);
    }
    if (a instanceof OrderlessText x || b instanceof OrderlessText) {
      throw UnmergeableValueException.orderingOf(a instanceof OrderlessText x ? x.typeName() : ((OrderlessText) b).typeName());
    }
    if (a instanceof java.util.Date x && b instanceof java.util.Date y) {
      return compareDates(x, y);
    }
    if (a.getClass() == b.getClass() && a instanceof Comparable && EQUALITY_IS_SQL.contains(a.getClass())) {
      @SuppressWarnings("unchecked")
      Comparable<Object> c = (Comparable<Object>) a;
      return c.compareTo(b);
    }
    if (a.getClass() == b.getClass() || !ordered(a) || !ordered(b)) {
      throw UnmergeableValueException.ordering();
    }
    throw IncomparableValuesException.of("compare", a, b);
  }

  /**
   * A value to use in {@code equals}/{@code hashCode} so that values SQL considers equal — a
   * GROUP BY or DISTINCT key — are equal in Java: numbers by numeric value whatever their class
   * ({@code 1}, {@code 1L}, {@code 1.00}, {@code 1.0d}; consistent with {@link #compare}),
   * {@code byte[]} by content, timestamps with time zone by instant. NULL stays
   * NULL (all NULLs form one group, as in SQL).
   *
   * <p>Only for value classes whose equality is provably the database's: numbers, strings (exact,
   * see the collation note above), bytes, booleans, UUIDs and date/time values. Anything else
   * (an SQL array, which compares by identity; an interval, where PostgreSQL's {@code 1 day} equals
   * {@code 24:00:00} and {@code 1 mon} equals {@code 30 days}; json and other driver objects
   * compared by their text) is refused rather than grouped by a Java equality that may split one
   * SQL group in two.
   *
   * @throws IllegalArgumentException ({@link UnmergeableValueException}) for such a value
   */
  public static Object groupingKey(Object v) {
    if (v == null || v instanceof String) {
      return v;
    }
    if (v instanceof Long) {
      return v;
    }
    if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    if (v instanceof BigDecimal d) {
      return canonical(d);
    }
    if (v instanceof BigInteger i) {
      return i.bitLength() < 64 ? (Object) i.longValue() : i;
    }
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        return d; // every NaN boxes equal to every other
      }
      long l = (long) d;
      if (l == d && Math.abs(d) < 0x1p62) {
        return l; // also maps -0.0 to 0
      }
      return canonical(new BigDecimal(d)); // the exact binary value, as compare() sees it
    }
    if (v instanceof byte[] b) {
      return ByteBuffer.wrap(b);
    }
    if (v instanceof OffsetDateTime t) {
      return t.toInstant();
    }
    if (v instanceof ZonedDateTime t) {
      return t.toInstant();
    }
    if (v instanceof SqlTime t) {
      return t.groupingKey();
    }
    if (v instanceof OrderlessText t) {
      return t.text(); // equal exactly when the labels are
    }
    if (v instanceof java.util.Date || EQUALITY_IS_SQL.contains(v.getClass())) {
      return v;
    }
    throw UnmergeableValueException.grouping();
  }

  /**
   * Classes (besides numbers, strings, {@code byte[]}, {@link java.util.Date} and its subclasses,
   * handled above) whose Java equality and order are the database's for the columns drivers map to
   * them.
   */
  private static final java.util.Set<Class<?>> EQUALITY_IS_SQL = java.util.Set.of(Boolean.class, UUID.class,
      Character.class, java.time.LocalDate.class, java.time.LocalTime.class, java.time.LocalDateTime.class,
      java.time.Instant.class);

  private static boolean ordered(Object v) {
    return v instanceof Number || v instanceof String || v instanceof byte[] || v instanceof UUID
        || v instanceof OffsetDateTime || v instanceof ZonedDateTime || v instanceof java.util.Date || v instanceof SqlTime
        || EQUALITY_IS_SQL.contains(v.getClass());
  }

  private static Object canonical(BigDecimal d) {
    if (d.signum() == 0) {
      return 0L;
    }
    BigDecimal s = d.stripTrailingZeros();
    if (s.scale() <= 0 && s.precision() - s.scale() <= 18) {
      return s.longValueExact();
    }
    return s;
  }

  static boolean isIntegral(Object n) {
    return n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte;
  }

  static boolean isFloating(Object n) {
    return n instanceof Double || n instanceof Float;
  }

  static BigDecimal toBigDecimal(Number n) {
    if (n instanceof BigDecimal d) {
      return d;
    }
    if (isIntegral(n)) {
      return BigDecimal.valueOf(n.longValue());
    }
    if (n instanceof BigInteger i) {
      return new BigDecimal(i);
    }
    if (isFloating(n)) {
      return new BigDecimal(n.doubleValue());
    }
    return new BigDecimal(n.toString());
  }

  private static int compareNumbers(Number a, Number b) {
    if (isIntegral(a) && isIntegral(b)) {
      return Long.compare(a.longValue(), b.longValue());
    }
    boolean fa = isFloating(a);
    boolean fb = isFloating(b);
    if (fa && fb) {
      return compareDoubles(a.doubleValue(), b.doubleValue());
    }
    if (fa || fb) {
      double d = fa ? a.doubleValue() : b.doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        // NaN is above everything (PostgreSQL); infinities are beyond every finite value
        int sign = Double.isNaN(d) || d > 0 ? 1 : -1;
        return fa ? sign : -sign;
      }
      // PostgreSQL and MariaDB compare a float with an exact number as double precision: the exact
      // one is converted (HAVING max(f) = 0.1 is true for the double 0.1, not for the decimal 0.1)
      return compareDoubles(a.doubleValue(), b.doubleValue());
    }
    if (a instanceof BigDecimal x && b instanceof BigDecimal y) {
      return x.compareTo(y);
    }
    return toBigDecimal(a).compareTo(toBigDecimal(b));
  }

  private static int compareDoubles(double x, double y) {
    if (x < y) {
      return -1;
    }
    if (x > y) {
      return 1;
    }
    return x == y ? 0 : Double.compare(x, y); // only NaN gets here: NaN above all, NaN == NaN
  }

  private static int compareDates(java.util.Date x, java.util.Date y) {
    int c = Long.compare(x.getTime(), y.getTime());
    if (c != 0) {
      return c;
    }
    int nx = x instanceof java.sql.Timestamp t ? t.getNanos() : 0;
    int ny = y instanceof java.sql.Timestamp t ? t.getNanos() : 0;
    return Integer.compare(nx, ny);
  }

  /**
   * Code point order. {@link String#compareTo} compares UTF-16 units, which puts U+E000..U+FFFF
   * above supplementary characters; a byte-wise (UTF-8) database puts them below.
   */
  static int compareCodePoints(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char x = a.charAt(i);
      char y = b.charAt(i);
      if (x != y) {
        return fixUp(x) - fixUp(y);
      }
    }
    return a.length() - b.length();
  }

  /** Moves surrogates above U+E000..U+FFFF so unit order becomes code point order. */
  private static int fixUp(char c) {
    if (c < 0xD800) {
      return c;
    }
    return c >= 0xE000 ? c - 0x800 : c + 0x2000;
  }
}
