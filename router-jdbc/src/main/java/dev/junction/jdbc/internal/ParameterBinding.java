package dev.junction.jdbc.internal;

import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * One recorded {@code setXxx} call of a sharded prepared statement: the value (what the shard
 * planner reads to find the key) and how to replay the exact call on the physical statement, so
 * types given with {@code setNull(i, Types.X)} or {@code setObject(i, v, type)} survive routing.
 */
record ParameterBinding(Object value, Setter setter) {

  @FunctionalInterface
  interface Setter {
    void apply(PreparedStatement statement, int index) throws SQLException;
  }

  static ParameterBinding of(Object value, Setter setter) {
    return new ParameterBinding(value, setter);
  }

  /** A value computed by a rewrite (a pushed-down LIMIT, a split INSERT's row): bound with setObject. */
  static void bindPlain(PreparedStatement statement, int index, Object value) throws SQLException {
    statement.setObject(index, value);
  }
}
