package dev.junction.spring;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.config.ConfigException;
import dev.junction.config.JunctionConfig;
import dev.junction.config.YamlConfigLoader;
import dev.junction.shard.KeyType;
import dev.junction.shard.ShardedTable;
import dev.junction.shard.ShardingRules;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ByteArrayResource;

/** {@code junction.sharding.*} as Spring binds it becomes the same sharding config the YAML loader builds. */
class ShardingMapperTest {
  private static final String SHARDS_YAML = """
      junction:
        dialect: postgresql
        shards:
          - {name: s0, primary: {url: "jdbc:postgresql://db0/app"}}
          - {name: s1, primary: {url: "jdbc:postgresql://db1/app"}}
      """;

  private static JunctionConfig map(Map<String, String> properties) {
    Binder binder = new Binder(new MapConfigurationPropertySource(properties));
    return JunctionConfigMapper.toConfig(binder.bind("junction", Bindable.of(JunctionProperties.class)).orElseGet(JunctionProperties::new));
  }

  /** Two shards, s0 and s1, and a sharded orders table. */
  private static Map<String, String> twoShards() {
    Map<String, String> p = new HashMap<>();
    p.put("junction.dialect", "postgresql");
    p.put("junction.shards[0].name", "s0");
    p.put("junction.shards[0].primary.url", "jdbc:postgresql://db0/app");
    p.put("junction.shards[1].name", "s1");
    p.put("junction.shards[1].primary.url", "jdbc:postgresql://db1/app");
    p.put("junction.sharding.tables[0].name", "orders");
    p.put("junction.sharding.tables[0].key", "customer_id");
    return p;
  }

  @Test
  void theDocumentedExampleMapsLikeTheYamlLoader() {
    Map<String, String> p = twoShards();
    p.put("junction.sharding.virtual-nodes-per-weight", "512");
    p.put("junction.sharding.ring-version", "3");
    p.put("junction.sharding.default-shard", "s1");
    p.put("junction.sharding.weights.s0", "1");
    p.put("junction.sharding.weights.s1", "2");
    p.put("junction.sharding.tables[0].key-type", "long");
    p.put("junction.sharding.tables[1].name", "Sessions");
    p.put("junction.sharding.tables[1].key", "Token");
    p.put("junction.sharding.tables[1].key-type", "STRING");
    p.put("junction.sharding.broadcast-tables", "countries, currencies");
    p.put("junction.sharding.overrides[0].key", "42");
    p.put("junction.sharding.overrides[0].shard", "s1");
    p.put("junction.sharding.multi-shard-transactions", "reject");
    p.put("junction.sharding.scatter-threads", "8");
    p.put("junction.sharding.max-merge-groups", "5000");
    p.put("junction.sharding.worker-id", "7");

    JunctionConfig.Sharding s = map(p).sharding();

    assertThat(s).isEqualTo(new JunctionConfig.Sharding(512, 3, "s1", Map.of("s0", 1, "s1", 2),
        List.of(new ShardedTable("orders", "customer_id", KeyType.LONG), new ShardedTable("sessions", "token", KeyType.STRING)),
        List.of("countries", "currencies"), List.of(new JunctionConfig.KeyOverride(42L, "s1")),
        JunctionConfig.MultiShardTransactions.REJECT, 8, 5000, 7));
    assertThat(s).isEqualTo(YamlConfigLoader.parse(SHARDS_YAML + """
          sharding:
            virtual-nodes-per-weight: 512
            ring-version: 3
            default-shard: s1
            weights: {s0: 1, s1: 2}
            tables:
              - {name: orders, key: customer_id, key-type: long}
              - {name: Sessions, key: Token, key-type: STRING}
            broadcast-tables: [countries, currencies]
            overrides:
              - {key: 42, shard: s1}
            multi-shard-transactions: reject
            scatter-threads: 8
            max-merge-groups: 5000
            worker-id: 7
        """).sharding());
  }

