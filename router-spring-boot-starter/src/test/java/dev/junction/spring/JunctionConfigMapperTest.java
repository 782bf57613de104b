package dev.junction.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.classify.Dialect;
import dev.junction.config.ConfigException;
import dev.junction.config.JunctionConfig;
import dev.junction.health.ReplicaSelector;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** Properties as Spring binds them (kebab-case, Spring's duration and size formats) become the router's config. */
class JunctionConfigMapperTest {

  private static JunctionProperties bind(Map<String, String> properties) {
    Binder binder = new Binder(new MapConfigurationPropertySource(properties));
    return binder.bind("junction", Bindable.of(JunctionProperties.class)).orElseGet(JunctionProperties::new);
  }

  private static Map<String, String> minimal() {
    Map<String, String> p = new HashMap<>();
    p.put("junction.dialect", "postgresql");
    p.put("junction.shards[0].primary.url", "jdbc:postgresql://db1:5432/app");
    return p;
  }

  @Test
  void everyKeyOfTheYamlFormatBindsAndMaps() {
    Map<String, String> p = minimal();
    p.put("junction.shards[0].name", "main");
    p.put("junction.shards[0].primary.name", "db1");
    p.put("junction.shards[0].primary.username", "app");
    p.put("junction.shards[0].primary.password", "s3cret");
    p.put("junction.shards[0].primary.pool.maximum-size", "20");
    p.put("junction.shards[0].primary.pool.minimum-idle", "2");
    p.put("junction.shards[0].primary.pool.connection-timeout", "750ms");
    p.put("junction.shards[0].primary.pool.idle-timeout", "5m");
    p.put("junction.shards[0].primary.pool.max-lifetime", "1h");
    p.put("junction.shards[0].primary.pool.validation-timeout", "300ms");
    p.put("junction.shards[0].replicas[0].url", "jdbc:postgresql://db2:5432/app");
    p.put("junction.shards[0].replicas[0].weight", "3");
    p.put("junction.shards[0].replicas[1].name", "far");
    p.put("junction.shards[0].replicas[1].url", "jdbc:postgresql://db3:5432/app");
    p.put("junction.routing.replica-selection", "least-lag");
    p.put("junction.routing.max-lag", "2s");
    p.put("junction.routing.max-lag-bytes", "16MB");
    p.put("junction.routing.readmit-lag", "500ms");
    p.put("junction.routing.lag-poll-interval", "100ms");
    p.put("junction.routing.max-fence-wait", "20ms");
    p.put("junction.routing.circuit-open", "2s");
    p.put("junction.routing.parse-cache-size", "500");
    p.put("junction.routing.side-effect-functions", "my_audit_fn, app.bump_counter");
    p.put("junction.routing.parse-budget", "80ms");
    p.put("junction.routing.unknown-functions", "primary");
    p.put("junction.routing.read-only-functions", "app.price_of");
    p.put("junction.fencing.store", "redis");
    p.put("junction.fencing.ttl", "1m");
    p.put("junction.fencing.local-maximum-scopes", "1000");
    p.put("junction.fencing.redis-uri", "redis://127.0.0.1:6379");
    p.put("junction.fencing.redis-timeout", "150ms");
    p.put("junction.fencing.redis-key-prefix", "app:fence:");
    p.put("junction.fencing.token-secret", "0123456789abcdef0123");

    JunctionConfig c = JunctionConfigMapper.toConfig(bind(p));

    assertThat(c.dialect()).isEqualTo(Dialect.POSTGRESQL);
    JunctionConfig.Shard shard = c.shards().get(0);
    assertThat(shard.name()).isEqualTo("main");
    assertThat(shard.primary()).isEqualTo(new JunctionConfig.Endpoint("db1", "jdbc:postgresql://db1:5432/app", "app", "s3cret", 1,
        new JunctionConfig.Pool(20, 2, Duration.ofMillis(750), Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofMillis(300))));
    assertThat(shard.replicas()).extracting(JunctionConfig.Endpoint::name).containsExactly("replica1", "far");
    assertThat(shard.replicas().get(0).weight()).isEqualTo(3);
    assertThat(shard.replicas().get(0).pool()).isEqualTo(JunctionConfig.Pool.defaults());
    assertThat(c.routing()).isEqualTo(new JunctionConfig.Routing(ReplicaSelector.Strategy.LEAST_LAG, Duration.ofSeconds(2),
        16L << 20, Duration.ofMillis(500), Duration.ofMillis(100), Duration.ofMillis(20), Duration.ofSeconds(2), 500,
        java.util.List.of("my_audit_fn", "app.bump_counter"), Duration.ofMillis(80),
        dev.junction.classify.UnknownFunctions.PRIMARY, java.util.List.of("app.price_of")));
    assertThat(c.fencing()).isEqualTo(new JunctionConfig.Fencing(JunctionConfig.FenceStoreKind.REDIS, Duration.ofMinutes(1), 1000,
        "redis://127.0.0.1:6379", Duration.ofMillis(150), "app:fence:", "0123456789abcdef0123"));
  }

  @Test
  void defaultsAreTheLibrarysDefaults() {
    JunctionConfig c = JunctionConfigMapper.toConfig(bind(minimal()));
    assertThat(c.shards().get(0).name()).isEqualTo("shard0");
    assertThat(c.shards().get(0).primary().name()).isEqualTo("primary");
    assertThat(c.shards().get(0).primary().pool()).isEqualTo(JunctionConfig.Pool.defaults());
    assertThat(c.routing()).isEqualTo(JunctionConfig.Routing.defaults());
    assertThat(c.fencing()).isEqualTo(JunctionConfig.Fencing.defaults());
  }

  @Test
  void readmitLagDefaultsToHalfTheMaxLag() {
    Map<String, String> p = minimal();
    p.put("junction.routing.max-lag", "3s");
    assertThat(JunctionConfigMapper.toConfig(bind(p)).routing().readmitLag()).isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  void invalidValuesNameTheirKey() {
    Map<String, String> p = minimal();
    p.put("junction.shards[0].replicas[0].url", "postgresql://db2/app");
    assertThatThrownBy(() -> JunctionConfigMapper.toConfig(bind(p))).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("junction.shards[0].replicas[0].url: required JDBC URL starting with 'jdbc:'");

    Map<String, String> q = minimal();
    q.remove("junction.dialect");
    assertThatThrownBy(() -> JunctionConfigMapper.toConfig(bind(q)))
        .hasMessage("junction.dialect: required; accepted values: postgresql, mysql, mariadb");

    Map<String, String> r = minimal();
    r.put("junction.routing.readmit-lag", "10s");
    assertThatThrownBy(() -> JunctionConfigMapper.toConfig(bind(r))).hasMessageStartingWith("junction.routing.readmit-lag: must be between 0 and max-lag");

    Map<String, String> s = minimal();
    s.put("junction.fencing.store", "redis");
    assertThatThrownBy(() -> JunctionConfigMapper.toConfig(bind(s))).hasMessageStartingWith("junction.fencing.redis-uri: required when");

    Map<String, String> fn = minimal();
    fn.put("junction.routing.side-effect-functions[0]", "my audit fn");
    assertThatThrownBy(() -> JunctionConfigMapper.toConfig(bind(fn)))
        .hasMessageStartingWith("junction.routing.side-effect-functions: 'my audit fn' is not a function name");

    Map<String, String> budget = minimal();
    budget.put("junction.routing.parse-budget", "0ms");
    assertThatThrownBy(() -> JunctionConfigMapper.toConfig(bind(budget)))
        .hasMessageStartingWith("junction.routing.parse-budget: must be a positive duration");

    JunctionProperties blanked = bind(minimal());
    blanked.getShards().get(0).getPrimary().getPool().setConnectionTimeout(null);
    assertThatThrownBy(() -> JunctionConfigMapper.toConfig(blanked))
        .hasMessage("junction.shards[0].primary.pool.connection-timeout: must not be empty; remove the key to use the default");
  }

  @Test
  void aShardWithoutPrimaryIsReported() {
    Map<String, String> p = new HashMap<>();
    p.put("junction.dialect", "postgresql");
    p.put("junction.shards[0].replicas[0].url", "jdbc:postgresql://db2/app");
    assertThatThrownBy(() -> JunctionConfigMapper.toConfig(bind(p))).hasMessage("junction.shards[0].primary: required");
  }
}
