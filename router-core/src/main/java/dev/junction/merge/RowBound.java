package dev.junction.merge;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.util.List;

/**
 * A LIMIT or OFFSET of a scatter query: absent, a literal, or a JDBC {@code ?} parameter whose
 * value is known only at execution. Keeping the parameter index (instead of refusing
 * {@code LIMIT ?}) lets one cached plan serve every execution of a prepared statement.
 *
 * @param value the row count; -1 when absent or not yet bound
 * @param parameter 1-based index of the JDBC parameter holding the value; 0 when not a parameter
 */
public record RowBound(long value, int parameter) {

  /** No LIMIT, or no OFFSET (the same as OFFSET 0). */
  public static final RowBound NONE = new RowBound(-1, 0);

  public RowBound {
    if (parameter < 0 || (parameter > 0 && value != -1) || value < -1) {
      throw new IllegalArgumentException("invalid row bound: value=" + value + ", parameter=" + parameter);
    }
  }

  public static RowBound literal(long value) {
    if (value < 0) {
      throw new IllegalArgumentException("row bound must not be negative: " + value);
    }
    return new RowBound(value, 0);
  }

  public static RowBound parameter(int index) {
    if (index < 1) {
      throw new IllegalArgumentException("JDBC parameter indexes start at 1, got " + index);
    }
    return new RowBound(-1, index);
  }

  public boolean isParameter() {
    return parameter > 0;
  }

  public boolean isPresent() {
    return value >= 0 || parameter > 0;
  }

  /**
   * This bound with its parameter replaced by the execution's value. A NULL value means "no
   * bound", as {@code LIMIT NULL} does in PostgreSQL.
   *
   * @param clause "LIMIT" or "OFFSET", for error messages
   */
  RowBound bind(List<?> parameters, String clause) throws SQLException {
    if (!isParameter()) {
      return this;
    }
    if (parameter > parameters.size()) {
      throw new SQLException(
          clause + " refers to parameter " + parameter + " but only " + parameters.size() + " were bound", "07001");
    }
    Object v = parameters.get(parameter - 1);
    if (v == null) {
      return NONE;
    }
    long n = toLong(v, clause);
    if (n < 0) {
      throw new SQLDataException(
          clause + " must not be negative, got " + n, clause.equals("LIMIT") ? "2201W" : "2201X");
    }
    return literal(n);
  }

  private static long toLong(Object v, String clause) throws SQLDataException {
    try {
      if (SqlValues.isIntegral(v)) {
        return ((Number) v).longValue();
      }
      if (v instanceof BigInteger i) {
        return i.longValueExact();
      }
      if (v instanceof BigDecimal d) {
        return d.longValueExact();
      }
      if (v instanceof String s) {
        return Long.parseLong(s.trim());
      }
    } catch (ArithmeticException | NumberFormatException e) {
      // fall through to the error below
    }
    throw new SQLDataException(
        clause + " parameter must be a whole number that fits in a long, got '" + v + "' ("
            + v.getClass().getSimpleName() + ")", "22023");
  }

  /** The bound's value, or {@code absent} when there is none. Requires a bound (non-parameter) value. */
  long orElse(long absent) {
    if (isParameter()) {
      throw new IllegalStateException("row bound is still parameter ?" + parameter + "; bind the plan first");
    }
    return value < 0 ? absent : value;
  }

  @Override
  public String toString() {
    return isParameter() ? "?" + parameter : value < 0 ? "none" : Long.toString(value);
  }
}
