package dev.junction.bench.library;

import static dev.junction.bench.library.Stats.f;
import static dev.junction.bench.library.Stats.median;

import com.zaxxer.hikari.HikariDataSource;
import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.local.PostgresServer;
import dev.junction.shard.KeyType;
import dev.junction.shard.ShardedTable;
import dev.junction.shard.ShardingRules;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;

/**
 * Sharded statements through Junction at 1, 2 and 4 PostgreSQL shards (primaries only, one server
 * each, all on this machine): a point lookup by shard key (one shard), a scatter
 * {@code ORDER BY ... LIMIT 10} (every shard, merged), and a scatter {@code COUNT(*) ... GROUP BY}
 * (every shard, groups merged). The same rows are spread over each configuration; the three
 * configurations take turns inside each round and the figure is each one's latency ratio to the
 * 1-shard configuration in the same round. A raw HikariCP pool on the 1-shard server runs the same
 * statements too, which prices the sharded layer itself. Every result is checked against the known answer.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.junction.bench.library.ScatterBenchmark [--quick]
 * [--rounds 12] [--seconds 1] [--threads 1] [--rows 100000]}
 */
public final class ScatterBenchmark {
  static final int[] SHARD_COUNTS = {1, 2, 4};
  /** Configurations in the order they are reported; 0 stands for raw HikariCP on the 1-shard server. */
  static final int[] CONFIGS = {0, 1, 2, 4};
  static final int GROUPS = 16;
  static final List<String> QUERIES = List.of("point lookup", "scatter ORDER BY LIMIT 10", "scatter COUNT GROUP BY");

  private ScatterBenchmark() {}

  public static void main(String[] args) throws Exception {
    List<String> a = Arrays.asList(args);
    boolean quick = a.contains("--quick");
    int rounds = Integer.parseInt(Stats.option(a, "--rounds", quick ? "1" : "12"));
    long millis = (long) (1000 * Double.parseDouble(Stats.option(a, "--seconds", quick ? "1" : "1")));
    int threads = Integer.parseInt(Stats.option(a, "--threads", "1"));
    int rows = Integer.parseInt(Stats.option(a, "--rows", "100000"));
    // A quick run never overwrites the published results and figures.
    Path out = Path.of(Stats.option(a, "--out", quick ? "benchmarks/target/quick" : "benchmarks/results"));
    Path img = Path.of(Stats.option(a, "--img", quick ? "benchmarks/target/quick/img" : "docs/img"));
    Instant started = Instant.now();
    LocalCluster cluster = LocalCluster.builder().postgresReplicaSets(4).postgresReplicas().start();
    Map<Integer, DataSource> sources = new LinkedHashMap<>();
    List<AutoCloseable> closeables = new ArrayList<>();
    try {
      for (int n : SHARD_COUNTS) {
        RoutingDataSource ds = load(cluster.postgres().subList(0, n), n, rows, threads);
        sources.put(n, ds);
        closeables.add(ds);
      }
      HikariDataSource raw = Contenders.hikari("raw-1-server", cluster.postgres(0).primary(), Math.max(4, threads * 2));
      closeables.add(raw);
      sources.put(0, raw);
      long[] top = expectedTop(rows);
      Map<String, Map<Integer, List<double[]>>> perRound = new LinkedHashMap<>();
      for (String q : QUERIES) {
        Map<Integer, List<double[]>> byShards = new LinkedHashMap<>();
        for (int n : CONFIGS) {
          ClosedLoop.run(threads, millis / 2, () -> once(q, sources.get(n), Math.max(1, n), rows, top)); // warm-up
          byShards.put(n, new ArrayList<>());
        }
        for (int r = 0; r < rounds; r++) {
          for (int i = 0; i < CONFIGS.length; i++) {
            int n = CONFIGS[(i + r) % CONFIGS.length];
            ClosedLoop.Result res = ClosedLoop.run(threads, millis, () -> once(q, sources.get(n), Math.max(1, n), rows, top));
            byShards.get(n).add(new double[] {res.percentileMicros(50), res.percentileMicros(99), res.opsPerSecond()});
            System.out.printf("%-26s %-8s round %d  %8.0f ops/s  p50 %9.1f us  p99 %9.1f us%n", q, label(n), r,
                res.opsPerSecond(), res.percentileMicros(50), res.percentileMicros(99));
          }
        }
        perRound.put(q, byShards);
      }
      write(out, img, perRound, started, rounds, millis, threads, rows);
    } finally {
      LibraryBenchmark.closeAll(closeables);
      cluster.close();
    }
  }

