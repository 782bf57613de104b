package dev.junction.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy in front of two real PostgreSQL shards (each a primary and a replica): psql and the
 * PostgreSQL JDBC driver see one database while rows are placed by the ring and scatter queries
 * are merged.
 */
class ShardedProxyIT {
  static final String USER = ProxyIT.USER;
  static final String PASSWORD = ProxyIT.PASSWORD;
  static LocalCluster cluster;
  static RoutingDataSource ds;
  static ProxyServer proxy;
  static JunctionConfig config;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(2).postgresReplicas(Duration.ZERO).shared(ShardedProxyIT.class);
    JunctionConfig.Pool pool = new JunctionConfig.Pool(10, 0, Duration.ofSeconds(2), Duration.ofMinutes(10), Duration.ofMinutes(30),
        Duration.ofSeconds(1));
    List<JunctionConfig.Shard> shards = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      PostgresReplicaSet set = cluster.postgres(i);
      shards.add(new JunctionConfig.Shard("s" + i,
          new JunctionConfig.Endpoint("primary", set.primary().jdbcUrl(), set.primary().user(), "", 1, pool),
          List.of(new JunctionConfig.Endpoint("replica1", set.replica(0).jdbcUrl(), set.replica(0).user(), "", 1, pool))));
    }
    config = new JunctionConfig(Dialect.POSTGRESQL, shards, JunctionConfig.Routing.defaults(), JunctionConfig.Fencing.defaults(),
        JunctionConfig.Sharding.of(List.of(new ShardedTable("users", "id", KeyType.LONG)), List.of()));
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ds = RoutingDataSource.create(config, registry);
    proxy = new ProxyServer(ProxyConfig.defaults().withAuth(AuthMethod.SCRAM_SHA_256, Map.of(USER, Credential.plain(PASSWORD)))
        .withPorts(0, 0), ds, registry);
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (ds != null) {
      ds.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  static Connection connect() throws SQLException {
    return ProxyIT.connect(proxy.port(), cluster.postgres(0).primary().database());
  }

  static long countOn(int shard, String sql) throws SQLException {
    try (Connection c = cluster.postgres(shard).primary().connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void psqlAndJdbcSeeOneDatabaseOverTwoShards(@TempDir Path dir) throws Exception {
    Path script = dir.resolve("sharded.sql");
    Files.writeString(script, String.join("\n",
        "\\set ON_ERROR_STOP on",
        "CREATE TABLE users (id bigint primary key, name text not null);",
        "INSERT INTO users (id, name) VALUES " + String.join(", ",
            java.util.stream.IntStream.range(0, 40).mapToObj(i -> "(" + i + ", 'user" + i + "')").toList()) + ";",
        "SELECT name FROM users WHERE id = 7;",
        "SELECT count(*) FROM users;",
        "SELECT id FROM users ORDER BY id DESC LIMIT 3;",
        ""));
    Path psql = Binaries.postgresBinDir().orElseThrow().resolve("psql");
    String out = ProxyIT.run(List.of(psql.toString(), "-X", "-A", "-t", "-h", "127.0.0.1", "-p", Integer.toString(proxy.port()),
        "-U", USER, "-d", cluster.postgres(0).primary().database(), "-f", script.toString()), Map.of("PGPASSWORD", PASSWORD), 60);
    assertThat(out).contains("CREATE TABLE", "INSERT 0 40", "user7", "40", "39\n38\n37");

    long onShard0 = countOn(0, "SELECT count(*) FROM users");
    long onShard1 = countOn(1, "SELECT count(*) FROM users");
    assertThat(onShard0 + onShard1).isEqualTo(40);
    assertThat(onShard0).isPositive();
    assertThat(onShard1).isPositive();
    var rules = config.sharding().rules(config.shards());
    for (long id = 0; id < 40; id++) {
      int shard = rules.shardOf(config.sharding().tables().get(0), id);
      int set = Integer.parseInt(rules.ring().shardId(shard).substring(1));
      assertThat(countOn(set, "SELECT count(*) FROM users WHERE id = " + id)).as("user %d on its ring shard", id).isEqualTo(1);
    }

    try (Connection c = connect()) {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO users (id, name) VALUES (?, ?)")) {
        for (int id = 100; id < 110; id++) {
          ps.setLong(1, id);
          ps.setString(2, "jdbc" + id);
          ps.addBatch();
        }
        assertThat(ps.executeBatch()).hasSize(10);
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT name FROM users WHERE id = ?")) {
        for (int id = 100; id < 110; id++) {
          ps.setLong(1, id);
          try (ResultSet rs = ps.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("jdbc" + id);
          }
        }
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT count(*), max(id) FROM users WHERE id >= ?")) {
        ps.setLong(1, 100);
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getLong(1)).isEqualTo(10);
          assertThat(rs.getLong(2)).isEqualTo(109);
        }
      }

      // An auto-commit batch is one implicit transaction in PostgreSQL (one Sync): its last entry fails (duplicate
      // key on one shard) and nothing of it stays, on either shard; a batch after it works again.
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO users (id, name) VALUES (?, ?)")) {
        for (int id = 200; id < 210; id++) {
          ps.setLong(1, id);
          ps.setString(2, "b" + id);
          ps.addBatch();
        }
        ps.setLong(1, 200);
        ps.setString(2, "again");
        ps.addBatch();
        assertThatThrownBy(ps::executeBatch).isInstanceOf(java.sql.BatchUpdateException.class)
            .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23505"));
      }
      assertThat(c.getAutoCommit()).isTrue();
      assertThat(countOn(0, "SELECT count(*) FROM users WHERE id >= 200") + countOn(1, "SELECT count(*) FROM users WHERE id >= 200"))
          .as("rows of the failed batch left on the shards").isZero();
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO users (id, name) VALUES (?, ?)")) {
        for (int id = 200; id < 210; id++) {
          ps.setLong(1, id);
          ps.setString(2, "b" + id);
          ps.addBatch();
        }
        assertThat(ps.executeBatch()).hasSize(10);
      }
      long on0 = countOn(0, "SELECT count(*) FROM users WHERE id >= 200");
      long on1 = countOn(1, "SELECT count(*) FROM users WHERE id >= 200");
      assertThat(on0 + on1).isEqualTo(10);
      assertThat(on0).as("the batch spans both shards").isPositive();
      assertThat(on1).as("the batch spans both shards").isPositive();
    }
  }
}
