package dev.junction.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

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
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real clients (psql, pgbench, node-postgres, psycopg2) through the proxy, each compared with the
 * same client talking to the primary directly: the direct run is the oracle. Pools are small (4 per
 * endpoint) so that backends rotate under the clients.
 */
class ClientsIT {
  static final String USER = ProxyIT.USER;
  static final String PASSWORD = ProxyIT.PASSWORD;
  static LocalCluster cluster;
  static PostgresReplicaSet pg;
  static RoutingDataSource ds;
  static ProxyServer proxy;
  static Path bin;
  static Path resources;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO).shared(ClientsIT.class);
    pg = cluster.postgres(0);
    bin = Binaries.postgresBinDir().orElseThrow();
    try (Connection c = pg.primary().connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TYPE mood AS ENUM ('sad', 'happy')");
      s.execute("CREATE TABLE things (id int primary key, name text not null, price numeric(10,2), tags text[], at timestamptz)");
      s.execute("CREATE INDEX things_name ON things (name)");
      s.execute("CREATE VIEW cheap_things AS SELECT * FROM things WHERE price < 10");
      s.execute("CREATE FUNCTION twice(int) RETURNS int LANGUAGE sql AS 'SELECT $1 * 2'");
      s.execute("INSERT INTO things SELECT g, 'thing ' || g, g * 1.5, ARRAY['t' || g], '2026-01-01'::timestamptz + g * interval '1 hour'"
          + " FROM generate_series(1, 50) g");
    }
    ProxyIT.run(List.of(bin.resolve("pgbench").toString(), "-i", "-s", "1", "-q", "-h", "127.0.0.1", "-p",
        Integer.toString(pg.primary().port()), "-U", "postgres", pg.primary().database()), Map.of(), 120);
    Thread.sleep(1000);
    JunctionConfig.Pool pool = new JunctionConfig.Pool(4, 0, Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofMinutes(30),
        Duration.ofSeconds(1));
    List<JunctionConfig.Endpoint> replicas = new ArrayList<>();
    PostgresServer r = pg.replica(0);
    replicas.add(new JunctionConfig.Endpoint("replica1", r.jdbcUrl(), r.user(), "", 1, pool));
    JunctionConfig config = new JunctionConfig(Dialect.POSTGRESQL, List.of(new JunctionConfig.Shard("main",
        new JunctionConfig.Endpoint("primary", pg.primary().jdbcUrl(), pg.primary().user(), "", 1, pool), replicas)),
        JunctionConfig.Routing.defaults(), JunctionConfig.Fencing.defaults());
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ds = RoutingDataSource.create(config, registry);
    proxy = new ProxyServer(ProxyConfig.defaults().withAuth(AuthMethod.SCRAM_SHA_256, Map.of(USER, Credential.plain(PASSWORD)))
        .withPorts(0, 0), ds, registry);
    resources = Files.createTempDirectory("junction-clients");
    for (String name : List.of("node-client.js", "psycopg2_client.py")) {
      try (InputStream in = ClientsIT.class.getResourceAsStream("/clients/" + name)) {
        Files.copy(in, resources.resolve(name));
      }
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

  static String psql(boolean viaProxy, Path script) throws Exception {
    int port = viaProxy ? proxy.port() : pg.primary().port();
    String user = viaProxy ? USER : "postgres";
    return ProxyIT.run(List.of(bin.resolve("psql").toString(), "-X", "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", user,
        "-d", pg.primary().database(), "-f", script.toString()), Map.of("PGPASSWORD", PASSWORD, "PGAPPNAME", "psql"), 120);
  }

  @Test
  void psqlDescribeCommandsCopyAndAnErrorInATransactionMatchDirect(@TempDir Path dir) throws Exception {
    Path exported = dir.resolve("exported.tsv");
    Path script = dir.resolve("script.sql");
    Files.writeString(script, String.join("\n",
        "\\d things",
        "\\dt",
        "\\di",
        "\\dv",
        "\\df twice",
        "\\dT mood",
        "\\dn",
        "\\d+ cheap_things",
        "BEGIN;",
        "SELECT count(*) FROM things;",
        "SELECT 1/0;",
        "SELECT 1;",
        "ROLLBACK;",
        "SELECT name, price, tags FROM things WHERE id <= 3 ORDER BY id;",
        ""));
    String direct = psql(false, script);
    String proxied = psql(true, script);
    assertThat(proxied).isEqualTo(direct);
    assertThat(proxied).contains("Table \"public.things\"", "division by zero", "current transaction is aborted");

    for (boolean viaProxy : new boolean[] {false, true}) {
      String table = viaProxy ? "copied_proxy" : "copied_direct";
      Path copyScript = dir.resolve("copy-" + table + ".sql");
      Files.writeString(copyScript, String.join("\n",
          "CREATE TABLE " + table + " (LIKE things);",
          "\\copy things TO '" + exported + "-" + table + "'",
          "\\copy " + table + " FROM '" + exported + "-" + table + "'",
          "SELECT count(*), sum(price) FROM " + table + ";",
          ""));
      String out = psql(viaProxy, copyScript);
      assertThat(out).contains("COPY 50", "50 | 1912.50");
    }
    assertThat(Files.readString(Path.of(exported + "-copied_proxy"))).isEqualTo(Files.readString(Path.of(exported + "-copied_direct")));
  }

  @Test
  void pgbenchRunsInAllThreeProtocolModes() throws Exception {
    for (String mode : List.of("simple", "extended", "prepared")) {
      for (boolean selectOnly : new boolean[] {true, false}) {
        List<String> cmd = new ArrayList<>(List.of(bin.resolve("pgbench").toString(), "-h", "127.0.0.1", "-p",
            Integer.toString(proxy.port()), "-U", USER, "-c", "8", "-j", "2", "-t", "40", "-n", "-M", mode));
        if (selectOnly) {
          cmd.add("-S");
        }
        cmd.add(pg.primary().database());
        String out = ProxyIT.run(cmd, Map.of("PGPASSWORD", PASSWORD), 300);
        assertThat(out).as(mode).contains("number of transactions actually processed: 320/320");
        assertThat(out).as(mode).containsPattern("number of failed transactions: 0 ");
      }
    }
  }

  /**
   * pgbench 15 prepares each statement with a blocking {@code PQprepare} the first time a client runs it.
   * One thread driving 12 clients through a proxy in front of the primary alone (a pool of 4): the
   * thread's first clients hold every backend inside their TPC-B transactions while a later one waits
   * in PQprepare for its BEGIN, so they never get on (old proxy: the wait ended with 53300 after
   * {@code query-wait-timeout} and pgbench aborted the client). The proxy now answers the Parse of a
   * statement a server has accepted itself. (With replicas the Parse of BEGIN went to a free replica.)
   */
  @Test
  void pgbenchPreparedWithMoreClientsOnAThreadThanBackends() throws Exception {
    JunctionConfig.Pool pool = new JunctionConfig.Pool(4, 0, Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofMinutes(30),
        Duration.ofSeconds(1));
    JunctionConfig config = new JunctionConfig(Dialect.POSTGRESQL, List.of(new JunctionConfig.Shard("main",
        new JunctionConfig.Endpoint("primary", pg.primary().jdbcUrl(), pg.primary().user(), "", 1, pool), List.of())),
        JunctionConfig.Routing.defaults(), JunctionConfig.Fencing.defaults());
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (RoutingDataSource primaryOnly = RoutingDataSource.create(config, registry);
         ProxyServer p = new ProxyServer(ProxyConfig.defaults().withAuth(AuthMethod.SCRAM_SHA_256, Map.of(USER, Credential.plain(PASSWORD)))
             .withPorts(0, 0).withPooling(new ProxyConfig.Pooling(dev.junction.proxy.relay.RelayRuntime.PoolMode.TRANSACTION,
                 Duration.ofSeconds(10), 200)), primaryOnly, registry)) {
      String out = ProxyIT.run(List.of(bin.resolve("pgbench").toString(), "-h", "127.0.0.1", "-p", Integer.toString(p.port()),
          "-U", USER, "-c", "12", "-j", "1", "-t", "20", "-n", "-M", "prepared", pg.primary().database()), Map.of("PGPASSWORD", PASSWORD), 300);
      System.out.println("[ClientsIT] pgbench -M prepared -c 12 -j 1 over a pool of 4:\n" + out);
      assertThat(out).contains("number of transactions actually processed: 240/240");
      assertThat(out).containsPattern("number of failed transactions: 0 ");
    }
  }

  /** 1,000 clients at once over pools of 4 per endpoint: they queue for backends and finish with 0 errors. */
  @Test
  void aThousandConcurrentClientsOverSmallPools() throws Exception {
    String out = ProxyIT.run(List.of(bin.resolve("pgbench").toString(), "-h", "127.0.0.1", "-p", Integer.toString(proxy.port()),
        "-U", USER, "-c", "1000", "-j", "2", "-t", "3", "-n", "-S", "-M", "prepared", pg.primary().database()), Map.of("PGPASSWORD", PASSWORD), 900);
    assertThat(out).contains("number of transactions actually processed: 3000/3000");
    assertThat(out).containsPattern("number of failed transactions: 0 ");
  }

  @Test
  void nodePostgresDecodesEveryTypeAsDirectlyAndReusesNamedStatements() throws Exception {
    Path node = Path.of("/usr/bin/node");
    Path modules = Path.of("target/node-clients/node_modules/pg").toAbsolutePath();
    assumeThat(Files.isExecutable(node) && Files.isDirectory(modules))
        .as("node and node-postgres (./junction.sh setup installs them into router-proxy/target/node-clients)").isTrue();
    String direct = node(false);
    String proxied = node(true);
    assertThat(proxied).isEqualTo(direct);
    assertThat(proxied).contains("\"error\":\"22012\"", "\"aborted\":\"25P02\"", "\"pool\":89700");
  }

  private String node(boolean viaProxy) throws Exception {
    String json = "{\"host\":\"127.0.0.1\",\"port\":" + (viaProxy ? proxy.port() : pg.primary().port()) + ",\"user\":\""
        + (viaProxy ? USER : "postgres") + "\",\"password\":\"" + PASSWORD + "\",\"database\":\"" + pg.primary().database() + "\"}";
    ProcessBuilder pb = new ProcessBuilder("/usr/bin/node", resources.resolve("node-client.js").toString(), json);
    pb.environment().put("NODE_PATH", Path.of("target/node-clients/node_modules").toAbsolutePath().toString());
    return ProxyIT.run(pb.command(), Map.of("NODE_PATH", Path.of("target/node-clients/node_modules").toAbsolutePath().toString()), 300)
        .strip();
  }

  @Test
  void psycopg2NamedCursorCopyExpertAndExecutemanyMatchDirect() throws Exception {
    Path python = Path.of("/usr/bin/python3");
    assumeThat(Files.isExecutable(python)).isTrue();
    String direct = python(false, "py_direct");
    String proxied = python(true, "py_proxy");
    assertThat(proxied).isEqualTo(direct);
    assertThat(proxied).contains("\"cursor_rows\": 300", "\"copy_out_lines\": 300", "\"error\": \"22012\"");
  }

  private String python(boolean viaProxy, String table) throws Exception {
    String json = "{\"host\":\"127.0.0.1\",\"port\":" + (viaProxy ? proxy.port() : pg.primary().port()) + ",\"user\":\""
        + (viaProxy ? USER : "postgres") + "\",\"password\":\"" + PASSWORD + "\",\"dbname\":\"" + pg.primary().database() + "\"}";
    return ProxyIT.run(List.of("/usr/bin/python3", resources.resolve("psycopg2_client.py").toString(), json, table), Map.of(), 300)
        .strip();
  }
}
