package dev.junction.shard;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * An INSERT into a sharded table: each VALUES row goes to the shard of its key. Rows on one
 * shard keep the original statement (SINGLE); rows on several are regrouped into one statement
 * per shard (INSERT_SPLIT) from text pieces cut at plan time.
 */
final class InsertPlan implements ShardPlan {

  private final ShardingRules rules;
  private final ShardedTable table;
  private final String sql;
  private final int parameterCount;
  /** Per row: the literal key's shard (>= 0), or -(parameter index + 1). */
  private final int[] rowKeys;
  private final InsertRows pieces;

  InsertPlan(ShardingRules rules, ShardedTable table, String sql, int parameterCount, int[] rowKeys, InsertRows pieces) {
    this.rules = rules;
    this.table = table;
    this.sql = sql;
    this.parameterCount = parameterCount;
    this.rowKeys = rowKeys.clone();
    this.pieces = pieces;
  }

  @Override
  public ShardRoute.Opcode opcode() {
    if (rowKeys.length == 1) {
      return ShardRoute.Opcode.SINGLE;
    }
    int first = rowKeys[0];
    for (int k : rowKeys) {
      if (k < 0 || k != first) {
        return ShardRoute.Opcode.INSERT_SPLIT;
      }
    }
    return ShardRoute.Opcode.SINGLE;
  }

  @Override
  public ShardRoute bind(List<Object> parameters) throws SQLException {
    FixedPlan.checkCount(parameterCount, parameters);
    List<Object> values = parameters == null ? List.of() : parameters;
    int count = rules.shardCount();
    int[] rowShard = new int[rowKeys.length];
    int[] rowsPerShard = new int[count];
    int shardsUsed = 0;
    for (int r = 0; r < rowKeys.length; r++) {
      int k = rowKeys[r];
      if (k < 0) {
        Object value = values.get(-k - 1);
        if (value == null) {
          throw PlannerErrors.badKey("row " + (r + 1) + " of the INSERT into " + table.name() + " binds NULL to the shard key "
              + table.keyColumn() + "; a sharded row needs a non-NULL key");
        }
        k = rules.shardOf(table, value);
      }
      rowShard[r] = k;
      if (rowsPerShard[k]++ == 0) {
        shardsUsed++;
      }
    }
    if (shardsUsed == 1) {
      return FixedPlan.route(ShardRoute.Opcode.SINGLE, new int[] {rowShard[0]}, sql, values,
          "INSERT into " + table.name() + ": " + (rowKeys.length == 1 ? "the row" : "all " + rowKeys.length + " rows")
              + " on " + rules.ring().shardId(rowShard[0]));
    }
    List<ShardRoute.ShardStatement> statements = new ArrayList<>(shardsUsed);
    StringBuilder explanation = new StringBuilder("INSERT into " + table.name() + " split by key:");
    for (int s = 0; s < count; s++) {
      if (rowsPerShard[s] == 0) {
        continue;
      }
      int[] rows = new int[rowsPerShard[s]];
      int n = 0;
      for (int r = 0; r < rowShard.length; r++) {
        if (rowShard[r] == s) {
          rows[n++] = r;
        }
      }
      statements.add(new ShardRoute.ShardStatement(s, pieces.sql(rows), pieces.parameters(rows, values)));
      explanation.append(' ').append(rules.ring().shardId(s)).append('=').append(n).append(n == 1 ? " row" : " rows");
    }
    return new ShardRoute(ShardRoute.Opcode.INSERT_SPLIT, statements, explanation.toString());
  }
}
