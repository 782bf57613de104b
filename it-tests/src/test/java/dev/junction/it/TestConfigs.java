package dev.junction.it;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.config.JunctionConfig.Endpoint;
import dev.junction.config.JunctionConfig.Pool;
import dev.junction.health.ReplicaSelector;
import dev.junction.local.JdbcServer;
import dev.junction.local.MariaDbReplicaSet;
import dev.junction.local.PostgresReplicaSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Builds router configurations that point at a {@code LocalCluster}'s real servers. */
final class TestConfigs {
  private TestConfigs() {}

  static final Pool POOL = new Pool(8, 0, Duration.ofMillis(500), Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofMillis(500));

  static JunctionConfig.Routing routing(Duration maxLag, Duration maxFenceWait) {
    return new JunctionConfig.Routing(ReplicaSelector.Strategy.ROUND_ROBIN, maxLag, 0, maxLag.dividedBy(2),
        Duration.ofMillis(100), maxFenceWait, Duration.ofMillis(500), 10_000);
  }

  static JunctionConfig.Fencing localFences() {
    return JunctionConfig.Fencing.defaults();
  }

  static JunctionConfig.Fencing redisFences(String uri) {
    // 1 s, not the 200 ms default: on a CI machine at load 25+ a 200 ms command timeout tripped the store's
    // fail-safe window and sent every fenced read to the primary (safe, but the tests then measure nothing).
    return new JunctionConfig.Fencing(JunctionConfig.FenceStoreKind.REDIS, Duration.ofSeconds(5), 1000, uri,
        Duration.ofSeconds(1), "junction:test:", "0123456789abcdef-test-secret");
  }

  static JunctionConfig postgres(PostgresReplicaSet set, JunctionConfig.Routing routing, JunctionConfig.Fencing fencing) {
    List<Endpoint> replicas = new ArrayList<>();
    for (int i = 0; i < set.replicas().size(); i++) {
      replicas.add(endpoint("replica" + (i + 1), set.replica(i)));
    }
    return new JunctionConfig(Dialect.POSTGRESQL,
        List.of(new JunctionConfig.Shard("main", endpoint("primary", set.primary()), replicas)), routing, fencing);
  }

  static JunctionConfig mariadb(MariaDbReplicaSet set, JunctionConfig.Routing routing, JunctionConfig.Fencing fencing) {
    return new JunctionConfig(Dialect.MARIADB,
        List.of(new JunctionConfig.Shard("main", endpoint("primary", set.primary()), List.of(endpoint("replica1", set.replica())))),
        routing, fencing);
  }

  /** One shard per replica set, named s0, s1, ... in order. */
  static JunctionConfig shardedPostgres(List<PostgresReplicaSet> sets, JunctionConfig.Routing routing,
                                        JunctionConfig.Fencing fencing, JunctionConfig.Sharding sharding) {
    List<JunctionConfig.Shard> shards = new ArrayList<>();
    for (int s = 0; s < sets.size(); s++) {
      PostgresReplicaSet set = sets.get(s);
      List<Endpoint> replicas = new ArrayList<>();
      for (int i = 0; i < set.replicas().size(); i++) {
        replicas.add(endpoint("replica" + (i + 1), set.replica(i)));
      }
      shards.add(new JunctionConfig.Shard("s" + s, endpoint("primary", set.primary()), replicas));
    }
    return new JunctionConfig(Dialect.POSTGRESQL, shards, routing, fencing, sharding);
  }

  static Endpoint endpoint(String name, JdbcServer server) {
    return new Endpoint(name, server.jdbcUrl(), server.user(), server.password(), 1, POOL);
  }
}
