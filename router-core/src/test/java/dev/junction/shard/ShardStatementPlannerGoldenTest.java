package dev.junction.shard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.classify.Dialect;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the golden plan cases in {@code shard-plans/<dialect>.txt} (Vitess style): each block is a
 * statement and its parameters, and the expected plan opcode, route, per-shard SQL and parameters
 * when they differ from the input, or the expected error. Run with
 * {@code -Djunction.golden.update=true} to write what the planner does now to
 * {@code target/shard-plans/<dialect>.txt}, then review the diff and copy it over.
 */
class ShardStatementPlannerGoldenTest {

  private static final boolean UPDATE = Boolean.getBoolean("junction.golden.update");
  private static final Map<String, List<String>> ACTUAL = new LinkedHashMap<>();

  record Case(String file, int line, String description, Map<String, String> fields) {
    String get(String key) {
      return fields.get(key);
    }

    String name() {
      return file + ":" + line + " " + (description.isEmpty() ? get("sql") : description);
    }
  }

  @TestFactory
  Stream<DynamicTest> postgresql() throws IOException {
    return run("postgresql", Dialect.POSTGRESQL);
  }

  @TestFactory
  Stream<DynamicTest> mariadb() throws IOException {
    return run("mariadb", Dialect.MARIADB);
  }

  private Stream<DynamicTest> run(String file, Dialect dialect) throws IOException {
    List<Case> cases = load(file);
    ShardStatementPlanner planner = PlannerFixtures.planner(dialect);
    synchronized (ACTUAL) {
      ACTUAL.put(file, new ArrayList<>());
    }
    return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(planner, c)));
  }

  private static void check(ShardStatementPlanner planner, Case c) {
    String actual = describe(planner, c.get("sql"), parseParams(c.get("params")));
    StringBuilder block = new StringBuilder();
    if (!c.description().isEmpty()) {
      block.append("# ").append(c.description()).append('\n');
    }
    block.append("sql: ").append(c.get("sql")).append('\n');
    if (c.get("params") != null) {
      block.append("params: ").append(c.get("params")).append('\n');
    }
    block.append(actual);
    synchronized (ACTUAL) {
      ACTUAL.get(c.file()).add(block.toString());
    }
    if (!UPDATE) {
      assertThat(actual).as(c.name()).isEqualTo(expected(c));
    }
  }

  /** The outcome as the golden lines after sql/params. */
  static String describe(ShardStatementPlanner planner, String sql, List<Object> params) {
    StringBuilder out = new StringBuilder();
    try {
      ShardPlan plan = planner.plan(sql);
      out.append("plan: ").append(plan.opcode()).append('\n');
      ShardRoute route = plan.bind(params);
      out.append("route: ").append(route.opcode());
      for (ShardRoute.ShardStatement s : route.statements()) {
        out.append(' ').append(s.shard());
      }
      out.append('\n');
      for (ShardRoute.ShardStatement s : route.statements()) {
        if (!s.sql().equals(sql)) {
          out.append("sql ").append(s.shard()).append(": ").append(s.sql()).append('\n');
        }
        if (!s.parameters().equals(params)) {
          out.append("params ").append(s.shard()).append(": ").append(formatParams(s.parameters())).append('\n');
        }
      }
    } catch (SQLException e) {
      if (e.getSQLState().equals("0AJ00")) {
        assertThat((Throwable) e).isInstanceOf(SQLFeatureNotSupportedException.class);
      }
      out.append("error: ").append(e.getSQLState()).append(' ').append(e.getMessage()).append('\n');
    }
    return out.toString();
  }

  private static String expected(Case c) {
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, String> e : c.fields().entrySet()) {
      if (!e.getKey().equals("sql") && !e.getKey().equals("params")) {
        out.append(e.getKey()).append(": ").append(e.getValue()).append('\n');
      }
    }
    return out.toString();
  }

  /** {@code 5, 'abc', null}: integers as Long, quoted text as String. */
  static List<Object> parseParams(String line) {
    List<Object> out = new ArrayList<>();
    if (line == null || line.isBlank()) {
      return out;
    }
    for (String raw : line.split(",\\s*")) {
      String p = raw.trim();
      if (p.equals("null")) {
        out.add(null);
      } else if (p.startsWith("'")) {
        out.add(p.substring(1, p.length() - 1));
      } else {
        out.add(Long.parseLong(p));
      }
    }
    return out;
  }

  static String formatParams(List<Object> params) {
    if (params.isEmpty()) {
      return "(none)";
    }
    List<String> parts = new ArrayList<>();
    for (Object p : params) {
      parts.add(p instanceof String s ? "'" + s + "'" : String.valueOf(p));
    }
    return String.join(", ", parts);
  }

  @AfterAll
  static void writeActual() throws IOException {
    if (!UPDATE) {
      return;
    }
    for (Map.Entry<String, List<String>> e : ACTUAL.entrySet()) {
      Path out = Path.of("target", "shard-plans", e.getKey() + ".txt");
      Files.createDirectories(out.getParent());
      String header = readHeader(e.getKey());
      Files.writeString(out, header + String.join("\n", e.getValue()));
    }
  }

  private static String text(String file) throws IOException {
    String resource = "/shard-plans/" + file + ".txt";
    try (InputStream in = ShardStatementPlannerGoldenTest.class.getResourceAsStream(resource)) {
      assertThat(in).as(resource).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** The comment lines at the top of the file, kept when regenerating. */
  private static String readHeader(String file) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (String line : text(file).split("\n", -1)) {
      if (!line.startsWith("##")) {
        break;
      }
      sb.append(line).append('\n');
    }
    return sb.append('\n').toString();
  }

  static List<Case> load(String file) throws IOException {
    String[] lines = text(file).split("\n", -1);
    List<Case> cases = new ArrayList<>();
    Map<String, String> fields = new LinkedHashMap<>();
    String description = "";
    int start = 0;
    for (int i = 0; i <= lines.length; i++) {
      String line = i < lines.length ? lines[i].stripTrailing() : "";
      if (line.startsWith("##")) {
        continue;
      }
      if (line.isEmpty()) {
        if (!fields.isEmpty()) {
          if (!fields.containsKey("sql")) {
            throw new IllegalStateException(file + ":" + start + ": a case needs sql");
          }
          cases.add(new Case(file, start, description, fields));
        }
        fields = new LinkedHashMap<>();
        description = "";
        continue;
      }
      if (line.startsWith("#")) {
        description = line.substring(1).trim();
        continue;
      }
      int colon = line.indexOf(": ");
      if (colon < 0) {
        throw new IllegalStateException(file + ":" + (i + 1) + ": expected 'key: value', got " + line);
      }
      if (fields.isEmpty()) {
        start = i + 1;
      }
      fields.put(line.substring(0, colon), line.substring(colon + 2));
    }
    return cases;
  }

  @TestFactory
  Stream<DynamicTest> enoughCases() {
    return Stream.of(DynamicTest.dynamicTest("at least 80 cases across both dialects", () ->
        assertThat(load("postgresql").size() + load("mariadb").size()).isGreaterThanOrEqualTo(80)));
  }
}
