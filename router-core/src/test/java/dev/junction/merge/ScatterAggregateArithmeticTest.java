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
 * Arithmetic over aggregates ({@link AggregateExpression}), planned and merged from hand-written
 * shard rows. The expected values were taken from PostgreSQL 15 and MariaDB 10.11 over the same
 * rows in one table (psql / mariadb client, recorded next to each case).
 */
class ScatterAggregateArithmeticTest {

  private final ScatterSelectPlanner planner =
      new ScatterSelectPlanner(java.util.Set.of("r"), ScatterSelectPlannerGoldenTest.SHARDED);
  private final ResultMerger merger = new ResultMerger();

  private List<Object[]> run(String sql, MergeDialect dialect, String expectedShardSql, List<List<Object[]>> shardRows)
      throws SQLException {
    BoundScatterPlan plan = planner.plan(sql, dialect).bind(List.of());
    if (expectedShardSql != null) {
      assertThat(plan.shardSql()).isEqualTo(expectedShardSql);
    }
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

  private static BigDecimal d(String s) {
    return new BigDecimal(s);
  }

  // rows of one table o(qty int, amount numeric(12,2)): (3, 10.25), (4, NULL), (5, 7.10); shard 1 has the
  // first two, shard 2 the third. PostgreSQL 15 answers:
  //   round(avg(qty),2) 4.00 | sum(qty)/count(*) 4 | round(sum(qty)::numeric / count(*), 2) 4.00
  //   avg(amount)*100 867.5000000000000000 | sum(amount)-sum(qty) 5.35 | round(sum(amount)/7, 3) 2.479
  //   sum(amount)/7 2.4785714285714286

  @Test
  void postgresArithmeticOverMergedAggregates() throws SQLException {
    List<Object[]> result = run(
        "SELECT round(avg(qty), 2), sum(qty) / count(*), round(sum(qty)::numeric / count(*), 2), avg(amount) * 100,"
            + " sum(amount) - sum(qty), round(sum(amount) / 7, 3), sum(amount) / 7 FROM o",
        MergeDialect.POSTGRESQL,
        "SELECT CASE WHEN 1 = 0 THEN round(avg(qty), 2) END, CASE WHEN 1 = 0 THEN sum(qty) / count(*) END,"
            + " CASE WHEN 1 = 0 THEN round(sum(qty)::numeric / count(*), 2) END, CASE WHEN 1 = 0 THEN avg(amount) * 100 END,"
            + " CASE WHEN 1 = 0 THEN sum(amount) - sum(qty) END, CASE WHEN 1 = 0 THEN round(sum(amount) / 7, 3) END,"
            + " CASE WHEN 1 = 0 THEN sum(amount) / 7 END, sum(qty) AS _jx_h0, count(qty) AS _jx_h1, sum(qty) AS _jx_h2,"
            + " count(*) AS _jx_h3, sum(amount) AS _jx_h4, count(amount) AS _jx_h5, sum(amount) AS _jx_h6 FROM o",
        List.of(rows(row(null, null, null, null, null, null, null, 7L, 2L, 7L, 2L, d("10.25"), 1L, d("10.25"))),
            rows(row(null, null, null, null, null, null, null, 5L, 1L, 5L, 1L, d("7.10"), 1L, d("7.10")))));
    assertThat(result).hasSize(1);
    assertThat(result.get(0)).containsExactly(d("4.00"), 4L, d("4.00"), d("867.5000000000000000"), d("5.35"),
        d("2.479"), d("2.4785714285714286"));
  }

  @Test
  void postgresIntegerDivisionTruncatesAndDivisionByZeroIsTheServersError() throws SQLException {
    List<Object[]> result = run("SELECT g, sum(x) / count(*) AS r FROM t GROUP BY g ORDER BY g", MergeDialect.POSTGRESQL,
        null, List.of(rows(row("a", null, 7L, 2L), row("b", null, -7L, 1L)), rows(row("a", null, 0L, 1L))));
    assertThat(result.get(0)).containsExactly("a", 2L);
    assertThat(result.get(1)).containsExactly("b", -7L);
    // count(*) - 3 is 0 over the merged row: 22012 as PostgreSQL raises it, not a value
    assertThatThrownBy(() -> run("SELECT sum(x) / (count(*) - 3) FROM t", MergeDialect.POSTGRESQL, null,
        List.of(rows(row(null, 1L, 2L)), rows(row(null, 1L, 1L)))))
        .isInstanceOf(java.sql.SQLDataException.class)
        .hasMessageContaining("division by zero")
        .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("22012");
  }

  @Test
  void postgresNullPropagatesAndEmptyInputGivesNullNotZero() throws SQLException {
    // no input anywhere: sum NULL, count 0; sum(x) / count(*) is NULL (NULL operand), count(*) / count(*) fails
    List<Object[]> result = run("SELECT sum(x) / count(*), count(*) + 1 FROM t", MergeDialect.POSTGRESQL, null,
        List.of(rows(), rows()));
    assertThat(result.get(0)).containsExactly(null, 1L);
    assertThatThrownBy(() -> run("SELECT count(*) / count(*) FROM t", MergeDialect.POSTGRESQL, null,
        List.of(rows(), rows())))
        .hasMessageContaining("division by zero");
  }

  @Test
  void postgresInt4LiteralsOverflowLikeTheServer() throws SQLException {
    // int8 + int4 is int8: fine; an int4-only constant part overflows while planning
    assertThat(run("SELECT count(*) + 2147483647 FROM t", MergeDialect.POSTGRESQL, null,
        List.of(rows(row(null, 1L)))).get(0)).containsExactly(2147483648L);
    assertThatThrownBy(() -> planner.plan("SELECT count(*) + (2147483647 + 1) FROM t", MergeDialect.POSTGRESQL))
        .hasMessageContaining("integer out of range")
        .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("22003");
    assertThatThrownBy(() -> run("SELECT count(*) * 9223372036854775807 FROM t", MergeDialect.POSTGRESQL, null,
        List.of(rows(row(null, 2L)))))
        .hasMessageContaining("bigint out of range");
  }

  @Test
  void postgresRoundOfAnIntegerIsDoublePrecisionAndRefusedWhenItHappens() throws SQLException {
    assertThatThrownBy(() -> run("SELECT round(sum(x)) FROM t", MergeDialect.POSTGRESQL, null,
        List.of(rows(row(null, 5L)))))
        .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("0AJ00");
    // round(int, n) is round(numeric, n): 5.00
    assertThat(run("SELECT round(sum(x), 2), round(sum(x), -1) FROM t", MergeDialect.POSTGRESQL, null,
        List.of(rows(row(null, null, 125L)))).get(0)).containsExactly(d("125.00"), d("130"));
    // round(numeric) half away from zero: round(-2.5) is -3
    assertThat(run("SELECT round(sum(x) / 2) FROM t", MergeDialect.POSTGRESQL, null,
        List.of(rows(row(null, d("-5"))))).get(0)).containsExactly(d("-3"));
  }

  // MariaDB 10.11, rows (qty, amount) = (1, 1.00), (1, 1.00), (2, 2.01):
  //   ROUND(AVG(qty), 2) 1.33 | ROUND(AVG(qty), 4) 1.3333 | SUM(qty)/COUNT(*) 1.3333 | SUM(amount)/7 0.572857
  //   ROUND(SUM(qty)/COUNT(*), 2) 1.33 | SUM(qty)-COUNT(*)*2 -2 | ROUND(SUM(amount)) 4 | ROUND(SUM(amount), 4) 4.0100

  @Test
  void mariadbQuotientsAndRounding() throws SQLException {
    List<Object[]> result = run(
        "SELECT ROUND(AVG(qty), 2), ROUND(AVG(qty), 4), SUM(qty) / COUNT(*), SUM(amount) / 7,"
            + " ROUND(SUM(qty) / COUNT(*), 2), SUM(qty) - COUNT(*) * 2, ROUND(SUM(amount)), ROUND(SUM(amount), 4) FROM p",
        MergeDialect.MARIADB, null,
        List.of(rows(row(null, null, null, null, null, null, null, null, d("2"), 2L, d("2"), 2L, d("2.00"))),
            rows(row(null, null, null, null, null, null, null, null, d("2"), 1L, d("2"), 1L, d("2.01")))));
    assertThat(result.get(0)).containsExactly(d("1.33"), d("1.3333"), d("1.3333"), d("0.572857"), d("1.33"), d("-2"),
        d("4"), d("4.0100"));
  }

  @Test
  void mariadbDivisionByZeroIsNull() throws SQLException {
    assertThat(run("SELECT SUM(x) / (COUNT(*) - 3) FROM t", MergeDialect.MARIADB, null,
        List.of(rows(row(null, d("4"), 3L)))).get(0)).containsExactly((Object) null);
  }

  @Test
  void mariadbRefusesAQuotientInsideFurtherArithmetic() {
    // MariaDB keeps more digits than it shows: AVG(qty) * 3 is 4.0000 where 1.3333 * 3 would be 3.9999
    for (String sql : List.of("SELECT AVG(qty) * 3 FROM p", "SELECT SUM(qty) / COUNT(*) * 3 FROM p",
        "SELECT 1 + SUM(qty) / COUNT(*) FROM p", "SELECT ROUND(SUM(qty) / COUNT(*) / 7, 2) FROM p")) {
      assertThatThrownBy(() -> planner.plan(sql, MergeDialect.MARIADB))
          .as(sql)
          .hasMessageContaining("quotient")
          .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("0AJ00");
    }
  }

  @Test
  void mariadbRefusesRoundingAQuotientToMoreDigitsThanItShows() {
    // ROUND(2/3, 8) is 0.66666667 on MariaDB: digits the quotient's 4 decimals do not have
    assertThatThrownBy(() -> run("SELECT ROUND(SUM(x) / COUNT(*), 8) FROM t", MergeDialect.MARIADB, null,
        List.of(rows(row(null, d("2"), 3L)))))
        .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("0AJ00");
  }

  @Test
  void outsideTheGrammarStaysRefusedNamingThePart() {
    for (String sql : List.of("SELECT max(x) - min(x) FROM t", "SELECT sum(x) / g FROM t GROUP BY g",
        "SELECT sum(x) % 3 FROM t", "SELECT sum(x) * 1e2 FROM t", "SELECT abs(sum(x)) FROM t",
        "SELECT sum(x)::float8 / 2 FROM t", "SELECT -sum(x) FROM t")) {
      assertThatThrownBy(() -> planner.plan(sql, MergeDialect.POSTGRESQL))
          .as(sql)
          .hasMessageContaining("is not supported in a multi-shard SELECT")
          .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("0AJ00");
    }
  }

  @Test
  void floatSumsAreRefusedWhenMerging() {
    assertThatThrownBy(() -> run("SELECT sum(f) / count(*) FROM t", MergeDialect.POSTGRESQL, null,
        List.of(rows(row(null, 1.5d, 2L)))))
        .hasMessageContaining("Double")
        .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("0AJ00");
  }

  @Test
  void aParameterInsideAnAggregateIsSentWhereverTheShardStatementRepeatsIt() throws SQLException {
    BoundScatterPlan plan = planner.plan("SELECT sum(x * ?) / count(*) FROM t WHERE z = ?",
        MergeDialect.POSTGRESQL).bind(List.of(5, 7));
    assertThat(plan.shardSql()).isEqualTo("SELECT CASE WHEN 1 = 0 THEN sum(x * ?) / count(*) END,"
        + " sum(x * ?) AS _jx_h0, count(*) AS _jx_h1 FROM t WHERE z = ?");
    assertThat(plan.shardParameters()).containsExactly(5, 5, 7);
  }

  @Test
  void orderByAndMysqlHavingOnTheComputedColumn() throws SQLException {
    List<Object[]> result = run(
        "SELECT g, SUM(x) / COUNT(*) AS r FROM t GROUP BY g HAVING r > 1 ORDER BY r DESC, g", MergeDialect.MARIADB, null,
        List.of(rows(row("a", null, d("3"), 1L), row("b", null, d("1"), 1L)), rows(row("c", null, d("8"), 2L))));
    assertThat(result).hasSize(2);
    assertThat(result.get(0)).containsExactly("c", d("4.0000"));
    assertThat(result.get(1)).containsExactly("a", d("3.0000"));
  }
}
