package dev.junction.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * COALESCE over aggregates and COUNT(DISTINCT shard key), planned and merged from hand-written
 * shard rows: the literal from a shard without values never takes part in the combination, and is
 * the answer (exactly as the shards typed it) only when no shard had a value.
 */
class ScatterAggregateExpressionsTest {

  private final ScatterSelectPlanner planner =
      new ScatterSelectPlanner(java.util.Set.of("r"), ScatterSelectPlannerGoldenTest.SHARDED);
  private final ResultMerger merger = new ResultMerger();

  private List<Object[]> run(String sql, MergeDialect dialect, String expectedShardSql, List<List<Object[]>> shardRows)
      throws SQLException {
    BoundScatterPlan plan = planner.plan(sql, dialect).bind(List.of());
    assertThat(plan.shardSql()).isEqualTo(expectedShardSql);
    List<RowCursor> cursors = new ArrayList<>();
    for (List<Object[]> rows : shardRows) {
      cursors.add(RowCursors.of(rows));
    }
    return RowCursors.toList(merger.merge(cursors, plan.spec()));
  }

  private static Object[] row(Object... values) {
    return values;
  }

  private static List<Object[]> rows(Object[]... rows) {
    return Arrays.asList(rows);
  }

  @Test
  void maxOfNegativeNumbersIsNotRaisedToTheLiteralOfAnEmptyShard() throws SQLException {
    // shard 2 has no rows: its coalesce(max(x), 0) is 0, which a plain MAX would pick over -5
    List<Object[]> result = run("SELECT coalesce(max(x), 0) FROM t", MergeDialect.POSTGRESQL,
        "SELECT coalesce(max(x), 0), count(x) AS _jx_h0 FROM t",
        List.of(rows(row(-5, 3L)), rows(row(0, 0L)), rows(row(-9, 1L))));
    assertThat(result).hasSize(1);
    assertThat(result.get(0)).containsExactly(-5);
  }

  @Test
  void sumWithANonZeroLiteralIsNotMultipliedByTheEmptyShards() throws SQLException {
    List<Object[]> result = run("SELECT coalesce(sum(x), 10) FROM t", MergeDialect.POSTGRESQL,
        "SELECT coalesce(sum(x), 10), count(x) AS _jx_h0 FROM t",
        List.of(rows(row(10L, 0L)), rows(row(-3L, 2L)), rows(row(10L, 0L))));
    assertThat(result.get(0)).containsExactly(-3L);
  }

  @Test
  void theLiteralComesBackAsTheShardsTypedItWhenNoShardHasAValue() throws SQLException {
    // PostgreSQL: coalesce(sum(int8), 0) is numeric; MariaDB: coalesce(SUM(decimal(12,2)), 0) is DECIMAL with scale 2
    List<Object[]> pg = run("SELECT coalesce(sum(x), 0) FROM t", MergeDialect.POSTGRESQL,
        "SELECT coalesce(sum(x), 0), count(x) AS _jx_h0 FROM t",
        List.of(rows(row(new BigDecimal("0"), 0L)), rows(row(new BigDecimal("0"), 0L))));
    assertThat(pg.get(0)).containsExactly(new BigDecimal("0"));
    List<Object[]> maria = run("SELECT COALESCE(SUM(x), 0) FROM t", MergeDialect.MARIADB,
        "SELECT COALESCE(SUM(x), 0), COUNT(x) AS _jx_h0 FROM t",
        List.of(rows(row(new BigDecimal("0.00"), 0L)), rows(row(new BigDecimal("0.00"), 0L))));
    assertThat(maria.get(0)).containsExactly(new BigDecimal("0.00"));
  }

