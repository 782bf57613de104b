package dev.junction.merge;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Planner and merger together: plan a statement, bind it, feed the merger the rows each shard
 * would return for the planned shard SQL (written out by hand), and check the application's
 * result. The real-database differential tests follow the same path with real shards.
 */
class PlanAndMergeTest {

  private final ScatterSelectPlanner planner = new ScatterSelectPlanner();
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

  @Test
  void topCustomersByOrderCountWithAverageOnMySql() throws SQLException {
    List<Object[]> result = run(
        "SELECT customer_id, COUNT(*) AS n, AVG(total) FROM orders GROUP BY customer_id HAVING n > ?"
            + " ORDER BY n DESC, customer_id LIMIT 2",
        MergeDialect.MYSQL, List.of(1),
        "SELECT customer_id, COUNT(*) AS n, SUM(total) AS `AVG(total)`, COUNT(total) AS _jx_h0 FROM orders GROUP BY customer_id",
        List.of(
            rows(row(7, 2L, new BigDecimal("30.00"), 2L), row(8, 1L, new BigDecimal("5.00"), 1L)),
            rows(row(8, 2L, new BigDecimal("7.50"), 2L), row(9, 1L, new BigDecimal("1.00"), 1L)),
            rows(row(7, 1L, null, 0L), row(8, 1L, new BigDecimal("0.01"), 1L))));
    assertThat(result).hasSize(2);
    assertThat(result.get(0)).containsExactly(8, 4L, new BigDecimal("3.127500")); // 12.51 / 4, MySQL scale 2 + 4
    assertThat(result.get(1)).containsExactly(7, 3L, new BigDecimal("15.000000")); // NULL total not counted
  }

  @Test
  void pagingThroughUsersOrderedByANonSelectedColumn() throws SQLException {
    List<Object[]> result = run(
        "SELECT id, name FROM users WHERE org = ? ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
        MergeDialect.POSTGRESQL, List.of("acme", 2, 1),
        "SELECT id, name, created_at AS _jx_h0 FROM users WHERE org = ? ORDER BY created_at DESC, id LIMIT ?",
        List.of(
            rows(row(1, "ann", null), row(4, "dan", 40)),     // PostgreSQL: NULL first in DESC
            rows(row(2, "bob", 50), row(3, "cy", 40)),
            List.of()));
    assertThat(result).extracting(r -> r[0]).containsExactly(2, 3);
    assertThat(result.get(0)).hasSize(2);
  }

  @Test
  void starWithHiddenSortColumn() throws SQLException {
    List<Object[]> result = run(
        "SELECT * FROM users ORDER BY name LIMIT 3", MergeDialect.MARIADB, List.of(),
        "SELECT *, name AS _jx_h0 FROM users ORDER BY name LIMIT 3",
        List.of(
            rows(row(1, null, null), row(2, "b", "b")), // MariaDB: NULL first in ASC
            rows(row(3, "a", "a"), row(4, "c", "c"))));
    assertThat(result).extracting(Arrays::asList)
        .containsExactly(Arrays.asList(1, null), List.of(3, "a"), List.of(2, "b"));
  }

  @Test
  void dailyCountsWithThePushedDownLimit() throws SQLException {
    List<Object[]> result = run(
        "SELECT day, count(*) FROM events GROUP BY day ORDER BY day LIMIT 2", MergeDialect.POSTGRESQL, List.of(),
        "SELECT day, count(*) FROM events GROUP BY day ORDER BY day LIMIT 2",
        List.of(
            rows(row("2024-01-01", 3L), row("2024-01-03", 1L)),
            rows(row("2024-01-02", 5L), row("2024-01-03", 2L)),
            rows(row("2024-01-01", 1L), row("2024-01-02", 1L))));
    assertThat(result).extracting(Arrays::asList)
        .containsExactly(List.of("2024-01-01", 4L), List.of("2024-01-02", 6L));
  }

  @Test
  void globalAggregatesWithPostgresAverageScale() throws SQLException {
    List<Object[]> result = run(
        "SELECT count(*), sum(qty), min(price), max(price), avg(qty) FROM items", MergeDialect.POSTGRESQL, List.of(),
        "SELECT count(*), sum(qty), min(price), max(price), sum(qty) AS avg, count(qty) AS _jx_h0 FROM items",
        List.of(
            rows(row(2L, 3L, new BigDecimal("1.50"), new BigDecimal("9.99"), 3L, 2L)),
            rows(row(0L, null, null, null, null, 0L)),
            rows(row(1L, 2L, new BigDecimal("0.99"), new BigDecimal("0.99"), 2L, 1L))));
    assertThat(result).singleElement().satisfies(r -> assertThat(r).containsExactly(
        3L, 5L, new BigDecimal("0.99"), new BigDecimal("9.99"), new BigDecimal("1.6666666666666667")));
  }

  @Test
  void distinctAcrossShards() throws SQLException {
    List<Object[]> result = run(
        "SELECT DISTINCT country FROM users ORDER BY country DESC", MergeDialect.POSTGRESQL, List.of(),
        "SELECT DISTINCT country FROM users ORDER BY country DESC",
        List.of(rows(row("se"), row("de"), row((Object) null)), rows(row("se"), row("fr"))));
    assertThat(result).extracting(r -> r[0]).containsExactly(null, "se", "fr", "de");
  }
}
