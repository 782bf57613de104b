package dev.junction.merge;

/**
 * Two values of one merge column could not be compared or combined (different Java types from
 * different shards, or a type without an order). Unchecked so it can leave a {@link
 * java.util.Comparator}; the merge cursors turn it into a {@link java.sql.SQLDataException}.
 */
final class IncomparableValuesException extends IllegalArgumentException {
  IncomparableValuesException(String message) {
    super(message);
  }

  static IncomparableValuesException of(String what, Object a, Object b) {
    return new IncomparableValuesException(
        "cannot " + what + " " + describe(a) + " and " + describe(b)
            + " in one merge column; the shards must return the same SQL type for it"
            + " (check that the column has the same type on every shard)");
  }

  private static String describe(Object v) {
    return v == null ? "NULL" : v.getClass().getName();
  }
}
