package dev.junction.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.proxy.auth.AuthMethod;
import dev.junction.shard.KeyType;
import dev.junction.shard.ShardedTable;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Transaction control through the sharded relay (two shards, a primary and a replica each; {@code t}
 * sharded by id), compared with PostgreSQL itself on one unsharded database (see
 * {@link TxControlDifferential}). Here the proxy answers a lone BEGIN itself and sends it ahead of the
 * transaction's first statement, and runs transactions over both shards: the proxy's own transaction
 * state is what is under test. Refusals of what it does not support over several shards are accepted.
 */
class ShardedTxControlDifferentialIT extends TxControlDifferential {
  static LocalCluster cluster;
  static RoutingDataSource ds;
  static ProxyServer proxy;
  static JunctionConfig config;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(2).postgresReplicas(Duration.ZERO).shared(ShardedTxControlDifferentialIT.class);
    JunctionConfig.Pool pool = new JunctionConfig.Pool(3, 0, Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofMinutes(30),
        Duration.ofSeconds(1));
    List<JunctionConfig.Shard> shards = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      PostgresReplicaSet set = cluster.postgres(i);
      try (Connection c = set.primary().connect(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE t (id bigint primary key, v text)");
        if (i == 0) {
          s.execute("CREATE DATABASE " + TxControlDifferentialIT.oracleDatabase(set.primary()));
        }
      }
      shards.add(new JunctionConfig.Shard("s" + i,
          new JunctionConfig.Endpoint("primary", set.primary().jdbcUrl(), set.primary().user(), "", 1, pool),
          List.of(new JunctionConfig.Endpoint("replica1", set.replica(0).jdbcUrl(), set.replica(0).user(), "", 1, pool))));
    }
    try (Connection c = TxControlDifferentialIT.oracleJdbc(cluster.postgres(0).primary()); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE t (id bigint primary key, v text)");
    }
    config = new JunctionConfig(Dialect.POSTGRESQL, shards, JunctionConfig.Routing.defaults(),
        JunctionConfig.Fencing.defaults(), JunctionConfig.Sharding.of(List.of(new ShardedTable("t", "id", KeyType.LONG)), List.of()));
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ds = RoutingDataSource.create(config, registry);
    proxy = new ProxyServer(ProxyConfig.defaults().withAuth(AuthMethod.TRUST, Map.of()).withPorts(0, 0), ds, registry);
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (ds != null) {
      ds.close();
    }
    if (cluster != null) {
      TxControlDifferentialIT.dropOracle(cluster.postgres(0).primary());
      cluster.close();
    }
  }

  @Test
  void transactionControlMatchesPostgres() throws Exception {
    // A fixed seed by default, so that a build is repeatable; -Djunction.txdiff.seed=<n> explores (a divergence
    // found that way becomes a hand-written sequence, as the READ ONLY + PREPARE TRANSACTION ones did)
    long seed = Long.getLong("junction.txdiff.seed", 42);
    List<List<String>> sequences = new ArrayList<>(handcrafted());
    sequences.addAll(splitPipelines());
    sequences.addAll(random(seed, Integer.getInteger("junction.txdiff.random", 80)));
    sequences = remap(sequences);
    Report report = run(sequences);
    TxControlDifferentialIT.print("ShardedTxControlDifferentialIT", seed, report);
    assertThat(report.divergences).as("divergences from PostgreSQL (seed %d)", seed).isEmpty();
  }

  /**
   * Pipelines outside a transaction whose statements go to both shards (keys 1, 3: s0; 2, 4: s1), ending
   * with one Sync: PostgreSQL runs them as one implicit transaction; an error anywhere rolls all back. Then
   * BEGIN inside a transaction whose BEGIN the proxy answered (alone, or extended with a statement over both
   * shards): PostgreSQL warns and the first BEGIN's modes stay.
   */
  static List<List<String>> splitPipelines() {
    String upd2 = "UPDATE t SET v = 'u' WHERE id = 2";
    return List.of(
        List.of("x:" + ins(1) + " ;; " + ins(2) + " ;; " + ins(3), COUNT),
        List.of("x:" + ins(1) + " ;; " + ins(2) + " ;; " + ins(1), COUNT),
        List.of("x:" + ins(2) + " ;; " + ins(1) + " ;; SELECT 1/0 ;; " + ins(4), COUNT),
        List.of("x:" + ins(2) + " ;; " + ins(1) + " ;; " + ins(4) + " ;; " + ins(2), COUNT, "x:" + ins(3) + " ;; " + ins(4)),
        List.of("x:" + ins(1) + " ;; " + ins(2), "x:" + upd2 + " ;; " + ins(3) + " ;; SELECT 1/0", COUNT),
        List.of("x:" + ins(1) + " ;; " + ins(2) + " ;; SELECT 1/0", "BEGIN", ins(3), "ROLLBACK", COUNT),
        List.of("x:" + ins(1) + " ;; " + ins(2) + " ;; SELECT 1/0", "x:" + ins(3) + " ;; " + ins(4), COUNT),
        List.of("x:SELECT v FROM t WHERE id = 1 ;; " + ins(2) + " ;; " + ins(3), COUNT),
        List.of("BEGIN", ins(1), "COMMIT", "x:" + upd2 + " ;; DELETE FROM t WHERE id = 1 ;; SELECT 1/0", COUNT),
        // a BEGIN inside a transaction whose BEGIN the proxy answered: PostgreSQL's warning, the first BEGIN's modes stay
        List.of("BEGIN ISOLATION LEVEL REPEATABLE READ", "x:BEGIN ;; " + COUNT, "SHOW transaction_isolation", "COMMIT"),
        List.of("START TRANSACTION", "x:START TRANSACTION ;; " + COUNT, ins(1), "ROLLBACK", COUNT),
        List.of("BEGIN ISOLATION LEVEL REPEATABLE READ", "BEGIN", "SHOW transaction_isolation", "x:BEGIN ;; " + COUNT, "COMMIT"),
        List.of("BEGIN READ ONLY", "BEGIN", ins(1), "ROLLBACK"));
  }

  /**
   * A Parse-only unit (libpq's {@code PQprepare}) outside a transaction, with every backend of both shards
   * held inside other clients' transactions: answered without a backend, as in an unsharded session
   * (TxControlDifferentialIT). Before, a sharded session sent it to the default shard and waited there:
   * 53300 after the wait, and pgbench {@code -M prepared} with more clients per thread than backends
   * deadlocked. The oracle is PostgreSQL on one database: the same answers, then the same rows.
   */
  @Test
  void aParseOnlyUnitOfAnAcceptedStatementNeedsNoBackend() throws Exception {
    var rules = config.sharding().rules(config.shards());
    long[] onShard = new long[2];
    for (int i = 0, next = 5000; i < 2; i++) {
      while (rules.shardOf(config.sharding().tables().get(0), next) != i) {
        next++;
      }
      onShard[i] = next++;
    }
    String read = "SELECT v FROM t WHERE id = " + onShard[1];
    JunctionConfig.Pool one = new JunctionConfig.Pool(1, 0, Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofMinutes(30),
        Duration.ofSeconds(1));
    List<JunctionConfig.Shard> shards = new ArrayList<>();
    for (JunctionConfig.Shard sh : config.shards()) {
      JunctionConfig.Endpoint p = sh.primary();
      JunctionConfig.Endpoint r = sh.replicas().get(0);
      shards.add(new JunctionConfig.Shard(sh.name(), new JunctionConfig.Endpoint(p.name(), p.url(), p.username(), "", 1, one),
          List.of(new JunctionConfig.Endpoint(r.name(), r.url(), r.username(), "", 1, one))));
    }
    JunctionConfig tightConfig = new JunctionConfig(Dialect.POSTGRESQL, shards, config.routing(), config.fencing(), config.sharding());
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (RoutingDataSource tightDs = RoutingDataSource.create(tightConfig, registry);
         ProxyServer tight = new ProxyServer(ProxyConfig.defaults().withAuth(AuthMethod.TRUST, Map.of()).withPorts(0, 0)
             .withPooling(new ProxyConfig.Pooling(dev.junction.proxy.relay.RelayRuntime.PoolMode.TRANSACTION, Duration.ofSeconds(1), 16)),
             tightDs, registry);
         WireClient first = tightClient(tight);
         WireClient client = tightClient(tight);
         WireClient oracle = oracleClient()) {
      for (WireClient c : List.of(first, oracle)) {
        assertThat(c.query("INSERT INTO t (id, v) VALUES (" + onShard[1] + ", 'prepared')")).as("%s", c.errorMessages)
            .containsExactly("C:INSERT 0 1", "Z:I");
      }
      assertThat(first.prepare("s1", read)).containsExactly("1", "Z:I");
      settle();
      for (int i = 0; i < 2; i++) {
        TxControlDifferentialIT.replayed(cluster.postgres(i));
      }
      List<WireClient> holders = new ArrayList<>();
      try {
        for (int i = 0; i < 2; i++) { // every backend (one per endpoint, two shards) held inside a transaction
          WireClient onPrimary = tightClient(tight);
          holders.add(onPrimary);
          assertThat(onPrimary.query("BEGIN")).containsExactly("C:BEGIN", "Z:T");
          assertThat(onPrimary.query("SELECT v FROM t WHERE id = " + onShard[i] + " FOR UPDATE")).endsWith("Z:T");
          WireClient onReplica = tightClient(tight);
          holders.add(onReplica);
          assertThat(onReplica.query("BEGIN READ ONLY")).containsExactly("C:BEGIN", "Z:T");
          assertThat(onReplica.query("SELECT v FROM t WHERE id = " + onShard[i])).as("shard %d's replica", i).endsWith("Z:T");
        }
        List<String> prepared = client.prepare("mine", read);
        System.out.println("[ShardedTxControlDifferentialIT] PQprepare with every backend held: " + prepared + " " + client.errorMessages);
        assertThat(prepared).as("answered without a backend (%s)", client.errorMessages).isEqualTo(oracle.prepare("mine", read))
            .containsExactly("1", "Z:I");
      } finally {
        for (WireClient h : holders) {
          h.query("ROLLBACK");
          h.close();
        }
      }
      assertThat(client.executePrepared("mine")).as("prepared on the statement's shard when it runs")
          .isEqualTo(oracle.executePrepared("mine")).containsExactly("2", "T:v", "D:prepared", "C:SELECT 1", "Z:I");
      for (WireClient c : List.of(client, oracle)) {
        assertThat(c.query("DELETE FROM t WHERE id = " + onShard[1])).containsExactly("C:DELETE 1", "Z:I");
      }
    }
  }

  private static WireClient tightClient(ProxyServer tight) throws IOException {
    return new WireClient("127.0.0.1", tight.port(), "app", cluster.postgres(0).primary().database());
  }

  static long[] keys = new long[7];

  /** Keys 1..6 of the sequences become keys on alternating shards (odd: s0, even: s1), so that 1..4 span both. */
  static List<List<String>> remap(List<List<String>> sequences) throws Exception {
    var rules = config.sharding().rules(config.shards());
    long next = 100;
    for (int k = 1; k <= 6; k++) {
      int want = k % 2 == 1 ? 0 : 1;
      while (rules.shardOf(config.sharding().tables().get(0), next) != want) {
        next++;
      }
      keys[k] = next++;
    }
    System.out.println("[ShardedTxControlDifferentialIT] keys 1..6 are " + java.util.Arrays.toString(keys));
    java.util.regex.Pattern p = java.util.regex.Pattern.compile("VALUES \\((\\d), 'v\\d'\\)|id = (\\d)");
    List<List<String>> out = new ArrayList<>();
    for (List<String> seq : sequences) {
      List<String> mapped = new ArrayList<>();
      for (String step : seq) {
        java.util.regex.Matcher m = p.matcher(step);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
          long key = keys[Integer.parseInt(m.group(1) != null ? m.group(1) : m.group(2))];
          m.appendReplacement(b, m.group(1) != null ? "VALUES (" + key + ", 'v" + key + "')" : "id = " + key);
        }
        m.appendTail(b);
        mapped.add(b.toString());
      }
      out.add(mapped);
    }
    return out;
  }

  @Override
  WireClient proxyClient() throws IOException {
    return new WireClient("127.0.0.1", proxy.port(), "app", cluster.postgres(0).primary().database());
  }

  @Override
  WireClient oracleClient() throws IOException {
    var p = cluster.postgres(0).primary();
    return new WireClient(p.host(), p.port(), p.user(), TxControlDifferentialIT.oracleDatabase(p));
  }

  @Override
  Rows proxyRows() {
    return () -> {
      List<String> all = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        all.addAll(TxControlDifferentialIT.rows(cluster.postgres(i).primary().connect()));
      }
      all.sort((a, b) -> Long.compare(Long.parseLong(a.substring(0, a.indexOf('='))), Long.parseLong(b.substring(0, b.indexOf('=')))));
      return all;
    };
  }

  @Override
  Rows oracleRows() {
    return () -> TxControlDifferentialIT.rows(TxControlDifferentialIT.oracleJdbc(cluster.postgres(0).primary()));
  }

  @Override
  void settle() throws Exception {
    for (int i = 0; i < 2; i++) {
      TxControlDifferentialIT.quiesce(cluster.postgres(i).primary());
    }
  }

  @Override
  void reset() throws Exception {
    for (int i = 0; i < 2; i++) {
      TxControlDifferentialIT.quiesce(cluster.postgres(i).primary());
      try (Connection c = cluster.postgres(i).primary().connect(); Statement s = c.createStatement()) {
        s.execute("TRUNCATE t");
      }
    }
    try (Connection c = TxControlDifferentialIT.oracleJdbc(cluster.postgres(0).primary()); Statement s = c.createStatement()) {
      s.execute("TRUNCATE t");
    }
    for (int i = 0; i < 2; i++) {
      TxControlDifferentialIT.replayed(cluster.postgres(i));
    }
  }
}