  @Test
  void perGroupOnlyGroupsWhoseValuesAreAllNullGetTheLiteral() throws SQLException {
    List<Object[]> result = run(
        "SELECT g, coalesce(sum(x), -1) AS s, coalesce(min(x), 0) AS lo FROM t GROUP BY g ORDER BY g",
        MergeDialect.POSTGRESQL,
        "SELECT g, coalesce(sum(x), -1) AS s, coalesce(min(x), 0) AS lo, count(x) AS _jx_h0, count(x) AS _jx_h1"
            + " FROM t GROUP BY g",
        List.of(
            rows(row("a", 5L, 2, 2L, 2L), row("b", -1L, 0, 0L, 0L)),
            rows(row("a", -1L, 0, 0L, 0L), row("b", -1L, 0, 0L, 0L), row("c", 7L, 7, 1L, 1L))));
    assertThat(result).extracting(Arrays::asList).containsExactly(
        List.of("a", 5L, 2), List.of("b", -1L, 0), List.of("c", 7L, 7));
  }

  @Test
  void coalescedCountsAreAdded() throws SQLException {
    List<Object[]> result = run("SELECT coalesce(count(x), 0) AS n FROM t", MergeDialect.MARIADB,
        "SELECT coalesce(count(x), 0) AS n FROM t", List.of(rows(row(0L)), rows(row(4L)), rows(row(2L))));
    assertThat(result.get(0)).containsExactly(6L);
  }

  @Test
  void countDistinctShardKeyAddsUpPerGroup() throws SQLException {
    List<Object[]> result = run(
        "SELECT status, count(DISTINCT customer_id) AS n FROM orders GROUP BY status HAVING count(DISTINCT customer_id) > 1"
            + " ORDER BY n DESC, status",
        MergeDialect.POSTGRESQL,
        "SELECT status, count(DISTINCT customer_id) AS n FROM orders GROUP BY status",
        List.of(rows(row("new", 2L), row("paid", 1L)), rows(row("new", 3L), row("void", 1L))));
    assertThat(result).extracting(Arrays::asList).containsExactly(List.of("new", 5L));
  }

  @Test
  void aPlannerWithoutShardKeysStillRefusesCountDistinct() {
    assertThatThrownBy(() -> new ScatterSelectPlanner(java.util.Set.of()).plan("SELECT count(DISTINCT id) FROM t",
        MergeDialect.POSTGRESQL))
        .isInstanceOf(java.sql.SQLFeatureNotSupportedException.class)
        .hasMessageContaining("the planner was not told which tables are sharded")
        .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("0AJ00");
  }

  @Test
  void shardKeyCaseAndQuotingFollowTheDialect() throws SQLException {
    assertThat(planner.plan("SELECT COUNT(DISTINCT `Customer_ID`) FROM `orders`", MergeDialect.MARIADB).spec().toString())
        .isEqualTo("out=[COUNT(DISTINCT `Customer_ID`)] agg=[COUNT]");
    assertThat(planner.plan("SELECT count(DISTINCT \"customer_id\") FROM orders", MergeDialect.POSTGRESQL).spec()
        .toString()).isEqualTo("out=[count] agg=[COUNT]");
    assertThatThrownBy(() -> planner.plan("SELECT count(DISTINCT \"Customer_id\") FROM orders", MergeDialect.POSTGRESQL))
        .hasMessageContaining("is not supported in a multi-shard SELECT");
  }

  @Test
  void aCoalescedMaxThatMariaDbTurnedIntoTextIsRefusedWhenMerging() throws SQLException {
    // MariaDB: COALESCE(MAX(time_col), 0) is varchar; '100:00:00' < '99:00:00' as text
    BoundScatterPlan plan = planner.plan("SELECT COALESCE(MAX(t), 0) AS m FROM t", MergeDialect.MARIADB).bind(List.of());
    List<RowCursor> cursors = List.of(RowCursors.of(rows(row("99:00:00", 1L))), RowCursors.of(rows(row("100:00:00", 1L))));
    assertThatThrownBy(() -> RowCursors.toList(merger.merge(cursors, plan.spec())))
        .isInstanceOf(java.sql.SQLFeatureNotSupportedException.class)
        .hasMessageContaining("COALESCE(MAX(...), <literal>) over a String result")
        .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("0AJ00");
  }
}