  static String label(int config) {
    return config == 0 ? "raw HikariCP" : config == 1 ? "1 shard" : config + " shards";
  }

  static String table(int shards) {
    return "accounts_s" + shards;
  }

  /** Creates the table on each shard, places every row where the ring says, and returns the data source. */
  static RoutingDataSource load(List<PostgresReplicaSet> sets, int n, int rows, int threads) throws Exception {
    JunctionConfig.Pool pool = new JunctionConfig.Pool(Math.max(4, threads * 2), 0, Duration.ofSeconds(2), Duration.ofMinutes(10),
        Duration.ofMinutes(30), Duration.ofSeconds(1));
    List<JunctionConfig.Shard> shards = new ArrayList<>();
    for (int s = 0; s < sets.size(); s++) {
      PostgresServer p = sets.get(s).primary();
      shards.add(new JunctionConfig.Shard("s" + s, new JunctionConfig.Endpoint("primary", p.jdbcUrl(), p.user(), p.password(), 1, pool),
          List.of()));
    }
    ShardedTable table = new ShardedTable(table(n), "id", KeyType.LONG);
    JunctionConfig.Sharding sharding = JunctionConfig.Sharding.of(List.of(table), List.of());
    JunctionConfig config = new JunctionConfig(Dialect.POSTGRESQL, shards, JunctionConfig.Routing.defaults(),
        JunctionConfig.Fencing.defaults(), sharding);
    ShardingRules rules = sharding.rules(shards);
    List<List<Long>> ids = new ArrayList<>();
    for (int s = 0; s < n; s++) {
      ids.add(new ArrayList<>());
    }
    for (long id = 1; id <= rows; id++) {
      ids.get(rules.shardOf(table, id)).add(id);
    }
    for (int s = 0; s < n; s++) {
      String shardName = rules.ring().shardId(s);
      PostgresServer p = sets.get(Integer.parseInt(shardName.substring(1))).primary();
      try (Connection c = p.connect(); Statement st = c.createStatement()) {
        st.execute("CREATE TABLE " + table(n) + " (id bigint PRIMARY KEY, grp int NOT NULL, balance bigint NOT NULL, owner text NOT NULL)");
        st.execute("CREATE INDEX ON " + table(n) + " (balance)");
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table(n)
            + " SELECT g, (g % " + GROUPS + ")::int, " + balanceSql("g") + ", 'owner-' || g FROM unnest(?::bigint[]) g")) {
          ps.setArray(1, c.createArrayOf("bigint", ids.get(s).toArray()));
          ps.executeUpdate();
        }
        st.execute("VACUUM ANALYZE " + table(n));
      }
    }
    return RoutingDataSource.create(config);
  }

  /** A balance spread with no ties among the largest values, so the top 10 is one known list. */
  static String balanceSql(String g) {
    return "((" + g + " * 7919) % 1000003)";
  }

  static long[] expectedTop(int rows) {
    List<long[]> all = new ArrayList<>();
    for (long id = 1; id <= rows; id++) {
      all.add(new long[] {(id * 7919) % 1000003, id});
    }
    all.sort((x, y) -> x[0] != y[0] ? Long.compare(y[0], x[0]) : Long.compare(x[1], y[1]));
    long[] top = new long[10];
    for (int i = 0; i < 10; i++) {
      top[i] = all.get(i)[1];
    }
    return top;
  }

  static void once(String query, DataSource ds, int n, int rows, long[] top) throws Exception {
    try (Connection c = ds.getConnection()) {
      switch (query) {
        case "point lookup" -> {
          long id = 1 + ThreadLocalRandom.current().nextInt(rows);
          try (PreparedStatement ps = c.prepareStatement("SELECT id, balance, owner FROM " + table(n) + " WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
              check(rs.next() && rs.getLong(1) == id, "point lookup of " + id);
            }
          }
        }
        case "scatter ORDER BY LIMIT 10" -> {
          try (PreparedStatement ps = c.prepareStatement("SELECT id, balance FROM " + table(n) + " ORDER BY balance DESC, id LIMIT 10");
               ResultSet rs = ps.executeQuery()) {
            for (long expected : top) {
              check(rs.next() && rs.getLong(1) == expected, "top-10 row " + expected);
            }
            check(!rs.next(), "top-10 has 10 rows");
          }
        }
        default -> {
          try (PreparedStatement ps = c.prepareStatement("SELECT grp, COUNT(*) FROM " + table(n) + " GROUP BY grp");
               ResultSet rs = ps.executeQuery()) {
            long total = 0;
            int groups = 0;
            while (rs.next()) {
              total += rs.getLong(2);
              groups++;
            }
            check(groups == GROUPS && total == rows, "GROUP BY: " + groups + " groups, " + total + " rows");
          }
        }
      }
    }
  }

  static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException("wrong result: " + what);
    }
  }

  static void write(Path out, Path img, Map<String, Map<Integer, List<double[]>>> perRound, Instant started, int rounds,
                    long millis, int threads, int rows) throws Exception {
    Files.createDirectories(out);
    StringBuilder csv = new StringBuilder("query,configuration,ops_per_s,p50_us,p99_us,p50_ratio_vs_1_shard,p99_ratio_vs_1_shard\n");
    StringBuilder p50Plot = new StringBuilder("query,raw HikariCP (1 server),1 shard,2 shards,4 shards\n");
    for (Map.Entry<String, Map<Integer, List<double[]>>> e : perRound.entrySet()) {
      List<double[]> base = e.getValue().get(1);
      p50Plot.append(e.getKey());
      for (int n : CONFIGS) {
        List<double[]> mine = e.getValue().get(n);
        List<Double> p50 = new ArrayList<>();
        List<Double> p99 = new ArrayList<>();
        List<Double> ops = new ArrayList<>();
        List<Double> r50 = new ArrayList<>();
        List<Double> r99 = new ArrayList<>();
        for (int r = 0; r < mine.size(); r++) {
          p50.add(mine.get(r)[0]);
          p99.add(mine.get(r)[1]);
          ops.add(mine.get(r)[2]);
          r50.add(mine.get(r)[0] / base.get(r)[0]);
          r99.add(mine.get(r)[1] / base.get(r)[1]);
        }
        csv.append(String.join(",", e.getKey(), label(n), f("%.0f", median(ops)), f("%.1f", median(p50)),
            f("%.1f", median(p99)), f("%.3f", median(r50)), f("%.3f", median(r99)))).append('\n');
        p50Plot.append(',').append(f("%.3f", median(r50)));
        System.out.printf("%-26s %-12s p50 %9.1f us (x%s vs 1 shard)  p99 %9.1f us (x%s)%n", e.getKey(), label(n), median(p50),
            f("%.2f", median(r50)), median(p99), f("%.2f", median(r99)));
      }
      p50Plot.append('\n');
    }
    Files.writeString(out.resolve("scatter.csv"), csv);
    Files.writeString(out.resolve("scatter-meta.txt"), "started " + started + "\nfinished " + Instant.now() + "\nrounds " + rounds
        + " x " + millis + " ms per configuration and query\nclient threads " + threads + "\nrows " + rows + "\n");
    Path plot = out.resolve("scatter-p50-ratio.csv");
    Files.writeString(plot, p50Plot);
    Charts.render(img.resolve("bench-scatter.png"), 900, 420, List.of(new Charts.Panel(plot,
        "Sharded statements: p50 latency relative to 1 shard (" + started.toString().substring(0, 16).replace('T', ' ') + " UTC)",
        "p50 ÷ 1-shard p50", List.of("raw HikariCP (1 server)", "1 shard", "2 shards", "4 shards"), false, 1.0)));
  }
}
