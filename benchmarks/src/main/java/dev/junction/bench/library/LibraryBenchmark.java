package dev.junction.bench.library;

import static dev.junction.bench.library.Stats.f;
import static dev.junction.bench.library.Stats.median;

import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * End-to-end library overhead: closed-loop clients against a real PostgreSQL primary and two
 * streaming replicas, through raw HikariCP (the baseline), Junction, Spring's do-it-yourself routing
 * and ShardingSphere-JDBC. Contenders take turns inside every round (rotating who goes first), so a
 * burst of noise from other jobs on the shared cores lands on one slot, not on one contender; each
 * figure is the median over rounds of the contender's ratio to HikariCP in the same round. Many
 * short rounds beat a few long ones here: the contenders' slots of one round are seconds apart, so
 * they see much the same background load.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.junction.bench.library.LibraryBenchmark [--quick]
 * [--rounds 12] [--seconds 1.25] [--threads 1,4,16] [--contenders a,b] [--workloads select-by-pk,insert,mix-90/10]
 * [--before core.jar:jdbc.jar] [--out benchmarks/results] [--img docs/img]}
 *
 * <p>{@code --before} adds {@code junction-primary-only-before} and {@code junction-2-replicas-before}:
 * the same Junction configurations built by another build of router-core and router-jdbc, loaded in
 * its own class loader ({@link LibrarySources}), so a regression check compares before and after in the
 * same rounds against the same servers (benchmarks/run-library.sh --before COMMIT).
 */
public final class LibraryBenchmark {
  static final int ROWS = 100_000;

  private LibraryBenchmark() {}

  /** One contender's figures in one round of one cell. */
  record Sample(Workload workload, int threads, int round, String contender, double opsPerSecond,
                double p50, double p90, double p99) {}

