package dev.junction.bench.library;

import static dev.junction.bench.library.Stats.f;
import static dev.junction.bench.library.Stats.median;

import com.zaxxer.hikari.HikariDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresServer;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * What a scatter read costs per extra shard on top of the servers' own time (issue #12).
 *
 * <p>For 1, 2, 3 and 4 PostgreSQL shards (primaries on this machine) the same statements run
 * through:
 * <ul>
 *   <li><b>direct</b>: one plain HikariCP pool per shard; the per-shard query is issued on every
 *       shard in parallel from a fixed thread pool (legs 2..n on the pool, leg 1 on the calling
 *       thread), results concatenated and merged by hand. This is the servers' own time plus the
 *       least any parallel client pays;</li>
 *   <li><b>junction</b>: a sharded {@code RoutingDataSource} of this build;</li>
 *   <li><b>junction-before</b> (with {@code --before a.jar:b.jar}): the same harness class driving
 *       another build of router-core and router-jdbc, loaded in its own class loader, so before and
 *       after run against the same servers in the same run, rounds interleaved.</li>
 * </ul>
 * Every operation borrows a connection, prepares, binds, executes, reads every row and closes,
 * and every result is checked.
 *
 * <p>Pairing. Each round gives every shard count one slot ({@code --seconds} per variant), and inside it
 * the variants take turns operation by operation, each into its own histogram: a difference between
 * two variants is then measured over the same moments of the machine. With {@code --slots} (the
 * method before) each variant and shard count had its own 1 s slot, and the difference between two
 * slots also carried whatever the machine did between them: at a load average of about 2, one build's
 * 2-shard overhead on the same statement read 25 and 38 µs in two runs ten minutes apart.
 *
 * <p>Per configuration the figure is the median over rounds of the p50;
 * the overhead at n shards is {@code p50(junction, n) - p50(direct, n)} and the cost per extra
 * shard is {@code (overhead(n) - overhead(1)) / (n - 1)}.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.junction.bench.library.ScatterOverheadBenchmark [--quick]
 * [--rounds 10] [--seconds 1] [--rows 20000] [--before core.jar:jdbc.jar] [--slots] [--only junction --shards 4 --profile-seconds 30]}
 */
public final class ScatterOverheadBenchmark {
  static final int MAX_SHARDS = 4;
  static final List<String> QUERIES = List.of("ORDER BY LIMIT 10", "COUNT WHERE ?");
  static final String TOP_SQL = "SELECT id, balance FROM %s ORDER BY balance DESC, id LIMIT 10";
  static final String COUNT_SQL = "SELECT COUNT(*) FROM %s WHERE balance < ?";
  static final long COUNT_BELOW = 5_000; // an index range of about 100 rows in all: cheap on the servers

  private ScatterOverheadBenchmark() {}

  private static String method = "";

  static String table(int n) {
    return "scatter_o" + n;
  }