  @Test
  void theExampleInTheDocsBindsAndValidates() throws Exception {
    String doc = Files.readString(Path.of("..", "docs", "spring-boot.md"));
    String section = doc.substring(doc.indexOf("\n## Sharding\n"));
    String yaml = section.substring(section.indexOf("```yaml\n") + 8, section.indexOf("```\n", section.indexOf("```yaml\n") + 8));

    JunctionConfig c = JunctionConfigMapper.toConfig(bindYaml(yaml));

    assertThat(c.shards()).extracting(JunctionConfig.Shard::name).containsExactly("s0", "s1");
    assertThat(c.sharding().tables()).extracting(ShardedTable::keyType).containsExactly(KeyType.LONG, KeyType.LONG, KeyType.STRING);
    assertThat(c.sharding().overrides()).containsExactly(new JunctionConfig.KeyOverride(42L, "s1"));
    assertThat(c.sharding().weights()).containsEntry("s1", 2);
  }

  @Test
  void theYamlFormatBindsThroughSpringsYamlLoaderUnchanged() throws Exception {
    String yaml = SHARDS_YAML + """
          sharding:
            virtual-nodes-per-weight: 1024
            ring-version: 1
            default-shard: s0
            weights: {s0: 1, s1: 2}
            tables:
              - {name: orders, key: customer_id, key-type: long}
            broadcast-tables: [countries]
            overrides:
              - {key: 42, shard: s1}
            multi-shard-transactions: allow
            scatter-threads: 16
            max-merge-groups: 1000000
            worker-id: 0
        """;
    assertThat(JunctionConfigMapper.toConfig(bindYaml(yaml))).isEqualTo(YamlConfigLoader.parse(yaml));
  }

  /** Binds YAML as an application.yml, with the starter's unknown-key check. */
  private static JunctionProperties bindYaml(String yaml) throws Exception {
    StandardEnvironment environment = new StandardEnvironment();
    for (PropertySource<?> source : new YamlPropertySourceLoader().load("application.yml", new ByteArrayResource(yaml.getBytes(UTF_8)))) {
      environment.getPropertySources().addFirst(source);
    }
    StrictKeyCheck.check(environment);
    return Binder.get(environment).bind("junction", JunctionProperties.class).get();
  }

  @Test
  void withoutTheSectionTheConfigurationIsNotSharded() {
    Map<String, String> p = twoShards();
    p.keySet().removeIf(k -> k.startsWith("junction.sharding"));
    JunctionConfig c = map(p);
    assertThat(c.isSharded()).isFalse();
    assertThat(c.sharding()).isNull();
  }

  @Test
  void defaultsAreTheYamlLoadersDefaults() {
    JunctionConfig.Sharding s = map(twoShards()).sharding();
    assertThat(s).isEqualTo(JunctionConfig.Sharding.of(List.of(new ShardedTable("orders", "customer_id", KeyType.LONG)), List.of()));
    assertThat(s).isEqualTo(YamlConfigLoader.parse(SHARDS_YAML + """
          sharding:
            tables:
              - {name: orders, key: customer_id}
        """).sharding());
    assertThat(s.rules(map(twoShards()).shards()).defaultShard()).as("default shard: the first").isZero();
  }

