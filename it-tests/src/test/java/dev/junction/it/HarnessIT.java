package dev.junction.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.local.LocalCluster;
import dev.junction.local.MariaDbReplicaSet;
import dev.junction.local.PostgresReplicaSet;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Proves the harness starts real, replicating servers: later tests rely on exactly this. */
class HarnessIT {
  static final Duration DELAY = Duration.ofMillis(300);
  static LocalCluster cluster;

  @BeforeAll
  static void start() {
    long t0 = System.nanoTime();
    cluster = LocalCluster.builder()
        .postgresReplicaSets(1).postgresReplicas(Duration.ZERO, DELAY)
        .mariadbReplicaSets(2).redis(true).start();
    System.out.printf("[HarnessIT] PG primary + 2 replicas, two MariaDB pairs (set up in parallel), Redis up in %d ms%n",
        (System.nanoTime() - t0) / 1_000_000);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void postgresRowReachesFastReplicaQuicklyAndDelayedReplicaOnlyAfterTheDelay() throws Exception {
    PostgresReplicaSet pg = cluster.postgres(0);
    try (Connection primary = pg.primary().connect();
         Connection fast = pg.replica(0).connect();
         Connection delayed = pg.replica(1).connect()) {
      exec(primary, "CREATE TABLE IF NOT EXISTS harness_probe (id int primary key, v text)");
      awaitRow(fast, "SELECT count(*) FROM pg_class WHERE relname = 'harness_probe'", 1, Duration.ofSeconds(10));
      awaitRow(delayed, "SELECT count(*) FROM pg_class WHERE relname = 'harness_probe'", 1, Duration.ofSeconds(10));

      exec(primary, "INSERT INTO harness_probe VALUES (1, 'x')");
      long committed = System.nanoTime();
      long fastSeenMs = awaitRow(fast, "SELECT count(*) FROM harness_probe WHERE id = 1", 1, Duration.ofSeconds(5));
      // Immediately after the fast replica has it, the delayed one must not (it waits 300 ms to apply).
      long sinceCommitMs = (System.nanoTime() - committed) / 1_000_000;
      if (sinceCommitMs < DELAY.toMillis() - 50) {
        assertThat(count(delayed, "SELECT count(*) FROM harness_probe WHERE id = 1")).isZero();
      }
      long delayedSeenMs = awaitRow(delayed, "SELECT count(*) FROM harness_probe WHERE id = 1", 1, Duration.ofSeconds(10));
      long delayedSinceCommit = (System.nanoTime() - committed) / 1_000_000;
      System.out.printf("[HarnessIT] fast replica saw row after %d ms, delayed after %d ms (%d ms after commit)%n",
          fastSeenMs, delayedSeenMs, delayedSinceCommit);
      assertThat(delayedSinceCommit).isGreaterThanOrEqualTo(DELAY.toMillis() - 20);
      assertThat(fastSeenMs).isLessThan(DELAY.toMillis());
    }
  }

  @Test
  void postgresReplicasAreInRecoveryAndPrimaryIsNot() throws Exception {
    PostgresReplicaSet pg = cluster.postgres(0);
    try (Connection primary = pg.primary().connect()) {
      assertThat(bool(primary, "SELECT pg_is_in_recovery()")).isFalse();
    }
    for (var replica : pg.replicas()) {
      try (Connection c = replica.connect()) {
        assertThat(bool(c, "SELECT pg_is_in_recovery()")).isTrue();
      }
    }
  }

  @Test
  void mariadbReplicasReportTheirOwnPrimarysGtidAfterCatchingUp() throws Exception {
    assertThat(cluster.mariadbSets()).hasSize(2);
    for (MariaDbReplicaSet maria : cluster.mariadbSets()) {
      String gtid;
      try (Connection primary = maria.primary().connect()) {
        exec(primary, "CREATE TABLE IF NOT EXISTS harness_probe (id int primary key, v varchar(10))");
        exec(primary, "REPLACE INTO harness_probe VALUES (1, 'x')");
        gtid = string(primary, "SELECT @@last_gtid");
      }
      assertThat(gtid).matches("\\d+-1-\\d+");
      try (Connection replica = maria.replica().connect()) {
        assertThat(string(replica, "SELECT MASTER_GTID_WAIT('" + gtid + "', 10)")).isEqualTo("0");
        String slavePos = string(replica, "SELECT @@gtid_slave_pos");
        assertThat(slavePos).contains(gtid);
        assertThat(count(replica, "SELECT count(*) FROM harness_probe WHERE id = 1")).isEqualTo(1);
      }
    }
  }

  @Test
  void redisAnswersPing() {
    assertThat(cluster.redis().ping()).isEqualTo("+PONG");
  }

  @Test
  void aReplicaCanBeKilledAndRestarted() throws Exception {
    var replica = cluster.postgres(0).replica(0);
    replica.kill();
    assertThat(replica.isRunning()).isFalse();
    try {
      replica.connect().close();
      throw new AssertionError("connected to a killed server");
    } catch (SQLException expected) {
      assertThat(expected.getSQLState()).startsWith("08");
    }
    replica.start();
    try (Connection c = replica.connect()) {
      assertThat(bool(c, "SELECT pg_is_in_recovery()")).isTrue();
    }
    cluster.redis().kill();
    assertThat(cluster.redis().ping()).isNull();
    cluster.redis().start();
    assertThat(cluster.redis().ping()).isEqualTo("+PONG");
  }

  static void exec(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  static long count(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static String string(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  static boolean bool(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getBoolean(1);
    }
  }

  /** Polls until {@code sql} returns {@code expected}; returns the milliseconds it took. */
  static long awaitRow(Connection c, String sql, long expected, Duration timeout) throws SQLException, InterruptedException {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    while (count(c, sql) != expected) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("'" + sql + "' did not return " + expected + " within " + timeout);
      }
      Thread.sleep(2);
    }
    return (System.nanoTime() - start) / 1_000_000;
  }
}
