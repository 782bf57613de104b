package dev.junction.it.reshard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.health.ReplicaSelector;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.JdbcServer;
import dev.junction.local.LocalCluster;
import dev.junction.ring.RingLease;
import dev.junction.shard.KeyType;
import dev.junction.shard.ShardedTable;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The ring watcher must keep confirming the ring while the application's pool is exhausted. It
 * used to borrow its connection from that pool: with every connection in use for longer than the
 * stable lease, it could not read the record, and the router refused every sharded statement
 * (lease expired) although nothing was wrong, including the statements of the very transactions
 * holding the pool. With its own connection, those statements run.
 */
class RingWatcherIT {
  @Test
  void aRouterWhosePoolIsExhaustedKeepsItsRingLease() throws Exception {
    try (LocalCluster cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas().shared(RingWatcherIT.class)) {
      JdbcServer p = cluster.postgres(0).primary();
      JunctionConfig.Pool onlyOne = new JunctionConfig.Pool(1, 0, Duration.ofSeconds(2), Duration.ofMinutes(10),
          Duration.ofMinutes(30), Duration.ofMillis(250));
      JunctionConfig.Routing routing = new JunctionConfig.Routing(ReplicaSelector.Strategy.ROUND_ROBIN, Duration.ofSeconds(5), 0,
          Duration.ofMillis(2500), Duration.ofMillis(100), Duration.ofMillis(50), Duration.ofMillis(500), 10_000);
      JunctionConfig config = new JunctionConfig(Dialect.POSTGRESQL, List.of(new JunctionConfig.Shard("s0",
          new JunctionConfig.Endpoint("primary", p.jdbcUrl(), p.user(), p.password(), 1, onlyOne), List.of())), routing,
          JunctionConfig.Fencing.defaults(),
          JunctionConfig.Sharding.of(List.of(new ShardedTable("items", "id", KeyType.LONG)), List.of())).validate();
      try (RoutingDataSource ds = RoutingDataSource.create(config)) {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
          s.execute("CREATE TABLE items (id bigint PRIMARY KEY, v text)");
          s.execute("INSERT INTO items (id, v) VALUES (1, 'one')");
        }
        try (Connection c = ds.getConnection()) {
          c.setAutoCommit(false);
          assertThat(value(c)).isEqualTo("one"); // the pool's only connection is now this transaction's
          // Hold it for longer than the stable lease: a watcher using the pool cannot read the record meanwhile.
          Thread.sleep(RingLease.STABLE_LEASE.toMillis() + 2000);
          assertThat(value(c)).as("a statement after the pool was exhausted for longer than the lease").isEqualTo("one");
          c.commit();
        }
        try (Connection c = ds.getConnection()) {
          assertThat(value(c)).isEqualTo("one");
        }
      }
    }
  }

  private static String value(Connection c) throws Exception {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT v FROM items WHERE id = 1")) {
      assertThat(rs.next()).isTrue();
      return rs.getString(1);
    }
  }
}
