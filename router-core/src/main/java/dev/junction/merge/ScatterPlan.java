package dev.junction.merge;

import java.sql.SQLException;
import java.util.List;
import java.util.Objects;

/**
 * A SELECT rewritten to fan out: the statement every shard runs and how to merge what they return.
 * Independent of parameter values, so it can be cached per SQL text; {@link #bind} specialises it
 * for one execution.
 *
 * @param shardSql the statement each shard executes
 * @param spec how the merger combines the shard results (may still hold {@code ?} references)
 * @param shardParameters how to build each shard's parameter list from the application's
 * @param parameterCount number of positional {@code ?} parameters the application binds
 */
public record ScatterPlan(String shardSql, MergeSpec spec, ShardParameters shardParameters, int parameterCount) {

  public ScatterPlan {
    Objects.requireNonNull(shardSql, "shardSql");
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(shardParameters, "shardParameters");
  }

  /** The plan for a statement without parameters. */
  public BoundScatterPlan bind() throws SQLException {
    return bind(List.of());
  }

  /**
   * Resolves parameters for one execution: the shard parameter list (with LIMIT + OFFSET computed
   * when both were pushed down) and a spec with LIMIT, OFFSET and HAVING values filled in.
   *
   * @param parameters the application's parameter values, index 0 for {@code ?} number 1
   * @throws SQLException 07001 when the count is wrong; 2201W/2201X for a negative LIMIT/OFFSET
   */
  public BoundScatterPlan bind(List<?> parameters) throws SQLException {
    if (!shardParameters.isPassThrough() && parameters.size() != parameterCount) {
      throw new SQLException(
          "the statement has " + parameterCount + " parameters but " + parameters.size() + " were bound", "07001");
    }
    MergeSpec bound = spec.bind(parameters);
    long limit = bound.limit().orElse(-1);
    long offset = bound.offset().orElse(0);
    long shardLimit = limit < 0 ? Long.MAX_VALUE : limit == 0 ? 0 : saturatedAdd(limit, offset);
    return new BoundScatterPlan(shardSql, shardParameters.values(parameters, shardLimit), bound);
  }

  static long saturatedAdd(long a, long b) {
    long r = a + b;
    return r < 0 ? Long.MAX_VALUE : r;
  }
}
