package dev.junction.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

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
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the rewrite cases in {@code merge/rewrite-cases.txt}: input SQL and dialect against the
 * expected shard SQL, merge spec and parameter mapping, or the expected rejection.
 */
class ScatterSelectPlannerGoldenTest {

  private static final String RESOURCE = "/merge/rewrite-cases.txt";
  private static final boolean UPDATE = Boolean.getBoolean("junction.golden.update");
  private static final List<String> ACTUAL = new ArrayList<>();

  /** The sharded tables with their keys (for COUNT(DISTINCT key)): shared with ShardingDocsTest. */
  static final Map<String, dev.junction.shard.ShardedTable> SHARDED = Map.of(
      "t", new dev.junction.shard.ShardedTable("t", "id", dev.junction.shard.KeyType.LONG),
      "orders", new dev.junction.shard.ShardedTable("orders", "customer_id", dev.junction.shard.KeyType.LONG),
      "customers", new dev.junction.shard.ShardedTable("customers", "customer_id", dev.junction.shard.KeyType.LONG),
      "events", new dev.junction.shard.ShardedTable("events", "device", dev.junction.shard.KeyType.UUID),
      "users", new dev.junction.shard.ShardedTable("users", "email", dev.junction.shard.KeyType.STRING));

  private final ScatterSelectPlanner planner = new ScatterSelectPlanner(java.util.Set.of("regions", "r"), SHARDED);

  record Case(int line, String description, Map<String, String> fields) {
    String get(String key) {
      return fields.get(key);
    }

    String name() {
      return "line " + line + ": " + (description.isEmpty() ? get("sql") : description);
    }
  }

  @TestFactory
  Stream<DynamicTest> rewriteCases() throws IOException {
    List<Case> cases = load();
    assertThat(cases).hasSizeGreaterThanOrEqualTo(40);
    return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
  }

  private void check(Case c) throws Exception {
    MergeDialect dialect = MergeDialect.valueOf(c.get("dialect").toUpperCase(Locale.ROOT));
    String sql = c.get("sql");
    String expectedError = c.get("error");
    ScatterPlan plan;
    try {
      plan = planner.plan(sql, dialect);
    } catch (SQLException e) {
      record(c, null, e);
      if (expectedError == null) {
        throw new AssertionError("unexpected rejection of " + sql, e);
      }
      int space = expectedError.indexOf(' ');
      String state = expectedError.substring(0, space);
      String fragment = expectedError.substring(space + 1);
      assertThat(e.getSQLState()).as("SQLState for %s (%s)", sql, e.getMessage()).isEqualTo(state);
      assertThat(e.getMessage()).as("message for %s", sql).contains(fragment);
      if (state.equals("0AJ00")) {
        assertThat((Throwable) e).isInstanceOf(SQLFeatureNotSupportedException.class);
      }
      return;
    }
    record(c, plan, null);
    if (expectedError != null) {
      fail("expected %s to be rejected (%s) but it planned to:%n%s%n%s", sql, expectedError, plan.shardSql(), plan.spec());
    }
    assertThat(plan.shardSql()).as("shard SQL for %s", sql).isEqualTo(c.get("shard"));
    assertThat(plan.spec().toString()).as("merge spec for %s", sql).isEqualTo(c.get("spec"));
    assertThat(paramsLine(plan)).as("shard parameters for %s", sql).isEqualTo(c.get("params"));
  }

  private static String paramsLine(ScatterPlan plan) {
    ShardParameters p = plan.shardParameters();
    return p.isPassThrough() || !p.sources().isEmpty() ? p.toString() : null;
  }

  private static synchronized void record(Case c, ScatterPlan plan, SQLException error) {
    if (!UPDATE) {
      return;
    }
    StringBuilder sb = new StringBuilder();
    if (!c.description().isEmpty()) {
      sb.append("# ").append(c.description()).append('\n');
    }
    sb.append("dialect: ").append(c.get("dialect")).append('\n').append("sql: ").append(c.get("sql")).append('\n');
    if (error != null) {
      String message = error.getMessage();
      int end = message.indexOf(". ");
      sb.append("error: ").append(error.getSQLState()).append(' ').append(end < 0 ? message : message.substring(0, end));
    } else {
      sb.append("shard: ").append(plan.shardSql()).append('\n').append("spec: ").append(plan.spec());
      String params = paramsLine(plan);
      if (params != null) {
        sb.append('\n').append("params: ").append(params);
      }
    }
    ACTUAL.add(sb.toString());
  }

  @AfterAll
  static void writeActual() throws IOException {
    if (UPDATE && !ACTUAL.isEmpty()) {
      Path out = Path.of("target", "rewrite-cases.actual.txt");
      Files.createDirectories(out.getParent());
      Files.writeString(out, String.join("\n\n", ACTUAL) + "\n");
    }
  }

  static List<Case> load() throws IOException {
    String text;
    try (InputStream in = ScatterSelectPlannerGoldenTest.class.getResourceAsStream(RESOURCE)) {
      assertThat(in).as(RESOURCE).isNotNull();
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    List<Case> cases = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    Map<String, String> fields = new LinkedHashMap<>();
    StringBuilder description = new StringBuilder();
    int start = 0;
    for (int i = 0; i <= lines.length; i++) {
      String line = i < lines.length ? lines[i].stripTrailing() : "";
      if (line.isEmpty()) {
        if (!fields.isEmpty()) {
          cases.add(validate(new Case(start, description.toString(), fields)));
        }
        fields = new LinkedHashMap<>();
        description.setLength(0);
        continue;
      }
      if (line.startsWith("#")) {
        if (fields.isEmpty()) {
          description.setLength(0);
          description.append(line.substring(1).trim());
        }
        continue;
      }
      int colon = line.indexOf(": ");
      if (colon < 0) {
        throw new IllegalStateException(RESOURCE + " line " + (i + 1) + ": expected 'key: value', got " + line);
      }
      if (fields.isEmpty()) {
        start = i + 1;
      }
      String key = line.substring(0, colon);
      if (fields.put(key, line.substring(colon + 2)) != null) {
        throw new IllegalStateException(RESOURCE + " line " + (i + 1) + ": duplicate key " + key);
      }
    }
    return cases;
  }

  private static Case validate(Case c) {
    if (c.get("dialect") == null || c.get("sql") == null) {
      throw new IllegalStateException(RESOURCE + " case at line " + c.line() + " needs dialect and sql");
    }
    if ((c.get("error") == null) == (c.get("shard") == null || c.get("spec") == null)) {
      throw new IllegalStateException(
          RESOURCE + " case at line " + c.line() + " needs either error, or shard and spec");
    }
    return c;
  }
}
