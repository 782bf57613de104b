package dev.junction.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.health.ReplicaSelector;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.proxy.auth.AuthMethod;
import dev.junction.proxy.auth.Credential;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Read-your-writes through the relay, adversarially: a primary, a fast replica and one that applies
 * WAL only after 2 s (readable all the while: max-lag is a minute), round-robin replica choice, so an
 * unfenced read lands on the delayed replica about every other time. Every round writes a fresh
 * value and reads it back; the oracle is the primary's row, read directly. Same session (extended
 * and simple protocol, auto-commit, explicit transactions, a multi-statement query), with
 * {@code synchronous_commit = off}, across sessions through the signed {@code junction.fence} token
 * (set on a long-lived session that has been reading from replicas), and after the fast replica was
 * killed and restarted. Each test also proves that fenced reads did run on a replica (else a relay
 * that sent everything to the primary would pass).
 *
 * <p>The decision behind this is router-core's {@code RouteSession}; deliberately skipping its
 * READ_POSITION step in the relay makes every test here fail with stale reads.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RelayReadYourWritesIT {
  static final String USER = ProxyIT.USER;
  static final String PASSWORD = ProxyIT.PASSWORD;
  static final int KEYS = 64;
  static final int ROUNDS = 60;
  static LocalCluster cluster;
  static PostgresReplicaSet pg;
  static RoutingDataSource ds;
  static ProxyServer proxy;
  static PrometheusMeterRegistry registry;
  static final AtomicLong VALUES = new AtomicLong(1);

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO, Duration.ofSeconds(2)).start();
    pg = cluster.postgres(0);
    try (Connection c = pg.primary().connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE rw (k int primary key, v bigint not null)");
      s.execute("INSERT INTO rw SELECT g, 0 FROM generate_series(0, " + (KEYS - 1) + ") g");
    }
    JunctionConfig.Pool pool = new JunctionConfig.Pool(4, 0, Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofMinutes(30),
        Duration.ofSeconds(1));
    JunctionConfig.Routing routing = new JunctionConfig.Routing(ReplicaSelector.Strategy.ROUND_ROBIN, Duration.ofSeconds(60), 0,
        Duration.ofSeconds(30), Duration.ofMillis(100), Duration.ofMillis(300), Duration.ofMillis(500), 10_000);
    List<JunctionConfig.Endpoint> replicas = new ArrayList<>();
    for (int i = 0; i < pg.replicas().size(); i++) {
      replicas.add(new JunctionConfig.Endpoint("replica" + (i + 1), pg.replica(i).jdbcUrl(), pg.replica(i).user(), "", 1, pool));
    }
    JunctionConfig config = new JunctionConfig(Dialect.POSTGRESQL, List.of(new JunctionConfig.Shard("main",
        new JunctionConfig.Endpoint("primary", pg.primary().jdbcUrl(), pg.primary().user(), "", 1, pool), replicas)),
        routing, new JunctionConfig.Fencing(JunctionConfig.FenceStoreKind.LOCAL, Duration.ofSeconds(30), 1000, null,
        Duration.ofMillis(200), "junction:fence:", "a-test-secret-of-32-characters!!"));
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ds = RoutingDataSource.create(config, registry);
    proxy = new ProxyServer(ProxyConfig.defaults()
        .withAuth(AuthMethod.SCRAM_SHA_256, Map.of(USER, Credential.plain(PASSWORD)))
        .withPorts(0, 0)
        .withPooling(new ProxyConfig.Pooling(dev.junction.proxy.relay.RelayRuntime.PoolMode.TRANSACTION, Duration.ofSeconds(30), 4))
        .withHardening(new ProxyConfig.Hardening(Duration.ofSeconds(60), Duration.ZERO, Duration.ZERO, false, false, null, Set.of())),
        ds, registry);
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

  /** Where reads ran and how many were stale, over one test. */
  static final class Tally {
    int reads;
    int onReplica;
    final List<String> stale = new ArrayList<>();

    void check(String what) {
      System.out.printf("[RelayReadYourWritesIT] %s: %d reads, %d on a replica, %d stale%n", what, reads, onReplica, stale.size());
      assertThat(stale).as("stale reads (%s): expected the primary's row", what).isEmpty();
      assertThat(onReplica).as("fenced reads on a replica (%s): else the test proves nothing", what).isPositive();
    }
  }

  static Connection connect(Properties extra) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", USER);
    p.setProperty("password", PASSWORD);
    p.putAll(extra);
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres", p);
  }

  static Connection connect(String queryMode) throws SQLException {
    Properties p = new Properties();
    p.setProperty("preferQueryMode", queryMode);
    return connect(p);
  }

  /** The oracle: the key's value on the primary. */
  static long primaryValue(int key) throws SQLException {
    try (Connection c = pg.primary().connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT v FROM rw WHERE k = " + key)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Reads the key through {@code c} and compares it with the primary's row. */
  static void readBack(Connection c, int key, String what, Tally tally) throws SQLException {
    long seen;
    int port;
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT v, inet_server_port() FROM rw WHERE k = " + key)) {
      rs.next();
      seen = rs.getLong(1);
      port = rs.getInt(2);
    }
    long expected = primaryValue(key);
    tally.reads++;
    if (port != pg.primary().port()) {
      tally.onReplica++;
    }
    if (seen != expected) {
      tally.stale.add(what + ": key " + key + " read " + seen + " on port " + port + ", the primary has " + expected);
    }
  }

  /** One write in the given style, then the read; returns the value written. */
  static void round(Connection c, int i, String what, Tally tally) throws SQLException {
    int key = i % KEYS;
    long value = VALUES.getAndIncrement();
    try (Statement s = c.createStatement()) {
      switch (i % 4) {
        case 0, 1 -> s.executeUpdate("UPDATE rw SET v = " + value + " WHERE k = " + key);
        case 2 -> {
          c.setAutoCommit(false);
          s.executeUpdate("UPDATE rw SET v = " + value + " WHERE k = " + key);
          c.commit();
          c.setAutoCommit(true);
        }
        default -> s.execute("UPDATE rw SET v = " + value + " WHERE k = " + key + "; SELECT 1");
      }
    }
    readBack(c, key, what + " round " + i, tally);
  }

  @Test
  @Order(1)
  void aSessionReadsItsOwnWritesInBothProtocols() throws Exception {
    for (String mode : List.of("extended", "simple")) {
      Tally tally = new Tally();
      try (Connection c = connect(mode)) {
        for (int i = 0; i < ROUNDS; i++) {
          round(c, i, mode, tally);
        }
      }
      tally.check("same session, " + mode + " protocol");
    }
  }

  @Test
  @Order(2)
  void synchronousCommitOffStillReadsItsOwnWrites() throws Exception {
    Tally tally = new Tally();
    try (Connection c = connect("extended"); Statement s = c.createStatement()) {
      s.execute("SET synchronous_commit = off");
      for (int i = 0; i < ROUNDS; i++) {
        round(c, i, "synchronous_commit=off", tally);
      }
      try (ResultSet rs = s.executeQuery("SHOW synchronous_commit")) {
        rs.next();
        assertThat(rs.getString(1)).as("the setting followed the session to every backend").isEqualTo("off");
      }
    }
    tally.check("synchronous_commit = off");
  }

  @Test
  @Order(3)
  void aFenceTokenCarriesWritesToALongLivedSessionThatReadsFromReplicas() throws Exception {
    Tally tally = new Tally();
    try (Connection reader = connect("extended"); Connection simpleReader = connect("simple")) {
      for (int k = 0; k < 8; k++) { // both readers have been reading from replicas: unfenced, any replica
        readBack(reader, k, "warm-up", new Tally());
        readBack(simpleReader, k, "warm-up", new Tally());
      }
      for (int i = 0; i < ROUNDS; i++) {
        int key = i % KEYS;
        String token;
        try (Connection writer = connect(i % 2 == 0 ? "extended" : "simple"); Statement s = writer.createStatement()) {
          s.executeUpdate("UPDATE rw SET v = " + VALUES.getAndIncrement() + " WHERE k = " + key);
          try (ResultSet rs = s.executeQuery("SHOW junction.fence")) {
            rs.next();
            token = rs.getString(1);
          }
        }
        Connection c = i % 2 == 0 ? reader : simpleReader;
        try (Statement s = c.createStatement()) {
          s.execute("SET junction.fence = '" + token + "'");
        }
        readBack(c, key, "token round " + i, tally);
      }
    }
    tally.check("across sessions with junction.fence");
  }

  @Test
  @Order(4)
  void readsStayExactAfterTheFastReplicaIsKilledAndRestarted() throws Exception {
    Tally tally = new Tally();
    int failures = 0;
    Connection c = connect("extended");
    try {
      for (int i = 0; i < 10; i++) {
        round(c, i, "before the restart", tally);
      }
      pg.replica(0).kill();
      pg.replica(0).start();
      for (int i = 0; i < ROUNDS; i++) {
        try {
          round(c, i, "after the restart", tally);
        } catch (SQLException e) {
          failures++; // a backend of the killed replica may be lost under a statement; only stale answers count
          c.close();
          c = connect("extended");
        }
      }
    } finally {
      c.close();
    }
    System.out.printf("[RelayReadYourWritesIT] %d rounds failed while the replica restarted%n", failures);
    assertThat(failures).as("rounds that failed").isLessThan(ROUNDS / 2);
    tally.check("after a replica restart");
  }

  /**
   * A token fence from a history the primary no longer has (recorded before a failover to a replica
   * that had not received it, or before the primary was rebuilt): no replica will ever replay it. Its
   * reads must not wait {@code max-fence-wait} each and then use the primary, and the session's new
   * writes must stay fenced (the library's rule, docs/consistency.md "Failover"). Before the relay
   * clamped such a fence, every read here ran on the primary after the wait.
   */
  @Test
  @Order(5)
  void aTokenFenceAheadOfThePrimaryIsClampedAndNewWritesStayFenced() throws Exception {
    String lostHistory = new dev.junction.fence.FenceTokenCodec("a-test-secret-of-32-characters!!".getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .encode(dev.junction.fence.Fence.NONE.advance("main", dev.junction.position.PgLsn.parse("FFF/0")));
    double clampedBefore = clamped();
    Tally tally = new Tally();
    for (String mode : List.of("extended", "simple")) {
      try (Connection c = connect(mode)) {
        try (Statement s = c.createStatement()) {
          s.execute("SET junction.fence = '" + lostHistory + "'");
        }
        for (int k = 0; k < 4; k++) {
          readBack(c, k, mode + ", read under the lost fence only", tally);
        }
        for (int i = 0; i < ROUNDS / 2; i++) {
          round(c, i, mode + ", lost fence then writes", tally);
        }
      }
    }
    double clampedNow = clamped() - clampedBefore;
    System.out.printf("[RelayReadYourWritesIT] fence ahead of the primary: %.0f clamps%n", clampedNow);
    tally.check("a token fence ahead of the primary");
    assertThat(tally.onReplica).as("reads under the clamped fence use a replica again").isGreaterThan(tally.reads / 2);
    assertThat(clampedNow).as("junction.fence.clamped").isPositive();
  }

  /**
   * A write, then a WAL segment switch on the primary, which then stays idle: its insert position is
   * the next segment's start plus the page header, where no replica's replay position will be until the
   * primary writes again. The library moves such a fence back to the page boundary (PgLsn#recordBoundary);
   * the relay read the raw insert position, so each such read waited {@code max-fence-wait} and then ran
   * on the primary. The oracle is the primary's row; the reads must be exact and on a replica.
   */
  @Test
  @Order(6)
  void aFenceReadJustPastAPageHeaderIsReplayable() throws Exception {
    Tally tally = new Tally();
    try (Connection c = connect("extended"); Connection primary = pg.primary().connect(); Statement direct = primary.createStatement()) {
      for (int i = 0; i < 6; i++) {
        int key = i % KEYS;
        try (Statement s = c.createStatement()) {
          s.executeUpdate("UPDATE rw SET v = " + VALUES.getAndIncrement() + " WHERE k = " + key);
        }
        direct.execute("SELECT pg_switch_wal()"); // the position is read at the next read, after the switch
        readBack(c, key, "after a WAL switch, round " + i, tally);
      }
    }
    tally.check("a fence just past a page header");
    assertThat(tally.onReplica).as("reads on a replica (the raw insert position is never replayed)").isEqualTo(tally.reads);
  }

  /**
   * A session's own DDL, then a Parse-only unit (libpq's PQprepare) of a statement that needs it: the unit
   * reads the schema, so it must go where the DDL was replayed. The relay sent such units (no Bind, no
   * statement run) to any replica, unfenced: on the delayed one the column did not exist yet (42703).
   * The oracle is PostgreSQL's answer on the primary: ParseComplete.
   */
  @Test
  @Order(7)
  void aPrepareAfterTheSessionsOwnDdlSeesTheNewSchema() throws Exception {
    int rounds = 8;
    int stale = 0;
    try (ProxyServer trust = new ProxyServer(ProxyConfig.defaults().withAuth(AuthMethod.TRUST, Map.of()).withPorts(0, 0), ds, registry);
         WireClient client = new WireClient("127.0.0.1", trust.port(), "app", pg.primary().database())) {
      for (int i = 0; i < rounds; i++) {
        assertThat(client.query("ALTER TABLE rw ADD COLUMN ddl_" + i + " int")).containsExactly("C:ALTER TABLE", "Z:I");
        List<String> prepared = client.prepare("ddl_" + i, "SELECT ddl_" + i + " FROM rw WHERE k = 0");
        if (!prepared.equals(List.of("1", "Z:I"))) {
          stale++;
          System.out.println("[RelayReadYourWritesIT] PQprepare after the session's DDL, round " + i + ": " + prepared + " "
              + client.errorMessages);
        }
      }
      for (int i = 0; i < rounds; i++) {
        client.query("ALTER TABLE rw DROP COLUMN ddl_" + i);
      }
    }
    System.out.println("[RelayReadYourWritesIT] PQprepare after the session's own DDL: " + stale + " of " + rounds + " failed");
    assertThat(stale).as("prepares that did not see the session's own DDL").isZero();
  }

  private static double clamped() {
    return registry.get("junction.fence.clamped").counter().count();
  }
}
