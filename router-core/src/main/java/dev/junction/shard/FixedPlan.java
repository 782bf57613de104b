package dev.junction.shard;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * A plan whose targets do not depend on parameter values (DEFAULT, ANY, BROADCAST, a hint, a
 * keyless SCATTER): binding only checks the parameter count.
 */
final class FixedPlan implements ShardPlan {

  private final ShardRoute.Opcode opcode;
  private final int[] shards;
  private final String sql;
  private final int parameterCount;
  private final String explanation;

  /** @param parameterCount the number of {@code ?} markers, or -1 to accept any number */
  FixedPlan(ShardRoute.Opcode opcode, int[] shards, String sql, int parameterCount, String explanation) {
    this.opcode = opcode;
    this.shards = shards.clone();
    this.sql = sql;
    this.parameterCount = parameterCount;
    this.explanation = explanation;
  }

  static int[] allShards(int count) {
    int[] all = new int[count];
    for (int i = 0; i < count; i++) {
      all[i] = i;
    }
    return all;
  }

  @Override
  public ShardRoute bind(List<Object> parameters) throws SQLException {
    checkCount(parameterCount, parameters);
    return route(opcode, shards, sql, parameters, explanation);
  }

  @Override
  public ShardRoute.Opcode opcode() {
    return opcode;
  }

  static void checkCount(int expected, List<Object> parameters) throws SQLException {
    int actual = parameters == null ? 0 : parameters.size();
    if (expected >= 0 && actual != expected) {
      throw PlannerErrors.parameterCount(expected, actual);
    }
  }

  /** The same SQL and parameters on each of {@code shards} (ascending). */
  static ShardRoute route(ShardRoute.Opcode opcode, int[] shards, String sql, List<Object> parameters, String explanation) {
    List<Object> params = parameters == null ? List.of() : parameters;
    List<ShardRoute.ShardStatement> statements = new ArrayList<>(shards.length);
    for (int shard : shards) {
      statements.add(new ShardRoute.ShardStatement(shard, sql, params));
    }
    return new ShardRoute(opcode, statements, explanation);
  }

  @Override
  public String toString() {
    return opcode + " " + explanation;
  }
}
