package dev.junction.it.shard;

import dev.junction.config.JunctionConfig;
import dev.junction.config.JunctionConfig.Endpoint;
import dev.junction.config.JunctionConfig.Pool;
import dev.junction.health.ReplicaSelector;
import dev.junction.local.JdbcServer;
import dev.junction.shard.KeyType;
import dev.junction.shard.ShardedTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The sharded Junction configuration over one replica set per shard (named s0, s1, ...). */
public final class ShardedConfigs {
  static final Pool POOL = new Pool(8, 0, Duration.ofSeconds(2), Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofSeconds(1));

  private ShardedConfigs() {}

  /** One shard: a primary and its replicas. */
  public record ShardServers(JdbcServer primary, List<? extends JdbcServer> replicas) {}

  public static JunctionConfig of(SqlFlavor flavor, List<ShardServers> shards) {
    List<JunctionConfig.Shard> out = new ArrayList<>();
    for (int i = 0; i < shards.size(); i++) {
      List<Endpoint> replicas = new ArrayList<>();
      for (int r = 0; r < shards.get(i).replicas().size(); r++) {
        replicas.add(endpoint("replica" + (r + 1), shards.get(i).replicas().get(r)));
      }
      out.add(new JunctionConfig.Shard("s" + i, endpoint("primary", shards.get(i).primary()), replicas));
    }
    JunctionConfig.Routing routing = new JunctionConfig.Routing(ReplicaSelector.Strategy.ROUND_ROBIN, Duration.ofSeconds(5), 0,
        Duration.ofMillis(2500), Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(500), 10_000);
    JunctionConfig.Sharding sharding = JunctionConfig.Sharding.of(
        List.of(new ShardedTable(Schema.CUSTOMERS, Schema.KEY, KeyType.LONG), new ShardedTable(Schema.ORDERS, Schema.KEY, KeyType.LONG),
            new ShardedTable("specials", Schema.KEY, KeyType.LONG)),
        List.of(Schema.REGIONS));
    return new JunctionConfig(flavor.dialect(), out, routing, JunctionConfig.Fencing.defaults(), sharding).validate();
  }

  static Endpoint endpoint(String name, JdbcServer server) {
    return new Endpoint(name, server.jdbcUrl(), server.user(), server.password(), 1, POOL);
  }
}
