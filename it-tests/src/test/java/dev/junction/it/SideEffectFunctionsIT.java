package dev.junction.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.classify.UnknownFunctions;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
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
 * A PL/pgSQL function that inserts, called from a SELECT through a RoutingDataSource on a real primary
 * and streaming replica. Without configuration the SELECT is a read and goes to the replica, where the
 * insert fails with 25006; with {@code side-effect-functions: [audit_touch]} or {@code unknown-functions:
 * primary} it goes to the primary and the row is there.
 */
class SideEffectFunctionsIT {
  static LocalCluster cluster;
  static PostgresReplicaSet pg;
  static int primaryPort;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO).shared(SideEffectFunctionsIT.class);
    pg = cluster.postgres(0);
    primaryPort = pg.primary().port();
    try (Connection c = pg.primary().connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE audit (id bigserial primary key, who text not null)");
      s.execute("CREATE FUNCTION audit_touch(who text) RETURNS int LANGUAGE plpgsql AS $$ BEGIN "
          + "INSERT INTO audit(who) VALUES (who); RETURN inet_server_port(); END $$");
    }
    Thread.sleep(600); // let the replica replay the schema
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static RoutingDataSource dataSource(List<String> sideEffects, UnknownFunctions unknown) {
    JunctionConfig.Routing r = TestConfigs.routing(Duration.ofSeconds(5), Duration.ofMillis(50));
    JunctionConfig.Routing routing = new JunctionConfig.Routing(r.replicaSelection(), r.maxLag(), r.maxLagBytes(),
        r.readmitLag(), r.lagPollInterval(), r.maxFenceWait(), r.circuitOpen(), r.parseCacheSize(), sideEffects,
        r.parseBudget(), unknown, List.of());
    RoutingDataSource ds = RoutingDataSource.create(TestConfigs.postgres(pg, routing, TestConfigs.localFences()));
    awaitReplicaInRotation(ds);
    return ds;
  }

  /** Until the lag monitor admits the replica, reads go to the primary and the test would prove nothing. */
  static void awaitReplicaInRotation(RoutingDataSource ds) {
    for (int i = 0; i < 600; i++) {
      if (ds.health().stream().anyMatch(h -> h.role().equals("replica") && h.inRotation())) {
        return;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("replica never entered the rotation: " + ds.health());
  }

  static int call(RoutingDataSource ds, String who) throws SQLException {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT audit_touch('" + who + "')")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  static long rowsOnPrimary(String who) throws SQLException {
    try (Connection c = pg.primary().connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT count(*) FROM audit WHERE who = '" + who + "'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * Without configuration the SELECT is replica-eligible, the replica refuses the insert with 25006 and the
   * router's read-only-violation retry re-runs it on the primary (outside a transaction): it works, but costs a
   * failed replica round trip per call. The replica's rolled-back transaction count is the evidence.
   */
  @Test
  void withoutConfigurationTheReplicaRefusesAndTheRouterRetriesOnThePrimary() throws Exception {
    try (RoutingDataSource ds = dataSource(List.of(), UnknownFunctions.REPLICA)) {
      assertThat(ds.classify("SELECT audit_touch('default')").replicaEligible()).isTrue();
      long before = replicaRollbacks();
      assertThat(call(ds, "default")).isEqualTo(primaryPort);
      long after = before;
      for (int i = 0; i < 200 && after == before; i++) { // statistics are flushed asynchronously
        Thread.sleep(50);
        after = replicaRollbacks();
      }
      assertThat(after).as("the replica refused the call (25006) before the retry").isGreaterThan(before);
    }
    assertThat(rowsOnPrimary("default")).isEqualTo(1);
  }

  static long replicaRollbacks() throws SQLException {
    try (Connection c = pg.replica(0).connect(); Statement s = c.createStatement()) {
      s.execute("SELECT pg_stat_clear_snapshot()");
      try (ResultSet rs = s.executeQuery("SELECT xact_rollback FROM pg_stat_database WHERE datname = current_database()")) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  @Test
  void aListedSideEffectFunctionGoesToThePrimary() throws Exception {
    try (RoutingDataSource ds = dataSource(List.of("audit_touch"), UnknownFunctions.REPLICA)) {
      for (int i = 0; i < 20; i++) {
        assertThat(call(ds, "listed")).isEqualTo(primaryPort);
      }
    }
    assertThat(rowsOnPrimary("listed")).isEqualTo(20);
  }

  @Test
  void unknownFunctionsPrimaryGoesToThePrimary() throws Exception {
    try (RoutingDataSource ds = dataSource(List.of(), UnknownFunctions.PRIMARY)) {
      for (int i = 0; i < 20; i++) {
        assertThat(call(ds, "unknown")).isEqualTo(primaryPort);
      }
      // a statement with only known read-only functions stays replica-eligible
      assertThat(ds.classify("SELECT count(*), max(id) FROM audit").replicaEligible()).isTrue();
    }
    assertThat(rowsOnPrimary("unknown")).isEqualTo(20);
  }
}
