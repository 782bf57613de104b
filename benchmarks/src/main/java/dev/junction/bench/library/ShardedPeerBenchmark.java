package dev.junction.bench.library;

import static dev.junction.bench.library.Stats.f;
import static dev.junction.bench.library.Stats.median;

import com.zaxxer.hikari.HikariDataSource;
import dev.junction.config.JunctionConfig;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresServer;
import dev.junction.shard.KeyType;
import dev.junction.shard.ShardedTable;
import dev.junction.shard.ShardingRules;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.apache.shardingsphere.driver.api.yaml.YamlShardingSphereDataSourceFactory;

/**
 * Sharded statements through Junction and through ShardingSphere-JDBC's sharding, against the
 * application choosing the shard itself (issue #12: until now only ShardingSphere's read/write
 * split had been compared).
 *
 * <p><b>Same tables, same keys, same rows.</b> For 2 and 4 shards, every PostgreSQL server holds a
 * database {@code shardedN} with one table {@code accounts (id bigint PRIMARY KEY, balance, owner,
 * hits)}; all three contenders read and write these very tables. Junction places a key by its hash
 * ring, ShardingSphere by {@code id % N} (its {@code INLINE} algorithm). The data set is chosen so that both agree: the
 * keys are the first ids (from 1 up) whose ring shard equals {@code id % N}, the same number on every
 * shard. A key therefore lives on exactly one server and both routers send it there, and the
 * direct baseline picks the pool by {@code id % N} as an application with its own sharding would.
 *
 * <p><b>Contenders</b> (each with its own pools of the same size and settings per shard):
 * <ul>
 *   <li>{@code direct}: one HikariCP pool per shard; point statements go to {@code pools[id % N]};
 *       a scatter runs the per-shard statement on every shard in parallel (legs 2..N on a thread
 *       pool, leg 1 on the calling thread) and merges by hand: the least a parallel client pays;</li>
 *   <li>{@code junction}: a sharded {@code RoutingDataSource} (pools are HikariCP inside);</li>
 *   <li>{@code shardingsphere}: {@code YamlShardingSphereDataSourceFactory} with a {@code !SHARDING}
 *       rule, {@code actualDataNodes ds_0.accounts..ds_N-1.accounts}, a standard database strategy on
 *       {@code id} with the {@code INLINE} algorithm {@code ds_${id % N}} (its {@code MOD} algorithm is an "auto"
 *       one, which only {@code autoTables} accept, and those rename the physical tables), HikariCP data sources,
 *       standalone mode with its default embedded H2 repository, every other property at its default.</li>
 * </ul>
 *
 * <p><b>Workloads</b>, each operation borrowing a connection, preparing, binding, executing, reading
 * every row and closing, every result checked: point lookup by key, point update by key
 * ({@code hits = hits + 1}, autocommit), scatter {@code ORDER BY balance DESC, id LIMIT 10}, scatter
 * {@code COUNT(*)}.
 *
 * <p><b>Correctness first.</b> Before anything is timed, the three must agree, statement by
 * statement: the same row for sampled present keys, nothing for absent keys, one row updated and
 * the increment visible on the right server, the same top 10 (and the known one), the same count.
 * A mismatch stops the run.
 *
 * <p><b>Interleaving.</b> A round runs every cell (shard count x client threads x workload) once, and
 * inside a cell the three contenders one after the other, the order rotating each round, so a burst
 * of noise from other jobs on the shared cores hits one slot, not one contender. A figure is the
 * median over rounds; a ratio is the median of the per-round ratios to {@code direct}.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.junction.bench.library.ShardedPeerBenchmark [--quick]
 * [--rounds 8] [--seconds 1] [--warmup 2] [--threads 1,4] [--shards 2,4] [--rows 20000] [--out DIR]}
 */