  public static void main(String[] args) throws Exception {
    List<String> a = Arrays.asList(args);
    boolean quick = a.contains("--quick");
    boolean paired = !a.contains("--slots");
    method = paired ? "paired: per round one slot per shard count, the variants taking turns operation by operation"
        : "slots: per round one slot per variant and shard count";
    int rounds = Integer.parseInt(Stats.option(a, "--rounds", quick ? "2" : "10"));
    long millis = (long) (1000 * Double.parseDouble(Stats.option(a, "--seconds", "1")));
    int rows = Integer.parseInt(Stats.option(a, "--rows", "20000"));
    String before = Stats.option(a, "--before", "");
    String only = Stats.option(a, "--only", "");
    int profileShards = Integer.parseInt(Stats.option(a, "--shards", "4"));
    long profileSeconds = Long.parseLong(Stats.option(a, "--profile-seconds", "0"));
    Path out = Path.of(Stats.option(a, "--out", quick ? "benchmarks/target/quick" : "benchmarks/results"));
    Instant started = Instant.now();
    LocalCluster cluster = LocalCluster.builder().postgresReplicaSets(MAX_SHARDS).postgresReplicas().start();
    List<AutoCloseable> closeables = new ArrayList<>();
    ExecutorService legs = Executors.newFixedThreadPool(MAX_SHARDS, daemon("direct-leg-"));
    try {
      List<PostgresServer> servers = new ArrayList<>();
      for (int s = 0; s < MAX_SHARDS; s++) {
        servers.add(cluster.postgres(s).primary());
      }
      long[] top = new long[0];
      long[] counts = new long[MAX_SHARDS + 1];
      for (int n = 1; n <= MAX_SHARDS; n++) {
        counts[n] = load(servers.subList(0, n), n, rows);
      }
      top = expectedTop(rows);
      List<String> variants = new ArrayList<>(List.of("direct", "junction"));
      Map<String, Method> factories = new LinkedHashMap<>();
      factories.put("junction", ScatterSources.class.getMethod("junction", List.class, String.class, String.class, int.class,
          String.class));
      if (!before.isEmpty()) {
        variants.add("junction-before");
        factories.put("junction-before", beforeFactory(before));
      }
      if (!only.isEmpty()) {
        variants = List.of(only);
      }
      // sources.get(variant)[n]
      Map<String, Object[]> sources = new LinkedHashMap<>();
      for (String v : variants) {
        Object[] byN = new Object[MAX_SHARDS + 1];
        for (int n = 1; n <= MAX_SHARDS; n++) {
          int shards = n;
          List<String> urls = servers.subList(0, n).stream().map(sv -> url(sv, shards)).toList();
          PostgresServer p = servers.get(0);
          if (v.equals("direct")) {
            HikariDataSource[] pools = new HikariDataSource[n];
            for (int s = 0; s < n; s++) {
              HikariDataSource h = new HikariDataSource();
              h.setPoolName("direct-" + n + "-s" + s);
              h.setJdbcUrl(url(servers.get(s), n));
              h.setUsername(p.user());
              h.setPassword(p.password());
              h.setMaximumPoolSize(4);
              h.setMinimumIdle(0); // as Junction's endpoint pools here
              pools[s] = h;
              closeables.add(pools[s]);
            }
            byN[n] = pools;
          } else {
            DataSource ds = (DataSource) factories.get(v).invoke(null, urls, p.user(), p.password(), 4, table(n));
            closeables.add((AutoCloseable) ds);
            byN[n] = ds;
          }
        }
        sources.put(v, byN);
      }
      long[] topRows = top;
      if (profileSeconds > 0) {
        String v = variants.get(0);
        Object src = sources.get(v)[profileShards];
        System.out.printf("profiling %s at %d shards for %d s%n", v, profileShards, profileSeconds);
        for (String q : QUERIES) {
          ClosedLoop.run(1, profileSeconds * 1000 / QUERIES.size(), () -> once(q, v, src, profileShards, legs, topRows, counts));
        }
        return;
      }
      // results.get(query).get(variant)[n] = list of p50 per round
      Map<String, Map<String, List<List<Double>>>> results = new LinkedHashMap<>();
      List<String[]> configs = new ArrayList<>();
      for (String v : variants) {
        for (int n = 1; n <= MAX_SHARDS; n++) {
          configs.add(new String[] {v, Integer.toString(n)});
        }
      }
      for (String q : QUERIES) {
        Map<String, List<List<Double>>> byVariant = new LinkedHashMap<>();
        for (String v : variants) {
          List<List<Double>> perN = new ArrayList<>();
          for (int n = 0; n <= MAX_SHARDS; n++) {
            perN.add(new ArrayList<>());
          }
          byVariant.put(v, perN);
        }
        for (String[] c : configs) { // warm-up
          int n = Integer.parseInt(c[1]);
          ClosedLoop.run(1, Math.max(300, millis), () -> once(q, c[0], sources.get(c[0])[n], n, legs, topRows, counts));
        }
        for (int r = 0; r < rounds; r++) {
          if (paired) {
            // One slot per shard count; inside it the variants take turns operation by operation, so
            // each difference is measured over the same moments of the machine (see the class comment).
            for (int k = 0; k < MAX_SHARDS; k++) {
              int n = 1 + (k + r) % MAX_SHARDS;
              List<String> turn = variants;
              Object[] byV = new Object[turn.size()];
              for (int v = 0; v < turn.size(); v++) {
                byV[v] = sources.get(turn.get(v))[n];
              }
              org.HdrHistogram.Histogram[] h = new org.HdrHistogram.Histogram[turn.size()];
              for (int v = 0; v < h.length; v++) {
                h[v] = new org.HdrHistogram.Histogram(3);
              }
              int[] next = {0};
              ClosedLoop.runTimed(1, millis * turn.size(), thread -> {
                int v = next[0];
                next[0] = (v + 1) % turn.size();
                long start = System.nanoTime();
                once(q, turn.get(v), byV[v], n, legs, topRows, counts);
                long took = System.nanoTime() - start;
                h[v].recordValue(took);
                return took;
              });
              for (int v = 0; v < h.length; v++) {
                double p50 = h[v].getValueAtPercentile(50) / 1000.0;
                byVariant.get(turn.get(v)).get(n).add(p50);
                System.out.printf("%-18s %-16s %d shard(s) round %d  %8d ops  p50 %8.1f us  p99 %8.1f us  load %s%n", q, turn.get(v),
                    n, r, h[v].getTotalCount(), p50, h[v].getValueAtPercentile(99) / 1000.0, load());
              }
            }
            continue;
          }
          for (int i = 0; i < configs.size(); i++) {
            String[] c = configs.get((i + r * 3) % configs.size());
            int n = Integer.parseInt(c[1]);
            ClosedLoop.Result res = ClosedLoop.run(1, millis, () -> once(q, c[0], sources.get(c[0])[n], n, legs, topRows, counts));
            byVariant.get(c[0]).get(n).add(res.percentileMicros(50));
            System.out.printf("%-18s %-16s %d shard(s) round %d  %8.0f ops/s  p50 %8.1f us  p99 %8.1f us  load %s%n", q, c[0], n,
                r, res.opsPerSecond(), res.percentileMicros(50), res.percentileMicros(99), load());
          }
        }
        results.put(q, byVariant);
      }
      write(out, results, variants, started, rounds, millis, rows, before);
    } finally {
      legs.shutdownNow();
      LibraryBenchmark.closeAll(closeables);
      cluster.close();
    }
  }

