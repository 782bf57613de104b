package dev.junction.it;

import static dev.junction.it.Sql.exec;
import static dev.junction.it.Sql.longValue;
import static dev.junction.it.Sql.string;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.Junction;
import dev.junction.Scope;
import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.JunctionConnection;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.JdbcServer;
import dev.junction.local.LocalCluster;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Writes the library did not fence, and session state it did not keep, each against a real primary
 * whose replica is held (PostgreSQL WAL replay paused, MariaDB SQL thread stopped), so a read the
 * router sends there is stale for certain. The database is the oracle: the read must see the write.
 */
class WriteFenceHolesIT {
  static LocalCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO).mariadb(true)
        .shared(WriteFenceHolesIT.class);
    try (Connection c = cluster.postgres(0).primary().connect()) {
      exec(c, "CREATE TABLE items (id int primary key, v int not null)");
      exec(c, "INSERT INTO items VALUES (1, 0)");
    }
    try (Connection c = cluster.mariadb().primary().connect()) {
      exec(c, "CREATE TABLE items (id int primary key, v int not null) ENGINE=InnoDB");
      exec(c, "INSERT INTO items VALUES (1, 0)");
    }
    awaitPostgresReplica();
    cluster.mariadb().awaitReplicaCaughtUp(Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /**
   * A generous max lag (a held replica stays in the rotation), a short fence wait, a primary pool of
   * {@code primaryPool} connections, and {@code urlSuffix} on the primary's URL (a socket timeout).
   */
  static RoutingDataSource dataSource(Dialect dialect, JdbcServer primary, JdbcServer replica, int primaryPool,
                                      String urlSuffix) {
    JunctionConfig.Pool pool = new JunctionConfig.Pool(primaryPool, 0, Duration.ofSeconds(5), Duration.ofMinutes(10),
        Duration.ofMinutes(30), Duration.ofSeconds(1));
    String url = primary.jdbcUrl() + (urlSuffix.isEmpty() ? "" : (primary.jdbcUrl().contains("?") ? "&" : "?") + urlSuffix);
    RoutingDataSource ds = RoutingDataSource.create(new JunctionConfig(dialect, List.of(new JunctionConfig.Shard("main",
        new JunctionConfig.Endpoint("primary", url, primary.user(), primary.password(), 1, pool),
        List.of(TestConfigs.endpoint("replica1", replica)))),
        TestConfigs.routing(Duration.ofSeconds(120), Duration.ofMillis(50)), TestConfigs.localFences()));
    awaitInRotation(ds);
    return ds;
  }

  static RoutingDataSource postgres(int primaryPool, String urlSuffix) {
    return dataSource(Dialect.POSTGRESQL, cluster.postgres(0).primary(), cluster.postgres(0).replica(0), primaryPool, urlSuffix);
  }

  static void awaitInRotation(RoutingDataSource ds) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!ds.health().stream().allMatch(h -> h.up() && h.inRotation())) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("endpoints did not all come up: " + ds.health());
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  interface Body {
    void run() throws Exception;
  }

  /** Runs {@code body} while the PostgreSQL replica replays nothing. */
  static void withPostgresReplicaHeld(Body body) throws Exception {
    try (Connection replica = cluster.postgres(0).replica(0).connect()) {
      exec(replica, "SELECT pg_wal_replay_pause()");
      try {
        body.run();
      } finally {
        exec(replica, "SELECT pg_wal_replay_resume()");
      }
    }
    awaitPostgresReplica();
  }

  /** Until the replica has replayed everything the primary wrote so far. */
  static void awaitPostgresReplica() throws Exception {
    String head;
    try (Connection p = cluster.postgres(0).primary().connect()) {
      head = string(p, "SELECT pg_current_wal_lsn()::text");
    }
    try (Connection r = cluster.postgres(0).replica(0).connect()) {
      for (int i = 0; i < 600; i++) {
        if ("t".equals(string(r, "SELECT (pg_last_wal_replay_lsn() >= '" + head + "'::pg_lsn)::text").substring(0, 1))) {
          return;
        }
        Thread.sleep(50);
      }
    }
    throw new AssertionError("the PostgreSQL replica did not catch up");
  }

  static long pgValue() throws SQLException {
    try (Connection c = cluster.postgres(0).primary().connect()) {
      return longValue(c, "SELECT v FROM items WHERE id = 1");
    }
  }

  // ---------------------------------------------------------------- finding 1: batches

  /** {@code [SET, INSERT, SET]} was routed as its last SET: replayed, no fence, the next read went to the replica. */
  @Test
  void aBatchWithAWriteBetweenSettingsFencesTheNextRead() throws Exception {
    try (RoutingDataSource ds = postgres(4, "")) {
      withPostgresReplicaHeld(() -> {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
          long before = pgValue();
          s.addBatch("SET statement_timeout = 0");
          s.addBatch("UPDATE items SET v = v + 1 WHERE id = 1");
          s.addBatch("SET statement_timeout = 0");
          s.executeBatch();
          assertThat(longValue(c, "SELECT v FROM items WHERE id = 1")).as("the batch's own write").isEqualTo(before + 1);
        }
      });
    }
  }

  /** {@code [BEGIN, UPDATE, COMMIT]} was routed as COMMIT outside a transaction: the scope's fence never moved. */
  @Test
  void aBatchThatCommitsAWriteFencesTheScope() throws Exception {
    try (RoutingDataSource ds = postgres(4, "")) {
      withPostgresReplicaHeld(() -> {
        try (Scope scope = Junction.scope("batch-commit")) {
          long before = pgValue();
          try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.addBatch("BEGIN");
            s.addBatch("UPDATE items SET v = v + 1 WHERE id = 1");
            s.addBatch("COMMIT");
            s.executeBatch();
          }
          try (Connection other = ds.getConnection()) {
            assertThat(longValue(other, "SELECT v FROM items WHERE id = 1")).as("read in the writer's scope")
                .isEqualTo(before + 1);
          }
        }
      });
    }
  }

  /** {@code [UPDATE, SET autocommit = 0]} bypassed the refusal of SQL autocommit switches. */
  @Test
  void aBatchThatSwitchesAutocommitIsRefused() throws Exception {
    try (RoutingDataSource ds = dataSource(Dialect.MARIADB, cluster.mariadb().primary(), cluster.mariadb().replica(), 4, "");
         Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      s.addBatch("UPDATE items SET v = v WHERE id = 1");
      s.addBatch("SET autocommit = 0");
      assertThatThrownBy(s::executeBatch).isInstanceOf(SQLException.class)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo(dev.junction.JunctionSqlState.REFUSED));
    }
  }

  // ---------------------------------------------------------------- finding 2: unknown outcome

  /**
   * An auto-commit UPDATE waits on a row lock past the primary's socket timeout: the client sees a
   * connection failure, the server commits once the lock is released. The session's next read must
   * see it (it read the position before: the write may have committed), not the held replica.
   */
  @Test
  void aWriteWhoseOutcomeIsUnknownFencesTheNextRead() throws Exception {
    try (RoutingDataSource ds = postgres(4, "socketTimeout=2")) {
      withPostgresReplicaHeld(() -> {
        long before = pgValue();
        try (Connection locker = cluster.postgres(0).primary().connect(); Connection c = ds.getConnection()) {
          locker.setAutoCommit(false);
          exec(locker, "SELECT v FROM items WHERE id = 1 FOR UPDATE");
          assertThatThrownBy(() -> exec(c, "UPDATE items SET v = v + 1 WHERE id = 1")).isInstanceOf(SQLException.class);
          locker.commit();
          awaitPrimary(before + 1);
          awaitInRotation(ds); // the lost connection opened the primary's circuit: a read now would be refused (08)
          assertThat(longValue(c, "SELECT v FROM items WHERE id = 1")).as("read after the unknown outcome")
              .isEqualTo(before + 1);
        }
      });
    }
  }

  static void awaitPrimary(long value) throws Exception {
    for (int i = 0; i < 200 && pgValue() != value; i++) {
      Thread.sleep(50);
    }
    assertThat(pgValue()).as("the write committed after the client gave up (precondition)").isEqualTo(value);
  }

  // ---------------------------------------------------------------- finding 4: set_config

  /**
   * {@code set_config(..., false)} is a session setting (row-level security reads it): the session must stay
   * on that connection, and the pool must not hand the connection to someone else with the setting.
   */
  @Test
  void setConfigKeepsItsConnectionAndDoesNotLeakIntoThePool() throws Exception {
    try (RoutingDataSource ds = postgres(1, "")) {
      try (Connection c = ds.getConnection()) {
        string(c, "SELECT set_config('app.tenant_id', '42', false)");
        assertThat(string(c, "SELECT current_setting('app.tenant_id', true)")).as("the session's own setting")
            .isEqualTo("42");
      }
      try (Connection next = ds.getConnection()) {
        String leaked = string(next, "/* junction:primary */ SELECT current_setting('app.tenant_id', true)");
        assertThat(leaked == null || leaked.isEmpty()).as("the pooled primary connection carries no tenant: " + leaked)
            .isTrue();
      }
    }
  }

  // ---------------------------------------------------------------- finding 5: EXECUTE

  /** {@code EXECUTE} of a prepared UPDATE is a session statement; it recorded no scope fence. */
  @Test
  void executeOfAPreparedWriteFencesTheScope() throws Exception {
    try (RoutingDataSource ds = postgres(4, "")) {
      withPostgresReplicaHeld(() -> {
        try (Scope scope = Junction.scope("execute")) {
          long before = pgValue();
          try (Connection c = ds.getConnection()) {
            exec(c, "PREPARE bump AS UPDATE items SET v = v + 1 WHERE id = 1");
            exec(c, "EXECUTE bump");
          }
          try (Connection other = ds.getConnection()) {
            assertThat(longValue(other, "SELECT v FROM items WHERE id = 1")).as("read in the writer's scope")
                .isEqualTo(before + 1);
          }
        }
      });
    }
  }

  // ---------------------------------------------------------------- finding 6: MariaDB position on another connection

  /**
   * After an auto-commit UPDATE's connection failed (socket timeout while the server waited on a row lock,
   * then committed), the position is read on another pooled connection, whose {@code @@last_gtid} names an
   * older write of its own: the fence must be the server's {@code @@gtid_binlog_pos}, or the replica, which
   * holds the older write but not this one, is read as fresh.
   */
  @Test
  void mariaDbPositionReadOnAnotherConnectionIsTheServersHead() throws Exception {
    JdbcServer primary = cluster.mariadb().primary();
    try (RoutingDataSource ds = dataSource(Dialect.MARIADB, primary, cluster.mariadb().replica(), 2, "socketTimeout=2000")) {
      Connection other = ds.getConnection();
      try {
        exec(other, "UPDATE items SET v = v + 1 WHERE id = 1"); // its connection's @@last_gtid: this older write
        cluster.mariadb().awaitReplicaCaughtUp(Duration.ofSeconds(30));
        long before = mariaValue();
        try (Connection replicaHold = cluster.mariadb().replica().connect();
             Connection locker = primary.connect(); Connection c = ds.getConnection()) {
          replicaHold.setAutoCommit(false);
          exec(replicaHold, "SELECT v FROM items WHERE id = 1 FOR UPDATE"); // the replica applies nothing on this row
          locker.setAutoCommit(false);
          exec(locker, "SELECT v FROM items WHERE id = 1 FOR UPDATE");
          assertThatThrownBy(() -> exec(c, "UPDATE items SET v = v + 1 WHERE id = 1")).isInstanceOf(SQLException.class);
          other.close(); // the pool's only idle primary connection now: @@last_gtid is the older write
          locker.commit();
          for (int i = 0; i < 200 && mariaValue() != before + 1; i++) {
            Thread.sleep(50);
          }
          assertThat(mariaValue()).as("the write committed after the client gave up (precondition)").isEqualTo(before + 1);
          awaitInRotation(ds); // the lost connection opened the primary's circuit: a read now would be refused (08)
          try {
            assertThat(longValue(c, "SELECT v FROM items WHERE id = 1")).as("read after the unknown outcome")
                .isEqualTo(before + 1);
          } finally {
            replicaHold.rollback();
          }
        }
      } finally {
        other.close();
      }
    }
    cluster.mariadb().awaitReplicaCaughtUp(Duration.ofSeconds(30));
  }

  static long mariaValue() throws SQLException {
    try (Connection c = cluster.mariadb().primary().connect()) {
      return longValue(c, "SELECT v FROM items WHERE id = 1");
    }
  }

  // ---------------------------------------------------------------- finding 8: read-only transaction on a replica

  /**
   * A read-only transaction begins on a replica; a write of the same scope commits on another connection
   * (Spring's {@code REQUIRES_NEW}); the transaction's next statement (READ COMMITTED: a fresh snapshot) must
   * see it. Its replica is held, so the router must refuse (40001) rather than answer from the old state.
   */
  @Test
  void aReplicaTransactionRefusesWhenAScopeWriteIsNotReplayed() throws Exception {
    try (RoutingDataSource ds = postgres(4, "")) {
      try (Scope scope = Junction.scope("read-only-tx"); Connection c = ds.getConnection()) {
        c.setReadOnly(true);
        c.setAutoCommit(false);
        long before = longValue(c, "SELECT v FROM items WHERE id = 1");
        assertThat(c.unwrap(JunctionConnection.class).lastRouteReason().isReplica())
            .as("the read-only transaction runs on the replica (precondition)").isTrue();
        withPostgresReplicaHeld(() -> {
          try (Connection writer = ds.getConnection()) {
            exec(writer, "UPDATE items SET v = v + 1 WHERE id = 1");
          }
          try {
            long after = longValue(c, "SELECT v FROM items WHERE id = 1");
            assertThat(after).as("the read-only transaction's next read").isEqualTo(before + 1);
          } catch (SQLException e) {
            assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo("40001");
          }
        });
        c.rollback();
      }
    }
  }

  /** As above, but the replica replays the write while the router waits: the statement runs there and sees it. */
  @Test
  void aReplicaTransactionWaitsForAScopeWrite() throws Exception {
    try (RoutingDataSource ds = RoutingDataSource.create(TestConfigs.postgres(cluster.postgres(0),
        TestConfigs.routing(Duration.ofSeconds(120), Duration.ofSeconds(5)), TestConfigs.localFences()))) {
      awaitInRotation(ds);
      try (Scope scope = Junction.scope("read-only-tx-wait"); Connection c = ds.getConnection();
           Connection replica = cluster.postgres(0).replica(0).connect()) {
        c.setReadOnly(true);
        c.setAutoCommit(false);
        long before = longValue(c, "SELECT v FROM items WHERE id = 1");
        assertThat(c.unwrap(JunctionConnection.class).lastRouteReason().isReplica())
            .as("the read-only transaction runs on the replica (precondition)").isTrue();
        exec(replica, "SELECT pg_wal_replay_pause()");
        Thread resume = new Thread(() -> {
          try {
            Thread.sleep(500);
            exec(replica, "SELECT pg_wal_replay_resume()");
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        try {
          try (Connection writer = ds.getConnection()) {
            exec(writer, "UPDATE items SET v = v + 1 WHERE id = 1");
          }
          resume.start();
          assertThat(longValue(c, "SELECT v FROM items WHERE id = 1")).as("the read-only transaction's next read")
              .isEqualTo(before + 1);
        } finally {
          resume.join();
          exec(replica, "SELECT pg_wal_replay_resume()");
        }
        c.rollback();
      }
    }
    awaitPostgresReplica();
  }
}
