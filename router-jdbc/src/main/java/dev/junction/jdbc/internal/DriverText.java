package dev.junction.jdbc.internal;

import dev.junction.merge.MergeDialect;
import java.math.BigDecimal;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * What the shard driver's {@code getString} returned for values whose text Junction's own formatting
 * ({@link #format}) would not reproduce: PostgreSQL {@code infinity} and BC dates, timestamps with
 * unusual precision, doubles such as {@code 1e+300}, intervals, and whatever else a driver prints in
 * its own way.
 *
 * <h2>Design notes</h2>
 *
 * <ul>
 *   <li><b>Why remember, not re-derive.</b> The merger moves {@code getObject} values around (a
 *       value passed through, or a MIN/MAX partial, is the very object the shard driver returned), and
 *       re-deriving each driver's text from the object is a guessing game (the issue #10 report:
 *       {@code infinity} came back as {@code 8994-08-16}, BC dates lost " BC"). So
 *       {@link ResultSetCursor} asks the driver for the text of every non-string value and, only when
 *       it differs from {@link #format}, records it here by object identity; the merged result set
 *       returns it. Values the merger computes (a SUM, an AVG) have no driver text and are formatted.
 *   <li><b>Bounded by what the merge holds.</b> Entries are removed when the merged result set moves
 *       past the row; rows the merger drops (OFFSET, duplicates, partial groups) are at most what it
 *       holds in memory anyway, and everything goes with the result set.
 *   <li>Identity, not equality: two equal doubles from different shards may print differently only in
 *       theory, but two equal objects from one driver never do; shared constants (Boolean, small
 *       Integer) are not recorded at all.
 * </ul>
 */
final class DriverText {
  /** pgjdbc's {@code PGStatement.DATE_POSITIVE_INFINITY} (the driver is optional at run time). */
  static final long PG_DATE_POSITIVE_INFINITY = 9223372036825200000L;
  /** pgjdbc's {@code PGStatement.DATE_NEGATIVE_INFINITY}. */
  static final long PG_DATE_NEGATIVE_INFINITY = -9223372036832400000L;

  private final Map<Object, String> texts = Collections.synchronizedMap(new IdentityHashMap<>());
  private final MergeDialect dialect;

  DriverText(MergeDialect dialect) {
    this.dialect = dialect;
  }

  MergeDialect dialect() {
    return dialect;
  }

  /** True for values whose driver text is worth checking (not strings, not shared boxed constants). */
  static boolean worthChecking(Object v) {
    return v != null && !(v instanceof String) && !(v instanceof Boolean) && !(v instanceof Integer)
        && !(v instanceof Long) && !(v instanceof Short) && !(v instanceof Byte);
  }

  /** Records {@code driverText} for {@code value} when Junction's own formatting would print something else. */
  void check(Object value, String driverText, int scale, String typeName) {
    if (driverText != null && !driverText.equals(format(value, dialect, scale, typeName))) {
      texts.put(value, driverText);
    }
  }

  /** The driver's text for {@code value}, or null when {@link #format} reproduces it. */
  String of(Object value) {
    return texts.isEmpty() ? null : texts.get(value);
  }

  void forget(Object[] row) {
    if (row == null || texts.isEmpty()) {
      return;
    }
    for (Object v : row) {
      if (v != null) {
        texts.remove(v instanceof dev.junction.merge.SqlTime t ? t.value() : v);
      }
    }
  }

  /** Junction's own text for a value, as the dialect's driver prints the common types. */
  static String format(Object v, MergeDialect dialect, int scale, String typeName) {
    if (v instanceof BigDecimal d) {
      return d.toPlainString();
    }
    if (v instanceof byte[] b) {
      return dialect == MergeDialect.POSTGRESQL ? "\\x" + java.util.HexFormat.of().formatHex(b)
          : new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }
    if (v instanceof Boolean b) {
      return dialect == MergeDialect.POSTGRESQL ? (b ? "t" : "f") : (b ? "1" : "0"); // as the drivers print them
    }
    if (v instanceof Double || v instanceof Float) {
      return floating(((Number) v).doubleValue(), v instanceof Float, dialect);
    }
    if (dialect == MergeDialect.POSTGRESQL && v instanceof java.util.Date d) {
      if (d.getTime() == PG_DATE_POSITIVE_INFINITY) {
        return "infinity";
      }
      if (d.getTime() == PG_DATE_NEGATIVE_INFINITY) {
        return "-infinity";
      }
    }
    String temporal = TemporalText.format(v, dialect, scale, typeName);
    return temporal != null ? temporal : v.toString();
  }

  /**
   * A double as the servers print it: integral values without ".0" ({@code 4}), PostgreSQL's
   * {@code NaN}/{@code Infinity} and exponents with a sign ({@code 1e+300}), MariaDB's without.
   */
  static String floating(double d, boolean single, MergeDialect dialect) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "Infinity" : "-Infinity";
    }
    if (d == 0) {
      return 1 / d < 0 ? "-0" : "0";
    }
    String s = single ? Float.toString((float) d) : Double.toString(d);
    int e = s.indexOf('E');
    String mantissa = e < 0 ? s : s.substring(0, e);
    if (mantissa.endsWith(".0")) {
      mantissa = mantissa.substring(0, mantissa.length() - 2);
    }
    if (e < 0) {
      return mantissa;
    }
    int exponent = Integer.parseInt(s.substring(e + 1));
    int limit = single ? 6 : 15;
    if (exponent >= -4 && exponent < limit) {
      return new BigDecimal(s).stripTrailingZeros().toPlainString();
    }
    String exp = dialect == MergeDialect.POSTGRESQL
        ? (exponent < 0 ? "e-" + (Math.abs(exponent) < 10 ? "0" : "") + Math.abs(exponent)
            : "e+" + (exponent < 10 ? "0" : "") + exponent)
        : "e" + exponent;
    return mantissa + exp;
  }
}
