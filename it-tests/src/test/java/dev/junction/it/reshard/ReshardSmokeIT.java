package dev.junction.it.reshard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.health.ReplicaSelector;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.reshard.ReshardJob;
import dev.junction.reshard.ReshardPlan;
import dev.junction.shard.KeyType;
import dev.junction.shard.ShardedTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The resharding steps on real PostgreSQL without concurrent load: 3 shards to 4, changes between copy and catch-up. */
class ReshardSmokeIT {
  static LocalCluster cluster;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.builder().postgresReplicaSets(4).postgresReplicas().start();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static JunctionConfig config(int shards) {
    List<JunctionConfig.Shard> out = new ArrayList<>();
    for (int i = 0; i < shards; i++) {
      var p = cluster.postgres(i).primary();
      out.add(new JunctionConfig.Shard("s" + i, new JunctionConfig.Endpoint("primary", p.jdbcUrl(), p.user(), p.password(), 1,
          JunctionConfig.Pool.defaults()), List.of()));
    }
    JunctionConfig.Routing routing = new JunctionConfig.Routing(ReplicaSelector.Strategy.ROUND_ROBIN, Duration.ofSeconds(5), 0,
        Duration.ofMillis(2500), Duration.ofMillis(100), Duration.ofMillis(50), Duration.ofMillis(500), 10_000);
    return new JunctionConfig(Dialect.POSTGRESQL, out, routing, JunctionConfig.Fencing.defaults(),
        JunctionConfig.Sharding.of(List.of(new ShardedTable("orders", "customer_id", KeyType.LONG)), List.of()));
  }

  static TreeMap<String, String> rows(RoutingDataSource ds) throws Exception {
    TreeMap<String, String> out = new TreeMap<>();
    try (Connection c = ds.getConnection(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT id, customer_id, amount, note FROM orders")) {
      while (rs.next()) {
        String prev = out.put(rs.getString(1), rs.getString(2) + "|" + rs.getString(3) + "|" + rs.getString(4));
        assertThat(prev).as("row %s returned twice", rs.getString(1)).isNull();
      }
    }
    return out;
  }

  @Test
  void threeShardsGrowToFourAndEveryRowIsWhereTheRingSays() throws Exception {
    TreeMap<String, String> oracle = new TreeMap<>();
    try (RoutingDataSource three = RoutingDataSource.create(config(3)); Connection c = three.getConnection()) {
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, amount numeric(12,2), note text)");
        s.execute("CREATE INDEX orders_by_customer ON orders (customer_id)");
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO orders (id, customer_id, amount, note) VALUES (?, ?, ?, ?)")) {
        for (int i = 0; i < 3000; i++) {
          ps.setLong(1, i);
          ps.setLong(2, i % 700);
          ps.setBigDecimal(3, new java.math.BigDecimal(i).movePointLeft(2));
          ps.setString(4, i % 5 == 0 ? null : "note " + i);
          ps.executeUpdate();
        }
      }
      oracle.putAll(rows(three));
    }
    try (ReshardJob job = ReshardJob.open(config(4))) {
      ReshardPlan plan = job.plan();
      System.out.print(plan.render());
      job.start();
      job.copy();
      try (RoutingDataSource three = RoutingDataSource.create(config(3)); Connection c = three.getConnection();
           Statement s = c.createStatement()) {
        // changes after the copy: the capture must carry them to s3
        s.executeUpdate("UPDATE orders SET note = 'changed' WHERE customer_id < 100");
        s.executeUpdate("DELETE FROM orders WHERE id % 7 = 0");
        s.executeUpdate("INSERT INTO orders (id, customer_id, amount, note) VALUES (10001, 5, 1.00, 'late'), (10002, 6, 2.00, 'late')");
        oracle.clear();
        oracle.putAll(rows(three));
      }
      job.catchUp();
      ReshardJob.VerifyReport report = job.verify();
      System.out.print(report.render());
      assertThat(report.ok()).isTrue();
      ReshardJob.CutoverReport cut = job.cutover();
      System.out.println("cut-over: " + cut);
      job.cleanup();
    }
    try (RoutingDataSource four = RoutingDataSource.create(config(4))) {
      assertThat(rows(four)).isEqualTo(oracle);
      for (int i = 0; i < 4; i++) {
        try (Connection c = cluster.postgres(i).primary().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT customer_id FROM orders")) {
          while (rs.next()) {
            assertThat(four.ring().shardFor(rs.getLong(1))).as("customer %d on s%d", rs.getLong(1), i).isEqualTo("s" + i);
          }
        }
      }
    }
  }
}
