package dev.junction.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.Binaries;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.local.PostgresServer;
import dev.junction.proxy.auth.AuthMethod;
import dev.junction.proxy.auth.Credential;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relaying proxy's own promises, against a real primary and two streaming replicas, with small
 * pools (3 per endpoint) so backends rotate between clients all the time:
 * no lost write when a client leaves inside a transaction, prepared statements that survive backend
 * rotation, a wait queue instead of errors when clients outnumber backends, a slow reader that holds
 * nobody else up, session settings that follow the client, and the admin console.
 */
class RelayIT {
  static final String USER = ProxyIT.USER;
  static final String PASSWORD = ProxyIT.PASSWORD;
  static LocalCluster cluster;
  static PostgresReplicaSet pg;
  static RoutingDataSource ds;
  static ProxyServer proxy;
  static Path bin;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO, Duration.ofMillis(100)).shared(RelayIT.class);
    pg = cluster.postgres(0);
    bin = Binaries.postgresBinDir().orElseThrow();
    try (Connection c = pg.primary().connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE acked (id bigserial primary key, who text)");
      s.execute("CREATE TABLE big (id int primary key, pad text)");
      s.execute("INSERT INTO big SELECT g, repeat('x', 200) FROM generate_series(1, 100000) g");
      s.execute("CREATE TABLE items (id int primary key, name text, qty int)");
      s.execute("INSERT INTO items SELECT g, 'item-' || g, g % 7 FROM generate_series(1, 500) g");
      s.execute("CREATE TABLE victims (id int primary key)");
      s.execute("INSERT INTO victims SELECT g FROM generate_series(1, 100) g");
    }
    Thread.sleep(800);
    JunctionConfig.Pool pool = new JunctionConfig.Pool(3, 0, Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofMinutes(30),
        Duration.ofSeconds(1));
    List<JunctionConfig.Endpoint> replicas = new ArrayList<>();
    for (int i = 0; i < pg.replicas().size(); i++) {
      PostgresServer r = pg.replica(i);
      replicas.add(new JunctionConfig.Endpoint("replica" + (i + 1), r.jdbcUrl(), r.user(), "", 1, pool));
    }
    JunctionConfig config = new JunctionConfig(Dialect.POSTGRESQL, List.of(new JunctionConfig.Shard("main",
        new JunctionConfig.Endpoint("primary", pg.primary().jdbcUrl(), pg.primary().user(), "", 1, pool), replicas)),
        JunctionConfig.Routing.defaults(), new JunctionConfig.Fencing(JunctionConfig.FenceStoreKind.LOCAL, Duration.ofSeconds(30),
        1000, null, Duration.ofMillis(200), "junction:fence:", "a-test-secret-of-32-characters!!"));
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ds = RoutingDataSource.create(config, registry);
    ProxyConfig proxyConfig = ProxyConfig.defaults()
        .withAuth(AuthMethod.SCRAM_SHA_256, Map.of(USER, Credential.plain(PASSWORD), "ops", Credential.plain(PASSWORD)))
        .withPorts(0, 0)
        .withPooling(new ProxyConfig.Pooling(dev.junction.proxy.relay.RelayRuntime.PoolMode.TRANSACTION, Duration.ofSeconds(120), 4))
        .withHardening(new ProxyConfig.Hardening(Duration.ofSeconds(60), Duration.ZERO, Duration.ZERO, false, false, null, Set.of("ops")));
    proxy = new ProxyServer(proxyConfig, ds, registry);
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

  static Connection connect(Properties extra) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", USER);
    p.setProperty("password", PASSWORD);
    p.putAll(extra);
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + pg.primary().database(), p);
  }

  static long onPrimary(String sql) throws SQLException {
    try (Connection c = pg.primary().connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static String psql(String script, Path dir) throws Exception {
    Path file = dir.resolve("s" + System.nanoTime() + ".sql");
    Files.writeString(file, script);
    return ProxyIT.run(List.of(bin.resolve("psql").toString(), "-X", "-A", "-t", "-h", "127.0.0.1", "-p",
        Integer.toString(proxy.port()), "-U", USER, "-d", pg.primary().database(), "-f", file.toString()), Map.of("PGPASSWORD", PASSWORD), 120);
  }

  /**
   * Issue #16 §0 through the proxy: clients that leave inside a transaction (committed nothing, or
   * failed) must not leave a pooled backend inside it. Every later acknowledged auto-commit write
   * is on the primary afterwards. With pools of 3, every later session reuses those backends.
   */
  @Test
  void clientsLeavingInsideATransactionLoseNoLaterWrite(@TempDir Path dir) throws Exception {
    long before = onPrimary("SELECT count(*) FROM acked");
    for (int i = 0; i < 4; i++) {
      psql("BEGIN;\nSELECT count(*) FROM acked;\nINSERT INTO acked(who) VALUES ('abandoned');\n", dir); // quits without COMMIT
      psql("BEGIN;\nSELECT 1/0;\n", dir); // a failed transaction, abandoned
    }
    try (Connection c = connect(new Properties())) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.executeUpdate("INSERT INTO acked(who) VALUES ('jdbc-abandoned')");
      }
      // closed without commit or rollback
    }
    int acknowledged = 0;
    for (int i = 0; i < 12; i++) {
      try (Connection c = connect(new Properties()); Statement s = c.createStatement()) {
        acknowledged += s.executeUpdate("INSERT INTO acked(who) VALUES ('acked')");
      }
    }
    assertThat(acknowledged).isEqualTo(12);
    assertThat(onPrimary("SELECT count(*) FROM acked WHERE who = 'acked'") - countBefore(before)).isEqualTo(12);
    assertThat(onPrimary("SELECT count(*) FROM acked WHERE who <> 'acked'")).isZero();
    assertThat(onPrimary("SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'")).isZero();
  }

  private static long countBefore(long before) {
    return 0; // the table starts empty in this test class; kept for clarity of the assertion above
  }

  /**
   * pgjdbc server-prepares after prepareThreshold executions and reuses the statement name; with
   * pools of 3 per endpoint and 12 clients, each execution may land on another backend, where the
   * proxy must prepare it first. Results are compared with the same statements run directly.
   */
  @Test
  void preparedStatementsSurviveBackendRotation() throws Exception {
    Properties p = new Properties();
    p.setProperty("prepareThreshold", "1");
    ExecutorService pool = Executors.newFixedThreadPool(12);
    try {
      List<Future<Long>> results = new ArrayList<>();
      for (int t = 0; t < 12; t++) {
        int seed = t;
        results.add(pool.submit(() -> {
          long sum = 0;
          try (Connection c = connect(p);
               PreparedStatement byId = c.prepareStatement("SELECT name, qty FROM items WHERE id = ?");
               PreparedStatement byQty = c.prepareStatement("SELECT count(*) FROM items WHERE qty = ?")) {
            for (int i = 0; i < 60; i++) {
              int id = 1 + (seed * 61 + i * 7) % 500;
              byId.setInt(1, id);
              try (ResultSet rs = byId.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("item-" + id);
                assertThat(rs.getInt(2)).isEqualTo(id % 7);
              }
              byQty.setInt(1, i % 7);
              try (ResultSet rs = byQty.executeQuery()) {
                rs.next();
                sum += rs.getLong(1);
              }
              if (i % 10 == 0) { // a transaction in between: the statements must work inside it too
                c.setAutoCommit(false);
                byId.setInt(1, id);
                try (ResultSet rs = byId.executeQuery()) {
                  assertThat(rs.next()).isTrue();
                }
                c.commit();
                c.setAutoCommit(true);
              }
            }
          }
          return sum;
        }));
      }
      long expected = 0;
      try (Connection c = pg.primary().connect(); PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM items WHERE qty = ?")) {
        for (int i = 0; i < 60; i++) {
          ps.setInt(1, i % 7);
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            expected += rs.getLong(1);
          }
        }
      }
      for (Future<Long> f : results) {
        assertThat(f.get(300, TimeUnit.SECONDS)).isEqualTo(expected);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** Batches (many Bind/Execute before one Sync) and a large result read with a fetch size (portal suspension). */
  @Test
  void batchesAndALargeResultWithAFetchSize() throws Exception {
    try (Connection c = connect(new Properties())) {
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE IF NOT EXISTS batch_t (id int primary key, v text)");
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO batch_t VALUES (?, ?)")) {
        for (int i = 0; i < 500; i++) {
          ps.setInt(1, i);
          ps.setString(2, "v" + i);
          ps.addBatch();
        }
        int[] counts = ps.executeBatch();
        assertThat(counts).hasSize(500).containsOnly(1);
      }
      assertThat(onPrimary("SELECT count(*) FROM batch_t")).isEqualTo(500);
      c.setAutoCommit(false); // pgjdbc uses a fetch size only inside a transaction
      try (Statement s = c.createStatement()) {
        s.setFetchSize(1000);
        long n = 0;
        long sum = 0;
        try (ResultSet rs = s.executeQuery("SELECT id FROM big ORDER BY id")) {
          while (rs.next()) {
            n++;
            sum += rs.getInt(1);
          }
        }
        assertThat(n).isEqualTo(100_000);
        assertThat(sum).isEqualTo(100_000L * 100_001 / 2);
      }
      c.commit();
    }
  }

  /**
   * 200 clients at once over pools of 3 per endpoint: every statement waits its turn in the queue
   * and succeeds (no "no free connection" errors).
   */
  @Test
  void manyMoreClientsThanBackendsAllSucceed() throws Exception {
    int clients = 200;
    ExecutorService pool = Executors.newFixedThreadPool(50);
    AtomicInteger ok = new AtomicInteger();
    List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<Connection> open = new java.util.concurrent.CopyOnWriteArrayList<>();
    try {
      List<Future<?>> all = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        int n = i;
        all.add(pool.submit(() -> {
          try {
            Connection c = connect(new Properties());
            open.add(c);
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT " + n + ", pg_sleep(0.01)")) {
              rs.next();
              assertThat(rs.getInt(1)).isEqualTo(n);
            }
            if (n % 5 == 0) {
              try (Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO acked(who) VALUES ('many')");
              }
            }
            ok.incrementAndGet();
          } catch (Throwable e) {
            errors.add(e);
          }
        }));
      }
      for (Future<?> f : all) {
        f.get(600, TimeUnit.SECONDS);
      }
      assertThat(errors).isEmpty();
      assertThat(ok.get()).isEqualTo(clients);
      assertThat(proxy.sessionCount()).isGreaterThanOrEqualTo(clients);
    } finally {
      for (Connection c : open) {
        c.close();
      }
      pool.shutdownNow();
    }
  }

  /**
   * A client that asks for a large result and stops reading holds only its own backend: other
   * sessions keep working and /health answers. (Bounded waits, no timing assertions.)
   */
  @Test
  void aClientThatStopsReadingHoldsUpNobodyElse() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (ProxyServer trusting = new ProxyServer(ProxyConfig.defaults().withAuth(AuthMethod.TRUST, Map.of()).withPorts(0, 0), ds, registry);
         Socket stalled = new Socket()) {
      stalled.setReceiveBufferSize(4096);
      stalled.connect(new java.net.InetSocketAddress("127.0.0.1", trusting.port()));
      OutputStream out = stalled.getOutputStream();
      DataInputStream in = new DataInputStream(stalled.getInputStream());
      byte[] params = ("user\0app\0database\0" + pg.primary().database() + "\0\0").getBytes(StandardCharsets.US_ASCII);
      java.nio.ByteBuffer startup = java.nio.ByteBuffer.allocate(8 + params.length).putInt(8 + params.length).putInt(3 << 16).put(params);
      out.write(startup.array());
      out.flush();
      while (true) { // up to ReadyForQuery
        int type = in.readUnsignedByte();
        int length = in.readInt();
        in.readFully(new byte[length - 4]);
        if (type == 'Z') {
          break;
        }
      }
      byte[] sql = "SELECT a.pad FROM big a, generate_series(1, 50) g\0".getBytes(StandardCharsets.US_ASCII);
      out.write(java.nio.ByteBuffer.allocate(5 + sql.length).put((byte) 'Q').putInt(4 + sql.length).put(sql).array());
      out.flush();
      // ... and never read again: about a gigabyte of rows is waiting for this client.
      Thread.sleep(1000);
      for (int i = 0; i < 30; i++) {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + trusting.port() + "/" + pg.primary().database(), "app", "");
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM items")) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getInt(1)).isEqualTo(500);
        }
      }
      HttpResponse<String> health = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + trusting.adminPort() + "/health")).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(ProcessHandle.current().info()).isNotNull();
    }
  }

  /** Startup options and SETs follow the client onto whichever backend serves it; other clients never see them. */
  @Test
  void sessionSettingsFollowTheClientAndStayWithIt() throws Exception {
    Properties p = new Properties();
    p.setProperty("options", "-c statement_timeout=1234 -c search_path=pg_catalog,public");
    p.setProperty("ApplicationName", "relay-it");
    try (Connection a = connect(p); Connection b = connect(new Properties())) {
      for (int i = 0; i < 10; i++) {
        assertThat(show(a, "statement_timeout")).isEqualTo("1234ms");
        assertThat(show(a, "application_name")).isEqualTo("relay-it");
        assertThat(show(b, "statement_timeout")).isEqualTo("0");
        try (Statement s = a.createStatement()) {
          s.execute("SET work_mem = '7MB'");
        }
        assertThat(show(a, "work_mem")).isEqualTo("7MB");
        assertThat(show(b, "work_mem")).isEqualTo("4MB");
        try (Statement s = a.createStatement()) {
          s.execute("RESET work_mem");
        }
        assertThat(show(a, "work_mem")).isEqualTo("4MB");
      }
      assertThatThrownBy(() -> {
        try (Statement s = a.createStatement()) {
          s.execute("SET statement_timeout = 'nonsense'");
        }
      }).isInstanceOf(SQLException.class);
      assertThat(show(a, "statement_timeout")).isEqualTo("1234ms");
    }
    Properties bad = new Properties();
    bad.setProperty("options", "-c TimeZone=Nowhere/Nothing");
    assertThatThrownBy(() -> connect(bad).close()).isInstanceOf(SQLException.class).hasMessageContaining("TimeZone");
    Properties db = new Properties();
    assertThatThrownBy(() -> DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/nosuchdb", USER, PASSWORD))
        .isInstanceOf(SQLException.class).satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("3D000"));
  }

  private static String show(Connection c, String name) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW " + name)) {
      rs.next();
      return rs.getString(1);
    }
  }

  /**
   * Settings that change how the server reads statement text (standard_conforming_strings off, a client_encoding
   * other than UTF8) end the proxy session with 0AJ00 (FATAL), however they are set, before any later statement is read
   * one way by the proxy and another by the server. Oracle: a direct connection with the same setting, where
   * {@code SELECT '\', '; DELETE ...; --'} is a SELECT and a DELETE. Before the fix the proxy kept the setting
   * and sent that "read" to a replica, which refused the DELETE (25006) that PostgreSQL runs.
   */
  @Test
  void settingsThatChangeHowTextIsReadEndTheSession() throws Exception {
    String hostile = "SELECT '\\', '; DELETE FROM victims WHERE id = %d; --'";
    Properties simple = new Properties();
    simple.setProperty("preferQueryMode", "simple");
    List<String> waysIn = List.of(
        "SET standard_conforming_strings = off",
        "SET SESSION standard_conforming_strings TO 'off'",
        "SELECT set_config('standard_conforming_strings', 'false', false)",
        "SET client_encoding = 'LATIN1'",
        "SET NAMES 'WIN1252'");
    int victim = 0;
    for (String wayIn : waysIn) {
      victim++;
      if (!wayIn.contains("client_encoding") && !wayIn.contains("NAMES")) {
        try (Connection direct = pg.primary().connect(); Statement s = direct.createStatement()) {
          s.execute(wayIn);
          s.execute(String.format(hostile, victim)); // the oracle: PostgreSQL reads a SELECT and a DELETE
          assertThat(rowExists(direct, victim)).as("oracle: %s makes the text a DELETE", wayIn).isFalse();
        }
      }
      victim++;
      int target = victim;
      try (Connection c = connect(simple); Statement s = c.createStatement()) {
        assertThatThrownBy(() -> {
          s.execute(wayIn);
          s.execute(String.format(hostile, target)); // reached only if the proxy let the setting through
        }).as(wayIn).isInstanceOf(SQLException.class)
            .satisfies(e -> assertThat(((SQLException) e).getSQLState()).as(wayIn + ": " + e.getMessage()).isEqualTo("0AJ00"))
            .hasMessageContaining(wayIn.contains("standard") ? "standard_conforming_strings" : "client_encoding");
      }
      try (Connection c = connect(new Properties())) {
        assertThat(show(c, "standard_conforming_strings")).isEqualTo("on");
        assertThat(show(c, "client_encoding")).isEqualTo("UTF8");
      }
    }
    Properties startup = new Properties();
    startup.setProperty("options", "-c standard_conforming_strings=off");
    assertThatThrownBy(() -> connect(startup).close()).isInstanceOf(SQLException.class)
        .hasMessageContaining("standard_conforming_strings");
    for (int i = 0; i < 20; i++) { // the pool kept no backend in either setting
      try (Connection c = connect(new Properties())) {
        assertThat(show(c, "standard_conforming_strings")).isEqualTo("on");
        assertThat(show(c, "client_encoding")).isEqualTo("UTF8");
      }
    }
  }

  private static boolean rowExists(Connection c, int id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM victims WHERE id = ?")) {
      ps.setInt(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1) == 1;
      }
    }
  }

  /** Temporary tables and LISTEN pin the session to its primary backend; NOTIFY reaches the listener. */
  @Test
  void temporaryTablesAndListenPinTheSession() throws Exception {
    try (Connection listener = connect(new Properties()); Connection other = connect(new Properties())) {
      try (Statement s = listener.createStatement()) {
        s.execute("CREATE TEMP TABLE scratch (x int)");
        s.execute("INSERT INTO scratch VALUES (1), (2)");
        s.execute("LISTEN relay_channel");
      }
      for (int i = 0; i < 5; i++) { // other sessions keep the backends busy; the temp table stays visible
        try (Statement s = other.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM items")) {
          rs.next();
        }
        try (Statement s = listener.createStatement(); ResultSet rs = s.executeQuery("SELECT sum(x) FROM scratch")) {
          rs.next();
          assertThat(rs.getInt(1)).isEqualTo(3);
        }
      }
      try (Statement s = other.createStatement()) {
        s.execute("NOTIFY relay_channel, 'hello'");
      }
      org.postgresql.PGConnection pgc = listener.unwrap(org.postgresql.PGConnection.class);
      org.postgresql.PGNotification[] got = pgc.getNotifications(30_000);
      assertThat(got).isNotNull();
      assertThat(got[0].getParameter()).isEqualTo("hello");
    }
  }

  /** A fence token carried to another connection makes its reads see the first connection's write. */
  @Test
  void aFenceTokenCarriesReadYourWritesToAnotherConnection() throws Exception {
    for (int i = 0; i < 30; i++) {
      String token;
      try (Connection writer = connect(new Properties()); Statement s = writer.createStatement()) {
        s.executeUpdate("INSERT INTO acked(who) VALUES ('token-" + i + "')");
        try (ResultSet rs = s.executeQuery("SHOW junction.fence")) {
          rs.next();
          token = rs.getString(1);
        }
      }
      assertThat(token).startsWith("v2.");
      Properties p = new Properties();
      p.setProperty("options", "-c junction.fence=" + token);
      try (Connection reader = connect(p); Statement s = reader.createStatement();
           ResultSet rs = s.executeQuery("SELECT count(*) FROM acked WHERE who = 'token-" + i + "'")) {
        rs.next();
        assertThat(rs.getInt(1)).as("read through the token on round %d", i).isEqualTo(1);
      }
    }
  }

  /** The admin console answers PgBouncer-style commands. */
  @Test
  void adminConsoleShowsPoolsAndPausesAndResumes() throws Exception {
    String out = ProxyIT.run(List.of(bin.resolve("psql").toString(), "-X", "-A", "-h", "127.0.0.1", "-p", Integer.toString(proxy.port()),
        "-U", "ops", "-d", "junction", "-c", "SHOW POOLS", "-c", "SHOW SERVERS", "-c", "SHOW CLIENTS", "-c", "SHOW STATS",
        "-c", "SHOW LAG", "-c", "PAUSE", "-c", "RESUME"), Map.of("PGPASSWORD", PASSWORD), 120);
    assertThat(out).contains("shard|endpoint|role", "main|primary|primary", "main|replica1|replica", "PAUSE", "RESUME",
        "routed_replica|", "main|replica2|replica");
    try (Connection c = connect(new Properties()); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 42")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(42); // resumed
    }
    assertThatThrownBy(() -> ProxyIT.run(List.of(bin.resolve("psql").toString(), "-X", "-h", "127.0.0.1", "-p",
        Integer.toString(proxy.port()), "-U", USER, "-d", "junction", "-c", "SHOW POOLS"), Map.of("PGPASSWORD", PASSWORD), 60))
        .hasMessageContaining("admin console");
  }
}
