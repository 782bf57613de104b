package dev.junction.shard;

import java.sql.SQLException;
import java.util.List;

/**
 * A statement analysed for sharding, independent of parameter values so it can be cached by SQL
 * text; {@link #bind} turns it into the route of one execution.
 */
public interface ShardPlan {

  /**
   * The route for one execution.
   *
   * @param parameters the application's {@code ?} parameter values, index 0 for the first; empty for
   *     a plain statement
   * @throws SQLException 22023 for an unusable key value (e.g. NULL or 'abc' for an integer key),
   *     07001 for a wrong parameter count
   */
  ShardRoute bind(List<Object> parameters) throws SQLException;

  /** The opcode when it does not depend on parameter values, or the most expensive one it can take. */
  ShardRoute.Opcode opcode();
}
