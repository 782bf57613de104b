package dev.junction.it.reshard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.health.ReplicaSelector;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.JdbcServer;
import dev.junction.local.LocalCluster;
import dev.junction.reshard.ReshardJob;
import dev.junction.shard.KeyType;
import dev.junction.shard.ShardRing;
import dev.junction.shard.ShardedTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A resharding that changes a weight copies rows into a shard the routers still read (unlike adding
 * a shard, whose copies land where no router looks yet). Until the cut-over, a scatter over the
 * source ring would then count every copied row twice: once on its owner, once as the copy. The
 * oracle is the row count the shards hold before the resharding starts; a multi-shard statement
 * during the copy must return exactly that, or be refused (0AJ00) — never more.
 */
class ReshardCopyScatterIT {
  static final int ROWS = 600;

  @Test
  void aWeightChangeNeverLetsAScatterCountCopiesTwice() throws Exception {
    try (LocalCluster cluster = LocalCluster.builder().postgresReplicaSets(2).start()) {
      List<JdbcServer> primaries = new ArrayList<>();
      cluster.postgres().forEach(s -> primaries.add(s.primary()));
      JunctionConfig before = config(primaries, Map.of());
      JunctionConfig after = config(primaries, Map.of("s1", 3)); // s1 takes keys from s0
      try (RoutingDataSource ds = RoutingDataSource.create(before)) {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
          s.execute("CREATE TABLE accounts (id bigint PRIMARY KEY, balance bigint NOT NULL)");
          try (PreparedStatement ps = c.prepareStatement("INSERT INTO accounts (id, balance) VALUES (?, ?)")) {
            for (long id = 0; id < ROWS; id++) {
              ps.setLong(1, id);
              ps.setLong(2, id * 3);
              ps.executeUpdate();
            }
          }
        }
        long oracleSum = (long) ROWS * (ROWS - 1) / 2 * 3;
        try (ReshardJob job = ReshardJob.open(after)) {
          ShardRing from = job.from();
          ShardRing to = job.to();
          long moving = 0;
          long staying = -1;
          long movingKey = -1;
          for (long id = 0; id < ROWS; id++) {
            if (!from.shardFor(id).equals(to.shardFor(id))) {
              moving++;
              movingKey = movingKey < 0 ? id : movingKey;
            } else if (staying < 0 && from.shardFor(id).equals("s1")) {
              staying = id;
            }
          }
          assertThat(moving).as("keys moving from s0 to s1").isGreaterThan(50);
          job.start();
          job.copy();
          assertThat(rowsOn(primaries.get(1))).as("s1 holds its rows and the copies").isGreaterThan(ROWS - rowsOn(primaries.get(0)));

          Thread.sleep(1200); // the router has read the COPYING record (it polls every 500 ms while stable)
          try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            for (String sql : List.of("SELECT count(*) FROM accounts", "SELECT sum(balance) FROM accounts",
                "SELECT count(*) FROM accounts WHERE id IN (" + movingKey + ", " + staying + ")")) {
              long expected = sql.startsWith("SELECT sum") ? oracleSum : sql.contains(" IN (") ? 2 : ROWS;
              try (ResultSet rs = s.executeQuery(sql)) {
                rs.next();
                assertThat(rs.getLong(1)).as("%s during the copy", sql).isEqualTo(expected);
              } catch (SQLException e) {
                assertThat(e.getSQLState()).as("%s: %s", sql, e.getMessage()).isEqualTo("0AJ00");
                assertThat(e.getMessage()).contains("copying rows into shard s1");
                System.out.println("[ReshardCopyScatterIT] refused during the copy: " + sql + " -> " + e.getMessage());
              }
            }
            // A key-routed read is exact and still served.
            try (ResultSet rs = s.executeQuery("SELECT count(*), min(balance) FROM accounts WHERE id = " + movingKey)) {
              rs.next();
              assertThat(rs.getLong(1)).isEqualTo(1);
              assertThat(rs.getLong(2)).isEqualTo(movingKey * 3);
            }
          }
          job.catchUp();
          assertThat(job.verify().ok()).isTrue();
          job.cutover();
          job.cleanup();
        }
      }
      try (RoutingDataSource ds = RoutingDataSource.create(after); Connection c = ds.getConnection();
           Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*), sum(balance) FROM accounts")) {
        rs.next();
        assertThat(rs.getLong(1)).as("rows after the resharding").isEqualTo(ROWS);
        assertThat(rs.getLong(2)).isEqualTo((long) ROWS * (ROWS - 1) / 2 * 3);
      }
    }
  }

  static long rowsOn(JdbcServer server) throws SQLException {
    try (Connection c = server.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM accounts")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static JunctionConfig config(List<JdbcServer> primaries, Map<String, Integer> weights) {
    List<JunctionConfig.Shard> shards = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      JdbcServer p = primaries.get(i);
      shards.add(new JunctionConfig.Shard("s" + i, new JunctionConfig.Endpoint("primary", p.jdbcUrl(), p.user(), p.password(), 1,
          JunctionConfig.Pool.defaults()), List.of()));
    }
    JunctionConfig.Routing routing = new JunctionConfig.Routing(ReplicaSelector.Strategy.ROUND_ROBIN, Duration.ofSeconds(5), 0,
        Duration.ofMillis(2500), Duration.ofMillis(100), Duration.ofMillis(50), Duration.ofMillis(500), 10_000);
    JunctionConfig.Sharding of = JunctionConfig.Sharding.of(List.of(new ShardedTable("accounts", "id", KeyType.LONG)), List.of());
    JunctionConfig.Sharding sharding = new JunctionConfig.Sharding(of.virtualNodesPerWeight(), of.ringVersion(), of.defaultShard(),
        weights, of.tables(), of.broadcastTables(), of.overrides(), of.multiShardTransactions(), of.scatterThreads(),
        of.maxMergeGroups(), of.workerId());
    return new JunctionConfig(Dialect.POSTGRESQL, shards, routing, JunctionConfig.Fencing.defaults(), sharding).validate();
  }
}
