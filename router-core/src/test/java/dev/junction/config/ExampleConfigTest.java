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
}