public final class ShardedPeerBenchmark {
  static final String DIRECT = "direct";
  static final String JUNCTION = "junction";
  static final String SHARDINGSPHERE = "shardingsphere";
  static final List<String> CONTENDERS = List.of(DIRECT, JUNCTION, SHARDINGSPHERE);

  static final String LOOKUP_SQL = "SELECT id, balance, owner FROM accounts WHERE id = ?";
  static final String UPDATE_SQL = "UPDATE accounts SET hits = hits + 1 WHERE id = ?";
  static final String TOP_SQL = "SELECT id, balance FROM accounts ORDER BY balance DESC, id LIMIT 10";
  static final String COUNT_SQL = "SELECT COUNT(*) FROM accounts";

  enum Workload {
    POINT_LOOKUP("point lookup"),
    POINT_UPDATE("point update"),
    SCATTER_TOP("scatter ORDER BY LIMIT 10"),
    SCATTER_COUNT("scatter count(*)");

    final String label;

    Workload(String label) {
      this.label = label;
    }
  }

  /** One row as a point lookup reads it. */
  record Row(long id, long balance, String owner) {}

  /** The statements, as one contender issues them. */
  interface Client extends AutoCloseable {
    String name();

    /** The row with this key, or null. */
    Row lookup(long id) throws Exception;

    /** Rows updated. */
    int update(long id) throws Exception;

    /** {@code {id, balance}} of the top 10 by balance. */
    List<long[]> top() throws Exception;

    long count() throws Exception;
  }

  /** The data set of one shard count: the keys, the known top 10 and the row count. */
  record DataSet(int shards, long[] keys, List<long[]> top) {
    long randomKey() {
      return keys[ThreadLocalRandom.current().nextInt(keys.length)];
    }
  }

  /** One contender's figures in one slot. */
  record Sample(int round, int shards, int threads, Workload workload, String contender, double ops, double p50, double p99) {}

  private ShardedPeerBenchmark() {}

