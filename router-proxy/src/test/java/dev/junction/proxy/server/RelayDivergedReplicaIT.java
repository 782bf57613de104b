package dev.junction.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.health.ReplicaSelector;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresServer;
import dev.junction.proxy.auth.AuthMethod;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * Through the relay: a replica that does not follow the configured primary (a standby of another
 * primary, three WAL segments ahead, as a standby left on the old history by a failover can be). Its
 * lag read as zero and it covered the session's fences by LSN alone; the relay shares the library's
 * lag monitor, which now takes such a replica out of the rotation (the library's own test:
 * it-tests DivergedReplicaIT). The oracle is the written value.
 */
class RelayDivergedReplicaIT {
  @Test
  void aReplicaAheadOfItsPrimaryServesNoReadThroughTheRelay() throws Exception {
    try (LocalCluster cluster = LocalCluster.builder().postgresReplicaSets(2).postgresReplicas(Duration.ZERO).start()) {
      PostgresServer primary = cluster.postgres(0).primary();
      PostgresServer foreign = cluster.postgres(1).replica(0);
      for (int set = 0; set < 2; set++) {
        try (Connection c = cluster.postgres(set).primary().connect(); Statement s = c.createStatement()) {
          s.execute("CREATE TABLE kv (k int primary key, v bigint not null)");
          s.execute("INSERT INTO kv SELECT g, -1 FROM generate_series(0, 7) g");
          for (int i = 0; set == 1 && i < 3; i++) {
            s.execute("UPDATE kv SET v = v - 1");
            s.execute("SELECT pg_switch_wal()");
          }
        }
      }
      PostgresServer genuine = cluster.postgres(0).replica(0); // the control: it must keep serving reads
      String ahead = text(cluster.postgres(1).primary(), "SELECT pg_current_wal_flush_lsn()::text");
      for (int i = 0; i < 200 && !Boolean.parseBoolean(text(foreign, "SELECT (pg_last_wal_replay_lsn() >= '" + ahead + "')::text")); i++) {
        Thread.sleep(50);
      }
      String replayed = text(foreign, "SELECT pg_last_wal_replay_lsn()::text");
      assertThat(text(primary, "SELECT (pg_current_wal_insert_lsn() < '" + replayed + "')::text"))
          .as("the precondition: the foreign standby's replayed LSN is ahead of the primary's head").isEqualTo("true");
      JunctionConfig.Pool pool = new JunctionConfig.Pool(4, 0, Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofMinutes(30),
          Duration.ofSeconds(1));
      JunctionConfig.Routing routing = new JunctionConfig.Routing(ReplicaSelector.Strategy.ROUND_ROBIN, Duration.ofSeconds(30), 0,
          Duration.ofSeconds(15), Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofMillis(500), 10_000);
      JunctionConfig config = new JunctionConfig(Dialect.POSTGRESQL, List.of(new JunctionConfig.Shard("main",
          new JunctionConfig.Endpoint("primary", primary.jdbcUrl(), primary.user(), "", 1, pool),
          List.of(new JunctionConfig.Endpoint("replica1", foreign.jdbcUrl(), foreign.user(), "", 1, pool),
              new JunctionConfig.Endpoint("replica2", genuine.jdbcUrl(), genuine.user(), "", 1, pool)))),
          routing, JunctionConfig.Fencing.defaults());
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      try (RoutingDataSource ds = RoutingDataSource.create(config, registry);
           ProxyServer proxy = new ProxyServer(ProxyConfig.defaults().withAuth(AuthMethod.TRUST, Map.of()).withPorts(0, 0), ds, registry)) {
        Properties p = new Properties();
        p.setProperty("user", "app");
        int stale = 0;
        int onForeign = 0;
        int onGenuine = 0;
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + primary.database(), p);
             Statement s = c.createStatement()) {
          for (int i = 0; i < 24; i++) {
            int key = i % 8;
            s.executeUpdate("UPDATE kv SET v = " + i + " WHERE k = " + key);
            try (ResultSet rs = s.executeQuery("SELECT v, inet_server_port() FROM kv WHERE k = " + key)) {
              rs.next();
              stale += rs.getLong(1) != i ? 1 : 0;
              onForeign += rs.getInt(2) == foreign.port() ? 1 : 0;
              onGenuine += rs.getInt(2) == genuine.port() ? 1 : 0;
            }
          }
        }
        System.out.printf("[RelayDivergedReplicaIT] 24 write-then-read rounds in one session: %d stale, %d on the foreign standby,"
            + " %d on the primary's own%n", stale, onForeign, onGenuine);
        assertThat(stale).as("reads that missed the session's own write").isZero();
        assertThat(onForeign).as("reads served by a replica that does not follow the primary").isZero();
        assertThat(onGenuine).as("the control: the primary's own standby serves the session's fenced reads").isPositive();
      }
    }
  }

  private static String text(PostgresServer server, String sql) throws Exception {
    try (Connection c = server.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
