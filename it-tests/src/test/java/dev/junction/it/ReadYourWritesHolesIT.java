package dev.junction.it;

import static dev.junction.it.Sql.exec;
import static dev.junction.it.Sql.longValue;
import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.Junction;
import dev.junction.Scope;
import dev.junction.config.JunctionConfig;
import dev.junction.classify.Dialect;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.route.RouteReason;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The read-your-writes holes of issue #16 items 1 and 2, each reproduced against a real PostgreSQL
 * primary with streaming replicas, with the database itself as the oracle: a read in the writer's
 * scope must return at least the value the write's {@code RETURNING} reported.
 *
 * <ul>
 *   <li>Asynchronous commit ({@code synchronous_commit = off}, server-wide and {@code SET LOCAL}): the
 *       position recorded after the commit must be at or past the commit record, or a replica reaches
 *       it before it applied the commit.
 *   <li>A replica restarted after a crash with a WAL backlog: it accepts connections while still
 *       replaying, far behind the position the router cached before the crash.
 * </ul>
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReadYourWritesHolesIT {
  static final int KEYS = 64;
  static final int THREADS = 8;
  static final int PAIRS_PER_THREAD = 500;

  static LocalCluster cluster;
  static PostgresReplicaSet pg;
  static RoutingDataSource ds;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO).start();
    pg = cluster.postgres(0);
    try (Connection c = pg.primary().connect()) {
      exec(c, "CREATE TABLE counters (id int primary key, v bigint not null)");
      exec(c, "INSERT INTO counters SELECT g, 0 FROM generate_series(0, " + (KEYS - 1) + ") g");
      exec(c, "CREATE TABLE filler (id bigserial primary key, pad text not null)");
    }
    ds = RoutingDataSource.create(config(Duration.ofSeconds(30)));
    awaitReplicaInRotation();
  }

  /** One fast replica; max-lag generous so that the replica's lag never hides a hole by excluding it. */
  static JunctionConfig config(Duration maxLag) {
    JunctionConfig.Routing routing = TestConfigs.routing(maxLag, Duration.ofMillis(50));
    return new JunctionConfig(Dialect.POSTGRESQL, List.of(new JunctionConfig.Shard("main",
        TestConfigs.endpoint("primary", pg.primary()), List.of(TestConfigs.endpoint("replica1", pg.replica(0))))),
        routing, TestConfigs.localFences());
  }

  @AfterAll
  static void stop() {
    if (ds != null) {
      ds.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  static void awaitReplicaInRotation() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!ds.health().stream().allMatch(h -> h.up() && h.inRotation())) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("endpoints did not all come up: " + ds.health());
      }
      Thread.sleep(50);
    }
  }

  /** How a writer commits one increment and returns the value it committed. */
  interface Writer {
    long write(Connection c, int key) throws SQLException;
  }

  static final Writer AUTO_COMMIT = (c, key) -> longValue(c, "UPDATE counters SET v = v + 1 WHERE id = ? RETURNING v", key);

  static final Writer SET_LOCAL_ASYNC = (c, key) -> {
    c.setAutoCommit(false);
    try {
      exec(c, "SET LOCAL synchronous_commit = off");
      long v = longValue(c, "UPDATE counters SET v = v + 1 WHERE id = ? RETURNING v", key);
      c.commit();
      return v;
    } finally {
      c.setAutoCommit(true);
    }
  };

  /**
   * {@link #THREADS} × {@link #PAIRS_PER_THREAD} scoped pairs: write in one logical connection, read
   * the same row in a second one of the same scope (like two requests of one user).
   */
  static int[] scopedPairs(String label, Writer writer) throws Exception {
    AtomicInteger stale = new AtomicInteger();
    AtomicInteger replicaReads = new AtomicInteger();
    double before = ds.routedCount(RouteReason.REPLICA_FENCED) + ds.routedCount(RouteReason.REPLICA_FENCE_WAITED);
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int thread = t;
      futures.add(pool.submit(() -> {
        for (int i = 0; i < PAIRS_PER_THREAD; i++) {
          int key = (thread * PAIRS_PER_THREAD + i) % KEYS;
          try (Scope scope = Junction.scope(label + ":" + key)) {
            long written;
            try (Connection c = ds.getConnection()) {
              written = writer.write(c, key);
            }
            try (Connection c = ds.getConnection()) {
              if (longValue(c, "SELECT v FROM counters WHERE id = ?", key) < written) {
                stale.incrementAndGet();
              }
            }
          }
        }
        return null;
      }));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    pool.shutdown();
    int pairs = THREADS * PAIRS_PER_THREAD;
    double onReplica = ds.routedCount(RouteReason.REPLICA_FENCED) + ds.routedCount(RouteReason.REPLICA_FENCE_WAITED) - before;
    System.out.printf("[ReadYourWritesHolesIT] %s: %d scoped pairs, %d stale, %.0f reads on the replica%n",
        label, pairs, stale.get(), onReplica);
    return new int[] {pairs, stale.get(), (int) onReplica};
  }

  @Test
  @Order(1)
  void asynchronousCommitServerWideGivesNoStaleScopedRead() throws Exception {
    try (Connection c = pg.primary().connect()) {
      exec(c, "ALTER SYSTEM SET synchronous_commit = off");
      exec(c, "SELECT pg_reload_conf()");
      Thread.sleep(200);
      assertThat(Sql.string(c, "SHOW synchronous_commit")).isEqualTo("off");
    }
    try {
      int[] r = scopedPairs("async-server", AUTO_COMMIT);
      assertThat(r[1]).as("stale scoped reads with synchronous_commit = off server-wide").isZero();
      assertThat(r[2]).as("the replica served fenced reads, so the test measured something").isPositive();
    } finally {
      try (Connection c = pg.primary().connect()) {
        exec(c, "ALTER SYSTEM RESET synchronous_commit");
        exec(c, "SELECT pg_reload_conf()");
      }
    }
  }

  @Test
  @Order(2)
  void asynchronousCommitBySetLocalGivesNoStaleScopedRead() throws Exception {
    int[] r = scopedPairs("async-set-local", SET_LOCAL_ASYNC);
    assertThat(r[1]).as("stale scoped reads with SET LOCAL synchronous_commit = off").isZero();
    assertThat(r[2]).as("the replica served fenced reads, so the test measured something").isPositive();
  }

  /**
   * A replica killed and restarted with a WAL backlog: the router cached its position before the
   * crash; the restarted standby accepts connections once consistent and then replays the rest.
   * With {@code applyDelay} the restarted standby also holds back commits younger than the delay
   * (the "came back with a large apply delay" case), which makes the window long and certain.
   */
  static int[] restartWithBacklog(String label, Duration applyDelay) throws Exception {
    try (Connection c = pg.primary().connect()) {
      // ~40 MB of WAL the restarted standby must replay again from its last restartpoint
      exec(c, "INSERT INTO filler(pad) SELECT repeat(md5(g::text), 32) FROM generate_series(1, 30000) g");
    }
    long[] written = new long[KEYS];
    for (int key = 0; key < KEYS; key++) {
      try (Scope scope = Junction.scope(label + ":" + key); Connection c = ds.getConnection()) {
        written[key] = AUTO_COMMIT.write(c, key);
      }
    }
    String lsn;
    try (Connection c = pg.primary().connect()) {
      lsn = Sql.string(c, "SELECT pg_current_wal_insert_lsn()::text");
    }
    try (Connection c = pg.replica(0).connect()) {
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!Sql.string(c, "SELECT (pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn)::text").equals("true")) {
        assertThat(System.nanoTime()).as("replica never replayed " + lsn).isLessThan(deadline);
        Thread.sleep(20);
      }
    }
    Thread.sleep(500); // several lag polls: the router now caches a position covering every key's fence
    if (!applyDelay.isZero()) {
      pg.replica(0).appendConfig("recovery_min_apply_delay = '" + applyDelay.toMillis() + "ms'");
    }
    pg.replica(0).kill();
    pg.replica(0).start(); // returns once the standby accepts connections (consistent), still replaying
    AtomicInteger stale = new AtomicInteger();
    AtomicInteger reads = new AtomicInteger();
    double before = ds.routedCount(RouteReason.REPLICA_FENCED) + ds.routedCount(RouteReason.REPLICA_FENCE_WAITED);
    long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int thread = t;
      futures.add(pool.submit(() -> {
        for (int i = 0; System.nanoTime() < end; i++) {
          int key = (thread * 7 + i) % KEYS;
          try (Scope scope = Junction.scope(label + ":" + key); Connection c = ds.getConnection()) {
            if (longValue(c, "SELECT v FROM counters WHERE id = ?", key) < written[key]) {
              stale.incrementAndGet();
            }
            reads.incrementAndGet();
          } catch (SQLException e) {
            // a read may fail while the replica restarts; only stale answers count here
          }
        }
        return null;
      }));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    pool.shutdown();
    double onReplica = ds.routedCount(RouteReason.REPLICA_FENCED) + ds.routedCount(RouteReason.REPLICA_FENCE_WAITED) - before;
    System.out.printf("[ReadYourWritesHolesIT] %s: %d fenced reads in the 3 s after the restart, %d stale, %.0f on the replica%n",
        label, reads.get(), stale.get(), onReplica);
    if (!applyDelay.isZero()) {
      pg.setApplyDelay(0, Duration.ZERO);
    }
    awaitReplicaInRotation();
    return new int[] {reads.get(), stale.get(), (int) onReplica};
  }

  @Test
  @Order(3)
  void aReplicaRestartedWithAWalBacklogServesNoStaleFencedRead() throws Exception {
    int[] r = restartWithBacklog("restart-backlog", Duration.ZERO);
    assertThat(r[1]).as("stale fenced reads after a replica restart with a WAL backlog").isZero();
    assertThat(r[0]).isPositive();
  }

  @Test
  @Order(4)
  void aReplicaRestartedWithALargeApplyDelayServesNoStaleFencedRead() throws Exception {
    int[] r = restartWithBacklog("restart-delayed", Duration.ofSeconds(10));
    assertThat(r[1]).as("stale fenced reads after a replica restart with a 10 s apply delay").isZero();
    assertThat(r[0]).isPositive();
  }

  /**
   * A fence from a history the primary no longer has (a token or stored fence recorded before a
   * failover to a replica that had not received it, or before the primary was rebuilt): no replica
   * will ever reach it. It must neither pin the scope's reads to the primary through a fence wait
   * each, nor weaken read-your-writes for the scope's new writes.
   */
  @Test
  @Order(5)
  void aFenceAheadOfThePrimaryIsClampedToItsHeadAndNewWritesStayFenced() throws Exception {
    JunctionConfig base = config(Duration.ofSeconds(30));
    JunctionConfig.Fencing f = base.fencing();
    JunctionConfig withTokens = new JunctionConfig(base.dialect(), base.shards(), base.routing(),
        new JunctionConfig.Fencing(f.store(), f.ttl(), f.localMaximumScopes(), f.redisUri(), f.redisTimeout(), f.redisKeyPrefix(),
            "0123456789abcdef-test-secret"));
    try (RoutingDataSource tokens = RoutingDataSource.create(withTokens)) {
      String lostHistory = new dev.junction.fence.FenceTokenCodec("0123456789abcdef-test-secret".getBytes(java.nio.charset.StandardCharsets.UTF_8))
          .encode(dev.junction.fence.Fence.NONE.advance("main", dev.junction.position.PgLsn.parse("FFF/0")));
      double fallbacks = tokens.routedCount(RouteReason.PRIMARY_FENCE_FALLBACK);
      double onReplica = tokens.routedCount(RouteReason.REPLICA_FENCED) + tokens.routedCount(RouteReason.REPLICA_FENCE_WAITED);
      int stale = 0;
      int pairs = 200;
      for (int i = 0; i < pairs; i++) {
        int key = i % KEYS;
        try (Scope scope = tokens.tokenScope(lostHistory)) {
          long written;
          try (Connection c = tokens.getConnection()) {
            written = AUTO_COMMIT.write(c, key);
          }
          try (Connection c = tokens.getConnection()) {
            if (longValue(c, "SELECT v FROM counters WHERE id = ?", key) < written) {
              stale++;
            }
          }
        }
      }
      fallbacks = tokens.routedCount(RouteReason.PRIMARY_FENCE_FALLBACK) - fallbacks;
      onReplica = tokens.routedCount(RouteReason.REPLICA_FENCED) + tokens.routedCount(RouteReason.REPLICA_FENCE_WAITED) - onReplica;
      System.out.printf("[ReadYourWritesHolesIT] fence ahead of the primary: %d write-then-read pairs, %d stale,"
          + " %.0f fence waits that gave up, %.0f reads on the replica%n", pairs, stale, fallbacks, onReplica);
      assertThat(stale).as("clamping must not weaken the scope's new writes").isZero();
      assertThat(onReplica).as("reads use the replica again instead of waiting on an unreachable fence").isPositive();
      assertThat(fallbacks).as("fence waits that gave up on the unreachable fence").isLessThan(pairs / 2.0);
    }
  }
}
