package dev.junction.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.Binaries;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.local.PostgresServer;
import dev.junction.proxy.auth.AuthMethod;
import dev.junction.proxy.auth.Credential;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A saturated endpoint keeps its server connections: the relay's pool is split between event loops,
 * and capacity must not ping-pong between them under steady load. Each move is a server login (a
 * fork, authentication, settings), so a pool that churns costs throughput without any error: the
 * first version opened about 2,000 server sessions in 10 s under pgbench with 64 clients over a pool
 * of 20, and ran at 0.15x PgBouncer (benchmarks/run-proxy.sh).
 *
 * <p>The oracle is the servers' own count of sessions started ({@code pg_stat_database.sessions}),
 * not a timing: with 4 event loops, 64 pgbench clients and pools of 6, the pools settle within the
 * first seconds and then open no more than a handful; the first version kept opening them.
 */
class PoolShareIT {
  static final String USER = ProxyIT.USER;
  static final String PASSWORD = ProxyIT.PASSWORD;
  static final int POOL = 6;
  static LocalCluster cluster;
  static PostgresReplicaSet pg;
  static RoutingDataSource ds;
  static ProxyServer proxy;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO).shared(PoolShareIT.class);
    pg = cluster.postgres(0);
    ProxyIT.bin = Binaries.postgresBinDir().orElseThrow();
    ProxyIT.run(List.of(ProxyIT.bin.resolve("pgbench").toString(), "-i", "-s", "1", "-q", "-h", "127.0.0.1", "-p",
        Integer.toString(pg.primary().port()), "-U", "postgres", pg.primary().database()), Map.of(), 120);
    Thread.sleep(500);
    JunctionConfig.Pool pool = new JunctionConfig.Pool(POOL, 0, Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofMinutes(30),
        Duration.ofSeconds(1));
    List<JunctionConfig.Endpoint> replicas = new ArrayList<>();
    for (int i = 0; i < pg.replicas().size(); i++) {
      PostgresServer r = pg.replica(i);
      replicas.add(new JunctionConfig.Endpoint("replica" + (i + 1), r.jdbcUrl(), r.user(), "", 1, pool));
    }
    JunctionConfig config = new JunctionConfig(Dialect.POSTGRESQL, List.of(new JunctionConfig.Shard("main",
        new JunctionConfig.Endpoint("primary", pg.primary().jdbcUrl(), pg.primary().user(), "", 1, pool), replicas)),
        JunctionConfig.Routing.defaults(), new JunctionConfig.Fencing(JunctionConfig.FenceStoreKind.LOCAL, Duration.ofSeconds(30),
        1000, null, Duration.ofMillis(200), "junction:fence:", "a-test-secret-of-32-characters!!"));
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ds = RoutingDataSource.create(config, registry);
    ProxyConfig defaults = ProxyConfig.defaults();
    ProxyConfig proxyConfig = new ProxyConfig(defaults.host(), 0, defaults.adminHost(), 0, defaults.auth(), defaults.users(),
        null, null, defaults.maxConnections(), defaults.maxMessageBytes(), defaults.shutdownGrace(), 4, defaults.pooling(),
        defaults.hardening())
        .withAuth(AuthMethod.SCRAM_SHA_256, Map.of(USER, Credential.plain(PASSWORD)))
        .withPooling(new ProxyConfig.Pooling(dev.junction.proxy.relay.RelayRuntime.PoolMode.TRANSACTION, Duration.ofSeconds(60), 64))
        .withHardening(new ProxyConfig.Hardening(Duration.ofSeconds(60), Duration.ZERO, Duration.ZERO, false, false, null, Set.of()));
    proxy = new ProxyServer(proxyConfig, ds, registry);
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
      cluster.close();
    }
  }

  @Test
  void aSaturatedPoolDoesNotMoveConnectionsBetweenEventLoops() throws Exception {
    for (String mode : new String[] {"simple", "prepared"}) {
      for (boolean selectOnly : new boolean[] {true, false}) {
        // pgbench runs 10 s; the window from 4 s to 9 s is steady state: the loops' shares have
        // been opened (or moved once from a skewed start), so any session opened now is churn.
        java.util.concurrent.CompletableFuture<String> run = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
          try {
            return pgbench(mode, selectOnly, 10);
          } catch (Exception e) {
            throw new java.util.concurrent.CompletionException(e);
          }
        });
        Thread.sleep(4_000);
        long before = sessions();
        Thread.sleep(5_000);
        long opened = sessions() - before - pg.replicas().size() - 1; // the first sessions() call's own connections
        String out = run.get(120, java.util.concurrent.TimeUnit.SECONDS);
        System.out.printf("[PoolShareIT] %s %s: %d server sessions opened in the 5 s steady window (64 clients, 4 event loops,"
            + " pools of %d per endpoint, a primary and a replica)%n", mode, selectOnly ? "select-only" : "tpc-b-like", opened, POOL);
        assertThat(opened).as("server sessions opened in steady state, %s %s:\n%s", mode, selectOnly ? "-S" : "tpc-b", out)
            .isLessThanOrEqualTo(2L * POOL);
      }
    }
  }

  static final Pattern FAILED = Pattern.compile("number of failed transactions: (\\d+)");

  static String pgbench(String mode, boolean selectOnly, int seconds) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ProxyIT.bin.resolve("pgbench").toString(), "-h", "127.0.0.1", "-p",
        Integer.toString(proxy.port()), "-U", USER, "-c", "64", "-j", "2", "-T", Integer.toString(seconds), "-n", "-M", mode));
    if (selectOnly) {
      cmd.add("-S");
    }
    cmd.add(pg.primary().database());
    String out = ProxyIT.run(cmd, Map.of("PGPASSWORD", PASSWORD), 120);
    Matcher failed = FAILED.matcher(out);
    if (failed.find()) {
      assertThat(Integer.parseInt(failed.group(1))).as(out).isZero();
    }
    return out;
  }

  /** Sessions started so far on the primary and its replica, by the servers' own statistics. */
  static long sessions() throws Exception {
    long total = 0;
    List<PostgresServer> servers = new ArrayList<>(List.of(pg.primary()));
    servers.addAll(pg.replicas());
    for (PostgresServer s : servers) {
      try (Connection c = s.connect(); Statement st = c.createStatement();
           ResultSet rs = st.executeQuery("SELECT 0, coalesce(sum(sessions), 0) FROM pg_stat_database")) {
        rs.next();
        total += rs.getLong(2);
      }
    }
    return total;
  }
}
