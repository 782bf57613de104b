package dev.junction.it;

import static dev.junction.it.Sql.exec;
import static dev.junction.it.Sql.longValue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.Junction;
import dev.junction.Scope;
import dev.junction.jdbc.EndpointHealth;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.route.RouteReason;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Read/write splitting and read-your-writes fencing on a real PostgreSQL primary with two streaming
 * replicas, the second delayed by 300 ms through {@code recovery_min_apply_delay}.
 */
class PostgresRoutingIT {
  static final int KEYS = 50;
  static LocalCluster cluster;
  static PostgresReplicaSet pg;
  static RoutingDataSource ds;
  static int primaryPort;
  static int fastPort;
  static int delayedPort;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO, Duration.ofMillis(300)).start();
    pg = cluster.postgres(0);
    primaryPort = pg.primary().port();
    fastPort = pg.replica(0).port();
    delayedPort = pg.replica(1).port();
    try (Connection c = pg.primary().connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE counters (id int primary key, v bigint not null)");
      s.execute("INSERT INTO counters SELECT g, 0 FROM generate_series(0, " + (KEYS - 1) + ") g");
      s.execute("CREATE TABLE items (id bigserial primary key, name text not null)");
      s.execute("CREATE SEQUENCE ticket");
      s.execute("CREATE SCHEMA other");
      s.execute("CREATE TABLE other.marker (name text)");
      s.execute("INSERT INTO other.marker VALUES ('other-schema')");
      s.execute("CREATE TABLE public.marker (name text)");
      s.execute("INSERT INTO public.marker VALUES ('public-schema')");
      s.execute("CREATE TABLE victims (id int primary key)");
      s.execute("INSERT INTO victims SELECT g FROM generate_series(1, 100) g");
    }
    Thread.sleep(600); // let both replicas replay the schema
    ds = RoutingDataSource.create(TestConfigs.postgres(pg, TestConfigs.routing(Duration.ofSeconds(5), Duration.ofMillis(50)),
        TestConfigs.localFences()));
  }

  @AfterAll
  static void stop() {
    if (ds != null) {
      ds.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }
  /**
   * standard_conforming_strings off makes PostgreSQL end {@code '\', '} where the classifier ends {@code '\'}:
   * {@code SELECT '\', '; DELETE FROM victims ...; --'} is a read of two literals to Junction and a SELECT plus a
   * DELETE to the server (the oracle: a direct connection). Before the fix the SET was replayed on the replicas and
   * the "read" went to one, which refused the DELETE (25006) that PostgreSQL runs; now the setting is refused
   * (0AJ00) in every spelling and the session keeps the default.
   */
  @Test
  void settingsThatChangeHowTextIsReadAreRefused() throws Exception {
    // a server, database or role default (here: the URL's options) is refused when the connection opens
    String url = pg.primary().jdbcUrl() + (pg.primary().jdbcUrl().contains("?") ? "&" : "?")
        + "options=-c%20standard_conforming_strings%3Doff";
    dev.junction.config.JunctionConfig.Endpoint primaryOff = new dev.junction.config.JunctionConfig.Endpoint("primary", url,
        pg.primary().user(), pg.primary().password(), 1, TestConfigs.POOL);
    dev.junction.config.JunctionConfig offConfig = new dev.junction.config.JunctionConfig(dev.junction.classify.Dialect.POSTGRESQL,
        List.of(new dev.junction.config.JunctionConfig.Shard("main", primaryOff, List.of())),
        TestConfigs.routing(Duration.ofSeconds(5), Duration.ofMillis(50)), TestConfigs.localFences());
    assertThatThrownBy(() -> {
      try (RoutingDataSource off = RoutingDataSource.create(offConfig); Connection c = off.getConnection();
           Statement s = c.createStatement()) {
        s.execute("SELECT 1");
      }
    }).hasStackTraceContaining("standard_conforming_strings = off");
    String hostile = "SELECT '\\', '; DELETE FROM victims WHERE id = %d; --'";
    int victim = 0;
    for (String wayIn : List.of("SET standard_conforming_strings = off", "SET SESSION standard_conforming_strings TO 'off'",
        "SELECT set_config('standard_conforming_strings', 'false', false)")) {
      victim++;
      try (Connection direct = pg.primary().connect(); Statement s = direct.createStatement()) {
        s.execute(wayIn);
        s.execute(String.format(hostile, victim));
        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM victims WHERE id = " + victim)) {
          rs.next();
          assertThat(rs.getInt(1)).as("oracle: after %s the text is a SELECT and a DELETE", wayIn).isZero();
        }
      }
      victim++;
      int target = victim;
      try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
        assertThatThrownBy(() -> {
          s.execute(wayIn);
          s.execute(String.format(hostile, target)); // reached only if the setting went through
        }).as(wayIn).isInstanceOf(SQLException.class)
            .satisfies(e -> assertThat(((SQLException) e).getSQLState()).as(wayIn + ": " + e.getMessage()).isEqualTo("0AJ00"));
        try (ResultSet rs = s.executeQuery("SHOW standard_conforming_strings")) {
          rs.next();
          assertThat(rs.getString(1)).isEqualTo("on");
        }
      }
    }
  }


  static int serverPort(Connection c) throws SQLException {
    return (int) longValue(c, "SELECT inet_server_port()");
  }

  static Map<RouteReason, Double> snapshot() {
    Map<RouteReason, Double> m = new EnumMap<>(RouteReason.class);
    for (RouteReason r : RouteReason.values()) {
      m.put(r, ds.routedCount(r));
    }
    return m;
  }

  static double delta(Map<RouteReason, Double> before, RouteReason... reasons) {
    double sum = 0;
    for (RouteReason r : reasons) {
      sum += ds.routedCount(r) - before.get(r);
    }
    return sum;
  }

  @Test
  void unfencedReadsAreSpreadOverBothReplicasAndWritesGoToThePrimary() throws Exception {
    Map<Integer, Integer> hits = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      try (Connection c = ds.getConnection()) {
        hits.merge(serverPort(c), 1, Integer::sum);
      }
    }
    assertThat(hits.keySet()).containsExactlyInAnyOrder(fastPort, delayedPort);
    assertThat(hits.get(fastPort)).isBetween(100, 200);
    assertThat(hits.get(delayedPort)).isBetween(100, 200);

    try (Connection c = ds.getConnection(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("INSERT INTO items(name) VALUES ('w') RETURNING inet_server_port()")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(primaryPort);
    }
  }

  /**
   * The heart of the product: 2,000 write-then-read pairs, half through a keyed scope spanning two
   * logical connections (like two requests), half on one connection. Not one stale read.
   */
  @Test
  void fencedReadsAreNeverStale() throws Exception {
    assertDelayedReplicaReallyServesStaleData();
    Map<RouteReason, Double> before = snapshot();
    int stale = 0;
    int pairs = 2000;
    for (int i = 0; i < pairs; i++) {
      int key = i % KEYS;
      long written;
      long read;
      if (i % 2 == 0) {
        try (Scope scope = Junction.scope("user:" + key)) {
          try (Connection c = ds.getConnection()) {
            written = longValue(c, "UPDATE counters SET v = v + 1 WHERE id = ? RETURNING v", key);
          }
          try (Connection c = ds.getConnection()) {
            read = longValue(c, "SELECT v FROM counters WHERE id = ?", key);
          }
        }
      } else {
        try (Connection c = ds.getConnection()) {
          written = longValue(c, "UPDATE counters SET v = v + 1 WHERE id = ? RETURNING v", key);
          read = longValue(c, "SELECT v FROM counters WHERE id = ?", key);
        }
      }
      if (read < written) {
        stale++;
      }
    }
    double onReplica = delta(before, RouteReason.REPLICA_FENCED, RouteReason.REPLICA_FENCE_WAITED);
    double fallback = delta(before, RouteReason.PRIMARY_FENCE_FALLBACK);
    System.out.printf("[PostgresRoutingIT] %d immediate fenced pairs: %d stale; reads on replicas %.0f, waited %.0f, primary fallback %.0f%n",
        pairs, stale, onReplica, delta(before, RouteReason.REPLICA_FENCE_WAITED), fallback);
    assertThat(stale).isZero();
    assertThat(onReplica + fallback).isEqualTo(pairs);
  }

  @Test
  void fencedReadsThatComeOneLagLaterUseReplicas() throws Exception {
    Map<RouteReason, Double> before = snapshot();
    int stale = 0;
    int reads = 0;
    for (int round = 0; round < 10; round++) {
      long[] written = new long[KEYS];
      for (int key = 0; key < KEYS; key++) {
        try (Scope scope = Junction.scope("later:" + key); Connection c = ds.getConnection()) {
          written[key] = longValue(c, "UPDATE counters SET v = v + 1 WHERE id = ? RETURNING v", key);
        }
      }
      Thread.sleep(400); // one lag (300 ms) and then some
      for (int key = 0; key < KEYS; key++) {
        try (Scope scope = Junction.scope("later:" + key); Connection c = ds.getConnection()) {
          if (longValue(c, "SELECT v FROM counters WHERE id = ?", key) < written[key]) {
            stale++;
          }
          reads++;
        }
      }
    }
    double onReplica = delta(before, RouteReason.REPLICA_FENCED, RouteReason.REPLICA_FENCE_WAITED);
    System.out.printf("[PostgresRoutingIT] %d fenced reads one lag later: %.1f%% on replicas, %d stale%n",
        reads, 100 * onReplica / reads, stale);
    assertThat(stale).isZero();
    assertThat(onReplica / reads).isGreaterThanOrEqualTo(0.60);
  }

  /** Control: without Junction, reading the delayed replica right after a write does see old data. */
  static void assertDelayedReplicaReallyServesStaleData() throws Exception {
    int staleSeen = 0;
    try (Connection primary = pg.primary().connect(); Connection delayed = pg.replica(1).connect()) {
      for (int i = 0; i < 5; i++) {
        long written = longValue(primary, "UPDATE counters SET v = v + 1 WHERE id = 0 RETURNING v");
        if (longValue(delayed, "SELECT v FROM counters WHERE id = 0") < written) {
          staleSeen++;
        }
      }
    }
    assertThat(staleSeen).as("the delayed replica must really lag, or the stale-read test proves nothing").isPositive();
  }

  @Test
  void transactionsRunOnThePrimaryAndReadOnlyTransactionsOnOneReplica() throws Exception {
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      assertThat(serverPort(c)).isEqualTo(primaryPort); // even a read, inside a read-write transaction
      exec(c, "INSERT INTO items(name) VALUES ('tx')");
      assertThat(serverPort(c)).isEqualTo(primaryPort);
      c.rollback();
      c.setReadOnly(true);
      int first = serverPort(c);
      assertThat(first).isIn(fastPort, delayedPort);
      for (int i = 0; i < 10; i++) {
        assertThat(serverPort(c)).isEqualTo(first);
      }
      assertThatThrownBy(() -> exec(c, "INSERT INTO items(name) VALUES ('ro')")).isInstanceOf(SQLException.class);
      c.rollback();
      c.setReadOnly(false);
      c.setAutoCommit(true);
    }
    try (Connection c = ds.getConnection()) {
      exec(c, "BEGIN");
      assertThat(serverPort(c)).isEqualTo(primaryPort);
      exec(c, "COMMIT");
      exec(c, "START TRANSACTION READ ONLY");
      int replica = serverPort(c);
      assertThat(replica).isIn(fastPort, delayedPort);
      assertThat(serverPort(c)).isEqualTo(replica);
      exec(c, "COMMIT");
    }
  }

  @Test
  void committedTransactionFencesLaterReads() throws Exception {
    for (int i = 0; i < 50; i++) {
      try (Connection c = ds.getConnection()) {
        c.setAutoCommit(false);
        long written = longValue(c, "UPDATE counters SET v = v + 1 WHERE id = 7 RETURNING v");
        c.commit();
        c.setAutoCommit(true);
        assertThat(longValue(c, "SELECT v FROM counters WHERE id = 7")).isEqualTo(written);
      }
    }
  }

  @Test
  void lockingReadsSideEffectsHintsAndTheApiUseThePrimary() throws Exception {
    try (Connection c = ds.getConnection()) {
      assertThat(longValue(c, "SELECT inet_server_port() FROM counters WHERE id = 1 FOR UPDATE")).isEqualTo(primaryPort);
      assertThat(longValue(c, "SELECT inet_server_port() + 0 * nextval('ticket')")).isEqualTo(primaryPort);
      assertThat(longValue(c, "/* junction:primary */ SELECT inet_server_port()")).isEqualTo(primaryPort);
      assertThat(Junction.primary(() -> serverPort(c))).isEqualTo(primaryPort);
      assertThat(serverPort(c)).isNotEqualTo(primaryPort);
    }
  }

  @Test
  void sessionStateFollowsTheConnectionToEveryServer() throws Exception {
    try (Connection c = ds.getConnection()) {
      exec(c, "SET search_path TO other");
      assertThat(Sql.string(c, "SELECT name FROM marker")).isEqualTo("other-schema");
      assertThat(serverPort(c)).isNotEqualTo(primaryPort); // the read above ran on a replica
      exec(c, "SET TIME ZONE 'Asia/Tokyo'");
      assertThat(Sql.string(c, "SELECT current_setting('TimeZone')")).isEqualTo("Asia/Tokyo");
    }
    try (Connection c = ds.getConnection()) { // a dirty session never goes back to the pool
      assertThat(Sql.string(c, "SELECT name FROM marker")).isEqualTo("public-schema");
      assertThat(Sql.string(c, "SELECT current_setting('TimeZone')")).isNotEqualTo("Asia/Tokyo");
    }
    try (Connection c = ds.getConnection()) {
      exec(c, "CREATE TEMP TABLE scratch (x int)");
      exec(c, "INSERT INTO scratch VALUES (1)");
      assertThat(longValue(c, "SELECT count(*) FROM scratch")).isEqualTo(1); // pinned: the temp table lives on the primary
    }
  }

  @Test
  void preparedStatementsBatchesAndGeneratedKeys() throws Exception {
    try (Connection c = ds.getConnection()) {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO items(name) VALUES (?)", Statement.RETURN_GENERATED_KEYS)) {
        ps.setString(1, "one");
        assertThat(ps.executeUpdate()).isEqualTo(1);
        try (ResultSet keys = ps.getGeneratedKeys()) {
          assertThat(keys.next()).isTrue();
          assertThat(keys.getLong(1)).isPositive();
        }
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO items(name) VALUES (?)")) {
        for (int i = 0; i < 25; i++) {
          ps.setString(1, "batch-" + i);
          ps.addBatch();
        }
        assertThat(ps.executeBatch()).hasSize(25).containsOnly(1);
      }
      // Right after the batch, the read is fenced: it must see all 25 rows.
      assertThat(longValue(c, "SELECT count(*) FROM items WHERE name LIKE 'batch-%'")).isEqualTo(25);
      try (PreparedStatement ps = c.prepareStatement("SELECT name, inet_server_port() FROM items WHERE name = ?")) {
        ps.setString(1, "batch-3");
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString(1)).isEqualTo("batch-3");
          assertThat(rs.getStatement()).isSameAs(ps); // issue #12: the logical statement, not the driver's
          assertThat(rs.getStatement().getConnection()).isSameAs(c);
        }
        assertThat(ps.getConnection()).isSameAs(c);
      }
      assertThat(c.getMetaData().getDatabaseProductName()).isEqualTo("PostgreSQL");
      assertThat(c.unwrap(org.postgresql.PGConnection.class)).isNotNull();
    }
  }

  @Test
  void everyPhysicalConnectionGoesBackToItsPool() throws Exception {
    for (int i = 0; i < 20; i++) {
      try (Connection c = ds.getConnection()) {
        serverPort(c);
        exec(c, "UPDATE counters SET v = v WHERE id = 3");
        serverPort(c);
      }
    }
    Thread.sleep(50);
    for (EndpointHealth h : ds.health()) {
      assertThat(h.activeConnections()).as(h.endpoint()).isZero();
    }
  }

  @Test
  void theJdbcUrlDriverRoutesFromAYamlFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path yaml = dir.resolve("junction.yaml");
    java.nio.file.Files.writeString(yaml, String.join("\n",
        "junction:",
        "  dialect: postgresql",
        "  shards:",
        "    - name: main",
        "      primary: { url: \"" + pg.primary().jdbcUrl() + "\", username: postgres }",
        "      replicas:",
        "        - { url: \"" + pg.replica(0).jdbcUrl() + "\", username: postgres }",
        ""));
    try (Connection c = java.sql.DriverManager.getConnection("jdbc:junction:" + yaml)) {
      assertThat(serverPort(c)).isEqualTo(fastPort);
      assertThat(longValue(c, "SELECT count(*) + 0 * nextval('ticket') FROM counters")).isEqualTo(KEYS);
    }
    assertThatThrownBy(() -> java.sql.DriverManager.getConnection("jdbc:junction:" + dir.resolve("missing.yaml")))
        .isInstanceOf(SQLException.class).hasMessageContaining("missing.yaml");
  }

  @Test
  void explainSaysWhereAndWhy() {
    var read = ds.explain("SELECT v FROM counters WHERE id = 1");
    assertThat(read.reason()).isEqualTo("replica");
    assertThat(read.render()).contains("replica1", "replica2", "counters");
    var locking = ds.explain("SELECT v FROM counters WHERE id = 1 FOR UPDATE");
    assertThat(locking.reason()).isEqualTo("primary-locking-read");
    assertThat(ds.explain("this is not sql").reason()).isEqualTo("primary-unparseable");
  }
}
