package dev.junction.it.reshard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.classify.Dialect;
import dev.junction.config.ConfigException;
import dev.junction.config.JunctionConfig;
import dev.junction.health.ReplicaSelector;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.shard.KeyType;
import dev.junction.shard.ShardRing;
import dev.junction.shard.ShardedTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ring lives with the data (issue #13, part 0): the scenario that used to give silent wrong
 * answers — a shard added to the configuration before any row moved — is refused at startup with
 * the resharding command, on four real PostgreSQL servers. Also refused: rows written under another
 * ring before ring records existed, and a shard URL that points at another shard's database.
 */
class RingRecordIT {
  static final int KEYS = 1_583;
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

  @BeforeEach
  void emptyShards() throws Exception {
    for (PostgresReplicaSet set : cluster.postgres()) {
      try (Connection c = set.primary().connect(); Statement s = c.createStatement()) {
        s.execute("DROP TABLE IF EXISTS accounts");
        s.execute("DROP TABLE IF EXISTS junction_ring");
      }
    }
  }

  static JunctionConfig config(int... servers) {
    List<JunctionConfig.Shard> shards = new ArrayList<>();
    for (int i = 0; i < servers.length; i++) {
      var primary = cluster.postgres(servers[i]).primary();
      shards.add(new JunctionConfig.Shard("s" + i, new JunctionConfig.Endpoint("primary", primary.jdbcUrl(), primary.user(),
          primary.password(), 1, JunctionConfig.Pool.defaults()), List.of()));
    }
    JunctionConfig.Routing routing = new JunctionConfig.Routing(ReplicaSelector.Strategy.ROUND_ROBIN, Duration.ofSeconds(5), 0,
        Duration.ofMillis(2500), Duration.ofMillis(100), Duration.ofMillis(50), Duration.ofMillis(500), 10_000);
    return new JunctionConfig(Dialect.POSTGRESQL, shards, routing, JunctionConfig.Fencing.defaults(),
        JunctionConfig.Sharding.of(List.of(new ShardedTable("accounts", "id", KeyType.LONG)), List.of()));
  }

  /** Creates the table and writes keys 0..KEYS-1 through a 3-shard router. */
  static void loadThroughThreeShards() throws Exception {
    try (RoutingDataSource ds = RoutingDataSource.create(config(0, 1, 2)); Connection c = ds.getConnection()) {
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE accounts (id bigint PRIMARY KEY, owner text NOT NULL)");
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO accounts (id, owner) VALUES (?, ?)")) {
        for (long k = 0; k < KEYS; k++) {
          ps.setLong(1, k);
          ps.setString(2, "owner-" + k);
          ps.executeUpdate();
        }
      }
    }
  }

  static List<Long> keysMovingToS3() {
    ShardRing three = ShardRing.of("s0", "s1", "s2");
    ShardRing four = three.withShard("s3");
    List<Long> moved = new ArrayList<>();
    for (long k = 0; k < KEYS; k++) {
      if (!three.shardFor(k).equals(four.shardFor(k))) {
        assertThat(four.shardFor(k)).isEqualTo("s3");
        moved.add(k);
      }
    }
    return moved;
  }

  /**
   * Starts a router on the 4-shard configuration and looks up every key that moved. Before ring
   * records, this started and answered "no rows" for the moved keys; now it must refuse to start.
   */
  static String silentMisses(JunctionConfig four, List<Long> moved) throws Exception {
    try (Connection c = cluster.postgres(3).primary().connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS accounts (id bigint PRIMARY KEY, owner text NOT NULL)"); // the new shard's schema
    }
    try (RoutingDataSource ds = RoutingDataSource.create(four); Connection c = ds.getConnection();
         PreparedStatement ps = c.prepareStatement("SELECT owner FROM accounts WHERE id = ?")) {
      int empty = 0;
      for (long k : moved) {
        ps.setLong(1, k);
        try (ResultSet rs = ps.executeQuery()) {
          empty += rs.next() ? 0 : 1;
        }
      }
      return "the 4-shard router started; " + empty + " of " + moved.size() + " lookups of moved keys returned 0 rows"
          + " with no error";
    }
  }

  @Test
  void addingAShardToTheConfigurationBeforeMovingTheRowsIsRefusedNamingTheReshardCommand() throws Exception {
    loadThroughThreeShards();
    List<Long> moved = keysMovingToS3();
    assertThat(moved.size()).as("about 1/4 of %d keys move to s3", KEYS).isBetween(KEYS / 4 - 80, KEYS / 4 + 80);

    assertThatThrownBy(() -> {
      throw new AssertionError(silentMisses(config(0, 1, 2, 3), moved));
    }).isInstanceOf(ConfigException.class)
        .hasMessageContaining("./junction.sh reshard plan")
        .hasMessageContaining("Configured but not in the recorded ring: [s3]");

    try (RoutingDataSource ds = RoutingDataSource.create(config(0, 1, 2)); Connection c = ds.getConnection();
         Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM accounts")) {
      rs.next();
      assertThat(rs.getLong(1)).as("the recorded ring still starts and sees every row").isEqualTo(KEYS);
    }
  }

  @Test
  void rowsWrittenUnderAnotherRingBeforeRingRecordsExistedAreRefused() throws Exception {
    loadThroughThreeShards();
    for (PostgresReplicaSet set : cluster.postgres()) {
      try (Connection c = set.primary().connect(); Statement s = c.createStatement()) {
        s.execute("DROP TABLE IF EXISTS junction_ring"); // data from a release without ring records
      }
    }
    List<Long> moved = keysMovingToS3();
    assertThatThrownBy(() -> {
      throw new AssertionError(silentMisses(config(0, 1, 2, 3), moved));
    }).isInstanceOf(ConfigException.class)
        .hasMessageContaining("not placed by the configured ring")
        .hasMessageContaining("accounts on s0")
        .hasMessageContaining("reshard plan");
    for (PostgresReplicaSet set : cluster.postgres()) {
      try (Connection c = set.primary().connect(); Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_tables WHERE tablename = 'junction_ring'")) {
        rs.next();
        assertThat(rs.getLong(1)).as("a refused start records nothing").isZero();
      }
    }
    try (RoutingDataSource ds = RoutingDataSource.create(config(0, 1, 2))) {
      assertThat(ds.ring().shardIds()).containsExactly("s0", "s1", "s2");
    }
    assertThatThrownBy(() -> RoutingDataSource.create(config(0, 1, 2, 3)))
        .as("once recorded, the 3-shard ring is what the data says").hasMessageContaining("Configured but not in the recorded ring");
  }

  @Test
  void aShardUrlPointingAtAnotherShardsDatabaseIsRefused() throws Exception {
    loadThroughThreeShards();
    assertThatThrownBy(() -> RoutingDataSource.create(config(0, 2, 1)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("configured as shard 's1' records that it is shard 's2'");
  }

  /**
   * A router that starts while no shard is reachable must still refuse swapped shard URLs once the
   * shards are back: the ring watcher may not adopt what it reads before the full check passed.
   */
  @Test
  void aRouterStartedWhileTheShardsWereDownStillRefusesSwappedUrlsWhenTheyReturn() throws Exception {
    loadThroughThreeShards();
    for (int i = 0; i < 3; i++) {
      cluster.postgres(i).primary().stop();
    }
    RoutingDataSource swapped;
    try {
      swapped = RoutingDataSource.create(config(0, 2, 1)); // starts unverified: nothing to check against
    } finally {
      for (int i = 0; i < 3; i++) {
        cluster.postgres(i).primary().start();
      }
    }
    try (RoutingDataSource ds = swapped) {
      Thread.sleep(1500); // the watcher reads the shards' records meanwhile
      String outcome = null;
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (outcome == null) {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT owner FROM accounts WHERE id = ?")) {
          int missing = 0;
          for (long k = 0; k < KEYS; k++) {
            ps.setLong(1, k);
            try (ResultSet rs = ps.executeQuery()) {
              missing += rs.next() ? 0 : 1;
            }
          }
          outcome = "the router with swapped URLs answered; " + missing + " of " + KEYS + " lookups returned 0 rows";
        } catch (java.sql.SQLException e) {
          boolean stillStarting = e.getMessage().contains("is unavailable") && System.nanoTime() < deadline;
          if (!stillStarting) {
            outcome = e.getMessage(); // the refusal, or a failure to report as it is
          } else {
            Thread.sleep(200); // the restarted primaries' circuits close after a back-off
          }
        }
      }
      assertThat(outcome).contains("configured as shard 's1' records that it is shard 's2'");
    }
  }

  @Test
  void aFirstStartOnEmptyShardsRecordsTheRingEverywhere() throws Exception {
    try (RoutingDataSource ds = RoutingDataSource.create(config(0, 1, 2, 3))) {
      assertThat(ds.ring().shardIds()).hasSize(4);
    }
    for (int i = 0; i < 4; i++) {
      try (Connection c = cluster.postgres(i).primary().connect(); Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT shard_id, ring_version, phase FROM junction_ring")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("s" + i);
        assertThat(rs.getLong(2)).isEqualTo(1);
        assertThat(rs.getString(3)).isEqualTo("STABLE");
      }
    }
    assertThatThrownBy(() -> RoutingDataSource.create(config(0, 1, 2)))
        .as("removing a shard from the configuration is refused too").hasMessageContaining("In the recorded ring but not configured: [s3]");
  }
}
