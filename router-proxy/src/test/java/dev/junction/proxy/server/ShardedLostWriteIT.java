package dev.junction.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.Binaries;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.proxy.auth.AuthMethod;
import dev.junction.proxy.auth.Credential;
import dev.junction.shard.KeyType;
import dev.junction.shard.ShardedTable;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #16 §0 through the proxy with sharding configured, where clients are served by the v1
 * session over the library (ShardedConnection / RoutingConnection) instead of the relay: psql
 * sessions that quit inside an open, a writing and a failed transaction, then acknowledged
 * auto-commit INSERTs. Acknowledged must equal committed; nothing of the abandoned transactions
 * committed; no backend left in a transaction. Primary pools of two connections.
 */
class ShardedLostWriteIT {
  @Test
  void acknowledgedWritesAfterAbandonedTransactionsAreCommitted(@TempDir Path dir) throws Exception {
    try (LocalCluster cluster = LocalCluster.builder().postgresReplicaSets(2).postgresReplicas(Duration.ZERO).shared(ShardedLostWriteIT.class)) {
      JunctionConfig.Pool pool = new JunctionConfig.Pool(2, 0, Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofMinutes(30),
          Duration.ofSeconds(1));
      List<JunctionConfig.Shard> shards = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        PostgresReplicaSet set = cluster.postgres(i);
        try (Connection c = set.primary().connect(); Statement s = c.createStatement()) {
          s.execute("CREATE TABLE acked (id bigserial primary key, who text)");
          s.execute("CREATE TABLE users (id bigint primary key, name text)");
        }
        shards.add(new JunctionConfig.Shard("s" + i,
            new JunctionConfig.Endpoint("primary", set.primary().jdbcUrl(), set.primary().user(), "", 1, pool),
            List.of(new JunctionConfig.Endpoint("replica1", set.replica(0).jdbcUrl(), set.replica(0).user(), "", 1, pool))));
      }
      JunctionConfig config = new JunctionConfig(Dialect.POSTGRESQL, shards, JunctionConfig.Routing.defaults(),
          JunctionConfig.Fencing.defaults(), JunctionConfig.Sharding.of(List.of(new ShardedTable("users", "id", KeyType.LONG)), List.of()));
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      try (RoutingDataSource ds = RoutingDataSource.create(config, registry);
           ProxyServer proxy = new ProxyServer(ProxyConfig.defaults()
               .withAuth(AuthMethod.SCRAM_SHA_256, Map.of(ProxyIT.USER, Credential.plain(ProxyIT.PASSWORD))).withPorts(0, 0), ds, registry)) {
        Path psql = Binaries.postgresBinDir().orElseThrow().resolve("psql");
        int acknowledged = 0;
        for (int round = 0; round < 3; round++) {
          for (String abandoned : List.of("BEGIN;\nSELECT count(*) FROM acked;\n", "BEGIN;\nINSERT INTO acked(who) VALUES ('never');\n",
              "BEGIN;\nSELECT 1/0;\n", "START TRANSACTION;\nINSERT INTO acked(who) VALUES ('never');\nSELECT 1/0;\n")) {
            Path script = dir.resolve("abandon" + System.nanoTime() + ".sql");
            Files.writeString(script, abandoned);
            ProxyIT.run(List.of(psql.toString(), "-X", "-h", "127.0.0.1", "-p", Integer.toString(proxy.port()), "-U", ProxyIT.USER,
                "-d", cluster.postgres(0).primary().database(), "-f", script.toString()), Map.of("PGPASSWORD", ProxyIT.PASSWORD), 60);
            Properties p = new Properties();
            p.setProperty("user", ProxyIT.USER);
            p.setProperty("password", ProxyIT.PASSWORD);
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + cluster.postgres(0).primary().database(), p);
                 Statement s = c.createStatement()) {
              acknowledged += s.executeUpdate("INSERT INTO acked(who) VALUES ('acked')");
              acknowledged += s.executeUpdate("INSERT INTO acked(who) VALUES ('acked')");
            } catch (java.sql.SQLException e) {
              // not acknowledged; counted by the assertion on the total below
            }
          }
        }
        long committed = 0;
        long never = 0;
        long open = 0;
        for (int i = 0; i < 2; i++) {
          try (Connection c = cluster.postgres(i).primary().connect(); Statement s = c.createStatement()) {
            committed += count(s, "SELECT count(*) FROM acked WHERE who = 'acked'");
            never += count(s, "SELECT count(*) FROM acked WHERE who = 'never'");
            open += count(s, "SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%' AND backend_type = 'client backend'");
          }
        }
        System.out.printf("[ShardedLostWriteIT] acknowledged %d, committed %d, abandoned rows committed %d, backends left in a"
            + " transaction %d%n", acknowledged, committed, never, open);
        assertThat(committed).as("acknowledged writes committed").isEqualTo(acknowledged);
        assertThat(acknowledged).isEqualTo(24);
        assertThat(never).isZero();
        assertThat(open).isZero();
      }
    }
  }

  static long count(Statement s, String sql) throws Exception {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
