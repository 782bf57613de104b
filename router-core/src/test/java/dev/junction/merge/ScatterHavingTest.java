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
 * HAVING and the one row of an aggregate without group keys (issue #10): the answer is the one row
 * an unsharded database returns, or no row when HAVING is false on the merged totals. Each case
 * plans the statement, checks the shard SQL, feeds the merger the rows the shards return for that
 * SQL and checks the application's result.
 */
class ScatterHavingTest {

  private final ScatterSelectPlanner planner =
      new ScatterSelectPlanner(java.util.Set.of("r"), ScatterSelectPlannerGoldenTest.SHARDED);
  private final ResultMerger merger = new ResultMerger();

  private List<Object[]> run(String sql, MergeDialect dialect, List<?> params, String expectedShardSql,
      List<List<Object[]>> shardRows) throws SQLException {
    BoundScatterPlan plan = planner.plan(sql, dialect).bind(params);
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

  /** Three shards with 60 rows each: count 60, sum 600 per shard. */
  private static List<List<Object[]>> sixtyEach(Object... hidden) {
    List<List<Object[]>> out = new ArrayList<>();
    for (int s = 0; s < 3; s++) {
      Object[] r = new Object[1 + hidden.length];
      r[0] = 60L;
      System.arraycopy(hidden, 0, r, 1, hidden.length);
      out.add(rows(r));
    }
    return out;
  }

  @Test
  void constantFalseHavingWithoutGroupByGivesNoRow() throws SQLException {
    // before: the shards ran HAVING 1 = 0, returned no row, and the merger made up count 0
    List<Object[]> result = run("SELECT count(*) FROM t HAVING 1 = 0", MergeDialect.POSTGRESQL, List.of(),
        "SELECT count(*), 1 = 0 AS _jx_h0 FROM t", sixtyEach(false));
    assertThat(result).isEmpty();
  }

  @Test
  void constantTrueHavingWithoutGroupByGivesTheTotals() throws SQLException {
    List<Object[]> result = run("SELECT count(*) FROM t HAVING true", MergeDialect.POSTGRESQL, List.of(),
        "SELECT count(*), true AS _jx_h0 FROM t", sixtyEach(true));
    assertThat(result).hasSize(1);
    assertThat(result.get(0)).containsExactly(180L);
  }

  @Test
  void mariaDbNumericHavingIsTrueWhenNotZero() throws SQLException {
    assertThat(run("SELECT COUNT(*) FROM t HAVING 0", MergeDialect.MARIADB, List.of(),
        "SELECT COUNT(*), 0 AS _jx_h0 FROM t", sixtyEach(0))).isEmpty();
    assertThat(run("SELECT COUNT(*) FROM t HAVING 2", MergeDialect.MARIADB, List.of(),
        "SELECT COUNT(*), 2 AS _jx_h0 FROM t", sixtyEach(2))).hasSize(1);
  }

  @Test
  void postgresqlRefusesANonBooleanHavingValueInsteadOfGuessing() throws SQLException {
    BoundScatterPlan plan = planner.plan("SELECT count(*) FROM t HAVING 1 = 1", MergeDialect.POSTGRESQL).bind(List.of());
    List<RowCursor> cursors = List.of(RowCursors.of(rows(row(60L, 1)))); // as if a shard returned an integer
    assertThatThrownBy(() -> RowCursors.toList(merger.merge(cursors, plan.spec())))
        .isInstanceOf(SQLException.class).hasMessageContaining("not a boolean");
  }

  @Test
  void havingOnTheTotalsNotOnEachShard() throws SQLException {
    // each shard has 60 rows, the total 180: HAVING count(*) > 100 is false on every shard, true on the total
    List<Object[]> result = run("SELECT count(*) FROM t HAVING count(*) > 100", MergeDialect.POSTGRESQL, List.of(),
        "SELECT count(*) FROM t", sixtyEach());
    assertThat(result).hasSize(1);
    assertThat(result.get(0)).containsExactly(180L);
    assertThat(run("SELECT count(*) FROM t HAVING count(*) > 200", MergeDialect.POSTGRESQL, List.of(),
        "SELECT count(*) FROM t", sixtyEach())).isEmpty();
  }

  @Test
  void havingOnTheTotalsPerGroup() throws SQLException {
    List<Object[]> result = run("SELECT g, count(*) FROM t GROUP BY g HAVING count(*) > 100", MergeDialect.POSTGRESQL,
        List.of(), "SELECT g, count(*) FROM t GROUP BY g",
        List.of(rows(row("a", 60L), row("b", 1L)), rows(row("a", 60L), row("b", 50L)), rows(row("b", 1L))));
    assertThat(result).hasSize(1);
    assertThat(result.get(0)).containsExactly("a", 120L);
  }

  @Test
  void aggregateTermThatTheEmptyTotalsPassAndAConstantFalseTerm() throws SQLException {
    // before: 1 = 0 stayed on the shards, the made-up row (count 0) passed count(*) >= 0
    List<Object[]> result = run("SELECT count(*) FROM t HAVING count(*) >= 0 AND 1 = 0", MergeDialect.POSTGRESQL,
        List.of(), "SELECT count(*), 1 = 0 AS _jx_h0 FROM t", sixtyEach(false));
    assertThat(result).isEmpty();
  }

  @Test
  void parameterInAConstantHavingTerm() throws SQLException {
    String sql = "SELECT count(*), sum(x) FROM t HAVING ? = 1";
    List<List<Object[]>> shards = List.of(rows(row(2L, 5L, false)), rows(row(0L, null, false)));
    assertThat(run(sql, MergeDialect.POSTGRESQL, List.of(2), "SELECT count(*), sum(x), ? = 1 AS _jx_h0 FROM t", shards))
        .isEmpty();
  }

  @Test
  void parameterMovedFromHavingIntoTheSelectListKeepsItsValue() throws SQLException {
    // the HAVING ? now comes before the WHERE ? in the shard SQL
    BoundScatterPlan plan = planner.plan("SELECT count(*) FROM t WHERE x > ? HAVING ? = 1", MergeDialect.POSTGRESQL)
        .bind(List.of(5, 1));
    assertThat(plan.shardSql()).isEqualTo("SELECT count(*), ? = 1 AS _jx_h0 FROM t WHERE x > ?");
    assertThat(plan.shardParameters()).containsExactly(1, 5);
  }

  @Test
  void whereMatchingNothingStillGivesOneRow() throws SQLException {
    List<Object[]> result = run("SELECT count(*), sum(x) FROM t WHERE x > 1000 HAVING 1 = 1", MergeDialect.POSTGRESQL,
        List.of(), "SELECT count(*), sum(x), 1 = 1 AS _jx_h0 FROM t WHERE x > 1000",
        List.of(rows(row(0L, null, true)), rows(row(0L, null, true)), rows(row(0L, null, true))));
    assertThat(result).hasSize(1);
    assertThat(result.get(0)).containsExactly(0L, null);
    List<Object[]> plain = run("SELECT count(*), sum(x) FROM t WHERE false", MergeDialect.POSTGRESQL,
        List.of(), "SELECT count(*), sum(x) FROM t WHERE false",
        List.of(rows(row(0L, null)), rows(row(0L, null))));
    assertThat(plain).hasSize(1);
    assertThat(plain.get(0)).containsExactly(0L, null);
  }

  @Test
  void limitZeroAndOffsetOneOfTheOneRow() throws SQLException {
    assertThat(run("SELECT count(*) FROM t LIMIT 0", MergeDialect.POSTGRESQL, List.of(),
        "SELECT count(*) FROM t", sixtyEach())).isEmpty();
    assertThat(run("SELECT count(*) FROM t LIMIT 5 OFFSET 1", MergeDialect.POSTGRESQL, List.of(),
        "SELECT count(*) FROM t", sixtyEach())).isEmpty();
    assertThat(run("SELECT COUNT(*) FROM t LIMIT 1, 5", MergeDialect.MARIADB, List.of(),
        "SELECT COUNT(*) FROM t", sixtyEach())).isEmpty();
    assertThat(run("SELECT count(*) FROM t LIMIT 1 OFFSET 0", MergeDialect.POSTGRESQL, List.of(),
        "SELECT count(*) FROM t", sixtyEach())).hasSize(1);
  }

  @Test
  void emptyGroupingSetIsOneGroup() throws SQLException {
    assertThat(run("SELECT count(*) FROM t GROUP BY () HAVING 1 = 0", MergeDialect.POSTGRESQL, List.of(),
        "SELECT count(*), 1 = 0 AS _jx_h0 FROM t GROUP BY ()", sixtyEach(false))).isEmpty();
    List<Object[]> empty = run("SELECT count(*) FROM t WHERE false GROUP BY ()", MergeDialect.POSTGRESQL, List.of(),
        "SELECT count(*) FROM t WHERE false GROUP BY ()", List.of(rows(row(0L)), rows(row(0L))));
    assertThat(empty).hasSize(1);
    assertThat(empty.get(0)).containsExactly(0L);
  }

  @Test
  void groupedConstantHavingStaysOnTheShards() throws SQLException {
    // with group keys a constant term drops every group on every shard alike: no row is made up
    assertThat(run("SELECT g, count(*) FROM t GROUP BY g HAVING 1 = 0", MergeDialect.POSTGRESQL, List.of(),
        "SELECT g, count(*) FROM t GROUP BY g HAVING 1 = 0", List.of(rows(), rows()))).isEmpty();
  }

  @Test
  void refusesColumnsAndSubqueriesInAConstantHavingTermWithoutGroupBy() {
    assertThatThrownBy(() -> planner.plan("SELECT COUNT(*), qty FROM t HAVING qty > 1", MergeDialect.MARIADB))
        .isInstanceOf(java.sql.SQLFeatureNotSupportedException.class)
        .hasMessageContaining("the column qty outside an aggregate in HAVING qty > 1 without GROUP BY")
        .hasMessageContaining("move the condition to WHERE")
        .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("0AJ00");
    assertThatThrownBy(() -> planner.plan("SELECT count(*) FROM t HAVING EXISTS (SELECT 1 FROM r)", MergeDialect.POSTGRESQL))
        .hasMessageContaining("the subquery in HAVING");
  }

  @Test
  void postgresqlHavingWithoutAggregatesIsOneGroupAndRefused() {
    assertThatThrownBy(() -> planner.plan("SELECT 1 FROM t HAVING 1 = 1", MergeDialect.POSTGRESQL))
        .isInstanceOf(java.sql.SQLFeatureNotSupportedException.class)
        .hasMessageContaining("HAVING 1 = 1 without GROUP BY or aggregates");
  }

  @Test
  void oneGroupAverageWithMergedHaving() throws SQLException {
    List<Object[]> result = run("SELECT avg(x) FROM t HAVING avg(x) > 2 AND 2 > 1", MergeDialect.POSTGRESQL, List.of(),
        "SELECT sum(x) AS avg, count(x) AS _jx_h0, 2 > 1 AS _jx_h1 FROM t",
        List.of(rows(row(new BigDecimal("3"), 1L, true)), rows(row(new BigDecimal("6"), 2L, true))));
    assertThat(result).hasSize(1);
    assertThat(result.get(0)).containsExactly(new BigDecimal("3.0000000000000000"));
  }
}
