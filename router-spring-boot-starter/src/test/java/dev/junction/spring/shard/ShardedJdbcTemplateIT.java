package dev.junction.spring.shard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.Junction;
import dev.junction.Scope;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.local.PostgresServer;
import dev.junction.shard.ShardRing;
import dev.junction.shard.ShardedTable;
import dev.junction.shard.ShardingRules;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.data.jpa.JpaRepositoriesAutoConfiguration;
import org.springframework.boot.autoconfigure.orm.jpa.HibernateJpaAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Sharding configured through Spring properties alone, on two real PostgreSQL replica sets (a
 * primary and a streaming replica each): JdbcTemplate writes and point reads land on the shard the
 * ring names, as each shard's primary confirms, a pinned key lands on its pinned shard, and a
 * scatter {@code count(*)} adds up the shards.
 */
class ShardedJdbcTemplateIT {
  static final int ACCOUNTS = 200;
  static LocalCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(2).postgresReplicas(Duration.ZERO).start();
    for (PostgresReplicaSet set : cluster.postgres()) {
      try (Connection c = set.primary().connect(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE accounts (id bigint PRIMARY KEY, owner text NOT NULL)");
      }
    }
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** Shards s0 and s1 on the two replica sets, accounts sharded by id, {@code pinned} pinned to s1. */
  private static Map<String, Object> properties(long pinned) {
    Map<String, Object> p = new HashMap<>();
    p.put("spring.main.web-application-type", "none");
    p.put("spring.main.banner-mode", "off");
    p.put("logging.level.root", "warn");
    p.put("junction.dialect", "postgresql");
    for (int i = 0; i < 2; i++) {
      PostgresReplicaSet set = cluster.postgres(i);
      String shard = "junction.shards[" + i + "]";
      p.put(shard + ".name", "s" + i);
      p.put(shard + ".primary.url", set.primary().jdbcUrl());
      p.put(shard + ".primary.username", set.primary().user());
      p.put(shard + ".replicas[0].url", set.replica(0).jdbcUrl());
      p.put(shard + ".replicas[0].username", set.replica(0).user());
    }
    p.put("junction.sharding.tables[0].name", "accounts");
    p.put("junction.sharding.tables[0].key", "id");
    p.put("junction.sharding.tables[0].key-type", "long");
    p.put("junction.sharding.overrides[0].key", Long.toString(pinned));
    p.put("junction.sharding.overrides[0].shard", "s1");
    p.put("junction.sharding.multi-shard-transactions", "reject");
    return p;
  }

  @Test
  void jdbcTemplateRowsLandOnTheShardTheRingNames() throws Exception {
    long pinned = firstKeyTheRingPutsOn("s0", 1_000);
    try (ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class).properties(properties(pinned)).run()) {
      JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
      JunctionConfig config = context.getBean(JunctionConfig.class);
      ShardingRules rules = config.sharding().rules(config.shards());
      ShardedTable accounts = rules.sharded("accounts");
      assertThat(context.getBean(RoutingDataSource.class).ring()).isEqualTo(rules.ring());

      Map<String, Set<Long>> expected = Map.of("s0", new TreeSet<>(), "s1", new TreeSet<>());
      try (Scope scope = Junction.scope("sharded-it")) {
        for (long id = 0; id < ACCOUNTS; id++) {
          assertThat(jdbc.update("INSERT INTO accounts (id, owner) VALUES (?, ?)", id, "owner" + id)).isEqualTo(1);
          expected.get(rules.ring().shardId(rules.shardOf(accounts, id))).add(id);
        }
        assertThat(jdbc.update("INSERT INTO accounts (id, owner) VALUES (?, ?)", pinned, "pinned")).isEqualTo(1);
        expected.get("s1").add(pinned);

        for (long id = 0; id < 20; id++) {
          Map<String, Object> row = jdbc.queryForMap("SELECT owner, inet_server_port() AS port FROM accounts WHERE id = ?", id);
          assertThat(row.get("owner")).isEqualTo("owner" + id);
          String shard = rules.ring().shardId(rules.shardOf(accounts, id));
          assertThat(portsOf(shard)).as("servers of %s, which the ring names for id %d", shard, id).contains((Integer) row.get("port"));
        }
        assertThat(jdbc.queryForObject("SELECT owner FROM accounts WHERE id = ?", String.class, pinned)).isEqualTo("pinned");
        // inside the scope: every shard's part of the scatter is fenced past this scope's inserts
        assertThat(jdbc.queryForObject("SELECT count(*) FROM accounts", Long.class)).as("scatter count over both shards")
            .isEqualTo(ACCOUNTS + 1L);
      }

      for (String shard : expected.keySet()) {
        assertThat(expected.get(shard)).as("keys the ring gives %s", shard).hasSizeGreaterThan(ACCOUNTS / 4);
        assertThat(idsOnPrimary(shard)).as("rows on %s's primary", shard).isEqualTo(expected.get(shard));
      }
    }
  }

  /** A key the plain ring (same shards, default virtual nodes and version) places on {@code shard}. */
  private static long firstKeyTheRingPutsOn(String shard, long from) {
    ShardRing ring = ShardRing.of("s0", "s1");
    long key = from;
    while (!ring.shardFor(key).equals(shard)) {
      key++;
    }
    return key;
  }

  private static PostgresReplicaSet set(String shard) {
    return cluster.postgres(Integer.parseInt(shard.substring(1)));
  }

  private static Set<Integer> portsOf(String shard) {
    return set(shard).servers().stream().map(PostgresServer::port).collect(Collectors.toSet());
  }

  private static Set<Long> idsOnPrimary(String shard) throws Exception {
    Set<Long> ids = new TreeSet<>();
    try (Connection c = set(shard).primary().connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT id FROM accounts")) {
      while (rs.next()) {
        ids.add(rs.getLong(1));
      }
    }
    return ids;
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration(exclude = {HibernateJpaAutoConfiguration.class, JpaRepositoriesAutoConfiguration.class})
  static class App {}
}
