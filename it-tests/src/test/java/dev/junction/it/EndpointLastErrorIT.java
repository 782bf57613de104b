package dev.junction.it;

import static dev.junction.it.Sql.exec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.EndpointHealth;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue #11: when a server is down, an endpoint's {@code lastError} (health, actuator, admin status,
 * and the "unavailable" exception) names what happened, "Connection refused (host:port)", and not
 * only HikariCP's "Connection is not available, request timed out after ...". The lag monitor polls
 * once an hour here, so every failure the test sees comes through the pool, as in an application.
 */
class EndpointLastErrorIT {
  static final String URL_SECRET = "s3cret-in-url";
  static LocalCluster cluster;
  static PostgresReplicaSet pg;
  static RoutingDataSource ds;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO).start();
    pg = cluster.postgres(0);
    try (Connection c = pg.primary().connect()) {
      exec(c, "CREATE TABLE t (id int primary key, v bigint)");
      exec(c, "INSERT INTO t VALUES (1, 0)");
    }
    JunctionConfig base = TestConfigs.postgres(pg, TestConfigs.routing(Duration.ofSeconds(1), Duration.ofMillis(50)),
        TestConfigs.localFences());
    JunctionConfig.Routing r = base.routing();
    JunctionConfig.Routing noPolling = new JunctionConfig.Routing(r.replicaSelection(), r.maxLag(), r.maxLagBytes(),
        r.readmitLag(), Duration.ofHours(1), r.maxFenceWait(), Duration.ofMillis(200), r.parseCacheSize());
    JunctionConfig.Shard shard = base.shards().get(0);
    JunctionConfig.Endpoint p = shard.primary();
    // the server trusts local connections, so the password only tests that it never shows
    JunctionConfig.Endpoint primary = new JunctionConfig.Endpoint(p.name(), p.url() + (p.url().contains("?") ? "&" : "?")
        + "password=" + URL_SECRET, p.username(), URL_SECRET, p.weight(), p.pool());
    ds = RoutingDataSource.create(new JunctionConfig(base.dialect(),
        List.of(new JunctionConfig.Shard(shard.name(), primary, shard.replicas())), noPolling, base.fencing()));
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
  void aStoppedPrimarysLastErrorSaysConnectionRefusedAndWhere() throws Exception {
    try (Connection c = ds.getConnection()) {
      exec(c, "UPDATE t SET v = v + 1 WHERE id = 1");
    }
    int port = pg.primary().port();
    pg.primary().stop();
    try {
      List<String> seen = new ArrayList<>();
      String lastError = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline) {
        try (Connection c = ds.getConnection()) {
          exec(c, "UPDATE t SET v = v + 1 WHERE id = 1");
        } catch (SQLException e) {
          seen.add(e.getMessage());
        }
        lastError = primaryHealth().lastError();
        if (lastError != null && lastError.toLowerCase(Locale.ROOT).contains("refused")) {
          break;
        }
        Thread.sleep(100);
      }
      System.out.printf("[EndpointLastErrorIT] lastError after %d failed writes: %s%n", seen.size(), lastError);
      assertThat(lastError).as("lastError; writes failed with %s", seen).isNotNull();
      assertThat(lastError.toLowerCase(Locale.ROOT)).contains("connection refused").contains("127.0.0.1:" + port);
      assertThat(lastError).doesNotContain(URL_SECRET).doesNotContain("password=");
      assertThat(seen).as("what the application was told").isNotEmpty()
          .allSatisfy(m -> assertThat(m).doesNotContain(URL_SECRET));
      assertThat(seen.get(seen.size() - 1).toLowerCase(Locale.ROOT)).contains("connection refused");
      assertThat(ds.toString()).doesNotContain(URL_SECRET).contains("127.0.0.1:" + port);
    } finally {
      pg.primary().start();
    }
  }

  static EndpointHealth primaryHealth() {
    return ds.health().stream().filter(h -> h.role().equals("primary")).findFirst().orElseThrow();
  }
}
