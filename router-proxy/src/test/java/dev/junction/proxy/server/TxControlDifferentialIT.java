package dev.junction.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.local.PostgresServer;
import dev.junction.proxy.auth.AuthMethod;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Transaction control through the relay on a primary with a replica, compared with PostgreSQL itself
 * (see {@link TxControlDifferential}): hand-written sequences and 80 random ones (seed printed).
 */
class TxControlDifferentialIT extends TxControlDifferential {
  static LocalCluster cluster;
  static PostgresReplicaSet pg;
  static RoutingDataSource ds;
  static ProxyServer proxy;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO).shared(TxControlDifferentialIT.class);
    pg = cluster.postgres(0);
    try (Connection c = pg.primary().connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE t (id bigint primary key, v text)");
      s.execute("CREATE DATABASE " + oracleDatabase(pg.primary()));
    }
    try (Connection c = oracleJdbc(pg.primary()); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE t (id bigint primary key, v text)");
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ds = RoutingDataSource.create(primaryAndReplica(3), registry);
    proxy = new ProxyServer(ProxyConfig.defaults().withAuth(AuthMethod.TRUST, Map.of()).withPorts(0, 0), ds, registry);
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
      dropOracle(pg.primary());
      cluster.close();
    }
  }

  /** The oracle database beside the test's own on the same server (the cluster is shared: the name is the class's). */
  static String oracleDatabase(PostgresServer server) {
    return server.database() + "_oracle";
  }

  /** Drops the oracle database: a shared cluster must be given back with only the class's own database. */
  static void dropOracle(PostgresServer server) {
    try (Connection c = server.connect(); Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + oracleDatabase(server) + " WITH (FORCE)");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot drop " + oracleDatabase(server) + ": " + e.getMessage(), e);
    }
  }

  static Connection oracleJdbc(PostgresServer server) throws SQLException {
    return DriverManager.getConnection(server.jdbcUrl().replaceFirst("/" + server.database() + "$", "/" + oracleDatabase(server)),
        server.user(), "");
  }

  /** The cluster's primary and first replica, with pools of {@code poolSize} each. */
  static JunctionConfig primaryAndReplica(int poolSize) {
    JunctionConfig.Pool pool = new JunctionConfig.Pool(poolSize, 0, Duration.ofSeconds(5), Duration.ofMinutes(10),
        Duration.ofMinutes(30), Duration.ofSeconds(1));
    return new JunctionConfig(Dialect.POSTGRESQL, List.of(new JunctionConfig.Shard("main",
        new JunctionConfig.Endpoint("primary", pg.primary().jdbcUrl(), pg.primary().user(), "", 1, pool),
        List.of(new JunctionConfig.Endpoint("replica1", pg.replica(0).jdbcUrl(), pg.replica(0).user(), "", 1, pool)))),
        JunctionConfig.Routing.defaults(), JunctionConfig.Fencing.defaults());
  }

  @Test
  void transactionControlMatchesPostgres() throws Exception {
    // A fixed seed by default, so that a build is repeatable; -Djunction.txdiff.seed=<n> explores (a divergence
    // found that way becomes a hand-written sequence, as the READ ONLY + PREPARE TRANSACTION ones did)
    long seed = Long.getLong("junction.txdiff.seed", 42);
    List<List<String>> sequences = new ArrayList<>(handcrafted());
    sequences.addAll(random(seed, Integer.getInteger("junction.txdiff.random", 80)));
    Report report = run(sequences);
    print("TxControlDifferentialIT", seed, report);
    assertThat(report.divergences).as("divergences from PostgreSQL (seed %d)", seed).isEmpty();
  }

  /**
   * A unit the proxy answers with an error instead of sending it (here: no primary connection within the wait)
   * ends as the server ends a failed statement: after a Flush the client gets the error only, and its Sync
   * then gets one ReadyForQuery. The old answer (ReadyForQuery at once, and again at the Sync) left one
   * ReadyForQuery too many in the stream: the client's next query read that one and lost its own rows.
   * The oracle: the same messages against PostgreSQL with a statement that fails there.
   */
  @Test
  void aUnitRefusedAfterFlushIsAnsweredAsPostgresAnswersAFailedOne() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (RoutingDataSource tightDs = RoutingDataSource.create(primaryAndReplica(1), registry);
         ProxyServer tight = tightProxy(tightDs, registry);
         WireClient holder = clientOf(tight);
         WireClient client = clientOf(tight);
         WireClient oracle = oracleClient()) {
      assertThat(holder.query("BEGIN")).containsExactly("C:BEGIN", "Z:T");
      assertThat(holder.query("INSERT INTO t VALUES (1, 'held')")).containsExactly("C:INSERT 0 1", "Z:T"); // the primary's only connection

      List<String> refused = client.extended(List.of("INSERT INTO t VALUES (2, 'waits')"), false);
      List<String> failed = oracle.extended(List.of("INSERT INTO no_such_table VALUES (2)"), false); // fails at its Parse
      assertThat(failed).containsExactly("E:42P01");
      assertThat(refused).as("the refused unit (%s)", client.errorMessages).containsExactly("E:53300");
      List<String> sync = client.sync();
      List<String> next = client.query("SELECT 1");
      System.out.println("[TxControlDifferentialIT] refused after Flush: " + refused + " then Sync " + sync + " then SELECT 1 " + next);
      assertThat(sync).as("the Sync after the refused unit").isEqualTo(oracle.sync()).containsExactly("Z:I");
      assertThat(next).as("the next query gets its own rows")
          .isEqualTo(oracle.query("SELECT 1")).containsExactly("T:?column?", "D:1", "C:SELECT 1", "Z:I");
      assertThat(holder.query("ROLLBACK")).containsExactly("C:ROLLBACK", "Z:I");
    }
  }

  /**
   * A Parse-only unit (libpq's {@code PQprepare}) of a statement a server accepted before is answered
   * without a backend: with every backend held inside other clients' transactions it does not wait (the
   * old answer: 53300 after the wait, and a pgbench thread blocked in PQprepare never got further). The
   * statement is prepared on a backend before its first Bind there, so a statement that no longer parses
   * fails at the Bind, as PostgreSQL fails a prepared statement whose table was dropped after PREPARE:
   * that is the oracle.
   */
  @Test
  void aParseOnlyUnitOfAnAcceptedStatementNeedsNoBackend() throws Exception {
    for (String db : List.of("proxy", "oracle")) {
      try (Connection c = db.equals("proxy") ? pg.primary().connect() : oracleJdbc(pg.primary()); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE doomed (id int)");
        s.execute("INSERT INTO t VALUES (100, 'prepared') ON CONFLICT DO NOTHING");
      }
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (RoutingDataSource tightDs = RoutingDataSource.create(primaryAndReplica(1), registry);
         ProxyServer tight = tightProxy(tightDs, registry);
         WireClient first = clientOf(tight);
         WireClient onPrimary = clientOf(tight);
         WireClient onReplica = clientOf(tight);
         WireClient client = clientOf(tight);
         WireClient oracle = oracleClient()) {
      String read = "SELECT v FROM t WHERE id = 100";
      String locking = "SELECT id FROM doomed FOR UPDATE";
      assertThat(first.prepare("s1", read)).containsExactly("1", "Z:I");
      assertThat(first.prepare("s2", locking)).containsExactly("1", "Z:I");
      waitForReplica();

      // every backend (one per endpoint) held inside a transaction by another client
      assertThat(onPrimary.query("BEGIN")).containsExactly("C:BEGIN", "Z:T");
      assertThat(onPrimary.query("INSERT INTO t VALUES (101, 'held') ON CONFLICT DO NOTHING")).containsExactly("C:INSERT 0 1", "Z:T");
      assertThat(onReplica.query("BEGIN READ ONLY")).containsExactly("C:BEGIN", "Z:T");
      assertThat(onReplica.query(read)).containsExactly("T:v", "D:prepared", "C:SELECT 1", "Z:T");
      List<String> prepared = client.prepare("mine", read);
      System.out.println("[TxControlDifferentialIT] PQprepare with every backend held: " + prepared + " " + client.errorMessages);
      assertThat(prepared).as("answered without a backend (%s)", client.errorMessages).isEqualTo(oracle.prepare("mine", read))
          .containsExactly("1", "Z:I");
      assertThat(client.prepare("mine2", locking)).containsExactly("1", "Z:I");
      assertThat(onReplica.query("COMMIT")).containsExactly("C:COMMIT", "Z:I");
      assertThat(onPrimary.query("ROLLBACK")).containsExactly("C:ROLLBACK", "Z:I");

      assertThat(client.executePrepared("mine")).isEqualTo(oracle.executePrepared("mine"))
          .containsExactly("2", "T:v", "D:prepared", "C:SELECT 1", "Z:I");
      assertThat(oracle.prepare("mine2", locking)).containsExactly("1", "Z:I");
      for (String db : List.of("proxy", "oracle")) {
        try (Connection c = db.equals("proxy") ? pg.primary().connect() : oracleJdbc(pg.primary()); Statement s = c.createStatement()) {
          s.execute("DROP TABLE doomed");
        }
      }
      List<String> dropped = client.executePrepared("mine2");
      assertThat(dropped).as("the table was dropped after the prepare: the error comes with the Bind, as directly")
          .isEqualTo(oracle.executePrepared("mine2")).containsExactly("E:42P01", "Z:I");
      assertThat(client.query("SELECT 1")).isEqualTo(oracle.query("SELECT 1"));
    }
  }

  /** Waits until the replica has replayed everything the primary has written so far. */
  private static void waitForReplica() throws Exception {
    waitForReplica(pg);
  }

  /** Waits until {@code pg}'s first replica has replayed everything its primary has written so far. */
  static void waitForReplica(PostgresReplicaSet pg) throws Exception {
    String target;
    try (Connection c = pg.primary().connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
      rs.next();
      target = rs.getString(1);
    }
    try (Connection c = pg.replica(0).connect(); Statement s = c.createStatement()) {
      for (int i = 0; i < 200; i++) {
        try (ResultSet rs = s.executeQuery("SELECT pg_last_wal_replay_lsn() >= '" + target + "'::pg_lsn")) {
          rs.next();
          if (rs.getBoolean(1)) {
            return;
          }
        }
        Thread.sleep(50);
      }
    }
    throw new IllegalStateException("the replica did not replay " + target + " within 10 s");
  }

  /** A proxy over {@code ds} (pools of one) whose clients wait at most 1 s for a backend. */
  private static ProxyServer tightProxy(RoutingDataSource ds, PrometheusMeterRegistry registry) throws Exception {
    return new ProxyServer(ProxyConfig.defaults().withAuth(AuthMethod.TRUST, Map.of()).withPorts(0, 0)
        .withPooling(new ProxyConfig.Pooling(dev.junction.proxy.relay.RelayRuntime.PoolMode.TRANSACTION,
            Duration.ofSeconds(1), 16)), ds, registry);
  }

  private static WireClient clientOf(ProxyServer proxy) throws IOException {
    return new WireClient("127.0.0.1", proxy.port(), "app", pg.primary().database());
  }

  static void print(String name, long seed, Report report) {
    System.out.printf("[%s] seed %d: %d sequences, %d steps, %d divergences, %d refusals%n", name, seed, report.sequences,
        report.steps, report.divergences.size(), report.refusals.size());
    report.divergences.forEach(d -> System.out.println("[" + name + "] DIVERGENCE " + d));
    report.refusals.forEach(d -> System.out.println("[" + name + "] refused " + d));
  }

  @Override
  WireClient proxyClient() throws IOException {
    return clientOf(proxy);
  }

  @Override
  WireClient oracleClient() throws IOException {
    return new WireClient(pg.primary().host(), pg.primary().port(), pg.primary().user(), oracleDatabase(pg.primary()));
  }

  @Override
  Rows proxyRows() {
    return () -> rows(pg.primary().connect());
  }

  @Override
  Rows oracleRows() {
    return () -> rows(oracleJdbc(pg.primary()));
  }

  static List<String> rows(Connection c) throws SQLException {
    try (c; Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id, v FROM t ORDER BY id")) {
      List<String> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rs.getLong(1) + "=" + rs.getString(2));
      }
      return out;
    }
  }

  @Override
  void settle() throws Exception {
    quiesce(pg.primary());
  }

  @Override
  void reset() throws Exception {
    quiesce(pg.primary());
    try (Connection c = pg.primary().connect(); Statement s = c.createStatement()) {
      s.execute("TRUNCATE t");
    }
    try (Connection c = oracleJdbc(pg.primary()); Statement s = c.createStatement()) {
      s.execute("TRUNCATE t");
    }
    replayed(pg);
  }

  /**
   * Waits until no client session on the server is in a transaction or running (the proxy rolls back
   * and returns a departed client's backend asynchronously); fails after 10 s: a backend left in a
   * transaction after its client left is a finding of its own.
   */
  static void quiesce(PostgresServer server) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    String busy = null;
    while (System.nanoTime() < deadline) {
      try (Connection c = server.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
          "SELECT string_agg(datname || ':' || state || ':' || left(query, 60), '; ') FROM pg_stat_activity"
              + " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND state <> 'idle'")) {
        rs.next();
        busy = rs.getString(1);
        if (busy == null) {
          return;
        }
      }
      Thread.sleep(20);
    }
    try (Connection c = server.connect(); Statement s = c.createStatement()) { // so that the next sequences can run
      s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'client backend'"
          + " AND pid <> pg_backend_pid() AND state <> 'idle'");
    }
    throw new AssertionError("sessions still busy or in a transaction 10 s after their clients left: " + busy);
  }

  /** Waits until every replica of {@code set} has replayed the primary's current WAL position. */
  static void replayed(PostgresReplicaSet set) throws Exception {
    String lsn;
    try (Connection c = set.primary().connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
      rs.next();
      lsn = rs.getString(1);
    }
    for (int i = 0; i < set.replicas().size(); i++) {
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (true) {
        try (Connection c = set.replica(i).connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn")) {
          rs.next();
          if (rs.getBoolean(1)) {
            break;
          }
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("replica " + i + " did not replay " + lsn + " within 10 s");
        }
        Thread.sleep(5);
      }
    }
  }
}
