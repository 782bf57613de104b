package dev.junction.it.shard;

import dev.junction.merge.BoundScatterPlan;
import dev.junction.merge.MergeDialect;
import dev.junction.merge.ResultMerger;
import dev.junction.merge.RowCursor;
import dev.junction.merge.RowCursors;
import dev.junction.merge.ScatterPlan;
import dev.junction.merge.ScatterSelectPlanner;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Scatter-gather without the JDBC layer: plans a SELECT with {@link ScatterSelectPlanner}, runs the
 * shard SQL on every shard primary directly and merges with {@link ResultMerger}. Used by the
 * differential test's {@code merge} mode to exercise the planner and merger on real databases
 * before (or independently of) the sharded JDBC layer.
 */
public final class MergeEmulator {
  private final List<Connection> shards;
  private final MergeDialect dialect;
  private final ScatterSelectPlanner planner = new ScatterSelectPlanner(java.util.Set.of("regions"),
      java.util.Map.of(
          "customers", new dev.junction.shard.ShardedTable("customers", Schema.KEY, dev.junction.shard.KeyType.LONG),
          "orders", new dev.junction.shard.ShardedTable("orders", Schema.KEY, dev.junction.shard.KeyType.LONG),
          "specials", new dev.junction.shard.ShardedTable("specials", Schema.KEY, dev.junction.shard.KeyType.LONG)));
  private final ResultMerger merger = new ResultMerger();

  public MergeEmulator(List<Connection> shards, SqlFlavor flavor) {
    this.shards = shards;
    this.dialect = flavor == SqlFlavor.POSTGRESQL ? MergeDialect.POSTGRESQL : MergeDialect.MARIADB;
  }

  public ResultTable query(String sql, List<Object> params) throws SQLException {
    ScatterPlan plan = planner.plan(sql, dialect);
    BoundScatterPlan bound = plan.bind(params);
    List<RowCursor> cursors = new ArrayList<>();
    List<String> shardLabels = null;
    for (Connection c : shards) {
      try (PreparedStatement ps = c.prepareStatement(bound.shardSql())) {
        SqlText.bind(ps, bound.shardParameters());
        try (ResultSet rs = ps.executeQuery()) {
          ResultSetMetaData md = rs.getMetaData();
          int n = md.getColumnCount();
          if (shardLabels == null) {
            shardLabels = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
              shardLabels.add(md.getColumnLabel(i));
            }
          }
          List<Object[]> rows = new ArrayList<>();
          while (rs.next()) {
            Object[] row = new Object[n];
            for (int i = 0; i < n; i++) {
              row[i] = rs.getObject(i + 1);
            }
            rows.add(row);
          }
          cursors.add(RowCursors.of(rows));
        }
      }
    }
    List<String> labels = !bound.spec().labels().isEmpty() ? bound.spec().labels()
        : shardLabels.subList(0, shardLabels.size() - bound.spec().hiddenColumns());
    List<List<Object>> rows = new ArrayList<>();
    for (Object[] row : RowCursors.toList(merger.merge(cursors, bound.spec()))) {
      List<Object> out = new ArrayList<>(row.length);
      Arrays.stream(row).map(ResultTable::normalise).forEach(out::add);
      rows.add(out);
    }
    return new ResultTable(List.copyOf(labels), List.of(), rows, List.of());
  }
}
