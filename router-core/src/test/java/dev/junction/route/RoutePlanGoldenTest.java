package dev.junction.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.classify.Classification;
import dev.junction.classify.Dialect;
import dev.junction.health.EndpointState;
import dev.junction.route.RouteSession.AwaitOutcome;
import dev.junction.route.RouteSession.Failure;
import dev.junction.route.Topology.Health;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * Golden route plans in the Vitess style, {@code route-plans/<dialect>.txt}: each block is a
 * scenario (a replica set's health, the context, and statements or JDBC calls in order) with the
 * routes the decision produced, step by step, and the session's state after each statement. They
 * pin behaviour; {@link RouteMatrixTest} is the oracle behind them. Run with
 * {@code -Djunction.golden.update=true} to write the current plans to
 * {@code target/route-plans/<dialect>.txt}, review the diff, and copy it over.
 *
 * <p>Block syntax: {@code # title}; {@code replicas: covering behind unknown lagging down} (one
 * word per replica, none for a shard without replicas); {@code scope: none | open | fenced |
 * store-down}; {@code waits: caught-up | timed-out | failed}; {@code unreachable: replica1 primary};
 * {@code ! setAutoCommit(false)}, {@code ! setReadOnly(true)}, {@code ! commit()},
 * {@code ! rollback()}, {@code ! primary on|off} (Junction.primary()), {@code ! fail connection |
 * read-only | statement} (the next execution fails once); {@code > sql} runs a statement,
 * {@code > CALL} a stored procedure. Lines starting with {@code =} are the expected output.
 */
class RoutePlanGoldenTest {
  private static final boolean UPDATE = Boolean.getBoolean("junction.golden.update");
  private static final Map<String, List<String>> ACTUAL = new LinkedHashMap<>();

  @TestFactory
  Stream<DynamicTest> postgresql() throws IOException {
    return run("postgresql", Dialect.POSTGRESQL);
  }

  @TestFactory
  Stream<DynamicTest> mariadb() throws IOException {
    return run("mariadb", Dialect.MARIADB);
  }

  record Block(String file, int line, List<String> lines) {
    String title() {
      return lines.stream().filter(l -> l.startsWith("#")).findFirst().orElse("#").substring(1).strip();
    }

    String input() {
      StringBuilder sb = new StringBuilder();
      for (String l : lines) {
        if (!l.startsWith("=")) {
          sb.append(l).append('\n');
        }
      }
      return sb.toString();
    }

    String text() {
      return String.join("\n", lines) + "\n";
    }
  }

  private Stream<DynamicTest> run(String file, Dialect dialect) throws IOException {
    List<Block> blocks = load(file);
    synchronized (ACTUAL) {
      ACTUAL.put(file, new ArrayList<>());
    }
    return blocks.stream().map(b -> DynamicTest.dynamicTest(file + ":" + b.line() + " " + b.title(), () -> {
      String actual = new Scenario(dialect).play(b.lines());
      synchronized (ACTUAL) {
        ACTUAL.get(file).add(actual);
      }
      if (!UPDATE) {
        assertThat(actual).as(b.title()).isEqualTo(b.text());
      }
    }));
  }

  private static List<Block> load(String file) throws IOException {
    try (InputStream in = RoutePlanGoldenTest.class.getResourceAsStream("/route-plans/" + file + ".txt")) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      List<Block> blocks = new ArrayList<>();
      List<String> current = new ArrayList<>();
      int start = 0;
      String[] lines = text.split("\n", -1);
      for (int i = 0; i < lines.length; i++) {
        String line = lines[i].stripTrailing();
        if (line.isEmpty()) {
          if (!current.isEmpty()) {
            blocks.add(new Block(file, start, current));
            current = new ArrayList<>();
          }
          continue;
        }
        if (current.isEmpty()) {
          start = i + 1;
        }
        current.add(line);
      }
      if (!current.isEmpty()) {
        blocks.add(new Block(file, start, current));
      }
      return blocks;
    }
  }

  @AfterAll
  static void writeActual() throws IOException {
    if (!UPDATE) {
      return;
    }
    for (Map.Entry<String, List<String>> e : ACTUAL.entrySet()) {
      Path out = Path.of("target", "route-plans", e.getKey() + ".txt");
      Files.createDirectories(out.getParent());
      Files.writeString(out, String.join("\n", e.getValue()));
    }
  }

  /** Plays one block against a fresh replica set and session, echoing the input and the routes. */
  static final class Scenario {
    final Dialect dialect;
    Topology t;
    RouteSession s;
    String scope = "none";
    AwaitOutcome waits = AwaitOutcome.TIMED_OUT;
    final List<String> unreachable = new ArrayList<>();
    boolean primaryForced;
    Failure nextFailure;

    Scenario(Dialect dialect) {
      this.dialect = dialect;
    }

    RouteContext ctx() {
      return Topology.context(!scope.equals("none"), scope.equals("fenced") ? t.fence() : null,
          scope.equals("store-down"), primaryForced);
    }

    String play(List<String> lines) {
      StringBuilder out = new StringBuilder();
      topology(new Health[0]);
      for (String line : lines) {
        if (line.startsWith("=")) {
          continue;
        }
        out.append(line).append('\n');
        if (line.startsWith("replicas:")) {
          String[] words = line.substring(9).strip().split("\\s+");
          List<Health> health = new ArrayList<>();
          for (String w : words) {
            if (!w.isEmpty() && !w.equals("none")) {
              health.add(Health.valueOf(w.toUpperCase(Locale.ROOT)));
            }
          }
          topology(health.toArray(Health[]::new));
        } else if (line.startsWith("scope:")) {
          scope = line.substring(6).strip();
        } else if (line.startsWith("waits:")) {
          waits = AwaitOutcome.valueOf(line.substring(6).strip().toUpperCase(Locale.ROOT).replace('-', '_'));
        } else if (line.startsWith("unreachable:")) {
          unreachable.addAll(List.of(line.substring(12).strip().split("\\s+")));
        } else if (line.startsWith("! ")) {
          out.append(call(line.substring(2).strip()));
        } else if (line.startsWith("> ")) {
          out.append(statement(line.substring(2).strip()));
        }
      }
      return out.toString();
    }

    private void topology(Health[] health) {
      t = new Topology(dialect, health.length);
      for (int i = 0; i < health.length; i++) {
        t.health(i, health[i]);
      }
      s = t.session();
    }

    private String call(String call) {
      RouteContext ctx = ctx();
      switch (call) {
        case "setAutoCommit(false)" -> s.setAutoCommit(false);
        case "setAutoCommit(true)" -> s.setAutoCommit(true);
        case "setReadOnly(true)" -> s.setReadOnly(true);
        case "setReadOnly(false)" -> s.setReadOnly(false);
        case "commit()" -> {
          if (s.transactionLost()) {
            return "= refused " + Refusal.TRANSACTION_LOST.sqlState() + "\n";
          }
          return "= " + fenceStep(s.endTransaction(true, ctx)) + state();
        }
        case "rollback()" -> {
          return "= " + fenceStep(s.endTransaction(false, ctx)) + state();
        }
        case "primary on" -> primaryForced = true;
        case "primary off" -> primaryForced = false;
        case "fail connection" -> nextFailure = Failure.CONNECTION;
        case "fail read-only" -> nextFailure = Failure.READ_ONLY_VIOLATION;
        case "fail statement" -> nextFailure = Failure.STATEMENT;
        default -> throw new IllegalArgumentException("unknown call: " + call);
      }
      return "";
    }

    private String fenceStep(boolean readNow) {
      if (readNow) {
        s.positionRead(t.fence());
        return "ended, position read now";
      }
      return "ended";
    }

    private boolean reachable(EndpointState e) {
      return !unreachable.contains(e.name());
    }

    private String statement(String sql) {
      RouteContext ctx = ctx();
      Classification c = sql.equals("CALL") ? RouteSession.CALL : t.classify(sql);
      String text = sql.equals("CALL") ? null : sql;
      List<String> steps = new ArrayList<>();
      Route r = s.decide(c, text, ctx);
      String result;
      while (true) {
        steps.add(r.toString());
        if (r.opcode() == Route.Opcode.REFUSE) {
          result = "refused";
          break;
        }
        if (!reachable(r.target())) {
          steps.add("(unavailable)");
          Route next = s.unavailable(r, ctx);
          if (next == null) {
            result = "failed: no connection";
            break;
          }
          r = next;
          continue;
        }
        if (r.opcode() == Route.Opcode.READ_POSITION) {
          s.positionRead(t.fence());
          r = s.decide(c, text, ctx);
          continue;
        }
        if (r.opcode() == Route.Opcode.AWAIT_REPLICA) {
          steps.add("(" + waits.name().toLowerCase(Locale.ROOT).replace('_', '-') + ")");
          if (waits == AwaitOutcome.CAUGHT_UP) {
            r.target().observePosition(r.fence()); // what a front-end records after a successful wait
          }
          r = s.awaited(r, waits);
          continue;
        }
        if (nextFailure != null) {
          Failure f = nextFailure;
          nextFailure = null;
          steps.add("(" + f.name().toLowerCase(Locale.ROOT).replace('_', '-') + " failure)");
          Route retry = s.failed(r, c, f, ctx);
          if (retry == null) {
            result = "failed";
            break;
          }
          r = retry;
          continue;
        }
        result = s.succeeded(r, c, ctx) ? "ok, position read now" : "ok";
        if (result.endsWith("now")) {
          s.positionRead(t.fence());
        }
        break;
      }
      return "= " + String.join(" -> ", steps) + "\n= " + result + state();
    }

    private String state() {
      return "; " + s + "\n";
    }
  }
}