  public static void main(String[] args) throws Exception {
    List<String> a = Arrays.asList(args);
    boolean quick = a.contains("--quick");
    int rounds = Integer.parseInt(Stats.option(a, "--rounds", quick ? "1" : "12"));
    long millis = (long) (1000 * Double.parseDouble(Stats.option(a, "--seconds", quick ? "1" : "1.25")));
    int[] threads = Stats.ints(Stats.option(a, "--threads", quick ? "4" : "1,4,16"));
    List<String> names = new ArrayList<>(List.of(Stats.option(a, "--contenders", String.join(",", Contenders.ALL)).split(",")));
    String before = Stats.option(a, "--before", "");
    java.lang.reflect.Method beforeFactory = before.isEmpty() ? null : LibrarySources.beforeFactory(before);
    if (beforeFactory != null) {
      names.add(JUNCTION_PRIMARY_BEFORE);
      names.add(JUNCTION_REPLICAS_BEFORE);
    }
    List<Workload> workloads = new ArrayList<>();
    for (String w : Stats.option(a, "--workloads", "select-by-pk,insert,mix-90/10").split(",")) {
      workloads.add(Arrays.stream(Workload.values()).filter(x -> x.label.equals(w)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("unknown workload " + w)));
    }
    // A quick run never overwrites the published results and figures.
    Path out = Path.of(Stats.option(a, "--out", quick ? "benchmarks/target/quick" : "benchmarks/results"));
    Path img = Path.of(Stats.option(a, "--img", quick ? "benchmarks/target/quick/img" : "docs/img"));
    int poolSize = Arrays.stream(threads).max().orElse(16);
    Instant started = Instant.now();
    Map<String, Contender> live = new LinkedHashMap<>();
    Map<String, String> unavailable = new LinkedHashMap<>();
    LocalCluster cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO, Duration.ZERO).start();
    try {
      PostgresReplicaSet pg = cluster.postgres(0);
      Schema.create(pg, ROWS, 1);
      String pgVersion = Schema.serverVersion(pg.primary());
      for (String name : names) {
        try {
          Contender c = name.endsWith(BEFORE) ? before(beforeFactory, name, pg, poolSize) : Contenders.create(name, pg, poolSize);
          Workload.select(c, 1);
          Workload.insert(c, 1);
          live.put(name, c);
        } catch (Throwable e) {
          unavailable.put(name, rootCause(e));
          System.out.println("CONTENDER UNAVAILABLE " + name + ": " + rootCause(e));
          e.printStackTrace(System.out);
        }
      }
      if (!live.containsKey(Contenders.HIKARI)) {
        throw new IllegalStateException("the baseline (hikari) must run");
      }
      long warmup = Math.max(millis, 3000);
      System.out.println("warm-up: every contender, every workload, 4 threads, " + warmup + " ms");
      for (Workload w : workloads) {
        for (Contender c : live.values()) {
          ClosedLoop.run(4, warmup, () -> w.once(c, ROWS));
        }
      }
      List<Sample> samples = new ArrayList<>();
      List<Contender> order = new ArrayList<>(live.values());
      for (Workload w : workloads) {
        for (int t : threads) {
          for (Contender c : order) {
            ClosedLoop.run(t, millis / 2, () -> w.once(c, ROWS)); // settle pools at this thread count
          }
          for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < order.size(); i++) {
              Contender c = order.get((i + r) % order.size());
              ClosedLoop.Result res = ClosedLoop.run(t, millis, () -> w.once(c, ROWS));
              Sample s = new Sample(w, t, r, c.name(), res.opsPerSecond(), res.percentileMicros(50),
                  res.percentileMicros(90), res.percentileMicros(99));
              samples.add(s);
              System.out.printf("%-12s t=%2d round %d %-22s %9.0f ops/s  p50 %8.1f us  p99 %8.1f us%n",
                  w.label, t, r, c.name(), s.opsPerSecond(), s.p50(), s.p99());
            }
          }
        }
      }
      List<Summary> summaries = summarize(samples, workloads, threads, live.keySet());
      LibraryReport.write(out, img, samples, summaries, unavailable, List.copyOf(live.keySet()), new LibraryReport.Meta(
          started, Instant.now(), rounds, millis, pgVersion, ROWS));
      if (!before.isEmpty()) {
        System.out.println("before jars " + before);
      }
    } finally {
      closeAll(live.values()); // before the cluster stops, so no pool sees its server vanish
      cluster.close();
    }
  }

  static final String BEFORE = "-before";
  static final String JUNCTION_PRIMARY_BEFORE = Contenders.JUNCTION_PRIMARY + BEFORE;
  static final String JUNCTION_REPLICAS_BEFORE = Contenders.JUNCTION_REPLICAS + BEFORE;

  /** A Junction contender of the {@code --before} build, configured as its namesake of this build. */
  static Contender before(java.lang.reflect.Method factory, String name, PostgresReplicaSet pg, int poolSize) throws Exception {
    List<String> replicas = new ArrayList<>();
    if (name.equals(JUNCTION_REPLICAS_BEFORE)) {
      for (int i = 0; i < pg.replicas().size(); i++) {
        replicas.add(pg.replica(i).jdbcUrl());
      }
    }
    javax.sql.DataSource ds = (javax.sql.DataSource) factory.invoke(null, pg.primary().jdbcUrl(), replicas, pg.primary().user(),
        pg.primary().password(), poolSize);
    return new PlainContender(name, ds, (AutoCloseable) ds);
  }

  static void closeAll(Iterable<? extends AutoCloseable> resources) {
    for (AutoCloseable c : resources) {
      try {
        c.close();
      } catch (Exception e) {
        System.out.println("closing " + c + ": " + e);
      }
    }
  }

  /** Medians over rounds, and medians of the per-round ratios to HikariCP. */
  record Summary(Workload workload, int threads, String contender, double opsPerSecond, double p50, double p99,
                 double opsRatio, double p50Ratio, double p99Ratio, double p50OverheadMicros,
                 double opsRatioQ1, double opsRatioQ3, double p50RatioQ1, double p50RatioQ3) {}

  static List<Summary> summarize(List<Sample> samples, List<Workload> workloads, int[] threads, Iterable<String> contenders) {
    List<Summary> out = new ArrayList<>();
    for (Workload w : workloads) {
      for (int t : threads) {
        Map<Integer, Sample> base = new LinkedHashMap<>();
        for (Sample s : samples) {
          if (s.workload() == w && s.threads() == t && s.contender().equals(Contenders.HIKARI)) {
            base.put(s.round(), s);
          }
        }
        for (String name : contenders) {
          List<Double> ops = new ArrayList<>();
          List<Double> p50 = new ArrayList<>();
          List<Double> p99 = new ArrayList<>();
          List<Double> opsR = new ArrayList<>();
          List<Double> p50R = new ArrayList<>();
          List<Double> p99R = new ArrayList<>();
          List<Double> over = new ArrayList<>();
          for (Sample s : samples) {
            if (s.workload() != w || s.threads() != t || !s.contender().equals(name)) {
              continue;
            }
            Sample b = base.get(s.round());
            ops.add(s.opsPerSecond());
            p50.add(s.p50());
            p99.add(s.p99());
            opsR.add(s.opsPerSecond() / b.opsPerSecond());
            p50R.add(s.p50() / b.p50());
            p99R.add(s.p99() / b.p99());
            over.add(s.p50() - b.p50());
          }
          out.add(new Summary(w, t, name, median(ops), median(p50), median(p99), median(opsR), median(p50R), median(p99R),
              median(over), Stats.quantile(opsR, 0.25), Stats.quantile(opsR, 0.75), Stats.quantile(p50R, 0.25),
              Stats.quantile(p50R, 0.75)));
          System.out.printf("%-12s t=%2d %-22s %9.0f ops/s (x%s)  p50 %7.1f us (x%s, %+.1f us)  p99 %8.1f us (x%s)%n",
              w.label, t, name, median(ops), f("%.2f", median(opsR)), median(p50), f("%.2f", median(p50R)), median(over),
              median(p99), f("%.2f", median(p99R)));
        }
      }
    }
    return out;
  }

  static String rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getClass().getName() + ": " + t.getMessage();
  }
}
