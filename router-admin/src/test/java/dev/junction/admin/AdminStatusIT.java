package dev.junction.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.config.YamlConfigLoader;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.local.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The status snapshot against a real PostgreSQL primary with two streaming replicas. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdminStatusIT {
  static final String PASSWORD = "adm1n-s3cret-pw";
  static LocalCluster cluster;
  static PostgresReplicaSet pg;
  static RoutingDataSource ds;
  static AdminStatus status;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO, Duration.ZERO).start();
    pg = cluster.postgres(0);
    ds = RoutingDataSource.create(YamlConfigLoader.parse("""
        junction:
          dialect: postgresql
          shards:
            - name: main
              primary: %s
              replicas:
                - %s
                - %s
          routing:
            lag-poll-interval: 100ms
            circuit-open: 500ms
        """.formatted(endpoint("primary", pg.primary()), endpoint("replica1", pg.replica(0)), endpoint("replica2", pg.replica(1)))));
    status = new AdminStatus(ds);
  }

  static String endpoint(String name, PostgresServer s) {
    return "{ name: %s, url: \"%s\", username: %s, password: %s }".formatted(name, s.jdbcUrl(), s.user(), PASSWORD);
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {status, ds, cluster}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception ignored) {
        // best effort
      }
    }
  }

  @Test
  @Order(1)
  void showsTheTopologyAndTheRoutingOfTheLastMinute() throws Exception {
    try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
      st.execute("CREATE TABLE IF NOT EXISTS t (id int primary key)");
      st.execute("INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING");
    }
    status.sampleNow();
    for (int i = 0; i < 40; i++) {
      try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
        assertThat(rs.next()).isTrue();
      }
    }
    status.sampleNow();
    StatusSnapshot s = status.snapshot();
    assertThat(s.dialect()).isEqualTo("postgresql");
    assertThat(s.fenceStore()).isEqualTo("local");
    assertThat(s.shards()).hasSize(1);
    assertThat(s.shards().get(0).endpoints()).extracting(StatusSnapshot.Endpoint::name).containsExactly("primary", "replica1", "replica2");
    assertThat(s.shards().get(0).endpoints()).allMatch(StatusSnapshot.Endpoint::up);
    assertThat(s.routing().byReason().get("replica")).isEqualTo(40);
    assertThat(s.routing().byReason().get("primary-write") + s.routing().byReason().get("primary-ddl")).isEqualTo(2);
    assertThat(s.routing().perSecond()).isNotEmpty();
    assertThat(s.ring()).isNull();
    String json = status.json();
    assertThat(json).contains("\"name\":\"replica2\"", "\"up\":true", "\"replica\":40").doesNotContain(PASSWORD);
  }

  @Test
  @Order(2)
  void aKilledReplicaShowsDownWithinAFewSeconds() throws Exception {
    pg.replica(1).kill();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    StatusSnapshot.Endpoint replica2;
    do {
      Thread.sleep(100);
      replica2 = status.snapshot().shards().get(0).endpoints().get(2);
    } while (replica2.up() && System.nanoTime() < deadline);
    assertThat(replica2.up()).as("replica2 reported down").isFalse();
    assertThat(replica2.inRotation()).isFalse();
    assertThat(status.snapshot().shards().get(0).endpoints().get(1).up()).isTrue();
    String json = status.json();
    System.out.println("[AdminStatusIT] status.json after the kill: " + json);
    assertThat(json).contains("\"up\":false").doesNotContain(PASSWORD);
  }
}
