package dev.junction.merge;

import java.sql.SQLFeatureNotSupportedException;

/** The error for a SELECT the planner cannot split across shards (SQLState {@link dev.junction.JunctionSqlState#REFUSED}). */
final class Unsupported {

  static final String SQL_STATE = dev.junction.JunctionSqlState.REFUSED;

  /** Appended when the only general way out is to stop scattering. */
  static final String ROUTE_TO_ONE_SHARD =
      "Add a shard-key predicate so the query runs on one shard";

  /** The same, to follow "..., or ". */
  static final String ROUTE_TO_ONE_SHARD_LOWER =
      "add a shard-key predicate so the query runs on one shard";

  private Unsupported() {}

  /**
   * @param construct what in the statement is the problem, e.g. "COUNT(DISTINCT x)"
   * @param why why it cannot run across shards
   * @param instead what the application can do instead
   */
  static SQLFeatureNotSupportedException of(String construct, String why, String instead) {
    return new SQLFeatureNotSupportedException(
        ParameterMarkers.display(construct) + " is not supported in a multi-shard SELECT: " + why + ". "
            + instead + ".",
        SQL_STATE);
  }
}
