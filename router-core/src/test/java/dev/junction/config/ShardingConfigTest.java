package dev.junction.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.shard.KeyType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code junction.sharding}: defaults, and every invalid value rejected with its exact key. */
class ShardingConfigTest {
  static String yaml(String sharding) {
    return """
        junction:
          dialect: postgresql
          shards:
            - name: s0
              primary: { url: "jdbc:postgresql://db0:5432/app" }
            - name: s1
              primary: { url: "jdbc:postgresql://db1:5432/app" }
          sharding:
        """ + sharding.indent(4);
  }

  @Test
  void defaults() {
    JunctionConfig c = YamlConfigLoader.parse(yaml("tables: [ { name: Orders, key: Customer_Id } ]"));
    JunctionConfig.Sharding s = c.sharding();
    assertThat(s.tables()).singleElement().satisfies(t -> {
      assertThat(t.name()).isEqualTo("orders");
      assertThat(t.keyColumn()).isEqualTo("customer_id");
      assertThat(t.keyType()).isEqualTo(KeyType.LONG);
    });
    assertThat(s.virtualNodesPerWeight()).isEqualTo(1024);
    assertThat(s.multiShardTransactions()).isEqualTo(JunctionConfig.MultiShardTransactions.ALLOW);
    assertThat(s.rules(c.shards()).defaultShard()).isEqualTo(s.rules(c.shards()).ring().indexOf("s0"));
  }

  @Test
  void withoutTheSectionNothingIsSharded() {
    JunctionConfig c = YamlConfigLoader.parse(yaml("").replace("  sharding:\n", ""));
    assertThat(c.isSharded()).isFalse();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "tables: [ { name: orders, key: id, key-type: int } ]           | junction.sharding.tables[0].key-type | accepted values: long, string, uuid",
      "tables: [ { name: orders } ]                                   | junction.sharding.tables[0].key      | required",
      "tables: [ { key: id } ]                                        | junction.sharding.tables[0].name     | required",
      "tables: [ { name: t, key: a }, { name: T, key: b } ]           | junction.sharding.tables[1].name     | duplicate table",
      "{ tables: [ { name: t, key: a } ], broadcast-tables: [ t ] }   | junction.sharding.broadcast-tables[0] | either sharded or broadcast",
      "default-shard: s9                                              | junction.sharding.default-shard      | accepted values: s0, s1",
      "weights: { s7: 2 }                                             | junction.sharding.weights.s7         | unknown shard",
      "weights: { s1: 0 }                                             | junction.sharding.weights.s1         | must be > 0",
      "overrides: [ { key: 1, shard: s5 } ]                           | junction.sharding.overrides[0].shard | accepted values: s0, s1",
      "multi-shard-transactions: sometimes                            | junction.sharding.multi-shard-transactions | accepted values: allow, reject",
      "scatter-threads: 0                                             | junction.sharding.scatter-threads    | between 1 and 1024",
      "worker-id: 5000                                                | junction.sharding.worker-id          | between 0 and 1023",
      "virtual-nodes-per-weight: 0                                    | junction.sharding.virtual-nodes-per-weight | between 1",
      "tabels: []                                                     | junction.sharding.tabels             | accepted keys here",
  })
  void invalidValuesNameTheirKey(String sharding, String key, String problem) {
    assertThatThrownBy(() -> YamlConfigLoader.parse(yaml(sharding)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(key + ":")
        .hasMessageContaining(problem);
  }

  @Test
  void anOverridePinsTheKeyInEveryKeyTypeItCanBe() throws Exception {
    JunctionConfig c = YamlConfigLoader.parse(yaml("""
        tables: [ { name: orders, key: customer_id, key-type: long }, { name: sessions, key: token, key-type: string } ]
        overrides: [ { key: 42, shard: s1 }, { key: 7f000001-0000-0000-0000-000000000001, shard: s1 } ]
        """));
    var rules = c.sharding().rules(c.shards());
    var orders = c.sharding().tables().get(0);
    var sessions = c.sharding().tables().get(1);
    assertThat(rules.ring().shardId(rules.shardOf(orders, 42L))).isEqualTo("s1");
    assertThat(rules.ring().shardId(rules.shardOf(orders, "42"))).isEqualTo("s1");
    assertThat(rules.ring().shardId(rules.shardOf(sessions, "42"))).isEqualTo("s1");
    assertThat(rules.ring().shardId(rules.shardOf(sessions, "7f000001-0000-0000-0000-000000000001"))).isEqualTo("s1");
    assertThat(rules.ring().overrides()).containsOnlyKeys(42L, "42", "7f000001-0000-0000-0000-000000000001");
  }
}
