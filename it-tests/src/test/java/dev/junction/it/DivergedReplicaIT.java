package dev.junction.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.Junction;
import dev.junction.Scope;
import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A replica that does not follow the configured primary: a standby left on the old primary's history by
 * a failover (before it is re-pointed), or configured under the wrong primary. Its replayed LSN is ahead
 * of the primary's head, so its lag read as zero and it covered the primary's fences by LSN alone,
 * without their writes. Built here from two independent replica sets: primary {@code pg0}'s replica
 * set is given {@code pg1}'s standby, whose WAL position is far ahead (three segment switches). The
 * oracle is the primary's row, read directly.
 */
class DivergedReplicaIT {
  static final int KEYS = 8;
  static LocalCluster cluster;
  static RoutingDataSource ds;
  static PostgresServer primary;
  static PostgresServer foreign;
  /** The primary's own standby: the control, which must keep serving reads. */
  static PostgresServer genuine;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(2).postgresReplicas(Duration.ZERO).start();
    primary = cluster.postgres(0).primary();
    foreign = cluster.postgres(1).replica(0);
    for (int set = 0; set < 2; set++) {
      try (Connection c = cluster.postgres(set).primary().connect(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE kv (k int primary key, v bigint not null)");
        s.execute("INSERT INTO kv SELECT g, " + (set == 0 ? 0 : -1) + " FROM generate_series(0, " + (KEYS - 1) + ") g");
        if (set == 1) {
          for (int i = 0; i < 3; i++) {
            s.execute("UPDATE kv SET v = v - 1");
            s.execute("SELECT pg_switch_wal()");
          }
        }
      }
    }
    String ahead = lsn(cluster.postgres(1).primary(), "pg_current_wal_flush_lsn()"); // (the insert LSN is past the next page header)
    for (int i = 0; i < 200 && !covers(foreign, ahead); i++) {
      Thread.sleep(50);
    }
    assertThat(covers(primary, lsn(foreign, "pg_last_wal_replay_lsn()")))
        .as("the precondition: the foreign standby's replayed LSN is ahead of the primary's head").isFalse();
    genuine = cluster.postgres(0).replica(0);
    JunctionConfig config = new JunctionConfig(Dialect.POSTGRESQL, List.of(new JunctionConfig.Shard("main",
        TestConfigs.endpoint("primary", primary),
        List.of(TestConfigs.endpoint("replica1", foreign), TestConfigs.endpoint("replica2", genuine)))),
        TestConfigs.routing(Duration.ofSeconds(30), Duration.ofMillis(100)), TestConfigs.localFences());
    ds = RoutingDataSource.create(config); // read at once: the startup round must already have found it
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

  @Test
  void aReplicaAheadOfItsPrimaryServesNoReadAndLeavesTheRotation() throws Exception {
    int stale = 0;
    int onForeign = 0;
    for (int i = 0; i < 40; i++) {
      int key = i % KEYS;
      try (Scope scope = Junction.scope("diverged:" + key)) {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
          s.executeUpdate("UPDATE kv SET v = " + (i + 1) + " WHERE k = " + key);
        }
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT v, inet_server_port() FROM kv WHERE k = " + key)) {
          rs.next();
          if (rs.getLong(1) != i + 1) {
            stale++;
          }
          if (rs.getInt(2) == foreign.port()) {
            onForeign++;
          }
        }
      }
    }
    int unfencedOnForeign = 0;
    int unfencedOnGenuine = 0;
    for (int i = 0; i < 20; i++) {
      try (Connection c = ds.getConnection(); Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT inet_server_port()")) {
        rs.next();
        unfencedOnForeign += rs.getInt(1) == foreign.port() ? 1 : 0;
        unfencedOnGenuine += rs.getInt(1) == genuine.port() ? 1 : 0;
      }
    }
    System.out.printf("[DivergedReplicaIT] 40 scoped write-then-read pairs: %d stale, %d read on the foreign standby;"
        + " 20 unfenced reads, %d on it, %d on the primary's own standby; health %s%n", stale, onForeign, unfencedOnForeign,
        unfencedOnGenuine, ds.health());
    assertThat(stale).as("scoped reads that missed their own write").isZero();
    assertThat(onForeign).as("scoped reads served by a replica that does not follow the primary").isZero();
    assertThat(unfencedOnForeign).as("unfenced reads on it: it must be out of the rotation").isZero();
    assertThat(unfencedOnGenuine).as("the control: the primary's own standby serves unfenced reads").isPositive();
    assertThat(ds.health()).as("found out, not merely down").anySatisfy(h -> {
      assertThat(h.endpoint()).isEqualTo("replica1");
      assertThat(h.up()).isTrue();
      assertThat(h.inRotation()).isFalse();
    });
  }

  private static String lsn(PostgresServer server, String function) throws SQLException {
    try (Connection c = server.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT " + function + "::text")) {
      rs.next();
      return rs.getString(1);
    }
  }

  /** Whether {@code server}'s replayed (standby) or inserted (primary) LSN is at or past {@code lsn}. */
  private static boolean covers(PostgresServer server, String lsn) throws SQLException {
    try (Connection c = server.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_insert_lsn() END >= '" + lsn
            + "'::pg_lsn")) {
      rs.next();
      return rs.getBoolean(1);
    }
  }
}
