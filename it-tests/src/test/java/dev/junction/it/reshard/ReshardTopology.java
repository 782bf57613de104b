package dev.junction.it.reshard;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.health.ReplicaSelector;
import dev.junction.local.JdbcServer;
import dev.junction.shard.KeyType;
import dev.junction.shard.ShardedTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Configurations (objects and YAML files for the CLI) over the first N replica sets of a test cluster. */
final class ReshardTopology {
  record Set(JdbcServer primary, List<? extends JdbcServer> replicas) {}

  final Dialect dialect;
  final List<Set> sets;
  final String redisUri;

  ReshardTopology(Dialect dialect, List<Set> sets, String redisUri) {
    this.dialect = dialect;
    this.sets = sets;
    this.redisUri = redisUri;
  }

  static final List<ShardedTable> TABLES = List.of(new ShardedTable("accounts", "id", KeyType.LONG));

  JunctionConfig config(int shards) {
    List<JunctionConfig.Shard> out = new ArrayList<>();
    JunctionConfig.Pool pool = new JunctionConfig.Pool(12, 0, Duration.ofSeconds(2), Duration.ofMinutes(10), Duration.ofMinutes(30),
        Duration.ofSeconds(1));
    for (int i = 0; i < shards; i++) {
      Set s = sets.get(i);
      List<JunctionConfig.Endpoint> replicas = new ArrayList<>();
      for (int r = 0; r < s.replicas().size(); r++) {
        JdbcServer rep = s.replicas().get(r);
        replicas.add(new JunctionConfig.Endpoint("replica" + (r + 1), rep.jdbcUrl(), rep.user(), rep.password(), 1, pool));
      }
      out.add(new JunctionConfig.Shard("s" + i, new JunctionConfig.Endpoint("primary", s.primary().jdbcUrl(), s.primary().user(),
          s.primary().password(), 1, pool), replicas));
    }
    JunctionConfig.Routing routing = new JunctionConfig.Routing(ReplicaSelector.Strategy.ROUND_ROBIN, Duration.ofSeconds(5), 0,
        Duration.ofMillis(2500), Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofMillis(500), 10_000);
    JunctionConfig.Fencing fencing = new JunctionConfig.Fencing(JunctionConfig.FenceStoreKind.REDIS, Duration.ofSeconds(30), 1000,
        redisUri, Duration.ofMillis(500), "junction:reshard:" + dialect + ":", null);
    return new JunctionConfig(dialect, out, routing, fencing, JunctionConfig.Sharding.of(TABLES, List.of())).validate();
  }

  /** The same configuration as YAML (what an operator hands to ./junction.sh reshard). */
  Path yaml(int shards, Path dir) throws IOException {
    StringBuilder y = new StringBuilder("junction:\n  dialect: ").append(dialect.name().toLowerCase(java.util.Locale.ROOT)).append('\n');
    y.append("  shards:\n");
    for (int i = 0; i < shards; i++) {
      Set s = sets.get(i);
      y.append("    - name: s").append(i).append('\n');
      y.append("      primary: { url: \"").append(s.primary().jdbcUrl()).append("\", username: ").append(s.primary().user()).append(" }\n");
      if (!s.replicas().isEmpty()) {
        y.append("      replicas:\n");
        for (JdbcServer r : s.replicas()) {
          y.append("        - { url: \"").append(r.jdbcUrl()).append("\", username: ").append(r.user()).append(" }\n");
        }
      }
    }
    y.append("  sharding:\n    tables:\n      - { name: accounts, key: id, key-type: long }\n");
    Path file = dir.resolve("junction-" + dialect.name().toLowerCase(java.util.Locale.ROOT) + "-" + shards + ".yaml");
    Files.writeString(file, y.toString());
    return file;
  }
}
