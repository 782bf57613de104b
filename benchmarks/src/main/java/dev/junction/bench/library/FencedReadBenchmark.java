package dev.junction.bench.library;

import static dev.junction.bench.library.Stats.f;
import static dev.junction.bench.library.Stats.median;

import com.zaxxer.hikari.HikariDataSource;
import dev.junction.Junction;
import dev.junction.Scope;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.JunctionConnection;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.route.RouteReason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;

/**
 * Read-after-write pairs: update a row on the primary, then read it back at once on a new logical
 * connection, the way two consecutive requests of one user would. Three contenders per round: the
 * read on a raw HikariCP pool on the primary (the always-primary baseline), through Junction inside
 * {@link Junction#primary}, and through Junction inside a {@link Junction#scope} (fenced: a replica
 * that has replayed the write, or the primary after max-fence-wait), with the default max-fence-wait
 * of 50 ms and with 0 (check the most advanced replica once, else go to the primary at once). Replicas get
 * {@code recovery_min_apply_delay} of 0, 50 and 300 ms, on one replica or both. Only the read is
 * timed; every read is checked against the value the write returned, so a stale read is counted.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.junction.bench.library.FencedReadBenchmark [--quick]
 * [--rounds 3] [--seconds 3] [--threads 2] [--delays 0,50,300] [--out DIR] [--img DIR]}
 */
public final class FencedReadBenchmark {
  static final int KEYS_PER_THREAD = 500;
  static final String WRITE = "UPDATE counters SET v = v + 1 WHERE id = ? RETURNING v";
  static final String READ = "SELECT v FROM counters WHERE id = ?";
  static final String FENCED = "junction-scope-fenced";
  static final String FENCED_NO_WAIT = "junction-scope-fenced-nowait";
  static final List<String> CONTENDERS = List.of("primary-hikari", "junction-primary()", FENCED, FENCED_NO_WAIT);

  private FencedReadBenchmark() {}

  /** Reads counted by route reason, plus stale reads; one per setup and contender. */
  static final class Tally {
    final Map<RouteReason, LongAdder> reasons = new EnumMap<>(RouteReason.class);
    final AtomicLong stale = new AtomicLong();
    final AtomicLong reads = new AtomicLong();

    Tally() {
      for (RouteReason r : RouteReason.values()) {
        reasons.put(r, new LongAdder());
      }
    }

    long count(RouteReason... rs) {
      long n = 0;
      for (RouteReason r : rs) {
        n += reasons.get(r).sum();
      }
      return n;
    }
  }

  record Row(String setup, long delayMillis, String contender, long reads, double p50, double p90, double p99,
             double p50Ratio, double p99Ratio, Tally tally) {}

