package dev.junction.merge;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TextKeysTest {

  private static List<TextKeys.Use> keys(String sql, MergeDialect dialect) throws Exception {
    MergeSpec spec = new ScatterSelectPlanner().plan(sql, dialect).spec();
    int width = spec.visibleColumns() + spec.hiddenColumns();
    return TextKeys.of(spec, width);
  }

  @Test
  void listsSortGroupDistinctAndMinMaxColumns() throws Exception {
    assertThat(keys("SELECT id, name FROM t ORDER BY name, id", MergeDialect.POSTGRESQL))
        .containsExactly(new TextKeys.Use(1, "ORDER BY"), new TextKeys.Use(0, "ORDER BY"));
    assertThat(keys("SELECT name, count(*) FROM t GROUP BY name", MergeDialect.POSTGRESQL))
        .containsExactly(new TextKeys.Use(0, "GROUP BY"));
    assertThat(keys("SELECT DISTINCT a, b FROM t", MergeDialect.POSTGRESQL))
        .containsExactly(new TextKeys.Use(0, "DISTINCT"), new TextKeys.Use(1, "DISTINCT"));
    assertThat(keys("SELECT min(name), max(name), sum(x) FROM t", MergeDialect.POSTGRESQL))
        .containsExactly(new TextKeys.Use(0, "min()"), new TextKeys.Use(1, "max()"));
    assertThat(keys("SELECT id FROM t", MergeDialect.POSTGRESQL)).isEmpty();
  }

  @Test
  void leavesOutExplicitCodePointCollations() throws Exception {
    assertThat(keys("SELECT id FROM t ORDER BY name COLLATE ucs_basic", MergeDialect.POSTGRESQL)).isEmpty();
    assertThat(keys("SELECT id, name COLLATE ucs_basic FROM t ORDER BY 2", MergeDialect.POSTGRESQL)).isEmpty();
    assertThat(keys("SELECT min(name COLLATE ucs_basic) FROM t", MergeDialect.POSTGRESQL)).isEmpty();
    assertThat(keys("SELECT id FROM t ORDER BY name COLLATE utf8mb4_nopad_bin", MergeDialect.MARIADB)).isEmpty();
    assertThat(keys("SELECT id, name FROM t ORDER BY name COLLATE ucs_basic, id", MergeDialect.POSTGRESQL))
        .containsExactly(new TextKeys.Use(0, "ORDER BY"));
  }
}
