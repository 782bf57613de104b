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
import dev.junction.route.RouteReason;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
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
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy with real clients (psql, pgjdbc, pgbench) in front of a real PostgreSQL primary and two
 * streaming replicas. Clients authenticate with SCRAM-SHA-256.
 */
class ProxyIT {
  static final String USER = "app";
  static final String PASSWORD = "s3cret-Passw0rd";
  static LocalCluster cluster;
  static PostgresReplicaSet pg;
  static RoutingDataSource ds;
  static ProxyServer proxy;
  static Path bin;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO, Duration.ofMillis(100)).shared(ProxyIT.class);
    pg = cluster.postgres(0);
    bin = Binaries.postgresBinDir().orElseThrow();
    try (Connection c = pg.primary().connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE kv (k int primary key, v text, n numeric(12,2), ts timestamptz, flag bool, data bytea, id uuid)");
    }
    run(List.of(bin.resolve("pgbench").toString(), "-i", "-s", "2", "-q", "-h", "127.0.0.1", "-p",
        Integer.toString(pg.primary().port()), "-U", "postgres", pg.primary().database()), Map.of(), 120);
    Thread.sleep(800);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ds = RoutingDataSource.create(config(), registry);
    ProxyConfig proxyConfig = ProxyConfig.defaults()
        .withAuth(AuthMethod.SCRAM_SHA_256, Map.of(USER, Credential.plain(PASSWORD)))
        .withPorts(0, 0);
    proxy = new ProxyServer(proxyConfig, ds, registry);
  }

  static JunctionConfig config() {
    JunctionConfig.Pool pool = new JunctionConfig.Pool(20, 0, Duration.ofSeconds(2), Duration.ofMinutes(10), Duration.ofMinutes(30),
        Duration.ofSeconds(1));
    List<JunctionConfig.Endpoint> replicas = new ArrayList<>();
    for (int i = 0; i < pg.replicas().size(); i++) {
      PostgresServer r = pg.replica(i);
      replicas.add(new JunctionConfig.Endpoint("replica" + (i + 1), r.jdbcUrl(), r.user(), "", 1, pool));
    }
    return new JunctionConfig(Dialect.POSTGRESQL, List.of(new JunctionConfig.Shard("main",
        new JunctionConfig.Endpoint("primary", pg.primary().jdbcUrl(), pg.primary().user(), "", 1, pool), replicas)),
        JunctionConfig.Routing.defaults(), JunctionConfig.Fencing.defaults());
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
    return connect(proxy.port(), pg.primary().database());
  }

  /** pgjdbc to a proxy on {@code port} as the test user (SCRAM). */
  static Connection connect(int port) throws SQLException {
    return connect(port, "postgres");
  }

  /** pgjdbc to a proxy on {@code port} serving {@code database} (a shared cluster's per-class one) as the test user. */
  static Connection connect(int port, String database) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", USER);
    p.setProperty("password", PASSWORD);
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, p);
  }

  static String run(List<String> command, Map<String, String> env, int timeoutSeconds) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    Thread reader = new Thread(() -> {
      try (InputStream in = p.getInputStream()) {
        in.transferTo(output);
      } catch (Exception ignored) {
        // process ended
      }
    });
    reader.start();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + command);
    }
    reader.join();
    String text = output.toString(StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new AssertionError("exit " + p.exitValue() + " from " + command + "\n" + text);
    }
    return text;
  }

  @Test
  void psqlRunsAScriptThroughTheProxy(@TempDir Path dir) throws Exception {
    Path script = dir.resolve("script.sql");
    Files.writeString(script, String.join("\n",
        "\\set ON_ERROR_STOP on",
        "CREATE TABLE psql_t (id int primary key, name text);",
        "INSERT INTO psql_t VALUES (1, 'one'), (2, 'two');",
        "BEGIN;",
        "UPDATE psql_t SET name = 'TWO' WHERE id = 2;",
        "SELECT 'in-tx', inet_server_port() = " + pg.primary().port() + ";",
        "COMMIT;",
        "SELECT name FROM psql_t ORDER BY id;",
        "SELECT 'read-on-replica', inet_server_port() <> " + pg.primary().port() + ";",
        "SELECT 1 AS a; SELECT 2 AS b;",
        "\\dt psql_t",
        ""));
    String out = run(List.of(bin.resolve("psql").toString(), "-X", "-A", "-t", "-h", "127.0.0.1", "-p", Integer.toString(proxy.port()),
        "-U", USER, "-d", pg.primary().database(), "-f", script.toString()), Map.of("PGPASSWORD", PASSWORD), 60);
    assertThat(out).contains("CREATE TABLE", "INSERT 0 2", "BEGIN", "UPDATE 1", "in-tx|t", "COMMIT", "one\nTWO",
        "read-on-replica|t", "1\n2", "public|psql_t|table");
  }

  @Test
  void wrongPasswordIsRejectedWith28P01() {
    Properties p = new Properties();
    p.setProperty("user", USER);
    p.setProperty("password", "wrong");
    assertThatThrownBy(() -> DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + pg.primary().database(), p))
        .isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28P01"));
  }

  @Test
  void jdbcPreparedStatementsBatchesTransactionsAndTypes() throws Exception {
    UUID id = UUID.randomUUID();
    Timestamp ts = Timestamp.valueOf("2026-11-23 10:15:30.123456");
    try (Connection c = connect()) {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO kv VALUES (?, ?, ?, ?, ?, ?, ?)")) {
        for (int k = 1; k <= 20; k++) { // beyond prepareThreshold: server-prepared, binary transfer
          ps.setInt(1, k);
          ps.setString(2, "value-" + k);
          ps.setBigDecimal(3, new BigDecimal("1234.5").add(BigDecimal.valueOf(k)));
          ps.setTimestamp(4, ts);
          ps.setBoolean(5, k % 2 == 0);
          ps.setBytes(6, new byte[] {1, 2, (byte) k});
          ps.setObject(7, id);
          ps.addBatch();
        }
        assertThat(ps.executeBatch()).hasSize(20);
      }
      for (int round = 0; round < 8; round++) {
        try (PreparedStatement ps = c.prepareStatement("SELECT k, v, n, ts, flag, data, id FROM kv WHERE k = ?")) {
          ps.setInt(1, 6);
          try (ResultSet rs = ps.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(6);
            assertThat(rs.getString(2)).isEqualTo("value-6");
            assertThat(rs.getBigDecimal(3)).isEqualByComparingTo("1240.50");
            assertThat(rs.getTimestamp(4)).isEqualTo(ts);
            assertThat(rs.getBoolean(5)).isTrue();
            assertThat(rs.getBytes(6)).containsExactly(1, 2, 6);
            assertThat(rs.getObject(7)).isEqualTo(id);
            assertThat(rs.next()).isFalse();
          }
        }
      }
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.executeUpdate("UPDATE kv SET v = 'rolled-back' WHERE k = 1");
        c.rollback();
        s.executeUpdate("UPDATE kv SET v = 'committed' WHERE k = 2");
        c.commit();
      }
      c.setAutoCommit(true);
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT k, v FROM kv WHERE k IN (1, 2) ORDER BY k")) {
        rs.next();
        assertThat(rs.getString(2)).isEqualTo("value-1");
        rs.next();
        assertThat(rs.getString(2)).isEqualTo("committed");
      }
      try (Statement s = c.createStatement()) {
        assertThatThrownBy(() -> s.executeQuery("SELEC nonsense")).isInstanceOf(SQLException.class)
            .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42601"));
        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM kv WHERE k <= 20")) { // the session survives the error
          rs.next();
          assertThat(rs.getInt(1)).isEqualTo(20);
        }
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO kv(k, v) VALUES (?, ?) RETURNING k * 10")) {
        ps.setInt(1, 100);
        ps.setString(2, "returning");
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          assertThat(rs.getInt(1)).isEqualTo(1000);
        }
      }
    }
  }

  @Test
  void readsGoToReplicasAndWritesToThePrimaryWithReadYourWritesPerSession() throws Exception {
    int primaryPort = pg.primary().port();
    try (Connection c = connect(); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT inet_server_port()")) {
        rs.next();
        assertThat(rs.getInt(1)).isNotEqualTo(primaryPort);
      }
      try (ResultSet rs = s.executeQuery("INSERT INTO kv(k, v) VALUES (500, 'w') RETURNING inet_server_port()")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(primaryPort);
      }
      for (int i = 0; i < 200; i++) {
        s.executeUpdate("UPDATE kv SET v = 'v" + i + "' WHERE k = 500");
        try (ResultSet rs = s.executeQuery("SELECT v FROM kv WHERE k = 500")) {
          rs.next();
          assertThat(rs.getString(1)).isEqualTo("v" + i);
        }
      }
    }
  }

  @Test
  void cancelStopsARunningStatement() throws Exception {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      Thread canceller = new Thread(() -> {
        try {
          Thread.sleep(500);
          s.cancel();
        } catch (Exception ignored) {
          // test fails on the assertion below
        }
      });
      canceller.start();
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> s.executeQuery("SELECT pg_sleep(20)")).isInstanceOf(SQLException.class)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("57014"));
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
      canceller.join();
      try (ResultSet rs = s.executeQuery("SELECT 1")) {
        assertThat(rs.next()).isTrue();
      }
    }
  }

  static final Pattern TPS = Pattern.compile("tps = ([0-9.]+)");
  static final Pattern FAILED = Pattern.compile("number of failed transactions: (\\d+)");

  static double pgbench(int port, String user, String mode, boolean selectOnly, Map<String, String> env) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(bin.resolve("pgbench").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port),
        // A fixed number of transactions, not a duration: the assertions count routed statements, and a
        // 4 s run on a loaded machine once processed too few of them (or none) to count.
        "-U", user, "-c", "4", "-j", "2", "-t", "150", "-n", "-M", mode));
    if (selectOnly) {
      cmd.add("-S");
    }
    cmd.add(pg.primary().database());
    String out = run(cmd, env, 90);
    Matcher failed = FAILED.matcher(out);
    if (failed.find()) {
      assertThat(Integer.parseInt(failed.group(1))).as(out).isZero();
    }
    Matcher tps = TPS.matcher(out);
    assertThat(tps.find()).as(out).isTrue();
    return Double.parseDouble(tps.group(1));
  }

  @Test
  void pgbenchRunsThroughTheProxyInBothProtocolsWithoutErrors() throws Exception {
    Map<String, String> auth = Map.of("PGPASSWORD", PASSWORD);
    StringBuilder report = new StringBuilder("[ProxyIT] pgbench -c 4 -j 2 -t 150, TPS (proxy / direct to the primary):\n");
    for (boolean selectOnly : new boolean[] {true, false}) {
      for (String mode : new String[] {"simple", "prepared"}) {
        double replicaBefore = ds.routedCount(RouteReason.REPLICA) + ds.routedCount(RouteReason.REPLICA_FENCED)
            + ds.routedCount(RouteReason.REPLICA_FENCE_WAITED);
        double txBefore = ds.routedCount(RouteReason.PRIMARY_TRANSACTION);
        double viaProxy = pgbench(proxy.port(), USER, mode, selectOnly, auth);
        double direct = pgbench(pg.primary().port(), "postgres", mode, selectOnly, Map.of());
        double replicaReads = ds.routedCount(RouteReason.REPLICA) + ds.routedCount(RouteReason.REPLICA_FENCED)
            + ds.routedCount(RouteReason.REPLICA_FENCE_WAITED) - replicaBefore;
        double txStatements = ds.routedCount(RouteReason.PRIMARY_TRANSACTION) - txBefore;
        report.append(String.format("  %-11s %-8s proxy %8.0f  direct %8.0f  ratio %.2f  (replica reads %.0f, primary tx statements %.0f)%n",
            selectOnly ? "select-only" : "tpc-b-like", mode, viaProxy, direct, viaProxy / direct, replicaReads, txStatements));
        if (selectOnly) {
          assertThat(replicaReads).as("select-only reads go to replicas").isGreaterThan(100);
        } else {
          assertThat(txStatements).as("TPC-B transactions run on the primary").isGreaterThan(100);
        }
      }
    }
    System.out.print(report);
  }

  @Test
  void tlsIsNegotiatedWhenConfiguredAndCleanlyDeclinedWhenNot(@TempDir Path dir) throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Binaries.onPathForTests("openssl"), "openssl is needed to make a test certificate");
    Path cert = dir.resolve("server.crt");
    Path key = dir.resolve("server.key");
    run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out", cert.toString(),
        "-days", "1", "-subj", "/CN=localhost"), Map.of(), 60);
    ProxyConfig tlsConfig = new ProxyConfig("127.0.0.1", 0, "127.0.0.1", 0, AuthMethod.SCRAM_SHA_256,
        Map.of(USER, Credential.plain(PASSWORD)), cert, key, 100, 64 << 20, Duration.ofSeconds(1), 16);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (ProxyServer tls = new ProxyServer(tlsConfig, ds, registry)) {
      String out = run(List.of(bin.resolve("psql").toString(), "-X", "-A", "-t",
          "host=127.0.0.1 port=" + tls.port() + " user=" + USER + " dbname=" + pg.primary().database() + " sslmode=require",
          "-c", "SELECT 'over-tls', count(*) FROM kv"), Map.of("PGPASSWORD", PASSWORD), 60);
      assertThat(out).contains("over-tls|");
      Properties p = new Properties();
      p.setProperty("user", USER);
      p.setProperty("password", PASSWORD);
      p.setProperty("sslmode", "require");
      p.setProperty("sslfactory", "org.postgresql.ssl.NonValidatingFactory");
      try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + tls.port() + "/" + pg.primary().database(), p);
           Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 42")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(42);
      }
    }
    assertThatThrownBy(() -> run(List.of(bin.resolve("psql").toString(), "-X",
        "host=127.0.0.1 port=" + proxy.port() + " user=" + USER + " dbname=" + pg.primary().database() + " sslmode=require", "-c", "SELECT 1"),
        Map.of("PGPASSWORD", PASSWORD), 60))
        .hasMessageContaining("SSL");
  }

  @Test
  void adminPortServesHealthMetricsAndExplain() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + proxy.adminPort();
    HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).contains("\"status\":\"UP\"", "\"endpoint\":\"replica1\"", "\"role\":\"primary\"",
        "\"fenceStore\":{\"kind\":\"local\",\"status\":\"UP\",\"detail\":\"ok\"}");
    HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.body()).contains("junction_route_total", "junction_replica_lag_ms", "junction_proxy_sessions");
    HttpResponse<String> explain = http.send(HttpRequest.newBuilder(URI.create(base
        + "/explain?sql=SELECT%20*%20FROM%20kv%20WHERE%20k%20%3D%201%20FOR%20UPDATE")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(explain.body()).contains("primary-locking-read", "kv");
  }

  @Test
  void malformedBytesGetAnErrorResponseAndACloseWhileOthersKeepWorking() throws Exception {
    try (Connection healthy = connect(); Statement s = healthy.createStatement()) {
      for (byte[] garbage : List.of(
          new byte[] {0, 0, 0, 8, 0, 2, 0, 0},                            // protocol 2.0: unsupported
          new byte[] {0, 0, 0, 3},                                        // length shorter than itself
          new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0, 3},  // 2 GiB startup packet
          "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII))) {
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
          socket.setSoTimeout(5000);
          OutputStream out = socket.getOutputStream();
          out.write(garbage);
          out.flush();
          DataInputStream in = new DataInputStream(socket.getInputStream());
          assertThat((char) in.readUnsignedByte()).as("ErrorResponse").isEqualTo('E');
          int length = in.readInt();
          in.readFully(new byte[length - 4]);
          assertThat(in.read()).as("connection closed").isEqualTo(-1);
        }
        try (ResultSet rs = s.executeQuery("SELECT 1")) {
          assertThat(rs.next()).isTrue();
        }
      }
    }
  }
}