  static String load() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (Exception e) {
      return "?";
    }
  }

  static java.util.concurrent.ThreadFactory daemon(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** {@link ScatterSources#junction} of another build ({@link BeforeBuild}). */
  static Method beforeFactory(String jars) throws Exception {
    return BeforeBuild.load(jars, ScatterSources.class)
        .getMethod("junction", List.class, String.class, String.class, int.class, String.class);
  }

  /** Creates the table on the first n servers, each row where the ring places it; returns the row count. */
  static long load(List<PostgresServer> servers, int n, int rows) throws Exception {
    int[] where = ScatterSources.placement(n, table(n), rows);
    List<List<Long>> ids = new ArrayList<>();
    for (int s = 0; s < n; s++) {
      ids.add(new ArrayList<>());
    }
    for (int id = 1; id <= rows; id++) {
      ids.get(where[id]).add((long) id);
    }
    long below = 0;
    for (long id = 1; id <= rows; id++) {
      if (balance(id) < COUNT_BELOW) {
        below++;
      }
    }
    for (int s = 0; s < n; s++) {
      try (Connection c = servers.get(s).connect(); Statement st = c.createStatement()) {
        st.execute("CREATE DATABASE scatter" + n);
      }
      try (Connection c = java.sql.DriverManager.getConnection(url(servers.get(s), n), servers.get(s).user(), servers.get(s).password());
           Statement st = c.createStatement()) {
        st.execute("CREATE TABLE " + table(n) + " (id bigint PRIMARY KEY, balance bigint NOT NULL, owner text NOT NULL)");
        st.execute("CREATE INDEX ON " + table(n) + " (balance)");
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table(n)
            + " SELECT g, ((g * 7919) % 1000003), 'owner-' || g FROM unnest(?::bigint[]) g")) {
          ps.setArray(1, c.createArrayOf("bigint", ids.get(s).toArray()));
          ps.executeUpdate();
        }
        st.execute("VACUUM ANALYZE " + table(n));
      }
    }
    return below;
  }

  /** Each shard count has its own database on every server: each records its own ring. */
  static String url(PostgresServer server, int n) {
    String u = server.jdbcUrl();
    return u.substring(0, u.lastIndexOf('/') + 1) + "scatter" + n;
  }

  static long balance(long id) {
    return (id * 7919) % 1000003;
  }

  static long[] expectedTop(int rows) {
    List<long[]> all = new ArrayList<>();
    for (long id = 1; id <= rows; id++) {
      all.add(new long[] {balance(id), id});
    }
    all.sort((x, y) -> x[0] != y[0] ? Long.compare(y[0], x[0]) : Long.compare(x[1], y[1]));
    long[] top = new long[10];
    for (int i = 0; i < 10; i++) {
      top[i] = all.get(i)[1];
    }
    return top;
  }

  static void once(String q, String variant, Object source, int n, ExecutorService legs, long[] top, long[] counts)
      throws Exception {
    if (variant.equals("direct")) {
      direct(q, (HikariDataSource[]) source, n, legs, top, counts);
      return;
    }
    try (Connection c = ((DataSource) source).getConnection()) {
      if (q.equals(QUERIES.get(0))) {
        try (PreparedStatement ps = c.prepareStatement(String.format(TOP_SQL, table(n))); ResultSet rs = ps.executeQuery()) {
          for (long expected : top) {
            ScatterBenchmark.check(rs.next() && rs.getLong(1) == expected, "top-10 row " + expected);
          }
          ScatterBenchmark.check(!rs.next(), "10 rows");
        }
      } else {
        try (PreparedStatement ps = c.prepareStatement(String.format(COUNT_SQL, table(n)))) {
          ps.setLong(1, COUNT_BELOW);
          try (ResultSet rs = ps.executeQuery()) {
            ScatterBenchmark.check(rs.next() && rs.getLong(1) == counts[n], "count " + counts[n]);
          }
        }
      }
    }
  }

  /** The same per-shard statements on plain pools, legs in parallel, results concatenated and merged by hand. */
  static void direct(String q, HikariDataSource[] pools, int n, ExecutorService legs, long[] top, long[] counts) throws Exception {
    boolean topQuery = q.equals(QUERIES.get(0));
    String sql = String.format(topQuery ? TOP_SQL : COUNT_SQL, table(n));
    List<Future<List<long[]>>> futures = new ArrayList<>(n - 1);
    for (int s = 1; s < n; s++) {
      HikariDataSource pool = pools[s];
      futures.add(legs.submit(() -> leg(pool, sql, topQuery)));
    }
    List<long[]> all = new ArrayList<>(leg(pools[0], sql, topQuery));
    for (Future<List<long[]>> f : futures) {
      all.addAll(f.get());
    }
    if (topQuery) {
      all.sort((x, y) -> x[1] != y[1] ? Long.compare(y[1], x[1]) : Long.compare(x[0], y[0]));
      for (int i = 0; i < top.length; i++) {
        ScatterBenchmark.check(all.get(i)[0] == top[i], "top-10 row " + top[i]);
      }
    } else {
      long sum = 0;
      for (long[] r : all) {
        sum += r[0];
      }
      ScatterBenchmark.check(sum == counts[n], "count " + counts[n]);
    }
  }

  static List<long[]> leg(HikariDataSource pool, String sql, boolean topQuery) throws Exception {
    List<long[]> rows = new ArrayList<>(topQuery ? 10 : 1);
    try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      if (!topQuery) {
        ps.setLong(1, COUNT_BELOW);
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(topQuery ? new long[] {rs.getLong(1), rs.getLong(2)} : new long[] {rs.getLong(1)});
        }
      }
    }
    return rows;
  }

  static void write(Path out, Map<String, Map<String, List<List<Double>>>> results, List<String> variants, Instant started,
                    int rounds, long millis, int rows, String before) throws Exception {
    Files.createDirectories(out);
    StringBuilder csv = new StringBuilder(
        "query,variant,shards,p50_us,overhead_vs_direct_us,per_extra_shard_us,slope_2_to_4_shards_us\n");
    for (Map.Entry<String, Map<String, List<List<Double>>>> e : results.entrySet()) {
      List<List<Double>> direct = e.getValue().get("direct");
      for (String v : variants) {
        List<List<Double>> mine = e.getValue().get(v);
        Double overhead1 = null;
        double[] o = new double[MAX_SHARDS + 1];
        for (int n = 1; n <= MAX_SHARDS; n++) {
          double p50 = median(mine.get(n));
          String overhead = "";
          String perExtra = "";
          if (direct != null && !v.equals("direct")) {
            // overhead per round (same round, same load), then the median
            List<Double> diffs = new ArrayList<>();
            for (int r = 0; r < Math.min(mine.get(n).size(), direct.get(n).size()); r++) {
              diffs.add(mine.get(n).get(r) - direct.get(n).get(r));
            }
            o[n] = median(diffs);
            overhead = f("%.1f", o[n]);
            if (n == 1) {
              overhead1 = o[n];
            } else if (overhead1 != null) {
              perExtra = f("%.1f", (o[n] - overhead1) / (n - 1));
            }
          }
          // least-squares slope of the overhead over the scatter configurations (2..4 shards): the
          // cost of one more shard, without the 1-shard path (a different code path) in it
          String slope = "";
          if (n == MAX_SHARDS && !overhead.isEmpty()) {
            double mx = 0;
            double my = 0;
            for (int k = 2; k <= MAX_SHARDS; k++) {
              mx += k;
              my += o[k];
            }
            mx /= MAX_SHARDS - 1;
            my /= MAX_SHARDS - 1;
            double num = 0;
            double den = 0;
            for (int k = 2; k <= MAX_SHARDS; k++) {
              num += (k - mx) * (o[k] - my);
              den += (k - mx) * (k - mx);
            }
            slope = f("%.1f", num / den);
          }
          csv.append(String.join(",", e.getKey(), v, Integer.toString(n), f("%.1f", p50), overhead, perExtra, slope)).append('\n');
          System.out.printf("%-18s %-16s %d shard(s)  p50 %8.1f us  overhead vs direct %8s us  per extra shard %8s us  %s%n",
              e.getKey(), v, n, p50, overhead, perExtra, slope.isEmpty() ? "" : "slope 2..4 shards " + slope + " us");
        }
      }
    }
    Files.writeString(out.resolve("scatter-overhead.csv"), csv);
    Files.writeString(out.resolve("scatter-overhead-meta.txt"), "started " + started + "\nfinished " + Instant.now() + "\nrounds "
        + rounds + " x " + millis + " ms per variant, shard count and query (interleaved)\nmethod " + method
        + "\nclient threads 1\nrows " + rows
        + "\nbefore jars " + (before.isEmpty() ? "none" : before) + "\n");
  }
}
