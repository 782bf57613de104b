package dev.junction.merge;

import java.sql.SQLFeatureNotSupportedException;

/**
 * A value the merge cannot group or order across shards with the database's own semantics: its
 * Java equality or order is not provably the SQL one (an array compares by identity, an interval's
 * {@code 1 day} equals {@code 24:00:00} in PostgreSQL but not in Java, a json or driver object by
 * its text). Unchecked so it can leave a {@link java.util.Comparator} or a hash key; the merge
 * cursors turn it into a refusal (0AJ00) instead of answering with rows that may be wrong.
 */
final class UnmergeableValueException extends IllegalArgumentException {

  private static final String WAY_OUT = Unsupported.ROUTE_TO_ONE_SHARD
      + ", or use a column or expression of a number, text, date/time, boolean, bytea or uuid type there.";

  private UnmergeableValueException(String message) {
    super(message);
  }

  static UnmergeableValueException grouping() {
    return new UnmergeableValueException("GROUP BY or DISTINCT on " + KINDS
        + " is not supported in a multi-shard SELECT: Junction cannot show that two such values from different shards"
        + " are equal exactly when the database says they are. " + WAY_OUT);
  }

  static UnmergeableValueException ordering() {
    return new UnmergeableValueException("ORDER BY, MIN or MAX on " + KINDS
        + " is not supported in a multi-shard SELECT: Junction cannot order such values as the database does. " + WAY_OUT);
  }

  /** PostgreSQL's {@code sum(real)}, the shards' partial of {@code avg(real)}, accumulates in real. */
  static UnmergeableValueException averageOfReal() {
    return new UnmergeableValueException("AVG of a real (float4) value is not supported in a multi-shard SELECT: the shards'"
        + " partial sum(real) accumulates in real, while PostgreSQL's avg(real) accumulates in double precision. Write"
        + " avg(x::float8), which is the same value, or " + Unsupported.ROUTE_TO_ONE_SHARD_LOWER + ".");
  }

  /** ORDER BY, MIN or MAX of a text value whose type orders otherwise (a PostgreSQL enum by declaration). */
  static UnmergeableValueException orderingOf(String typeName) {
    return new UnmergeableValueException("ORDER BY, MIN or MAX on a column of type " + typeName
        + " is not supported in a multi-shard SELECT: the driver hands it out as text, and Junction cannot order it as"
        + " the database does (an enum by its declaration). " + Unsupported.ROUTE_TO_ONE_SHARD + ", or order by a text"
        + " cast of it (col::text) if code-point order is what you want.");
  }

  /** A HAVING timestamp literal whose offset a timestamp column ignores and a timestamptz column applies. */
  static UnmergeableValueException offsetLiteral(String literal) {
    return new UnmergeableValueException("HAVING with the timestamp literal '" + literal + "' is not supported in a"
        + " multi-shard SELECT: a timestamp column ignores its UTC offset and a timestamptz column applies it, and the"
        + " merged value does not say which it is. Bind the value as a parameter, or write it without an offset (read"
        + " in the session's time zone, which pgjdbc sets to the JVM's).");
  }

  SQLFeatureNotSupportedException refusal() {
    return new SQLFeatureNotSupportedException(getMessage(), Unsupported.SQL_STATE, this);
  }

  /**
   * What the refusal names: the kind of value, not its Java class, so that the library (the driver's
   * objects) and the proxy (its own decoded values) refuse a statement in the same words.
   */
  private static final String KINDS = "a column of an array, interval, json or other type without a provable equality";
}
