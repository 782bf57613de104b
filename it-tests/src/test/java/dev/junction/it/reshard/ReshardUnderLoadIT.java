package dev.junction.it.reshard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.proxy.auth.AuthMethod;
import dev.junction.proxy.auth.Credential;
import dev.junction.proxy.server.ProxyConfig;
import dev.junction.proxy.server.ProxyServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.JdbcServer;
import dev.junction.local.LocalCluster;
import dev.junction.local.MariaDbReplicaSet;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.reshard.ReshardJob;
import dev.junction.reshard.ReshardPlan;
import dev.junction.shard.ShardRing;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Issue #13's acceptance test: shards grow while a load keeps writing and reading through two
 * library instances and one proxy (router-proxy, in this JVM, PostgreSQL protocol to its clients),
 * and afterwards the data equals an oracle that received the same acknowledged writes. PostgreSQL grows from 3 shards (each with a streaming replica) to 4, with the resharding
 * process killed mid-copy and resumed and the new shard restarted mid-catch-up; MariaDB grows from
 * 2 shards (each with a GTID replica) to 3, is rolled back after the switch (before the cleanup),
 * and grown again.
 */
class ReshardUnderLoadIT {
  static final int KEYS = 8_000;
  static final int INITIAL = 6_000;
  static final int WORKERS = 4;
  /** Client sessions (each its own worker and scope) on the one proxy. */
  static final int PROXY_SESSIONS = 2;

  /** One proxy: a ProxyServer over its own sharded RoutingDataSource, as the proxy jar runs it. */
  record InProcessProxy(ProxyServer server, RoutingDataSource dataSource) implements AutoCloseable {
    static InProcessProxy start(JunctionConfig config) throws Exception {
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      RoutingDataSource ds = RoutingDataSource.create(config, registry);
      try {
        ProxyServer server = new ProxyServer(ProxyConfig.defaults()
            .withAuth(AuthMethod.SCRAM_SHA_256, Map.of(Load.PROXY_USER, Credential.plain(Load.PROXY_PASSWORD))).withPorts(0, 0),
            ds, registry);
        return new InProcessProxy(server, ds);
      } catch (Exception | Error e) {
        ds.close();
        throw e;
      }
    }

    int port() {
      return server.port();
    }

    @Override
    public void close() {
      server.close();
      dataSource.close();
    }
  }

  @Test
  void postgresGrowsFromThreeShardsToFourUnderLoad() throws Exception {
    try (LocalCluster cluster = LocalCluster.builder().postgresReplicaSets(4).postgresReplicas(Duration.ZERO).redis(true).start()) {
      List<ReshardTopology.Set> sets = new ArrayList<>();
      for (PostgresReplicaSet s : cluster.postgres()) {
        sets.add(new ReshardTopology.Set(s.primary(), s.replicas()));
      }
      ReshardTopology topology = new ReshardTopology(Dialect.POSTGRESQL, sets, cluster.redis().uri());
      String oracleUrl = cluster.postgres(0).primary().jdbcUrl().replaceFirst("/postgres$", "/oracle");
      try (Connection admin = cluster.postgres(0).primary().connect(); Statement s = admin.createStatement()) {
        s.execute("CREATE DATABASE oracle");
      }
      try (Connection oracle = DriverManager.getConnection(oracleUrl, "postgres", "")) {
        growUnderLoad(cluster, topology, oracle, "CREATE TABLE accounts (id bigint PRIMARY KEY, balance bigint NOT NULL,"
            + " version bigint NOT NULL, note text)", "CREATE INDEX accounts_by_balance ON accounts (balance)", 3, false,
            () -> cluster.postgres(3).primary(), true);
      }
    }
  }

