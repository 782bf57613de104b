package dev.junction.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.it.shard.DataSet;
import dev.junction.it.shard.DifferentialRig;
import dev.junction.it.shard.Loader;
import dev.junction.it.shard.Placement;
import dev.junction.it.shard.QueryCase;
import dev.junction.it.shard.QueryGenerator;
import dev.junction.it.shard.Replication;
import dev.junction.it.shard.ResultComparison;
import dev.junction.it.shard.ResultTable;
import dev.junction.it.shard.Schema;
import dev.junction.it.shard.ShardedConfigs.ShardServers;
import dev.junction.it.shard.Specials;
import dev.junction.it.shard.SqlFlavor;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.proxy.auth.AuthMethod;
import dev.junction.proxy.auth.Credential;
import dev.junction.proxy.server.ProxyConfig;
import dev.junction.proxy.server.ProxyServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The differential test of {@link ShardedDifferentialIT}, through the proxy (issue #17): the same
 * schema and data are loaded through the proxy (pgjdbc, PostgreSQL protocol) onto 3 PostgreSQL
 * shards and directly into an unsharded oracle; then seeded generated queries (point and IN-list
 * lookups, scans, ORDER BY/LIMIT, aggregates, GROUP BY/HAVING, DISTINCT, joins) must return through
 * the proxy what the oracle returns, and what the library refuses the proxy must refuse with the
 * same SQLState and message. {@code -Ddiff.proxyQueries} (default 800) plus {@code -Ddiff.proxyMultisetQueries}
 * string_agg/array_agg queries compared as multisets (default 150), {@code -Ddiff.seed}.
 */
class ProxyShardedDifferentialIT {
  static final long SEED = Long.getLong("diff.seed", 20_261_205L);
  static final int QUERIES = Integer.getInteger("diff.proxyQueries", 800);
  static final String USER = "app";
  static final String PASSWORD = "diff-secret";

  @Test
  @Timeout(1200)
  void generatedQueriesThroughTheProxyMatchTheOracle() throws Exception {
    try (LocalCluster shards = LocalCluster.builder().postgresReplicaSets(3).postgresReplicas(Duration.ZERO).start();
         LocalCluster oracleCluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas().shared(ProxyShardedDifferentialIT.class)) {
      List<ShardServers> pg = new ArrayList<>();
      for (PostgresReplicaSet set : shards.postgres()) {
        pg.add(new ShardServers(set.primary(), set.replicas()));
      }
      try (DifferentialRig rig = new DifferentialRig(SqlFlavor.POSTGRESQL, pg, oracleCluster.postgres(0).primary(), () -> {
        for (PostgresReplicaSet set : shards.postgres()) {
          Replication.await(set, Duration.ofSeconds(30));
        }
      }, DataSet.generate(SEED, 300, 2000), true)) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (ProxyServer proxy = new ProxyServer(ProxyConfig.defaults()
            .withAuth(AuthMethod.SCRAM_SHA_256, Map.of(USER, Credential.plain(PASSWORD))).withPorts(0, 0), rig.dataSource(), registry)) {
          run(rig, proxy);
        }
      }
    }
  }

  static Connection proxy(ProxyServer proxy) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", USER);
    p.setProperty("password", PASSWORD);
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres", p);
  }

  static void run(DifferentialRig rig, ProxyServer server) throws Exception {
    List<String> loadProblems = new ArrayList<>();
    try (Connection p = proxy(server); Connection o = rig.oracle()) {
      for (String ddl : Schema.ddl(rig.flavor())) {
        exec(o, ddl);
        exec(p, ddl); // DDL broadcast by the proxy
      }
      for (String sql : Specials.collations(rig.flavor())) {
        exec(o, sql);
        for (int shard = 0; shard < rig.shardCount(); shard++) {
          try (Connection c = rig.shardPrimary(shard)) {
            exec(c, sql);
          }
        }
      }
      exec(o, Specials.ddl(rig.flavor()));
      exec(p, Specials.ddl(rig.flavor()));
      for (String insert : Specials.inserts(rig.flavor(), rig.data().customerIds(), SEED)) {
        exec(o, insert);
        exec(p, insert);
      }
      for (Loader.Chunk chunk : Loader.plan(rig.data().tables(), SEED)) {
        int expected = Loader.run(o, chunk);
        int loaded = Loader.run(p, chunk); // multi-row INSERTs split by shard, parameters in Bind
        if (loaded != expected) {
          loadProblems.add(chunk.table().table() + ": proxy " + loaded + " rows, oracle " + expected);
        }
      }
    }
    rig.awaitReplicas();
    log("%s", Placement.check(rig));
    assertThat(loadProblems).as("INSERTs through the proxy").isEmpty();

    List<QueryCase> cases = new ArrayList<>(new QueryGenerator(rig.flavor(), rig.data().customerIds(), rig.shardCount(),
        rig::shardOf, SEED * 31).generate(QUERIES));
    // string_agg/array_agg merged as multisets (not in generate()'s weights)
    cases.addAll(new QueryGenerator(rig.flavor(), rig.data().customerIds(), rig.shardCount(), rig::shardOf, SEED * 37)
        .generateFamilies(List.of(QueryCase.Family.MULTISET_AGG), Integer.getInteger("diff.proxyMultisetQueries", 150)));
    ResultComparison comparison = new ResultComparison();
    List<String> mismatches = new ArrayList<>();
    Map<String, Integer> outcomes = new TreeMap<>();
    Connection p = proxy(server);
    try (Connection o = rig.oracle(); Connection lib = rig.junction()) {
      for (QueryCase q : cases) {
        ResultTable expected = null;
        SQLException oracleError = null;
        try {
          expected = ResultTable.query(o, q.sql(), q.params(), q.prepared(), q.multisets());
        } catch (SQLException e) {
          oracleError = e;
        }
        SQLException libraryError = null;
        try {
          ResultTable.query(lib, q.sql(), q.params(), q.prepared(), q.multisets());
        } catch (SQLException e) {
          libraryError = e;
        }
        ResultTable actual = null;
        SQLException proxyError = null;
        try {
          actual = ResultTable.query(p, q.sql(), q.params(), q.prepared(), q.multisets());
        } catch (SQLException e) {
          proxyError = e;
        }
        String outcome;
        String problem = null;
        if (libraryError != null && "0AJ00".equals(libraryError.getSQLState())) {
          outcome = "refused by the library";
          if (proxyError == null) {
            problem = "the library refused [" + libraryError.getMessage() + "] but the proxy answered";
          } else if (!"0AJ00".equals(proxyError.getSQLState()) || !proxyError.getMessage().contains(libraryError.getMessage())) {
            problem = "the library refused [" + libraryError.getMessage() + "], the proxy failed differently: ["
                + proxyError.getSQLState() + "] " + proxyError.getMessage();
          }
        } else if (oracleError != null) {
          outcome = "failed on the oracle";
          if (proxyError == null) {
            problem = "the oracle failed [" + oracleError.getMessage() + "] but the proxy answered";
          }
        } else if (proxyError != null) {
          outcome = "proxy failed";
          problem = "proxy failed: [" + proxyError.getSQLState() + "] " + proxyError.getMessage()
              + (libraryError == null ? " (the library answered)" : " (the library failed too: " + libraryError.getMessage() + ")");
        } else {
          outcome = "compared";
          problem = comparison.compare(q, expected, actual);
        }
        outcomes.merge(outcome, 1, Integer::sum);
        if (problem != null) {
          mismatches.add(q.describe() + "\n    " + problem);
        }
        if (proxyError != null && p.isClosed()) {
          p = proxy(server);
        }
      }
    } finally {
      p.close();
    }
    log("%d queries through the proxy: %s; %d mismatches", cases.size(), outcomes, mismatches.size());
    mismatches.stream().limit(30).forEach(m -> log("MISMATCH %s", m));
    assertThat(outcomes.getOrDefault("compared", 0)).isGreaterThan(cases.size() / 2);
    assertThat(mismatches).isEmpty();
  }

  static void exec(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  static void log(String format, Object... args) {
    System.out.println("[ProxyShardedDifferentialIT] " + String.format(format, args));
  }
}
