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
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #16 §0 through the proxy, written against the proxy's oldest API so it runs on v1 too:
 * psql sessions quit inside a transaction (an open one and a failed one), then fresh sessions run
 * acknowledged auto-commit INSERTs. Acknowledged must equal committed on the primary, and no
 * backend may be left idle in a transaction. v1 (JDBC sessions): fails; v2 (relay): passes.
 */
class LostWriteIT {
  @Test
  void acknowledgedWritesAfterAbandonedTransactionsAreCommitted(@TempDir Path dir) throws Exception {
    try (LocalCluster cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO).shared(LostWriteIT.class)) {
      PostgresReplicaSet pg = cluster.postgres(0);
      try (Connection c = pg.primary().connect(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE acked (id bigserial primary key, who text)");
      }
      JunctionConfig.Pool pool = new JunctionConfig.Pool(2, 0, Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofMinutes(30),
          Duration.ofSeconds(1));
      JunctionConfig config = new JunctionConfig(Dialect.POSTGRESQL, List.of(new JunctionConfig.Shard("main",
          new JunctionConfig.Endpoint("primary", pg.primary().jdbcUrl(), pg.primary().user(), "", 1, pool),
          List.of(new JunctionConfig.Endpoint("replica1", pg.replica(0).jdbcUrl(), pg.replica(0).user(), "", 1, pool)))),
          JunctionConfig.Routing.defaults(), JunctionConfig.Fencing.defaults());
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      try (RoutingDataSource ds = RoutingDataSource.create(config, registry);
           ProxyServer proxy = new ProxyServer(ProxyConfig.defaults()
               .withAuth(AuthMethod.SCRAM_SHA_256, Map.of(ProxyIT.USER, Credential.plain(ProxyIT.PASSWORD))).withPorts(0, 0), ds, registry)) {
        Path psql = Binaries.postgresBinDir().orElseThrow().resolve("psql");
        for (String abandoned : List.of("BEGIN;\nSELECT count(*) FROM acked;\n", "BEGIN;\nINSERT INTO acked(who) VALUES ('never');\n",
            "BEGIN;\nSELECT 1/0;\n")) {
          Path script = dir.resolve("abandon" + System.nanoTime() + ".sql");
          Files.writeString(script, abandoned);
          ProxyIT.run(List.of(psql.toString(), "-X", "-h", "127.0.0.1", "-p", Integer.toString(proxy.port()), "-U", ProxyIT.USER,
              "-d", pg.primary().database(), "-f", script.toString()), Map.of("PGPASSWORD", ProxyIT.PASSWORD), 60);
        }
        int acknowledged = 0;
        for (int i = 0; i < 10; i++) {
          Properties p = new Properties();
          p.setProperty("user", ProxyIT.USER);
          p.setProperty("password", ProxyIT.PASSWORD);
          try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + pg.primary().database(), p);
               Statement s = c.createStatement()) {
            acknowledged += s.executeUpdate("INSERT INTO acked(who) VALUES ('acked')");
          } catch (java.sql.SQLException e) {
            // refused writes are not acknowledged; a refusal is acceptable, a lost write is not
          }
        }
        try (Connection c = pg.primary().connect(); Statement s = c.createStatement()) {
          long committed;
          try (ResultSet rs = s.executeQuery("SELECT count(*) FROM acked WHERE who = 'acked'")) {
            rs.next();
            committed = rs.getLong(1);
          }
          System.out.printf("[LostWriteIT] acknowledged %d, committed %d%n", acknowledged, committed);
          assertThat(committed).as("acknowledged writes committed").isEqualTo(acknowledged);
          assertThat(acknowledged).isEqualTo(10);
          try (ResultSet rs = s.executeQuery("SELECT count(*) FROM acked WHERE who = 'never'")) {
            rs.next();
            assertThat(rs.getLong(1)).isZero();
          }
        }
      }
    }
  }
}