  @Test
  void mariadbGrowsFromTwoShardsToThreeRollsBackBeforeCleanupAndGrowsAgain() throws Exception {
    try (LocalCluster cluster = LocalCluster.builder().postgresReplicaSets(0).mariadbReplicaSets(3).redis(true).start()) {
      List<ReshardTopology.Set> sets = new ArrayList<>();
      for (MariaDbReplicaSet s : cluster.mariadbSets()) {
        sets.add(new ReshardTopology.Set(s.primary(), s.replicas()));
      }
      ReshardTopology topology = new ReshardTopology(Dialect.MARIADB, sets, cluster.redis().uri());
      cluster.mariadb(0).primary().runSql("CREATE DATABASE IF NOT EXISTS oracle");
      String oracleUrl = cluster.mariadb(0).primary().jdbcUrl().replace("/junction?", "/oracle?");
      try (Connection oracle = DriverManager.getConnection(oracleUrl, "root", "")) {
        growUnderLoad(cluster, topology, oracle, "CREATE TABLE accounts (id bigint PRIMARY KEY, balance bigint NOT NULL,"
            + " version bigint NOT NULL, note varchar(100)) ENGINE=InnoDB", "CREATE INDEX accounts_by_balance ON accounts (balance)",
            2, true, () -> cluster.mariadb(2).primary(), false);
      }
    }
  }

  interface ServerRef {
    JdbcServer get();
  }

