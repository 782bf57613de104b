package dev.junction.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLDataException;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Binding a plan for one execution: shard parameter lists, computed shard limits, bound specs. */
class ScatterPlanBindTest {

  private final ScatterSelectPlanner planner = new ScatterSelectPlanner();

  @Test
  void movedAndCopiedParametersFollowTheShardStatement() throws SQLException {
    ScatterPlan plan = planner.plan(
        "SELECT u.id FROM users u WHERE u.org = ? ORDER BY abs(u.score - ?) LIMIT ? OFFSET ?", MergeDialect.POSTGRESQL);
    BoundScatterPlan bound = plan.bind(List.of("acme", 50, 10, 20));

    assertThat(bound.shardSql())
        .isEqualTo("SELECT u.id, abs(u.score - ?) AS _jx_h0 FROM users u WHERE u.org = ? ORDER BY abs(u.score - ?) LIMIT ?");
    assertThat(bound.shardParameters()).containsExactly(50, "acme", 50, 30L);
    assertThat(bound.spec().offset()).isEqualTo(RowBound.literal(20));
    assertThat(bound.spec().limit()).isEqualTo(RowBound.literal(10));
    assertThat(bound.spec().isBound()).isTrue();
  }

  @Test
  void limitZeroStaysZeroAndHugeLimitsSaturate() throws SQLException {
    ScatterPlan plan = planner.plan("SELECT id FROM t ORDER BY id LIMIT ? OFFSET ?", MergeDialect.MYSQL);
    assertThat(plan.bind(List.of(0, 1_000)).shardParameters()).containsExactly(0L);
    assertThat(plan.bind(List.of(Long.MAX_VALUE, 5L)).shardParameters()).containsExactly(Long.MAX_VALUE);
  }

  @Test
  void nullLimitMeansNoLimit() throws SQLException {
    ScatterPlan plan = planner.plan("SELECT id FROM t ORDER BY id LIMIT ?", MergeDialect.POSTGRESQL);
    BoundScatterPlan bound = plan.bind(Arrays.asList((Object) null));
    assertThat(bound.shardParameters()).containsExactly(Long.MAX_VALUE);
    assertThat(bound.spec().limit().isPresent()).isFalse();
  }

  @Test
  void negativeOrFractionalLimitsAreDataErrors() throws SQLException {
    ScatterPlan plan = planner.plan("SELECT id FROM t LIMIT ? OFFSET ?", MergeDialect.POSTGRESQL);
    assertThatThrownBy(() -> plan.bind(List.of(-1, 0)))
        .isInstanceOf(SQLDataException.class)
        .hasMessageContaining("LIMIT must not be negative")
        .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("2201W");
    assertThatThrownBy(() -> plan.bind(List.of(1, -3)))
        .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("2201X");
    assertThatThrownBy(() -> plan.bind(List.of(new java.math.BigDecimal("2.5"), 0)))
        .isInstanceOf(SQLDataException.class)
        .hasMessageContaining("whole number");
    assertThat(plan.bind(List.of("7", 0)).spec().limit()).isEqualTo(RowBound.literal(7));
  }

  @Test
  void wrongParameterCountIsRejected() throws SQLException {
    ScatterPlan plan = planner.plan("SELECT id FROM t WHERE a = ? LIMIT ?", MergeDialect.POSTGRESQL);
    assertThatThrownBy(() -> plan.bind(List.of(1)))
        .isInstanceOf(SQLException.class)
        .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("07001");
  }

  @Test
  void havingParametersAreBoundIntoTheSpecAndDroppedFromTheShards() throws SQLException {
    ScatterPlan plan = planner.plan(
        "SELECT a, count(*) FROM t WHERE b = ? GROUP BY a HAVING count(*) > ? ORDER BY a LIMIT ?", MergeDialect.POSTGRESQL);
    BoundScatterPlan bound = plan.bind(List.of("x", 3, 5));
    assertThat(bound.shardSql()).isEqualTo("SELECT a, count(*) FROM t WHERE b = ? GROUP BY a");
    assertThat(bound.shardParameters()).containsExactly("x");
    assertThat(bound.spec().having().describe(i -> "c" + i)).isEqualTo("c1 > 3");
    assertThat(bound.spec().limit()).isEqualTo(RowBound.literal(5));
  }

  @Test
  void numberedParametersPassThrough() throws SQLException {
    ScatterPlan plan = planner.plan("SELECT a FROM t WHERE b = $1 ORDER BY c LIMIT 10", MergeDialect.POSTGRESQL);
    assertThat(plan.shardParameters().isPassThrough()).isTrue();
    assertThat(plan.bind(List.of(42)).shardParameters()).containsExactly(42);
  }

  @Test
  void statementsWithoutParametersBindToEmptyLists() throws SQLException {
    BoundScatterPlan bound = planner.plan("SELECT a FROM t ORDER BY a LIMIT 3 OFFSET 1", MergeDialect.MARIADB).bind();
    assertThat(bound.shardSql()).isEqualTo("SELECT a FROM t ORDER BY a LIMIT 4");
    assertThat(bound.shardParameters()).isEmpty();
  }

  @Test
  void mergingAnUnboundSpecIsAProgrammingError() throws SQLException {
    ScatterPlan plan = planner.plan("SELECT a FROM t LIMIT ?", MergeDialect.POSTGRESQL);
    assertThatThrownBy(() -> new ResultMerger().merge(List.of(), plan.spec()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bind");
  }
}
