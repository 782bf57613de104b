package dev.junction.merge;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * How one column of per-shard partial rows becomes one column of the merged row. Each shard has
 * already aggregated its own rows; these are the functions that are correct to apply again to the
 * partial results (COUNT of counts is wrong, SUM of counts is right).
 *
 * <p>Result types: COUNT is {@link Long}. SUM keeps the partials' type — {@code Long} stays
 * {@code Long} until it would overflow and then becomes {@link BigDecimal}; {@code BigDecimal}
 * stays {@code BigDecimal}; {@code Double} stays {@code Double}; {@code Float} stays {@code Float}
 * (PostgreSQL's {@code sum(real)} is {@code real}); Integer/Short/Byte partials widen to Long and
 * BigInteger to BigDecimal. SUM is NULL only when every partial is NULL.
 */
public enum Combine {
  /** A GROUP BY key: equal in every partial of the group; the first one is kept. */
  KEY,
  /**
   * A non-aggregated value that is the same in every partial of a group (an expression over the
   * GROUP BY keys, a constant, a MySQL functionally dependent column); the first one is kept.
   */
  FIRST,
  /**
   * Partial ANY_VALUEs: the first non-NULL one. PostgreSQL's any_value skips NULLs, so a shard whose
   * group has only NULLs must not decide the value (MySQL's may return any row's value, NULL or not).
   */
  ANY_VALUE,
  /** Partial COUNTs: summed as longs. */
  COUNT,
  /** Partial SUMs: summed; NULL only if every partial is NULL. */
  SUM,
  /** Partial MINs: the smallest non-NULL. */
  MIN,
  /** Partial MAXes: the largest non-NULL. */
  MAX,
  /**
   * A rewritten AVG: this column carries partial SUMs and its partner (a hidden column) partial
   * COUNTs; after combining, the column is replaced by sum / count.
   */
  AVG,
  /** Partial BOOL_AND/EVERY: false if any partial is false, NULL if all are NULL. */
  BOOL_AND,
  /** Partial BOOL_OR: true if any partial is true, NULL if all are NULL. */
  BOOL_OR,
  /**
   * Partial {@code string_agg(x, sep)} / {@code group_concat(x)} without ORDER BY inside: the non-NULL
   * partials joined by the separator (read from the partner column) after every shard was read, an
   * exact answer as a multiset of elements ({@link Multisets}). NULL when every partial is NULL.
   */
  CONCAT,
  /**
   * Partial {@code array_agg(x)} without ORDER BY inside: the non-NULL partial arrays concatenated
   * ({@link Multisets}). NULL when every partial is NULL.
   */
  ARRAY;

  /** The state for a group whose first partial value is {@code v}. */
  Object first(Object v) {
    return switch (this) {
      case COUNT -> v == null ? 0L : asLong(v);
      case SUM, AVG -> widen(v);
      case CONCAT, ARRAY -> new Multisets.Parts(this == ARRAY).add(v);
      default -> v;
    };
  }

  /** The state after adding partial {@code v} to state {@code acc}. */
  Object add(Object acc, Object v) {
    switch (this) {
      case KEY:
      case FIRST:
        return acc;
      case ANY_VALUE:
        return acc == null ? v : acc;
      case COUNT:
        return v == null ? acc : Math.addExact((Long) acc, asLong(v));
      case SUM:
      case AVG:
        return sum(acc, v);
      case MIN:
        return acc == null ? v : v == null ? acc : SqlValues.compare(v, acc) < 0 ? v : acc;
      case MAX:
        return acc == null ? v : v == null ? acc : SqlValues.compare(v, acc) > 0 ? v : acc;
      case BOOL_AND:
        return acc == null ? v : v == null ? acc : Boolean.valueOf(asBoolean(acc) && asBoolean(v));
      case BOOL_OR:
        return acc == null ? v : v == null ? acc : Boolean.valueOf(asBoolean(acc) || asBoolean(v));
      case CONCAT:
      case ARRAY:
        return ((Multisets.Parts) acc).add(v);
      default:
        throw new AssertionError(this);
    }
  }

  /** Adds two partial sums following the type rules in the class comment. */
  static Object sum(Object a, Object b) {
    if (b == null) {
      return a;
    }
    b = widen(b);
    if (a == null) {
      return b;
    }
    if (a instanceof Long x && b instanceof Long y) {
      long r = x + y;
      if (((x ^ r) & (y ^ r)) < 0) { // overflow
        return BigDecimal.valueOf(x).add(BigDecimal.valueOf(y));
      }
      return r;
    }
    if (a instanceof Number x && b instanceof Number y) {
      if (a instanceof Float && b instanceof Float) {
        return x.floatValue() + y.floatValue();
      }
      if (SqlValues.isFloating(a) || SqlValues.isFloating(b)) {
        return x.doubleValue() + y.doubleValue();
      }
      return SqlValues.toBigDecimal(x).add(SqlValues.toBigDecimal(y));
    }
    throw IncomparableValuesException.of("add", a, b);
  }

  private static Object widen(Object v) {
    if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    if (v instanceof BigInteger i) {
      return new BigDecimal(i);
    }
    if (v != null && !(v instanceof Number)) {
      throw new IncomparableValuesException(
          "a SUM/AVG partial must be a number, got " + v.getClass().getName());
    }
    return v;
  }

  private static long asLong(Object v) {
    if (SqlValues.isIntegral(v)) {
      return ((Number) v).longValue();
    }
    if (v instanceof BigDecimal d) {
      return d.longValueExact();
    }
    if (v instanceof BigInteger i) {
      return i.longValueExact();
    }
    throw new IncomparableValuesException(
        "a COUNT partial must be a whole number, got " + (v == null ? "NULL" : v.getClass().getName()));
  }

  private static boolean asBoolean(Object v) {
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof Number n) { // MySQL returns BOOL aggregates as integers
      return n.intValue() != 0;
    }
    throw new IncomparableValuesException("a boolean aggregate partial must be Boolean, got " + v.getClass().getName());
  }
}
