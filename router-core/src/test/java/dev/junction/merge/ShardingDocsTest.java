package dev.junction.merge;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Keeps docs/sharding.md honest: every row of its scatter allow-list table (between the
 * {@code allow-list:begin} and {@code allow-list:end} markers) is planned by
 * {@link ScatterSelectPlanner}, and the documented verdict ("runs" or "refused") must be the
 * planner's. A refusal must carry SQLState 0AJ00 and name the construct. Editing the planner without
 * the docs (or the docs without the planner) fails this test.
 */
class ShardingDocsTest {

  private static final Path DOC = Path.of("..", "docs", "sharding.md");

  record Row(String shape, MergeDialect dialect, String sql, boolean runs) {}

  static List<Row> rows() throws Exception {
    List<String> lines = Files.readAllLines(DOC);
    int begin = -1;
    int end = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith("<!-- allow-list:begin")) {
        begin = i;
      } else if (lines.get(i).startsWith("<!-- allow-list:end")) {
        end = i;
      }
    }
    assertThat(begin).as("allow-list:begin marker in " + DOC).isGreaterThanOrEqualTo(0);
    assertThat(end).as("allow-list:end marker in " + DOC).isGreaterThan(begin);
    List<Row> rows = new ArrayList<>();
    for (String line : lines.subList(begin + 1, end)) {
      if (!line.startsWith("| ") || line.startsWith("| shape") || line.startsWith("|---")) {
        continue;
      }
      // | shape | dialect | `example` | verdict |  (the example may contain "|" only inside backquotes)
      int lastTick = line.lastIndexOf('`');
      int firstTick = line.lastIndexOf("| `", lastTick) + 2;
      List<String> head = java.util.Arrays.stream(line.substring(0, firstTick).split("\\|")).map(String::trim)
          .filter(x -> !x.isEmpty()).toList();
      String shape = head.get(0);
      String dialect = head.get(head.size() - 1);
      String sql = line.substring(firstTick + 1, lastTick).replace("\\\\", "\\");
      String verdict = line.substring(lastTick + 1).replace("|", "").trim();
      assertThat(verdict).as("verdict of " + line).isIn("runs", "refused");
      rows.add(new Row(shape, MergeDialect.valueOf(dialect.toUpperCase(Locale.ROOT)), sql, verdict.equals("runs")));
    }
    return rows;
  }

  @Test
  void everyDocumentedShapeHasThePlannersVerdict() throws Exception {
    List<Row> rows = rows();
    assertThat(rows).hasSizeGreaterThanOrEqualTo(30);
    ScatterSelectPlanner planner = new ScatterSelectPlanner(Set.of("r", "regions"), ScatterSelectPlannerGoldenTest.SHARDED);
    List<String> wrong = new ArrayList<>();
    for (Row row : rows) {
      try {
        planner.plan(row.sql(), row.dialect());
        if (!row.runs()) {
          wrong.add("documented as refused but planned: " + row.sql());
        }
      } catch (SQLException e) {
        if (row.runs()) {
          wrong.add("documented as running but refused: " + row.sql() + " -> " + e.getMessage());
        } else if (!"0AJ00".equals(e.getSQLState()) || !e.getMessage().contains(" is not supported in a multi-shard SELECT: ")) {
          wrong.add("refused without a 0AJ00 message naming the construct: " + row.sql() + " -> [" + e.getSQLState() + "] "
              + e.getMessage());
        }
      }
    }
    assertThat(wrong).as("docs/sharding.md allow-list vs ScatterSelectPlanner").isEmpty();
  }
}