  @Test
  void anySingleKeyTurnsShardingOn() {
    Map<String, String> p = twoShards();
    p.keySet().removeIf(k -> k.startsWith("junction.sharding"));
    p.put("junction.sharding.broadcast-tables[0]", "countries");
    assertThat(map(p).sharding()).isEqualTo(JunctionConfig.Sharding.of(List.of(), List.of("countries")));
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', textBlock = """
      junction.sharding.tables[0].key-type          | int       | junction.sharding.tables[0].key-type: unknown value 'int'; accepted values: long, string, uuid
      junction.sharding.tables[0].name              | ' '       | junction.sharding.tables[0].name: required: the table name
      junction.sharding.tables[0].key               | ' '       | junction.sharding.tables[0].key: required: the shard-key column of table orders
      junction.sharding.tables[1].name              | ORDERS    | junction.sharding.tables[1].name: duplicate table 'orders'
      junction.sharding.multi-shard-transactions    | sometimes | junction.sharding.multi-shard-transactions: unknown value 'sometimes'; accepted values: allow, reject
      junction.sharding.default-shard               | s9        | junction.sharding.default-shard: unknown shard 's9'; accepted values: s0, s1
      junction.sharding.weights.s9                  | 2         | junction.sharding.weights.s9: unknown shard; accepted values: s0, s1
      junction.sharding.weights.s1                  | 0         | junction.sharding.weights.s1: must be > 0, got 0
      junction.sharding.broadcast-tables            | Orders    | junction.sharding.broadcast-tables[0]: table 'orders' is already listed
      junction.sharding.overrides[0].shard          | s9        | junction.sharding.overrides[0].shard: unknown shard 's9'; accepted values: s0, s1
      junction.sharding.overrides[0].key            | abc       | junction.sharding.overrides[0].key: 'abc' is not a valid long key, the key-type of the sharded tables
      junction.sharding.virtual-nodes-per-weight    | 0         | junction.sharding.virtual-nodes-per-weight: must be between 1 and 1048576, got 0
      junction.sharding.ring-version                | 0         | junction.sharding.ring-version: must be >= 1, got 0
      junction.sharding.scatter-threads             | 0         | junction.sharding.scatter-threads: must be between 1 and 1024, got 0
      junction.sharding.max-merge-groups            | 0         | junction.sharding.max-merge-groups: must be >= 1, got 0
      junction.sharding.worker-id                   | 1024      | junction.sharding.worker-id: must be between 0 and 1023, got 1024
      """)
  void anInvalidValueNamesItsKey(String key, String value, String message) {
    Map<String, String> p = twoShards();
    p.put(key, value);
    if (key.startsWith("junction.sharding.tables[1]")) {
      p.put("junction.sharding.tables[1].key", "id");
    }
    if (key.startsWith("junction.sharding.overrides[0]")) {
      p.putIfAbsent("junction.sharding.overrides[0].key", "42");
      p.putIfAbsent("junction.sharding.overrides[0].shard", "s1");
    }
    assertThatThrownBy(() -> map(p)).isInstanceOf(ConfigException.class).hasMessageStartingWith(message);
  }

  @Test
  void anOverrideWithoutKeyNamesTheKey() {
    Map<String, String> p = twoShards();
    p.put("junction.sharding.overrides[0].shard", "s1");
    assertThatThrownBy(() -> map(p)).isInstanceOf(ConfigException.class)
        .hasMessage("junction.sharding.overrides[0].key: required: an integer, string or UUID key value, got null");
  }

  @Test
  void anOverrideKeyTakesTheKeyTypeOfTheShardedTables() {
    UUID uuid = UUID.fromString("3f2504e0-4f89-11d3-9a0c-0305e82c3301");
    assertThat(overrideKey("long", "42")).isEqualTo(42L);
    assertThat(overrideKey("string", "42")).isEqualTo("42");
    assertThat(overrideKey("uuid", uuid.toString())).isEqualTo(uuid);
    assertThatThrownBy(() -> overrideKey("uuid", "42")).hasMessage(
        "junction.sharding.overrides[0].key: '42' is not a valid uuid key, the key-type of the sharded tables");

    Map<String, String> mixed = twoShards();
    mixed.put("junction.sharding.tables[1].name", "sessions");
    mixed.put("junction.sharding.tables[1].key", "token");
    mixed.put("junction.sharding.tables[1].key-type", "string");
    mixed.put("junction.sharding.overrides[0].key", "42");
    mixed.put("junction.sharding.overrides[0].shard", "s1");
    mixed.put("junction.sharding.overrides[1].key", "vip-7");
    mixed.put("junction.sharding.overrides[1].shard", "s1");
    assertThat(map(mixed).sharding().overrides()).extracting(JunctionConfig.KeyOverride::key).containsExactly(42L, "vip-7");
  }

  @Test
  void aPinnedKeyLandsOnItsShard() throws Exception {
    Map<String, String> p = twoShards();
    JunctionConfig plain = map(p);
    ShardedTable orders = plain.sharding().tables().get(0);
    long key = 42;
    int ringShard = plain.sharding().rules(plain.shards()).shardOf(orders, key);
    String other = ringShard == 0 ? "s1" : "s0";
    p.put("junction.sharding.overrides[0].key", Long.toString(key));
    p.put("junction.sharding.overrides[0].shard", other);
    JunctionConfig pinned = map(p);
    ShardingRules rules = pinned.sharding().rules(pinned.shards());
    assertThat(rules.ring().shardId(rules.shardOf(orders, key))).isEqualTo(other);
    assertThat(rules.ring().shardId(rules.shardOf(orders, 42))).as("an int key is the same pin").isEqualTo(other);
  }

  private static Object overrideKey(String keyType, String key) {
    Map<String, String> p = twoShards();
    p.put("junction.sharding.tables[0].key-type", keyType);
    p.put("junction.sharding.overrides[0].key", key);
    p.put("junction.sharding.overrides[0].shard", "s1");
    return map(p).sharding().overrides().get(0).key();
  }
}