  public static void main(String[] args) throws Exception {
    List<String> a = Arrays.asList(args);
    boolean quick = a.contains("--quick");
    int rounds = Integer.parseInt(Stats.option(a, "--rounds", quick ? "1" : "8"));
    long millis = (long) (1000 * Double.parseDouble(Stats.option(a, "--seconds", quick ? "0.5" : "1")));
    long warmup = (long) (1000 * Double.parseDouble(Stats.option(a, "--warmup", quick ? "0.5" : "2")));
    int[] threads = Stats.ints(Stats.option(a, "--threads", "1,4"));
    int[] shardCounts = Stats.ints(Stats.option(a, "--shards", "2,4"));
    int rows = Integer.parseInt(Stats.option(a, "--rows", "20000"));
    Path out = Path.of(Stats.option(a, "--out", quick ? "benchmarks/target/quick/sharded" : "benchmarks/results/sharded"));
    int poolSize = Math.max(4, Arrays.stream(threads).max().orElse(4));
    int maxShards = Arrays.stream(shardCounts).max().orElse(4);
    Instant started = Instant.now();
    LocalCluster cluster = LocalCluster.builder().postgresReplicaSets(maxShards).postgresReplicas().start();
    ExecutorService legs = Executors.newFixedThreadPool(poolSize * maxShards, ScatterOverheadBenchmark.daemon("direct-leg-"));
    Map<Integer, Map<String, Client>> clients = new LinkedHashMap<>();
    Map<Integer, DataSet> data = new LinkedHashMap<>();
    List<String> checks = new ArrayList<>();
    try {
      List<PostgresServer> servers = new ArrayList<>();
      for (int s = 0; s < maxShards; s++) {
        servers.add(cluster.postgres(s).primary());
      }
      String pgVersion = Schema.serverVersion(servers.get(0));
      for (int n : shardCounts) {
        DataSet d = load(servers.subList(0, n), n, rows);
        data.put(n, d);
        Map<String, Client> byName = new LinkedHashMap<>();
        clients.put(n, byName);
        List<String> urls = servers.subList(0, n).stream().map(sv -> url(sv, n)).toList();
        PostgresServer p = servers.get(0);
        byName.put(DIRECT, new DirectClient(urls, p.user(), p.password(), poolSize, legs));
        byName.put(JUNCTION, new DataSourceClient(JUNCTION,
            ScatterSources.junction(urls, p.user(), p.password(), poolSize, "accounts")));
        byName.put(SHARDINGSPHERE, new DataSourceClient(SHARDINGSPHERE, YamlShardingSphereDataSourceFactory.createDataSource(
            shardingSphereYaml(n, urls, p.user(), poolSize).getBytes(StandardCharsets.UTF_8))));
        checks.add(verify(n, d, byName, servers.subList(0, n)));
      }
      System.out.printf("warm-up: every contender, shard count and workload at %d threads, %d ms each%n",
          Arrays.stream(threads).max().orElse(1), warmup);
      for (int n : shardCounts) {
        for (Workload w : Workload.values()) {
          for (Client c : clients.get(n).values()) {
            ClosedLoop.run(Arrays.stream(threads).max().orElse(1), warmup, () -> once(w, c, data.get(n)));
          }
        }
      }
      List<Sample> samples = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        for (int n : shardCounts) {
          for (int t : threads) {
            for (Workload w : Workload.values()) {
              for (int i = 0; i < CONTENDERS.size(); i++) {
                Client c = clients.get(n).get(CONTENDERS.get((i + r) % CONTENDERS.size()));
                ClosedLoop.Result res = ClosedLoop.run(t, millis, () -> once(w, c, data.get(n)));
                Sample s = new Sample(r, n, t, w, c.name(), res.opsPerSecond(), res.percentileMicros(50), res.percentileMicros(99));
                samples.add(s);
                System.out.printf("round %d  %d shards  t=%d  %-26s %-15s %8.0f ops/s  p50 %8.1f us  p99 %8.1f us  load %s%n", r, n,
                    t, w.label, c.name(), s.ops(), s.p50(), s.p99(), ScatterOverheadBenchmark.load());
              }
            }
          }
        }
      }
      write(out, samples, shardCounts, threads, started, rounds, millis, warmup, rows, poolSize, pgVersion, checks);
    } finally {
      for (Map<String, Client> m : clients.values()) {
        LibraryBenchmark.closeAll(m.values());
      }
      legs.shutdownNow();
      cluster.close();
    }
  }

  // ---------------------------------------------------------------- data

  /** Each shard count has its own database on every server: Junction records its ring there. */
  static String url(PostgresServer server, int n) {
    String u = server.jdbcUrl();
    return u.substring(0, u.lastIndexOf('/') + 1) + "sharded" + n;
  }

  static long balance(long id) {
    return (id * 7919) % 1000003; // distinct for every id below 1000003: the top 10 has no ties
  }

  /**
   * The keys on which Junction's ring and {@code id % n} agree, {@code rows / n} per shard, loaded
   * onto the shard both place them on.
   */
  static DataSet load(List<PostgresServer> servers, int n, int rows) throws Exception {
    List<JunctionConfig.Shard> shards = new ArrayList<>();
    JunctionConfig.Pool pool = new JunctionConfig.Pool(1, 0, Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofMinutes(30),
        Duration.ofSeconds(1));
    for (int s = 0; s < n; s++) {
      shards.add(new JunctionConfig.Shard("s" + s, new JunctionConfig.Endpoint("primary", "jdbc:postgresql://unused/x", "u", "p", 1,
          pool), List.of()));
    }
    ShardedTable table = new ShardedTable("accounts", "id", KeyType.LONG);
    ShardingRules rules = JunctionConfig.Sharding.of(List.of(table), List.of()).rules(shards);
    int perShard = rows / n;
    List<List<Long>> ids = new ArrayList<>();
    for (int s = 0; s < n; s++) {
      ids.add(new ArrayList<>());
    }
    int taken = 0;
    for (long id = 1; taken < perShard * n; id++) {
      int mod = (int) (id % n);
      int ring = Integer.parseInt(rules.ring().shardId(rules.shardOf(table, id)).substring(1));
      if (ring == mod && ids.get(mod).size() < perShard) {
        ids.get(mod).add(id);
        taken++;
      }
      if (id >= 1_000_000) {
        throw new IllegalStateException("the ring and id % " + n + " agree on too few keys below 1,000,000");
      }
    }
    List<long[]> all = new ArrayList<>();
    for (int s = 0; s < n; s++) {
      PostgresServer server = servers.get(s);
      try (Connection c = server.connect(); Statement st = c.createStatement()) {
        st.execute("CREATE DATABASE sharded" + n);
      }
      try (Connection c = DriverManager.getConnection(url(server, n), server.user(), server.password());
           Statement st = c.createStatement()) {
        st.execute("CREATE TABLE accounts (id bigint PRIMARY KEY, balance bigint NOT NULL, owner text NOT NULL,"
            + " hits bigint NOT NULL DEFAULT 0)");
        st.execute("CREATE INDEX ON accounts (balance)");
        try (PreparedStatement ps = c.prepareStatement(
            "INSERT INTO accounts (id, balance, owner) SELECT g, ((g * 7919) % 1000003), 'owner-' || g FROM unnest(?::bigint[]) g")) {
          ps.setArray(1, c.createArrayOf("bigint", ids.get(s).toArray()));
          ps.executeUpdate();
        }
        st.execute("VACUUM ANALYZE accounts");
      }
      for (long id : ids.get(s)) {
        all.add(new long[] {id, balance(id)});
      }
    }
    long[] keys = all.stream().mapToLong(x -> x[0]).sorted().toArray();
    all.sort((x, y) -> x[1] != y[1] ? Long.compare(y[1], x[1]) : Long.compare(x[0], y[0]));
    System.out.printf("%d shards: %d rows, %d per shard, largest key %d%n", n, keys.length, perShard, keys[keys.length - 1]);
    return new DataSet(n, keys, List.copyOf(all.subList(0, 10)));
  }

  // ---------------------------------------------------------------- correctness

  /**
   * The three contenders against each other and against the known answer, before any timing.
   * Returns a one-line summary for the meta file; throws on the first disagreement.
   */
  static String verify(int n, DataSet d, Map<String, Client> clients, List<PostgresServer> servers) throws Exception {
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    int lookups = 0;
    for (int i = 0; i < 300; i++) {
      long id = i < 200 ? d.keys()[rnd.nextInt(d.keys().length)] : absentKey(d, rnd);
      boolean present = Arrays.binarySearch(d.keys(), id) >= 0;
      Row expected = present ? new Row(id, balance(id), "owner-" + id) : null;
      for (Client c : clients.values()) {
        Row got = c.lookup(id);
        require(Objects.equals(expected, got), n, c.name() + " lookup of " + id + ": expected " + expected + ", got " + got);
      }
      lookups++;
    }
    int updates = 0;
    for (int i = 0; i < 30; i++) {
      long id = d.keys()[rnd.nextInt(d.keys().length)];
      PostgresServer home = servers.get((int) (id % n));
      long before = hits(home, n, id);
      for (Client c : clients.values()) {
        require(c.update(id) == 1, n, c.name() + " update of " + id + " did not update one row");
      }
      long after = hits(home, n, id);
      require(after == before + clients.size(), n, "update of " + id + ": hits on shard " + (id % n) + " went " + before + " -> "
          + after + ", expected +" + clients.size());
      updates++;
    }
    long absent = absentKey(d, rnd);
    for (Client c : clients.values()) {
      require(c.update(absent) == 0, n, c.name() + " update of absent key " + absent + " updated a row");
      List<long[]> top = c.top();
      require(sameRows(top, d.top()), n, c.name() + " top 10: expected " + render(d.top()) + ", got " + render(top));
      require(c.count() == d.keys().length, n, c.name() + " count " + c.count() + ", expected " + d.keys().length);
    }
    String summary = n + " shards: " + lookups + " lookups (" + (lookups - 200) + " of absent keys), " + updates
        + " updates (+1 absent), top 10 and count(*) identical across " + String.join(", ", clients.keySet())
        + " and equal to the known answer";
    System.out.println("verified " + summary);
    return summary;
  }

  static long absentKey(DataSet d, ThreadLocalRandom rnd) {
    while (true) {
      long id = 1 + rnd.nextLong(d.keys()[d.keys().length - 1] + 1000);
      if (Arrays.binarySearch(d.keys(), id) < 0) {
        return id;
      }
    }
  }

  static long hits(PostgresServer server, int n, long id) throws Exception {
    try (Connection c = DriverManager.getConnection(url(server, n), server.user(), server.password());
         PreparedStatement ps = c.prepareStatement("SELECT hits FROM accounts WHERE id = ?")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new IllegalStateException("key " + id + " is not on shard " + (id % n));
        }
        return rs.getLong(1);
      }
    }
  }

  static boolean sameRows(List<long[]> a, List<long[]> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!Arrays.equals(a.get(i), b.get(i))) {
        return false;
      }
    }
    return true;
  }

  static String render(List<long[]> rows) {
    return rows.stream().map(Arrays::toString).toList().toString();
  }

  static void require(boolean ok, int n, String what) {
    if (!ok) {
      throw new IllegalStateException("contenders disagree at " + n + " shards: " + what);
    }
  }

  /** One timed operation; checks its result like {@link #verify} does, cheaply. */
  static void once(Workload w, Client c, DataSet d) throws Exception {
    switch (w) {
      case POINT_LOOKUP -> {
        long id = d.randomKey();
        Row row = c.lookup(id);
        ScatterBenchmark.check(row != null && row.id() == id && row.balance() == balance(id), c.name() + " lookup of " + id);
      }
      case POINT_UPDATE -> {
        long id = d.randomKey();
        ScatterBenchmark.check(c.update(id) == 1, c.name() + " update of " + id);
      }
      case SCATTER_TOP -> ScatterBenchmark.check(sameRows(c.top(), d.top()), c.name() + " top 10");
      case SCATTER_COUNT -> ScatterBenchmark.check(c.count() == d.keys().length, c.name() + " count(*)");
    }
  }

  // ---------------------------------------------------------------- contenders

  /** ShardingSphere's own YAML: the same table and key, {@code id % N} over the N data sources. */
  static String shardingSphereYaml(int n, List<String> urls, String user, int poolSize) {
    StringBuilder y = new StringBuilder();
    y.append("databaseName: sharded").append(n).append('\n');
    y.append("mode:\n  type: Standalone\n  repository:\n    type: JDBC\n");
    y.append("dataSources:\n");
    List<String> nodes = new ArrayList<>();
    for (int s = 0; s < n; s++) {
      y.append("  ds_").append(s).append(":\n");
      y.append("    dataSourceClassName: com.zaxxer.hikari.HikariDataSource\n");
      y.append("    driverClassName: org.postgresql.Driver\n");
      y.append("    jdbcUrl: ").append(urls.get(s)).append('\n');
      y.append("    username: ").append(user).append('\n');
      y.append("    password: ''\n");
      y.append("    maximumPoolSize: ").append(poolSize).append('\n');
      y.append("    minimumIdle: 0\n");
      y.append("    connectionTimeout: 5000\n"); // as Junction's pools here (ScatterSources)
      nodes.add("ds_" + s + ".accounts");
    }
    y.append("rules:\n");
    y.append("- !SHARDING\n");
    y.append("  tables:\n    accounts:\n      actualDataNodes: ").append(String.join(",", nodes)).append('\n');
    y.append("      databaseStrategy:\n        standard:\n          shardingColumn: id\n          shardingAlgorithmName: accounts_mod\n");
    // MOD and HASH_MOD are "auto" algorithms, which only autoTables accept, and those name their physical
    // tables accounts_0..; a table that keeps its name on every data source takes the INLINE form of the mod.
    y.append("  shardingAlgorithms:\n    accounts_mod:\n      type: INLINE\n      props:\n        algorithm-expression: ds_${id % ")
        .append(n).append("}\n");
    y.append("props:\n  sql-show: false\n");
    return y.toString();
  }

  static HikariDataSource hikari(String poolName, String url, String user, String password, int size) {
    HikariDataSource h = new HikariDataSource();
    h.setPoolName(poolName);
    h.setJdbcUrl(url);
    h.setUsername(user);
    h.setPassword(password);
    h.setMaximumPoolSize(size);
    h.setMinimumIdle(0); // as the other two contenders' pools
    h.setConnectionTimeout(Duration.ofSeconds(5).toMillis()); // as Junction's pools here: a new backend can take seconds at load 30
    return h;
  }

  /** The same statements over any data source that routes by itself (Junction, ShardingSphere). */
  static final class DataSourceClient implements Client {
    private final String name;
    private final DataSource ds;

    DataSourceClient(String name, DataSource ds) {
      this.name = name;
      this.ds = ds;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public Row lookup(long id) throws Exception {
      try (Connection c = ds.getConnection()) {
        return ShardedPeerBenchmark.lookup(c, id);
      }
    }

    @Override
    public int update(long id) throws Exception {
      try (Connection c = ds.getConnection()) {
        return ShardedPeerBenchmark.update(c, id);
      }
    }

    @Override
    public List<long[]> top() throws Exception {
      try (Connection c = ds.getConnection()) {
        return ShardedPeerBenchmark.top(c);
      }
    }

    @Override
    public long count() throws Exception {
      try (Connection c = ds.getConnection()) {
        return ShardedPeerBenchmark.count(c);
      }
    }

    @Override
    public void close() throws Exception {
      ((AutoCloseable) ds).close();
    }
  }

  /** The application choosing the shard itself: a pool per shard, {@code id % N}, scatter by hand. */
  static final class DirectClient implements Client {
    private final HikariDataSource[] pools;
    private final ExecutorService legs;

    DirectClient(List<String> urls, String user, String password, int poolSize, ExecutorService legs) {
      this.pools = new HikariDataSource[urls.size()];
      for (int s = 0; s < urls.size(); s++) {
        pools[s] = hikari("direct-" + urls.size() + "-s" + s, urls.get(s), user, password, poolSize);
      }
      this.legs = legs;
    }

    @Override
    public String name() {
      return DIRECT;
    }

    private HikariDataSource home(long id) {
      return pools[(int) (id % pools.length)];
    }

    @Override
    public Row lookup(long id) throws Exception {
      try (Connection c = home(id).getConnection()) {
        return ShardedPeerBenchmark.lookup(c, id);
      }
    }

    @Override
    public int update(long id) throws Exception {
      try (Connection c = home(id).getConnection()) {
        return ShardedPeerBenchmark.update(c, id);
      }
    }

    @Override
    public List<long[]> top() throws Exception {
      List<long[]> all = new ArrayList<>();
      for (List<long[]> leg : scatter(ShardedPeerBenchmark::top)) {
        all.addAll(leg);
      }
      all.sort((x, y) -> x[1] != y[1] ? Long.compare(y[1], x[1]) : Long.compare(x[0], y[0]));
      return all.size() > 10 ? all.subList(0, 10) : all;
    }

    @Override
    public long count() throws Exception {
      long sum = 0;
      for (long part : scatter(ShardedPeerBenchmark::count)) {
        sum += part;
      }
      return sum;
    }

    /** The statement on every shard in parallel: legs 2..N on the thread pool, leg 1 here. */
    private <T> List<T> scatter(SqlWork<T> work) throws Exception {
      List<Future<T>> futures = new ArrayList<>(pools.length - 1);
      for (int s = 1; s < pools.length; s++) {
        HikariDataSource pool = pools[s];
        futures.add(legs.submit(() -> {
          try (Connection c = pool.getConnection()) {
            return work.run(c);
          }
        }));
      }
      List<T> out = new ArrayList<>(pools.length);
      try (Connection c = pools[0].getConnection()) {
        out.add(work.run(c));
      }
      for (Future<T> f : futures) {
        out.add(f.get());
      }
      return out;
    }

    @Override
    public void close() {
      for (HikariDataSource p : pools) {
        p.close();
      }
    }
  }

  static Row lookup(Connection c, long id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(LOOKUP_SQL)) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        Row row = rs.next() ? new Row(rs.getLong(1), rs.getLong(2), rs.getString(3)) : null;
        if (row != null && rs.next()) {
          throw new IllegalStateException("two rows for key " + id);
        }
        return row;
      }
    }
  }

  static int update(Connection c, long id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(UPDATE_SQL)) {
      ps.setLong(1, id);
      return ps.executeUpdate();
    }
  }

  static List<long[]> top(Connection c) throws SQLException {
    List<long[]> rows = new ArrayList<>(10);
    try (PreparedStatement ps = c.prepareStatement(TOP_SQL); ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        rows.add(new long[] {rs.getLong(1), rs.getLong(2)});
      }
    }
    return rows;
  }

  static long count(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(COUNT_SQL); ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  // ---------------------------------------------------------------- report

  static void write(Path out, List<Sample> samples, int[] shardCounts, int[] threads, Instant started, int rounds, long millis,
                    long warmup, int rows, int poolSize, String pgVersion, List<String> checks) throws Exception {
    Files.createDirectories(out);
    StringBuilder raw = new StringBuilder("round,shards,threads,workload,contender,ops_per_s,p50_us,p99_us\n");
    for (Sample s : samples) {
      raw.append(String.join(",", Integer.toString(s.round()), Integer.toString(s.shards()), Integer.toString(s.threads()),
          s.workload().label, s.contender(), f("%.0f", s.ops()), f("%.1f", s.p50()), f("%.1f", s.p99()))).append('\n');
    }
    StringBuilder csv = new StringBuilder("shards,threads,workload,contender,ops_per_s,p50_us,p99_us,"
        + "ops_ratio_vs_direct,p50_ratio_vs_direct,p99_ratio_vs_direct,p50_ratio_q1,p50_ratio_q3\n");
    Map<String, String> versions = versions();
    String ss = SHARDINGSPHERE + " " + versions.getOrDefault("shardingsphere-jdbc", "?");
    StringBuilder md = new StringBuilder();
    md.append("| shards | client threads | workload | contender | ops/s | p50 µs | p99 µs | ops/s ÷ direct | p50 ÷ direct (IQR) | p99 ÷ direct |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|\n");
    for (int n : shardCounts) {
      for (int t : threads) {
        for (Workload w : Workload.values()) {
          Map<Integer, Sample> base = new LinkedHashMap<>();
          for (Sample s : samples) {
            if (s.shards() == n && s.threads() == t && s.workload() == w && s.contender().equals(DIRECT)) {
              base.put(s.round(), s);
            }
          }
          for (String name : CONTENDERS) {
            List<Double> ops = new ArrayList<>();
            List<Double> p50 = new ArrayList<>();
            List<Double> p99 = new ArrayList<>();
            List<Double> opsR = new ArrayList<>();
            List<Double> p50R = new ArrayList<>();
            List<Double> p99R = new ArrayList<>();
            for (Sample s : samples) {
              if (s.shards() != n || s.threads() != t || s.workload() != w || !s.contender().equals(name)) {
                continue;
              }
              Sample b = base.get(s.round());
              ops.add(s.ops());
              p50.add(s.p50());
              p99.add(s.p99());
              opsR.add(s.ops() / b.ops());
              p50R.add(s.p50() / b.p50());
              p99R.add(s.p99() / b.p99());
            }
            csv.append(String.join(",", Integer.toString(n), Integer.toString(t), w.label, name, f("%.0f", median(ops)),
                f("%.1f", median(p50)), f("%.1f", median(p99)), f("%.3f", median(opsR)), f("%.3f", median(p50R)),
                f("%.3f", median(p99R)), f("%.3f", Stats.quantile(p50R, 0.25)), f("%.3f", Stats.quantile(p50R, 0.75))))
                .append('\n');
            boolean isBase = name.equals(DIRECT);
            md.append("| ").append(n).append(" | ").append(t).append(" | ").append(w.label).append(" | ")
                .append(name.equals(SHARDINGSPHERE) ? ss : name).append(" | ").append(f("%.0f", median(ops))).append(" | ")
                .append(f("%.1f", median(p50))).append(" | ").append(f("%.1f", median(p99))).append(" | ")
                .append(isBase ? "1" : f("%.2f", median(opsR))).append(" | ")
                .append(isBase ? "1" : f("%.2f", median(p50R)) + " (" + f("%.2f", Stats.quantile(p50R, 0.25)) + "–"
                    + f("%.2f", Stats.quantile(p50R, 0.75)) + ")").append(" | ")
                .append(isBase ? "1" : f("%.2f", median(p99R))).append(" |\n");
            System.out.printf("%d shards t=%d %-26s %-15s %8.0f ops/s (x%s)  p50 %8.1f us (x%s)  p99 %8.1f us (x%s)%n", n, t,
                w.label, name, median(ops), f("%.2f", median(opsR)), median(p50), f("%.2f", median(p50R)), median(p99),
                f("%.2f", median(p99R)));
          }
        }
      }
    }
    Files.writeString(out.resolve("sharded-rounds.csv"), raw);
    Files.writeString(out.resolve("sharded.csv"), csv);
    StringBuilder meta = new StringBuilder();
    meta.append("started ").append(started).append("\nfinished ").append(Instant.now()).append('\n');
    meta.append("rounds ").append(rounds).append(" x ").append(millis).append(" ms per contender, shard count, thread count and workload"
        + " (interleaved, order rotating); warm-up ").append(warmup).append(" ms per contender, shard count and workload\n");
    meta.append("client threads ").append(Arrays.toString(threads)).append("; shards ").append(Arrays.toString(shardCounts))
        .append("; rows ").append(rows).append(" in all; pool size ").append(poolSize).append(" per shard and contender\n");
    meta.append("postgresql server ").append(pgVersion).append('\n');
    meta.append("java ").append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.version")).append('\n');
    for (String lib : List.of("router-core", "shardingsphere-jdbc", "HikariCP", "postgresql", "snakeyaml", "guava", "caffeine",
        "jsqlparser", "antlr4-runtime")) {
      meta.append(lib.equals("router-core") ? "junction" : lib).append(' ').append(versions.getOrDefault(lib, "not on the classpath"))
          .append('\n');
    }
    for (String c : checks) {
      meta.append("verified before timing: ").append(c).append('\n');
    }
    Files.writeString(out.resolve("sharded-meta.txt"), meta);
    Files.writeString(out.resolve("sharded.md"), md);
  }

  /** artifactId to version, as resolved when the benchmarks jar was built. */
  static Map<String, String> versions() {
    Map<String, String> out = new LinkedHashMap<>();
    try (InputStream in = ShardedPeerBenchmark.class.getResourceAsStream("/META-INF/benchmark-dependencies.txt")) {
      if (in == null) {
        return out;
      }
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        String[] p = line.trim().split(":");
        if (p.length >= 4) {
          out.put(p[1], p[3]);
        }
      }
    } catch (Exception e) {
      // versions are informative; provenance.sh records them too
    }
    return out;
  }
}
