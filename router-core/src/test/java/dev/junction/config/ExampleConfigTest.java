package dev.junction.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Keeps the documented example configuration true: it must load and validate. */
class ExampleConfigTest {
  @Test
  void documentedExampleLoads() {
    JunctionConfig config = YamlConfigLoader.load(Path.of("..", "docs", "examples", "junction.yaml"));
    assertThat(config.shards()).hasSize(1);
    assertThat(config.shards().get(0).replicas()).hasSize(2);
    assertThat(config.fencing().store()).isEqualTo(JunctionConfig.FenceStoreKind.REDIS);
    assertThat(config.routing().maxLagBytes()).isEqualTo(64L << 20);
  }

  @Test
  void documentedShardedExampleLoads() throws Exception {
    JunctionConfig config = YamlConfigLoader.load(Path.of("..", "docs", "examples", "junction-sharded.yaml"));
    assertThat(config.isSharded()).isTrue();
    JunctionConfig.Sharding s = config.sharding();
    assertThat(s.tables()).extracting(dev.junction.shard.ShardedTable::name).containsExactly("customers", "orders", "sessions");
    assertThat(s.multiShardTransactions()).isEqualTo(JunctionConfig.MultiShardTransactions.REJECT);
    dev.junction.shard.ShardingRules rules = s.rules(config.shards());
    assertThat(rules.ring().shardCount()).isEqualTo(3);
    assertThat(rules.ring().weight("s2")).isEqualTo(2);
    assertThat(rules.ring().shardFor(42L)).isEqualTo("s1");
    assertThat(rules.isBroadcast("REGIONS")).isTrue();
    assertThat(rules.defaultShard()).isEqualTo(rules.ring().indexOf("s0"));
  }
}
