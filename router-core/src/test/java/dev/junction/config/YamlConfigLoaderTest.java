package dev.junction.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.classify.Dialect;
import dev.junction.health.ReplicaSelector;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class YamlConfigLoaderTest {
  static final String VALID = """
      junction:
        dialect: postgresql
        shards:
          - name: main
            primary: { url: "jdbc:postgresql://db1:5432/app", username: app, password: secret }
            replicas:
              - { name: r1, url: "jdbc:postgresql://db2:5432/app", weight: 2 }
              - { name: r2, url: "jdbc:postgresql://db3:5432/app", pool: { maximum-size: 20, connection-timeout: 1s } }
        routing:
          replica-selection: least-lag
          max-lag: 2s
          max-lag-bytes: 16MB
          max-fence-wait: 30ms
        fencing:
          store: redis
          redis-uri: redis://127.0.0.1:6379
          ttl: 1m
      """;

  @Test
  void loadsEverySection() {
    JunctionConfig c = YamlConfigLoader.parse(VALID);
    assertThat(c.dialect()).isEqualTo(Dialect.POSTGRESQL);
    assertThat(c.shards()).hasSize(1);
    var shard = c.shards().get(0);
    assertThat(shard.primary().username()).isEqualTo("app");
    assertThat(shard.replicas()).extracting(JunctionConfig.Endpoint::name).containsExactly("r1", "r2");
    assertThat(shard.replicas().get(0).weight()).isEqualTo(2);
    assertThat(shard.replicas().get(1).pool().maximumSize()).isEqualTo(20);
    assertThat(shard.replicas().get(1).pool().connectionTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.routing().replicaSelection()).isEqualTo(ReplicaSelector.Strategy.LEAST_LAG);
    assertThat(c.routing().maxLag()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.routing().readmitLag()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.routing().maxLagBytes()).isEqualTo(16L << 20);
    assertThat(c.routing().maxFenceWait()).isEqualTo(Duration.ofMillis(30));
    assertThat(c.fencing().store()).isEqualTo(JunctionConfig.FenceStoreKind.REDIS);
    assertThat(c.fencing().ttl()).isEqualTo(Duration.ofMinutes(1));
  }

  /** Each broken config must fail naming the exact key, and say what is accepted. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "dialect: postgresql|dialect: oracle|junction.dialect|accepted values: postgresql, mysql, mariadb",
      "max-lag: 2s|max-lag: 2 weeks|junction.routing.max-lag|not a duration",
      "max-lag: 2s|max-lagg: 2s|junction.routing.max-lagg|accepted keys here",
      "replica-selection: least-lag|replica-selection: random|junction.routing.replica-selection|round-robin, least-lag",
      "weight: 2|weight: 0|junction.shards[0].replicas[0].weight|must be > 0",
      "name: r2, url: \"jdbc:postgresql://db3:5432/app\"|name: r2, url: \"postgres://db3\"|junction.shards[0].replicas[1].url|starting with 'jdbc:'",
      "name: r2,|name: r1,|junction.shards[0].replicas[1].name|duplicate endpoint name",
      "redis-uri: redis://127.0.0.1:6379|redis-urx: redis://127.0.0.1:6379|junction.fencing.redis-urx|unknown key",
      "max-fence-wait: 30ms|max-fence-wait: -5ms|junction.routing.max-fence-wait|not a duration",
      "maximum-size: 20|maximum-size: 0|junction.shards[0].replicas[1].pool.maximum-size|must be > 0",
  })
  void invalidConfigurationNamesTheKey(String replace, String with, String key, String hint) {
    String broken = VALID.replace(replace, with);
    assertThat(broken).isNotEqualTo(VALID);
    assertThatThrownBy(() -> YamlConfigLoader.parse(broken))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(key + ":")
        .hasMessageContaining(hint)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo(key));
  }

  @Test
  void redisStoreNeedsAUri() {
    assertThatThrownBy(() -> YamlConfigLoader.parse(VALID.replace("    redis-uri: redis://127.0.0.1:6379\n", "")))
        .hasMessageStartingWith("junction.fencing.redis-uri:");
  }

  @Test
  void environmentReferencesExpandWithDefaults() {
    JunctionConfig c = YamlConfigLoader.parse(VALID.replace("password: secret", "password: \"${JUNCTION_TEST_UNSET_VAR:fallback}\""));
    assertThat(c.shards().get(0).primary().password()).isEqualTo("fallback");
    assertThatThrownBy(() -> YamlConfigLoader.parse(VALID.replace("password: secret", "password: \"${JUNCTION_TEST_UNSET_VAR}\"")))
        .hasMessageStartingWith("junction.shards[0].primary.password:").hasMessageContaining("not set");
  }
}
