package dev.junction.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.Binaries;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.proxy.auth.AuthMethod;
import dev.junction.proxy.auth.Credential;
import dev.junction.shard.KeyType;
import dev.junction.shard.ShardedTable;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sharded configurations through the relay (issue #17): two real PostgreSQL shards (primary and
 * replica each) behind the proxy, with pools of 3 connections per endpoint, so that the clients
 * outnumber the backend connections many times over (transaction pooling).
 *
 * <p>Run with {@code -Djunction.proxy.v1-sharded=true} to see the same tests against the v1 session
 * (JDBC through a sharded connection): the many-clients tests fail there with "no free connection".
 */
class ShardedRelayIT {
  static final int POOL = 3;
  static LocalCluster cluster;
  static RoutingDataSource ds;
  static ProxyServer proxy;
  static JunctionConfig config;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(2).postgresReplicas(Duration.ZERO).start();
    JunctionConfig.Pool pool = new JunctionConfig.Pool(POOL, 0, Duration.ofSeconds(2), Duration.ofMinutes(10), Duration.ofMinutes(30),
        Duration.ofSeconds(1));
    List<JunctionConfig.Shard> shards = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      PostgresReplicaSet set = cluster.postgres(i);
      shards.add(new JunctionConfig.Shard("s" + i,
          new JunctionConfig.Endpoint("primary", set.primary().jdbcUrl(), set.primary().user(), "", 1, pool),
          List.of(new JunctionConfig.Endpoint("replica1", set.replica(0).jdbcUrl(), set.replica(0).user(), "", 1, pool))));
    }
    config = new JunctionConfig(Dialect.POSTGRESQL, shards, JunctionConfig.Routing.defaults(), JunctionConfig.Fencing.defaults(),
        JunctionConfig.Sharding.of(List.of(new ShardedTable("accounts", "id", KeyType.LONG)), List.of("branches")));
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ds = RoutingDataSource.create(config, registry);
    proxy = new ProxyServer(ProxyConfig.defaults().withAuth(AuthMethod.SCRAM_SHA_256,
        Map.of(ProxyIT.USER, Credential.plain(ProxyIT.PASSWORD))).withPorts(0, 0), ds, registry);
    try (Connection c = connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE accounts (id bigint primary key, balance bigint not null, note text)");
      s.execute("CREATE TABLE branches (id int primary key, name text)");
      s.execute("INSERT INTO branches VALUES (1, 'north'), (2, 'south')");
      StringBuilder insert = new StringBuilder("INSERT INTO accounts (id, balance, note) VALUES ");
      for (int id = 1; id <= 1000; id++) {
        insert.append(id == 1 ? "" : ", ").append("(").append(id).append(", 0, 'a").append(id % 7).append("')");
      }
      assertThat(s.executeUpdate(insert.toString())).isEqualTo(1000);
    }
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (ds != null) {
      ds.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  static Connection connect() throws SQLException {
    return ProxyIT.connect(proxy.port());
  }

  static long onShards(String sql) throws SQLException {
    long total = 0;
    for (int i = 0; i < 2; i++) {
      try (Connection c = cluster.postgres(i).primary().connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
        rs.next();
        total += rs.getLong(1);
      }
    }
    return total;
  }

  /**
   * A row limit on the Execute message (pgjdbc sends {@code setMaxRows} so in auto-commit) over several
   * shards: the relay merges and sends the rows at once, so it must not answer with more rows than the
   * client asked for. It answers exactly (the limit, as a single database would) or refuses; the old
   * relay sent all 1000 rows.
   */
  @Test
  void aRowLimitedExecuteOverSeveralShardsNeverReturnsMoreRows() throws Exception {
    try (Connection c = connect(); PreparedStatement ps = c.prepareStatement("SELECT id FROM accounts WHERE id > ?")) {
      ps.setMaxRows(2);
      ps.setLong(1, 0);
      int rows = 0;
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows++;
        }
      } catch (SQLException refused) {
        assertThat(refused.getSQLState()).isEqualTo("0AJ00");
        assertThat(refused.getMessage()).contains("row limit");
        rows = -1;
      }
      assertThat(rows).as("rows (-1: refused)").isIn(-1, 2);
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM accounts")) {
        rs.next();
        assertThat(rs.getLong(1)).as("the session goes on").isEqualTo(1000);
      }
    }
  }

  /** The rows were placed by the ring: each shard holds some, together all, and a scatter count sees them once. */
  @Test
  void rowsArePlacedByTheRingAndScatterReadsMergeThem() throws Exception {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT count(*), sum(id), min(id), max(id) FROM accounts")) {
        rs.next();
        assertThat(rs.getLong(1)).isEqualTo(1000);
        assertThat(rs.getLong(2)).isEqualTo(500_500);
        assertThat(rs.getLong(3)).isEqualTo(1);
        assertThat(rs.getLong(4)).isEqualTo(1000);
      }
      try (ResultSet rs = s.executeQuery("SELECT note, count(*) AS n FROM accounts GROUP BY note ORDER BY note LIMIT 3")) {
        List<String> rows = new ArrayList<>();
        while (rs.next()) {
          rows.add(rs.getString(1) + "=" + rs.getLong(2));
        }
        assertThat(rows).containsExactly("a0=142", "a1=143", "a2=143");
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT id FROM accounts WHERE id > ? ORDER BY id DESC LIMIT ?")) {
        ps.setLong(1, 10);
        ps.setInt(2, 3);
        try (ResultSet rs = ps.executeQuery()) {
          List<Long> ids = new ArrayList<>();
          while (rs.next()) {
            ids.add(rs.getLong(1));
          }
          assertThat(ids).containsExactly(1000L, 999L, 998L);
        }
      }
      // array_agg/string_agg over several shards: merged as multisets (router-core), the text form relayed
      try (ResultSet rs = s.executeQuery("SELECT array_agg(id), string_agg(note, ',') FROM accounts WHERE id IN (1, 2, 3, 4, 5, 6)")) {
        rs.next();
        String array = rs.getString(1);
        assertThat(array).startsWith("{").endsWith("}");
        assertThat(List.of(array.substring(1, array.length() - 1).split(","))).containsExactlyInAnyOrder("1", "2", "3", "4", "5", "6");
        assertThat(List.of(rs.getString(2).split(","))).containsExactlyInAnyOrder("a1", "a2", "a3", "a4", "a5", "a6");
      }
      // a broadcast table read goes to one shard; the merge's refusals are the library's
      try (ResultSet rs = s.executeQuery("SELECT name FROM branches ORDER BY id")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("north");
      }
      assertThatThrownBy(() -> s.executeQuery("SELECT id, row_number() OVER (ORDER BY id) FROM accounts"))
          .isInstanceOf(SQLException.class).satisfies(e -> assertThat(((SQLException) e).getSQLState()).startsWith("0A"));
      try (Connection lib = ds.getConnection(); Statement ls = lib.createStatement()) {
        String sql = "SELECT id, row_number() OVER (ORDER BY id) FROM accounts";
        SQLException library = null;
        try {
          ls.executeQuery(sql);
        } catch (SQLException e) {
          library = e;
        }
        SQLException relayed = null;
        try {
          s.executeQuery(sql);
        } catch (SQLException e) {
          relayed = e;
        }
        assertThat(library != null).as("the library refuses").isTrue();
        assertThat(relayed != null).as("the proxy refuses").isTrue();
        assertThat(relayed.getSQLState()).isEqualTo(library.getSQLState());
        assertThat(relayed.getMessage()).contains(library.getMessage());
      }
    }
    assertThat(onShards("SELECT count(*) FROM accounts")).isEqualTo(1000);
    for (int i = 0; i < 2; i++) {
      try (Connection c = cluster.postgres(i).primary().connect(); Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT count(*) FROM accounts")) {
        rs.next();
        assertThat(rs.getLong(1)).as("rows on shard %d", i).isBetween(1L, 999L);
      }
    }
  }

  /**
   * A transaction stays on its shard: BEGIN answered by the proxy and sent with the first statement;
   * a statement for another shard inside it is refused and the transaction fails (COMMIT rolls back).
   */
  @Test
  void transactionsStayOnTheirShard() throws Exception {
    long a = 11;
    long b = -1;
    var rules = config.sharding().rules(config.shards());
    int shardOfA = rules.shardOf(config.sharding().tables().get(0), a);
    for (long id = 12; id < 100 && b < 0; id++) {
      if (rules.shardOf(config.sharding().tables().get(0), id) != shardOfA) {
        b = id;
      }
    }
    try (Connection c = connect()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.executeUpdate("UPDATE accounts SET note = 'tx' WHERE id = " + a);
        try (ResultSet rs = s.executeQuery("SELECT note FROM accounts WHERE id = " + a)) {
          rs.next();
          assertThat(rs.getString(1)).isEqualTo("tx");
        }
        c.commit();
        s.executeUpdate("UPDATE accounts SET note = 'lost' WHERE id = " + a);
        long other = b;
        assertThatThrownBy(() -> s.executeUpdate("UPDATE accounts SET note = 'lost' WHERE id = " + other))
            .isInstanceOf(SQLException.class).hasMessageContaining("keeps a transaction on one shard");
        c.commit(); // PostgreSQL turns the COMMIT of a failed transaction into a rollback
      }
    }
    try (Connection c = connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT note FROM accounts WHERE id = " + a)) {
      rs.next();
      assertThat(rs.getString(1)).as("the refused transaction's first update rolled back").isEqualTo("tx");
    }
  }

  /**
   * pgjdbc server-side prepared statements (after prepareThreshold, binary transfer) keep working while
   * transaction pooling hands each execution to another backend, with 16 clients over pools of 3.
   */
  @Test
  void preparedStatementsSurviveBackendRotation() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<Long>> results = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        int worker = t;
        results.add(pool.submit(() -> {
          long seen = 0;
          try (Connection c = connect();
               PreparedStatement upd = c.prepareStatement("UPDATE accounts SET balance = balance + ? WHERE id = ?");
               PreparedStatement sel = c.prepareStatement("SELECT balance, note FROM accounts WHERE id = ?");
               PreparedStatement scatter = c.prepareStatement("SELECT count(*) FROM accounts WHERE balance >= ?")) {
            for (int i = 0; i < 30; i++) {
              long id = 500 + worker * 30 + i;
              upd.setLong(1, 1);
              upd.setLong(2, id);
              assertThat(upd.executeUpdate()).isEqualTo(1);
              sel.setLong(1, id);
              try (ResultSet rs = sel.executeQuery()) {
                assertThat(rs.next()).isTrue();
                seen += rs.getLong(1);
              }
              if (i % 10 == 0) {
                scatter.setLong(1, 0);
                try (ResultSet rs = scatter.executeQuery()) {
                  rs.next();
                  assertThat(rs.getLong(1)).isEqualTo(1000);
                }
              }
            }
          }
          return seen;
        }));
      }
      long total = 0;
      for (Future<Long> f : results) {
        total += f.get();
      }
      assertThat(total).as("every read saw its own write (read-your-writes per shard)").isGreaterThanOrEqualTo(16 * 30);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * pgbench-like load over the sharded table: 24 clients, each transaction BEGIN / UPDATE / SELECT /
   * END on one random key, in simple, extended and prepared mode, over pools of 3 per endpoint.
   * Every transaction must succeed; the balances must add up.
   */
  @Test
  void pgbenchOverASharedTableWithMoreClientsThanConnections(@TempDir Path dir) throws Exception {
    Path script = dir.resolve("sharded.sql");
    Files.writeString(script, String.join("\n",
        "\\set aid random(1, 1000)",
        "BEGIN;",
        "UPDATE accounts SET balance = balance + 1 WHERE id = :aid;",
        "SELECT balance FROM accounts WHERE id = :aid;",
        "END;",
        ""));
    long before = sumBalances();
    long transactions = 0;
    Path pgbench = Binaries.postgresBinDir().orElseThrow().resolve("pgbench");
    for (String mode : List.of("simple", "extended", "prepared")) {
      String out = ProxyIT.run(List.of(pgbench.toString(), "-n", "-h", "127.0.0.1", "-p", Integer.toString(proxy.port()),
          "-U", ProxyIT.USER, "-c", "24", "-j", "2", "-t", "40", "-M", mode, "-f", script.toString(), "postgres"),
          Map.of("PGPASSWORD", ProxyIT.PASSWORD), 300);
      Matcher m = Pattern.compile("number of transactions actually processed: (\\d+)").matcher(out);
      assertThat(m.find()).as(out).isTrue();
      long done = Long.parseLong(m.group(1));
      System.out.printf("[ShardedRelayIT] pgbench -M %s, 24 clients, pools of %d per endpoint: %d transactions%n%s%n", mode,
          POOL, done, out.lines().filter(l -> l.contains("tps") || l.contains("failed")).toList());
      assertThat(done).as(out).isEqualTo(24 * 40);
      transactions += done;
    }
    assertThat(sumBalances() - before).isEqualTo(transactions);
    for (int i = 0; i < 2; i++) {
      // the router's own monitoring connections (pgjdbc) are not the relay's; a discarded backend may take a moment to go
      long sessions = Long.MAX_VALUE;
      for (int attempt = 0; attempt < 50 && sessions > POOL; attempt++) {
        sessions = relaySessions(i);
        if (sessions > POOL) {
          Thread.sleep(100);
        }
      }
      System.out.printf("[ShardedRelayIT] relay sessions on shard %d's primary after pgbench: %d %s%n", i, sessions, describeSessions(i));
      assertThat(sessions).as("relay sessions on shard %d's primary", i).isLessThanOrEqualTo(POOL);
    }
  }

  static List<String> describeSessions(int shard) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = cluster.postgres(shard).primary().connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT application_name, state, left(query, 40), backend_start FROM pg_stat_activity"
             + " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")) {
      while (rs.next()) {
        out.add(rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getString(3) + "|" + rs.getString(4));
      }
    }
    return out;
  }

  static long relaySessions(int shard) throws SQLException {
    try (Connection c = cluster.postgres(shard).primary().connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
             + " AND application_name <> 'PostgreSQL JDBC Driver' AND application_name NOT LIKE 'junction-%' AND pid <> pg_backend_pid()")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** 120 pgjdbc clients at once over pools of 3: all succeed (the v1 session pinned connections per client). */
  @Test
  void manyConcurrentClientsOverSmallPools() throws Exception {
    int clients = 120;
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    AtomicLong ok = new AtomicLong();
    List<String> errors = Collections.synchronizedList(new ArrayList<>());
    try {
      List<Connection> open = Collections.synchronizedList(new ArrayList<>());
      List<Future<?>> futures = new ArrayList<>();
      java.util.concurrent.CountDownLatch connected = new java.util.concurrent.CountDownLatch(clients);
      for (int t = 0; t < clients; t++) {
        int worker = t;
        futures.add(pool.submit(() -> {
          try (Connection c = connect()) {
            open.add(c);
            connected.countDown();
            connected.await();
            try (Statement s = c.createStatement()) {
              long id = 1 + (worker * 7) % 1000;
              s.executeUpdate("UPDATE accounts SET note = note WHERE id = " + id);
              try (ResultSet rs = s.executeQuery("SELECT balance FROM accounts WHERE id = " + id)) {
                rs.next();
              }
              ok.incrementAndGet();
            }
          } catch (Exception e) {
            connected.countDown();
            errors.add(e.getMessage());
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        try {
          f.get(120, java.util.concurrent.TimeUnit.SECONDS); // a bound against hanging, not a timing
        } catch (java.util.concurrent.TimeoutException e) {
          errors.add("no answer within 120 s");
        }
      }
    } finally {
      pool.shutdownNow();
    }
    System.out.printf("[ShardedRelayIT] %d clients over pools of %d per endpoint: %d ok, %d errors%s%n", clients, POOL, ok.get(),
        errors.size(), errors.isEmpty() ? "" : "; first: " + errors.get(0));
    assertThat(errors).isEmpty();
    assertThat(ok.get()).isEqualTo(clients);
  }

  static long sumBalances() throws SQLException {
    return onShards("SELECT coalesce(sum(balance), 0) FROM accounts");
  }
}
