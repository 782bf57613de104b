package dev.junction.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLFeatureNotSupportedException;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A user-defined (or extension, or newer built-in) aggregate looks like a scalar function in the SQL
 * text; the shards' catalog ({@link ServerFunctions}) tells them apart, and the planner refuses what
 * it would otherwise merge as one shard's partial.
 */
class ServerFunctionsTest {

  private final ScatterSelectPlanner planner = new ScatterSelectPlanner(Set.of("r"), ScatterSelectPlannerGoldenTest.SHARDED);
  private final ServerFunctions postgres =
      new ServerFunctions(Set.of("jx_total", "sum", "ST_Union", "rank"),
          Set.of("jx_total", "sum", "lower", "round", "st_union", "rank"), null);

  @Test
  void aCatalogAggregateIsRefusedWhereverItIsCalled() {
    for (String sql : new String[] {
        "SELECT jx_total(x) FROM t",
        "SELECT g, jx_total(x) AS s FROM t GROUP BY g",
        "SELECT g FROM t GROUP BY g HAVING public.jx_total(x) > 3",
        "SELECT id FROM t WHERE x > (SELECT jx_total(x) FROM t)",
        "SELECT st_union(geom) FROM t"}) {
      assertThatThrownBy(() -> planner.plan(sql, MergeDialect.POSTGRESQL, postgres)).as(sql)
          .isInstanceOf(SQLFeatureNotSupportedException.class).hasMessageContaining("the aggregate ")
          .hasMessageContaining("is not supported in a multi-shard SELECT");
    }
  }

  @Test
  void listedScalarsGrammarAndKnownAggregatesStayAnswered() {
    assertThatCode(() -> planner.plan("SELECT g, lower(s), round(sum(x), 2), coalesce(max(x), 0) FROM t GROUP BY g, lower(s)",
        MergeDialect.POSTGRESQL, postgres)).doesNotThrowAnyException();
  }

  @Test
  void aWindowCallIsJudgedAsAWindowNotAsAnAggregate() {
    assertThatThrownBy(() -> planner.plan("SELECT id, rank() OVER (ORDER BY id) FROM t", MergeDialect.POSTGRESQL, postgres))
        .isInstanceOf(SQLFeatureNotSupportedException.class).hasMessageContaining("the window function");
  }

  @Test
  void aFunctionMissingFromACompleteCatalogIsRefused() {
    assertThatThrownBy(() -> planner.plan("SELECT id, made_later(x) FROM t", MergeDialect.POSTGRESQL, postgres))
        .isInstanceOf(SQLFeatureNotSupportedException.class).hasMessageContaining("the function made_later")
        .hasMessageContaining("did not list it when the data source started");
    assertThatThrownBy(() -> planner.plan("SELECT lower(s) FROM t", MergeDialect.POSTGRESQL, ServerFunctions.unreadable("down")))
        .isInstanceOf(SQLFeatureNotSupportedException.class).hasMessageContaining("could not be read (down)");
  }

  @Test
  void mariadbListsOnlyAggregates() throws Exception {
    ServerFunctions maria = new ServerFunctions(Set.of("jx_median"), null, null);
    assertThat(planner.plan("SELECT UPPER(s), my_scalar(x) FROM t", MergeDialect.MARIADB, maria).shardSql())
        .isEqualTo("SELECT UPPER(s), my_scalar(x) FROM t");
    assertThatThrownBy(() -> planner.plan("SELECT g, JX_MEDIAN(x) FROM t GROUP BY g", MergeDialect.MARIADB, maria))
        .isInstanceOf(SQLFeatureNotSupportedException.class).hasMessageContaining("the aggregate jx_median");
  }

  @Test
  void withoutACatalogNothingChanges() throws Exception {
    assertThat(planner.plan("SELECT jx_total(x) FROM t", MergeDialect.POSTGRESQL).shardSql())
        .isEqualTo("SELECT jx_total(x) FROM t");
  }
}