  public static void main(String[] args) throws Exception {
    List<String> a = Arrays.asList(args);
    boolean quick = a.contains("--quick");
    int rounds = Integer.parseInt(Stats.option(a, "--rounds", quick ? "1" : "3"));
    long millis = (long) (1000 * Double.parseDouble(Stats.option(a, "--seconds", quick ? "1" : "3")));
    int threads = Integer.parseInt(Stats.option(a, "--threads", "2"));
    int[] delays = Stats.ints(Stats.option(a, "--delays", "0,50,300"));
    // A quick run never overwrites the published results and figures.
    Path out = Path.of(Stats.option(a, "--out", quick ? "benchmarks/target/quick" : "benchmarks/results"));
    Path img = Path.of(Stats.option(a, "--img", quick ? "benchmarks/target/quick/img" : "docs/img"));
    Instant started = Instant.now();
    LocalCluster cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO, Duration.ZERO).start();
    HikariDataSource hikari = null;
    RoutingDataSource junction = null;
    RoutingDataSource noWait = null;
    List<Row> rows = new ArrayList<>();
    try {
      PostgresReplicaSet pg = cluster.postgres(0);
      Schema.create(pg, 1000, threads * KEYS_PER_THREAD);
      hikari = Contenders.hikari("primary", pg.primary(), threads);
      junction = RoutingDataSource.create(Contenders.junctionConfig(pg, threads, true));
      noWait = RoutingDataSource.create(withoutFenceWait(Contenders.junctionConfig(pg, threads, true)));
      Map<String, DataSource> sources = Map.of(CONTENDERS.get(0), hikari, CONTENDERS.get(1), junction, FENCED, junction,
          FENCED_NO_WAIT, noWait);
      for (int d : delays) {
        for (int delayed : d == 0 ? new int[] {0} : new int[] {1, 2}) {
          String setup = delayed == 0 ? "no delay" : delayed == 1 ? "1 of 2 replicas delayed" : "both replicas delayed";
          pg.setApplyDelay(0, Duration.ofMillis(delayed == 2 ? d : 0));
          pg.setApplyDelay(1, Duration.ofMillis(delayed >= 1 ? d : 0));
          Thread.sleep(1500); // reload, and let the lag monitor see the new positions
          rows.addAll(runSetup(setup, d, sources, threads, rounds, millis));
        }
      }
      write(out, img, rows, started, rounds, millis, threads, Schema.serverVersion(pg.primary()));
    } finally {
      if (hikari != null) {
        hikari.close();
      }
      if (junction != null) {
        junction.close();
      }
      if (noWait != null) {
        noWait.close();
      }
      cluster.close();
    }
  }

  static JunctionConfig withoutFenceWait(JunctionConfig c) {
    JunctionConfig.Routing r = c.routing();
    return new JunctionConfig(c.dialect(), c.shards(), new JunctionConfig.Routing(r.replicaSelection(), r.maxLag(), r.maxLagBytes(),
        r.readmitLag(), r.lagPollInterval(), Duration.ZERO, r.circuitOpen(), r.parseCacheSize()), c.fencing());
  }

  static List<Row> runSetup(String setup, long delay, Map<String, DataSource> sources, int threads,
                            int rounds, long millis) throws Exception {
    Map<String, Tally> tallies = new java.util.LinkedHashMap<>();
    Map<String, List<double[]>> perRound = new java.util.LinkedHashMap<>();
    for (String c : CONTENDERS) {
      tallies.put(c, new Tally());
      perRound.put(c, new ArrayList<>());
    }
    int[] counter = new int[threads];
    for (String c : CONTENDERS) { // warm-up, not recorded
      ClosedLoop.runTimed(threads, millis / 2, t -> pair(c, sources.get(c), t, counter, new Tally()));
    }
    for (int r = 0; r < rounds; r++) {
      for (int i = 0; i < CONTENDERS.size(); i++) {
        String c = CONTENDERS.get((i + r) % CONTENDERS.size());
        Tally tally = tallies.get(c);
        ClosedLoop.Result res = ClosedLoop.runTimed(threads, millis, t -> pair(c, sources.get(c), t, counter, tally));
        perRound.get(c).add(new double[] {res.percentileMicros(50), res.percentileMicros(90), res.percentileMicros(99)});
        System.out.printf("%-24s %3d ms round %d %-22s %6.0f reads/s  p50 %8.1f us  p90 %8.1f us  p99 %8.1f us%n",
            setup, delay, r, c, res.opsPerSecond(), res.percentileMicros(50), res.percentileMicros(90), res.percentileMicros(99));
      }
    }
    List<double[]> base = perRound.get(CONTENDERS.get(0));
    List<Row> rows = new ArrayList<>();
    for (String c : CONTENDERS) {
      List<double[]> mine = perRound.get(c);
      List<Double> p50 = new ArrayList<>();
      List<Double> p90 = new ArrayList<>();
      List<Double> p99 = new ArrayList<>();
      List<Double> p50r = new ArrayList<>();
      List<Double> p99r = new ArrayList<>();
      for (int r = 0; r < mine.size(); r++) {
        p50.add(mine.get(r)[0]);
        p90.add(mine.get(r)[1]);
        p99.add(mine.get(r)[2]);
        p50r.add(mine.get(r)[0] / base.get(r)[0]);
        p99r.add(mine.get(r)[2] / base.get(r)[2]);
      }
      Tally t = tallies.get(c);
      Row row = new Row(setup, delay, c, t.reads.get(), median(p50), median(p90), median(p99), median(p50r), median(p99r), t);
      rows.add(row);
      System.out.printf("%-24s %3d ms %-22s reads %7d  p50 %8.1f us (x%s)  p99 %8.1f us (x%s)  replica %s  fallback %d  stale %d%n",
          setup, delay, c, row.reads(), row.p50(), f("%.2f", row.p50Ratio()), row.p99(), f("%.2f", row.p99Ratio()),
          f("%.1f%%", 100.0 * replicaShare(t)), t.count(RouteReason.PRIMARY_FENCE_FALLBACK), t.stale.get());
    }
    return rows;
  }

  static double replicaShare(Tally t) {
    long replica = t.count(RouteReason.REPLICA, RouteReason.REPLICA_FENCED, RouteReason.REPLICA_FENCE_WAITED);
    return t.reads.get() == 0 ? 0 : (double) replica / t.reads.get();
  }

  /** One write-then-read pair; returns the read's latency in nanoseconds. */
  static long pair(String contender, DataSource ds, int thread, int[] counter, Tally tally) throws Exception {
    int key = thread * KEYS_PER_THREAD + (counter[thread]++ % KEYS_PER_THREAD);
    long written;
    long read;
    long nanos;
    switch (contender) {
      case "primary-hikari" -> {
        written = query(ds, WRITE, key, null);
        long start = System.nanoTime();
        read = query(ds, READ, key, null);
        nanos = System.nanoTime() - start;
      }
      case "junction-primary()" -> {
        written = query(ds, WRITE, key, null);
        long start = System.nanoTime();
        read = Junction.primary(() -> query(ds, READ, key, tally));
        nanos = System.nanoTime() - start;
      }
      default -> {
        try (Scope scope = Junction.scope("user:" + key)) {
          written = query(ds, WRITE, key, null);
          long start = System.nanoTime();
          read = query(ds, READ, key, tally);
          nanos = System.nanoTime() - start;
        }
      }
    }
    tally.reads.incrementAndGet();
    if (read != written) {
      tally.stale.incrementAndGet();
    }
    return nanos;
  }

  /** Runs {@code sql} with one int parameter on a new logical connection and returns the first column. */
  static long query(DataSource ds, String sql, int key, Tally reasons) throws SQLException {
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setInt(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new IllegalStateException("no row for key " + key);
        }
        long v = rs.getLong(1);
        if (reasons != null) {
          RouteReason why = c.unwrap(JunctionConnection.class).lastRouteReason();
          reasons.reasons.get(why).increment();
        }
        return v;
      }
    }
  }

  static void write(Path out, Path img, List<Row> rows, Instant started, int rounds, long millis, int threads, String pgVersion)
      throws Exception {
    Files.createDirectories(out);
    StringBuilder csv = new StringBuilder("setup,delay_ms,contender,reads,p50_us,p90_us,p99_us,p50_ratio,p99_ratio,"
        + "replica_share,replica_fenced,replica_fence_waited,primary_fence_fallback,primary_hint,stale\n");
    for (Row r : rows) {
      Tally t = r.tally();
      csv.append(String.join(",", r.setup(), Long.toString(r.delayMillis()), r.contender(), Long.toString(r.reads()),
          f("%.1f", r.p50()), f("%.1f", r.p90()), f("%.1f", r.p99()), f("%.3f", r.p50Ratio()), f("%.3f", r.p99Ratio()),
          f("%.4f", replicaShare(t)), Long.toString(t.count(RouteReason.REPLICA_FENCED)),
          Long.toString(t.count(RouteReason.REPLICA_FENCE_WAITED)), Long.toString(t.count(RouteReason.PRIMARY_FENCE_FALLBACK)),
          Long.toString(t.count(RouteReason.PRIMARY_HINT)), Long.toString(t.stale.get()))).append('\n');
    }
    Files.writeString(out.resolve("fenced.csv"), csv);
    Files.writeString(out.resolve("fenced-meta.txt"), "started " + started + "\nfinished " + Instant.now() + "\nrounds " + rounds
        + " x " + millis + " ms per contender and setup\nclient threads " + threads + "\njava " + System.getProperty("java.version")
        + "\npostgresql " + pgVersion + "\n");
    List<String> setups = new ArrayList<>();
    for (Row r : rows) {
      String s = r.setup() + " " + r.delayMillis() + "ms";
      if (!setups.contains(s)) {
        setups.add(s);
      }
    }
    Path p50 = pivot(out.resolve("fenced-p50.csv"), rows, setups, Row::p50);
    Path p99 = pivot(out.resolve("fenced-p99.csv"), rows, setups, Row::p99);
    StringBuilder share = new StringBuilder("setup,scope: on a replica,scope: primary fallback,"
        + "scope nowait: on a replica,scope nowait: primary fallback\n");
    for (String setup : setups) {
      share.append(setup);
      for (String c : List.of(FENCED, FENCED_NO_WAIT)) {
        Row r = rows.stream().filter(x -> (x.setup() + " " + x.delayMillis() + "ms").equals(setup) && x.contender().equals(c))
            .findFirst().orElseThrow();
        double fallback = r.reads() == 0 ? 0 : 100.0 * r.tally().count(RouteReason.PRIMARY_FENCE_FALLBACK) / r.reads();
        share.append(',').append(f("%.1f", 100 * replicaShare(r.tally()))).append(',').append(f("%.1f", fallback));
      }
      share.append('\n');
    }
    Path sharePath = out.resolve("fenced-share.csv");
    Files.writeString(sharePath, share);
    String when = " (" + started.toString().substring(0, 16).replace('T', ' ') + " UTC)";
    Charts.render(img.resolve("bench-fenced.png"), 1000, 1000, List.of(
        new Charts.Panel(p50, "Read-after-write: read p50" + when, "read p50 (us, log)", CONTENDERS, true, Double.NaN),
        new Charts.Panel(p99, "Read-after-write: read p99", "read p99 (us, log)", CONTENDERS, true, Double.NaN),
        new Charts.Panel(sharePath, "Fenced reads: where they ran (scope: max-fence-wait 50 ms; nowait: 0)", "% of fenced reads",
            List.of("scope: on a replica", "scope: primary fallback", "scope nowait: on a replica", "scope nowait: primary fallback"),
            false, Double.NaN)));
  }

  private static Path pivot(Path file, List<Row> rows, List<String> setups, java.util.function.ToDoubleFunction<Row> value)
      throws Exception {
    StringBuilder b = new StringBuilder("setup," + String.join(",", CONTENDERS) + "\n");
    for (String s : setups) {
      b.append(s);
      for (String c : CONTENDERS) {
        double v = rows.stream().filter(r -> (r.setup() + " " + r.delayMillis() + "ms").equals(s) && r.contender().equals(c))
            .mapToDouble(value).findFirst().orElse(Double.NaN);
        b.append(',').append(f("%.1f", v));
      }
      b.append('\n');
    }
    Files.writeString(file, b);
    return file;
  }
}