  /**
   * The whole run: load, plan, start, copy (killed and resumed), catch-up, verify, cut-over, cleanup or rollback, checks.
   *
   * <p>{@code withProxy}: one proxy takes part in the load. Only over PostgreSQL shards: the proxy
   * relays the PostgreSQL protocol to its backends, so its shards are PostgreSQL servers.
   */
  static void growUnderLoad(LocalCluster cluster, ReshardTopology topology, Connection oracle, String ddl, String index, int n,
                            boolean rollbackFirst, ServerRef newShard, boolean withProxy) throws Exception {
    String tag = topology.dialect + " " + n + " -> " + (n + 1);
    try (Statement s = oracle.createStatement()) {
      s.execute(ddl);
    }
    RoutingDataSource a = RoutingDataSource.create(topology.config(n));
    RoutingDataSource b = RoutingDataSource.create(topology.config(n));
    try (Connection c = a.getConnection(); Statement s = c.createStatement()) {
      s.execute(ddl);
      s.execute(index);
    }
    loadInitialRows(a, oracle);
    AtomicReference<InProcessProxy> proxy = new AtomicReference<>(withProxy ? InProcessProxy.start(topology.config(n)) : null);
    List<InProcessProxy> retiredProxies = new ArrayList<>();
    Load load = new Load(a, b, oracle, KEYS);
    if (withProxy) {
      load.withProxy(() -> proxy.get().port(), PROXY_SESSIONS);
    }
    load.whereIs = key -> whereIs(topology, key);
    load.start(WORKERS);
    List<RoutingDataSource> retired = new ArrayList<>();
    long cutStart;
    long cutEnd;
    long switchWindowEnd;
    long[] pauses;
    long[] proxyPauses;
    long longestAfterSwitch;
    long proxyWritesAfterSwitch;
    long[] staleVersionWritesAfterSwitch;
    ReshardJob.CutoverReport cut;
    ReshardPlan plan;
    try {
      Thread.sleep(1000);
      try (ReshardJob job = ReshardJob.open(topology.config(n + 1))) {
        plan = job.plan();
        System.out.print(tag + "\n" + plan.render());
        checkPrediction(plan, job.from(), job.to(), "s" + n);
        job.start();
        load.phase = "copying";
        // Routers move to the target configuration one at a time (a rolling restart), under load.
        for (int i = 0; i < 2; i++) {
          retired.add(load.instances.getAndSet(i, RoutingDataSource.create(topology.config(n + 1))));
        }
        if (withProxy) { // the proxy too: a new one on the target configuration; its sessions move over between writes
          retiredProxies.add(proxy.getAndSet(InProcessProxy.start(topology.config(n + 1))));
        }
        if (!rollbackFirst) {
          killedMidCopyThenResumed(cluster, topology, n);
        }
        job.copy();
        Thread.sleep(1000); // let changes pile up in the capture queue
        if (!rollbackFirst) {
          JdbcServer target = newShard.get();
          target.kill();
          Thread restarter = new Thread(() -> {
            try {
              Thread.sleep(1500);
              target.start();
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          });
          restarter.start();
          long recopied = job.catchUp(); // runs while the target is down and finishes after it is back
          restarter.join();
          System.out.println(tag + ": catch-up across a restart of the new shard re-copied " + recopied + " keys");
        }
        job.catchUp();
        ReshardJob.VerifyReport report = job.verify();
        System.out.print(tag + " verify while writing:\n" + report.render());
        assertThat(report.ok()).as("verify\n%s", report.render()).isTrue();
        load.phase = "cut-over";
        cutStart = System.nanoTime();
        cut = job.cutover();
        cutEnd = System.nanoTime();
        load.phase = "switched";
        Thread.sleep(1500); // writes to moved keys now land on the new shard
        switchWindowEnd = System.nanoTime();
        pauses = load.pauseStats(cutStart, cutEnd);
        proxyPauses = load.pauseStats(cutStart, cutEnd, true);
        longestAfterSwitch = load.longestAfter(cutStart, cutEnd, cutEnd, false);
        proxyWritesAfterSwitch = load.proxyWritesAckedAfter(cutEnd);
        staleVersionWritesAfterSwitch = load.staleVersionRejections(cutEnd, switchWindowEnd);
        System.out.println(tag + ": retries by reason so far " + load.retryReasons);
        if (rollbackFirst) {
          job.rollback(); // after the switch, before the cleanup: the moved keys are resharded back
          Thread.sleep(1000);
          load.close();
          assertEqualsOracle(topology, oracle, job.from(), n, tag + " after rollback");
          load = restartLoad(load, oracle); // carries the counts, stale reads and failures so far over
          try (ReshardJob again = ReshardJob.open(topology.config(n + 1))) {
            again.run();
          }
        } else {
          load.phase = "cleanup";
          job.cleanup();
          load.phase = "cleaned up";
        }
      }
      Thread.sleep(1000);
    } finally {
      load.close();
    }
    for (RoutingDataSource r : retired) {
      r.close();
    }
    for (InProcessProxy p : retiredProxies) {
      p.close();
    }
    if (proxy.get() != null) {
      proxy.get().close();
    }
    System.out.printf(Locale.ROOT, "%s: %,d writes, %,d scoped reads, %,d retries, %d stale reads; cut-over %s;"
            + " writes started during the cut-over: %d, longest %d ms, p99 %d ms; refused writes acknowledged up to %d ms"
            + " after the cut-over returned%n", tag, load.writes.get(), load.reads.get(),
        load.retries.get(), load.staleReads.get(), cut, pauses[2], pauses[0], pauses[1], longestAfterSwitch);
    if (withProxy) {
      System.out.printf(Locale.ROOT, "%s: proxy (%d sessions): %,d writes, %,d reads in their session, %d stale reads,"
              + " %d sessions opened; writes started during the cut-over: %d, longest %d ms, p99 %d ms; %d writes acknowledged"
              + " after the switch; writes the database rejected for a stale ring version after the switch: library %d, proxy %d%n",
          tag, PROXY_SESSIONS, load.proxyWrites.get(), load.proxyReads.get(), load.proxyStaleReads.get(),
          load.proxyReconnects.get(), proxyPauses[2], proxyPauses[0], proxyPauses[1], proxyWritesAfterSwitch,
          staleVersionWritesAfterSwitch[0], staleVersionWritesAfterSwitch[1]);
    } else {
      System.out.printf(Locale.ROOT, "%s: writes the database rejected for a stale ring version after the switch: %d%n", tag,
          staleVersionWritesAfterSwitch[0]);
    }
    assertThat(load.failures).as("load failures").isEmpty();
    assertThat(load.staleReads.get()).as("stale reads inside scopes: %s", load.staleExamples).isZero();
    assertThat(load.writes.get()).isGreaterThan(100);
    if (withProxy) {
      assertThat(load.proxyWrites.get()).as("writes through the proxy").isGreaterThan(20);
      assertThat(proxyWritesAfterSwitch).as("proxy writes acknowledged after the switch").isPositive();
    }
    assertThat(staleVersionWritesAfterSwitch).as("writes sent to a fenced old owner after SWITCHED was recorded"
        + " (rejected by the database's ring-version trigger) [library, proxy]").containsExactly(0, 0);
    ShardRing finalRing = topology.config(n + 1).sharding().ring(topology.config(n + 1).shards());
    assertEqualsOracle(topology, oracle, finalRing, n + 1, tag);
    for (int i = 0; i < 2; i++) {
      load.instances.get(i).close();
    }
  }

  private static Load restartLoad(Load old, Connection oracle) {
    Load load = new Load(old.instances.get(0), old.instances.get(1), oracle, KEYS).withProxy(old.proxyPort(), old.proxySessions());
    load.carryOver(old);
    load.start(WORKERS);
    return load;
  }

  static void loadInitialRows(RoutingDataSource ds, Connection oracle) throws Exception {
    String sql = "INSERT INTO accounts (id, balance, version, note) VALUES (?, ?, 1, 'v1')";
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql);
         PreparedStatement po = oracle.prepareStatement(sql)) {
      for (long id = 0; id < INITIAL; id++) {
        for (PreparedStatement p : new PreparedStatement[] {ps, po}) {
          p.setLong(1, id);
          p.setLong(2, id * 3);
          p.executeUpdate();
        }
      }
    }
  }

  /** The plan's moving rows are the ring's prediction: about 1/(N+1), all of them to the new shard. */
  static void checkPrediction(ReshardPlan plan, ShardRing from, ShardRing to, String newShard) {
    double predicted = to.hashSpaceShare(newShard);
    double moving = (double) plan.movingRows() / plan.totalRows();
    assertThat(plan.arcs().arcs()).allSatisfy(arc -> assertThat(arc.to()).isEqualTo(newShard));
    for (ReshardPlan.TableEstimate t : plan.tables()) {
      assertThat(t.movingRowsByTarget().keySet()).isSubsetOf(newShard);
    }
    int n = from.shardCount();
    assertThat(predicted).isBetween(0.9 / (n + 1), 1.1 / (n + 1));
    assertThat(moving).as("moving fraction vs the ring's share of %s (%.4f)", newShard, predicted)
        .isBetween(predicted - 0.03, predicted + 0.03);
    System.out.printf(Locale.ROOT, "prediction: %s gets %.2f%% of the hash space (1/(N+1) = %.2f%%); %,d of %,d rows move (%.2f%%)%n",
        newShard, 100 * predicted, 100.0 / (n + 1), plan.movingRows(), plan.totalRows(), 100 * moving);
  }

  /**
   * The resharding process (the CLI in its own JVM, throttled) is killed mid-copy; the copy in this
   * process then resumes from its checkpoint.
   */
  static void killedMidCopyThenResumed(LocalCluster cluster, ReshardTopology topology, int n) throws Exception {
    Path yaml = topology.yaml(n + 1, cluster.baseDir());
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Process cli = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classpath,
        "dev.junction.reshard.cli.ReshardCli", "copy", "--config", yaml.toString(), "--max-rows-per-second", "300",
        "--chunk-rows", "50")
        .redirectErrorStream(true).redirectOutput(cluster.baseDir().resolve("reshard-cli.log").toFile()).start();
    long copied = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    JdbcServer source = topology.sets.get(0).primary();
    while (copied < 100 && System.nanoTime() < deadline && cli.isAlive()) {
      Thread.sleep(100);
      try (Connection c = source.connect(); Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT coalesce(sum(rows_copied), 0), coalesce(max(CASE WHEN done THEN 1 ELSE 0 END), 0)"
               + " FROM junction_reshard_progress")) {
        rs.next();
        copied = rs.getLong(1);
        assertThat(rs.getLong(2)).as("the throttled copy must still be running when it is killed").isZero();
      } catch (java.sql.SQLException notYet) {
        // the progress table appears with the first page
      }
    }
    assertThat(cli.isAlive()).as("the resharding CLI runs until it is killed; log: %s",
        java.nio.file.Files.exists(cluster.baseDir().resolve("reshard-cli.log"))
            ? java.nio.file.Files.readString(cluster.baseDir().resolve("reshard-cli.log")) : "").isTrue();
    cli.destroyForcibly().waitFor();
    System.out.println("resharding process killed after copying " + copied + " rows from s0; resuming");
    assertThat(copied).isGreaterThanOrEqualTo(100);
  }

  /** Which servers hold {@code key} now, and its row there: the evidence a stale-read example carries. */
  static String whereIs(ReshardTopology topology, long key) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < topology.sets.size(); i++) {
      List<JdbcServer> servers = new ArrayList<>();
      servers.add(topology.sets.get(i).primary());
      servers.addAll(topology.sets.get(i).replicas());
      for (int j = 0; j < servers.size(); j++) {
        String name = "s" + i + (j == 0 ? "" : "r" + j);
        try (Connection c = servers.get(j).connect();
             PreparedStatement ps = c.prepareStatement("SELECT balance, version FROM accounts WHERE id = ?")) {
          ps.setLong(1, key);
          try (ResultSet rs = ps.executeQuery()) {
            out.append(name).append('=').append(rs.next() ? rs.getLong(1) + "/v" + rs.getLong(2) : "-").append(' ');
          }
        } catch (java.sql.SQLException e) {
          out.append(name).append("=? ");
        }
      }
    }
    return out.toString().strip();
  }

  /** Every shard holds exactly the rows the ring places there, no row twice, and together they equal the oracle. */
  static void assertEqualsOracle(ReshardTopology topology, Connection oracle, ShardRing ring, int shards, String tag)
      throws Exception {
    Map<Long, String> expected = new TreeMap<>();
    try (Statement s = oracle.createStatement(); ResultSet rs = s.executeQuery("SELECT id, balance, version, note FROM accounts")) {
      while (rs.next()) {
        expected.put(rs.getLong(1), rs.getLong(2) + "|" + rs.getLong(3) + "|" + rs.getString(4));
      }
    }
    Map<Long, String> actual = new TreeMap<>();
    int duplicated = 0;
    int misplaced = 0;
    Map<String, Integer> perShard = new HashMap<>();
    for (int i = 0; i < topology.sets.size(); i++) {
      String id = "s" + i;
      try (Connection c = topology.sets.get(i).primary().connect(); Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT id, balance, version, note FROM accounts")) {
        while (rs.next()) {
          long key = rs.getLong(1);
          if (i >= shards || !ring.shardFor(key).equals(id)) {
            misplaced++;
          }
          if (actual.put(key, rs.getLong(2) + "|" + rs.getLong(3) + "|" + rs.getString(4)) != null) {
            duplicated++;
          }
          perShard.merge(id, 1, Integer::sum);
        }
      } catch (java.sql.SQLException noTable) {
        // a shard that never held the table
      }
    }
    int lost = 0;
    int different = 0;
    for (Map.Entry<Long, String> e : expected.entrySet()) {
      String got = actual.get(e.getKey());
      if (got == null) {
        lost++;
      } else if (!got.equals(e.getValue())) {
        different++;
      }
    }
    int extra = 0;
    for (Long k : actual.keySet()) {
      if (!expected.containsKey(k)) {
        extra++;
      }
    }
    System.out.printf(Locale.ROOT, "%s: oracle %,d rows; shards %s; lost %d, extra %d, different %d, duplicated %d, on the wrong shard %d%n",
        tag, expected.size(), new TreeMap<>(perShard), lost, extra, different, duplicated, misplaced);
    assertThat(lost).as("lost rows").isZero();
    assertThat(extra).as("rows the oracle does not have").isZero();
    assertThat(different).as("rows that differ from the oracle").isZero();
    assertThat(duplicated).as("duplicated rows").isZero();
    assertThat(misplaced).as("rows on the wrong shard").isZero();
  }
}
