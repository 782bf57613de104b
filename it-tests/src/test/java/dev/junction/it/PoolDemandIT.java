package dev.junction.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.JdbcServer;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.shard.KeyType;
import dev.junction.shard.ShardedTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue #12, bounded pool demand: pools of two connections on the primary and on the replica, 16
 * threads, each unit of work on its own logical connection doing read-then-write or write-then-read
 * (in auto-commit, and around explicit transactions). A logical connection that held a replica while
 * it waited for the primary (read-then-write) and another that held the primary while it waited for
 * a replica (write-then-read) formed a cross-pool wait cycle: every waiter then failed with the
 * pool's connection timeout (3 s here).
 *
 * <p>Oracle: every unit completes without an exception, and the primary holds exactly the rows the
 * units' acknowledged inserts wrote.
 */
class PoolDemandIT {
  static final int THREADS = 16;
  static final Duration RUN = Duration.ofSeconds(10);
  static LocalCluster cluster;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.builder().postgresReplicaSets(2).postgresReplicas(Duration.ZERO).start();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static JunctionConfig config(JdbcServer primary, JdbcServer replica) {
    JunctionConfig.Pool pool = new JunctionConfig.Pool(2, 0, Duration.ofSeconds(3), Duration.ofMinutes(10), Duration.ofMinutes(30),
        Duration.ofSeconds(1));
    return new JunctionConfig(Dialect.POSTGRESQL, List.of(new JunctionConfig.Shard("main",
        new JunctionConfig.Endpoint("primary", primary.jdbcUrl(), primary.user(), primary.password(), 1, pool),
        List.of(new JunctionConfig.Endpoint("replica1", replica.jdbcUrl(), replica.user(), replica.password(), 1, pool)))),
        TestConfigs.routing(Duration.ofSeconds(5), Duration.ofMillis(100)), TestConfigs.localFences());
  }

  /** Two shards (one PostgreSQL primary + replica each), every endpoint with a pool of two. */
  static JunctionConfig shardedConfig(List<PostgresReplicaSet> sets) {
    return shardedConfig(sets, "sdemand");
  }

  static JunctionConfig shardedConfig(List<PostgresReplicaSet> sets, String table) {
    JunctionConfig.Pool pool = new JunctionConfig.Pool(2, 0, Duration.ofSeconds(3), Duration.ofMinutes(10), Duration.ofMinutes(30),
        Duration.ofSeconds(1));
    List<JunctionConfig.Shard> shards = new ArrayList<>();
    for (int i = 0; i < sets.size(); i++) {
      PostgresReplicaSet set = sets.get(i);
      shards.add(new JunctionConfig.Shard("s" + i,
          new JunctionConfig.Endpoint("primary", set.primary().jdbcUrl(), set.primary().user(), set.primary().password(), 1, pool),
          List.of(new JunctionConfig.Endpoint("replica1", set.replica(0).jdbcUrl(), set.replica(0).user(),
              set.replica(0).password(), 1, pool))));
    }
    return new JunctionConfig(Dialect.POSTGRESQL, shards, TestConfigs.routing(Duration.ofSeconds(5), Duration.ofMillis(100)),
        TestConfigs.localFences(), JunctionConfig.Sharding.of(List.of(new ShardedTable(table, "id", KeyType.LONG)), List.of()));
  }

  interface Unit {
    /** Runs one unit of work on {@code c}; returns the number of rows it inserted. */
    int run(Connection c, int thread) throws SQLException;
  }

  @Test
  void mixedReadWriteOrdersNeverWaitInACycle() throws Exception {
    JdbcServer primary = cluster.postgres(0).primary();
    try (Connection c = primary.connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE demand (id bigserial primary key, thread int not null)");
    }
    awaitTable(cluster.postgres(0).replica(0), "demand");
    List<Unit> units = units();
    long inserted;
    try (RoutingDataSource ds = RoutingDataSource.create(config(primary, cluster.postgres(0).replica(0)))) {
      inserted = hammer(ds, units);
    }
    try (Connection c = primary.connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT count(*) FROM demand")) {
      rs.next();
      assertThat(rs.getLong(1)).as("rows on the primary = acknowledged inserts").isEqualTo(inserted);
    }
  }

  /**
   * What the application still holds keeps its physical connection: an open replica result set stays
   * readable across a write, and an insert's generated keys stay readable across a replica read.
   */
  @Test
  void openResultsAndStatementsKeepTheirConnection() throws Exception {
    JdbcServer primary = cluster.postgres(0).primary();
    try (Connection c = primary.connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE held (id bigserial primary key, v int not null)");
    }
    try (RoutingDataSource ds = RoutingDataSource.create(config(primary, cluster.postgres(0).replica(0)));
         Connection c = ds.getConnection()) {
      try (Statement read = c.createStatement();
           ResultSet rs = read.executeQuery("SELECT g FROM generate_series(1, 1000) g")) {
        assertThat(rs.next()).isTrue();
        try (Statement write = c.createStatement()) {
          assertThat(write.executeUpdate("INSERT INTO held(v) VALUES (1)")).isEqualTo(1);
        }
        int n = 1;
        while (rs.next()) {
          n++;
        }
        assertThat(n).as("the replica result set was read to its end across the write").isEqualTo(1000);
      }
      try (Statement write = c.createStatement(); Statement read = c.createStatement()) {
        assertThat(write.executeUpdate("INSERT INTO held(v) VALUES (2)", Statement.RETURN_GENERATED_KEYS)).isEqualTo(1);
        try (ResultSet rs = read.executeQuery("SELECT count(*) FROM held")) {
          assertThat(rs.next()).isTrue();
        }
        try (ResultSet keys = write.getGeneratedKeys()) {
          assertThat(keys.next()).as("generated keys of the write, asked for after a read").isTrue();
          assertThat(keys.getLong(1)).isPositive();
        }
        // the same statement object, write then read: its own earlier results do not keep the primary
        try (ResultSet rs = write.executeQuery("SELECT count(*) FROM held")) {
          assertThat(rs.next()).isTrue();
        }
      }
    }
  }

  /**
   * The same with two shards: each unit reads one key and writes another, so a unit's statements
   * hop between shards (and between each shard's primary and replica) in both orders.
   */
  @Test
  void shardedMixedReadWriteOrdersNeverWaitInACycle() throws Exception {
    AtomicLong ids = new AtomicLong(1_000_000);
    List<Unit> units = List.of(
        (c, t) -> {
          countKey(c, ids.get() - t);
          return insertKey(c, ids.incrementAndGet(), t);
        },
        (c, t) -> {
          int n = insertKey(c, ids.incrementAndGet(), t);
          countKey(c, ids.get() - t);
          return n;
        },
        (c, t) -> {
          int n = insertKey(c, ids.incrementAndGet(), t);
          n += insertKey(c, ids.incrementAndGet(), t);
          countKey(c, ids.get() - 1);
          countKey(c, ids.get());
          return n;
        });
    long inserted;
    try (RoutingDataSource ds = RoutingDataSource.create(shardedConfig(cluster.postgres()))) {
      try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE sdemand (id bigint primary key, thread int not null)");
      }
      for (PostgresReplicaSet set : cluster.postgres()) {
        awaitTable(set.replica(0), "sdemand"); // a read before the replica replayed the DDL would fail with 42P01
      }
      inserted = hammer(ds, units);
    }
    long rows = 0;
    for (PostgresReplicaSet set : cluster.postgres()) {
      try (Connection c = set.primary().connect(); Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT count(*) FROM sdemand")) {
        rs.next();
        rows += rs.getLong(1);
      }
    }
    assertThat(rows).as("rows on the shards' primaries = acknowledged inserts").isEqualTo(inserted);
  }

  /**
   * Scatters take one connection per shard: pools of two per endpoint, 16 threads mixing scatter
   * reads (on the replicas, and on the primaries under {@code Junction.primary}), scatter writes and
   * single-shard writes. Two scatters that each held some shards' connections while waiting for the
   * others' (legs taking their connections in parallel, in no fixed order) waited in a cycle until
   * the pool's timeout; a scatter takes them in ring order.
   */
  @Test
  void scattersAndSingleShardWritesNeverWaitInACycle() throws Exception {
    AtomicLong ids = new AtomicLong(2_000_000);
    String top = "SELECT id, thread FROM sscatter ORDER BY id DESC LIMIT 5";
    List<Unit> units = List.of(
        (c, t) -> {
          scatterCount(c);
          return insertScatterKey(c, ids.incrementAndGet(), t);
        },
        (c, t) -> {
          int n = insertScatterKey(c, ids.incrementAndGet(), t);
          scatterRows(c, top);
          return n;
        },
        (c, t) -> {
          try {
            dev.junction.Junction.primary(() -> {
              scatterRows(c, top);
              return scatterCount(c);
            });
          } catch (Exception e) {
            throw e instanceof SQLException se ? se : new SQLException(e);
          }
          return insertScatterKey(c, ids.incrementAndGet(), t);
        },
        (c, t) -> {
          try (PreparedStatement ps = c.prepareStatement("UPDATE sscatter SET thread = thread WHERE thread = ?")) {
            ps.setInt(1, -1); // no key: every shard's primary
            ps.executeUpdate();
          }
          scatterCount(c);
          return 0;
        },
        (c, t) -> {
          scatterRows(c, top);
          scatterCount(c);
          return insertScatterKey(c, ids.incrementAndGet(), t) + insertScatterKey(c, ids.incrementAndGet(), t);
        });
    long inserted;
    try (RoutingDataSource ds = RoutingDataSource.create(shardedConfig(cluster.postgres(), "sscatter"))) {
      try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE sscatter (id bigint primary key, thread int not null)");
      }
      for (PostgresReplicaSet set : cluster.postgres()) {
        awaitTable(set.replica(0), "sscatter");
      }
      inserted = hammer(ds, units);
    }
    long rows = 0;
    for (PostgresReplicaSet set : cluster.postgres()) {
      try (Connection c = set.primary().connect(); Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT count(*) FROM sscatter")) {
        rs.next();
        rows += rs.getLong(1);
      }
    }
    assertThat(rows).as("rows on the shards' primaries = acknowledged inserts").isEqualTo(inserted);
  }

  static int insertScatterKey(Connection c, long id, int thread) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO sscatter(id, thread) VALUES (?, ?)")) {
      ps.setLong(1, id);
      ps.setInt(2, thread);
      return ps.executeUpdate();
    }
  }

  static long scatterCount(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM sscatter")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static int scatterRows(Connection c, String sql) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
      int n = 0;
      while (rs.next()) {
        n++;
      }
      return n;
    }
  }

  static List<Unit> units() {
    List<Unit> units = List.of(
        // auto-commit read, then write: replica first, then the primary
        (c, t) -> {
          count(c, t);
          return insert(c, t);
        },
        // auto-commit write, then read: the primary first, then a (fenced) replica read
        (c, t) -> {
          int n = insert(c, t);
          count(c, t);
          return n;
        },
        // read, write, read
        (c, t) -> {
          count(c, t);
          int n = insert(c, t);
          count(c, t);
          return n;
        },
        // auto-commit read, then an explicit transaction that writes and reads
        (c, t) -> {
          count(c, t);
          c.setAutoCommit(false);
          int n = insert(c, t);
          count(c, t);
          c.commit();
          c.setAutoCommit(true);
          return n;
        },
        // an explicit transaction that writes, then an auto-commit read
        (c, t) -> {
          c.setAutoCommit(false);
          int n = insert(c, t);
          c.commit();
          c.setAutoCommit(true);
          count(c, t);
          return n;
        },
        // a read-only transaction (on the replica) after a write
        (c, t) -> {
          int n = insert(c, t);
          c.setReadOnly(true);
          c.setAutoCommit(false);
          count(c, t);
          c.commit();
          c.setAutoCommit(true);
          c.setReadOnly(false);
          return n;
        });
    return units;
  }

  /** 16 threads for {@link #RUN}, each unit on its own logical connection; returns the rows inserted. */
  static long hammer(RoutingDataSource ds, List<Unit> units) throws Exception {
    AtomicLong inserted = new AtomicLong();
    AtomicLong completed = new AtomicLong();
    Map<String, Integer> failures = new ConcurrentHashMap<>();
    List<Throwable> examples = java.util.Collections.synchronizedList(new ArrayList<>());
    long deadline = System.nanoTime() + RUN.toNanos();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          int i = thread;
          while (System.nanoTime() < deadline) {
            Unit unit = units.get(i++ % units.size());
            try (Connection c = ds.getConnection()) {
              inserted.addAndGet(unit.run(c, thread));
              completed.incrementAndGet();
            } catch (SQLException | RuntimeException e) {
              String key = (e instanceof SQLException se ? se.getSQLState() : null) + " " + e.getClass().getSimpleName();
              failures.merge(key, 1, Integer::sum);
              if (examples.size() < 5) {
                examples.add(e);
              }
            }
          }
        }));
      }
      pool.shutdown();
      assertThat(pool.awaitTermination(RUN.toSeconds() + 120, TimeUnit.SECONDS)).as("units finish (no deadlock)").isTrue();
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    for (Throwable e : examples) {
      e.printStackTrace();
    }
    System.out.printf("PoolDemandIT: %d units completed, %d rows inserted, failures %s%n", completed.get(), inserted.get(), failures);
    assertThat(failures).as("no timeout, no 'no free connection', no 08xxx").isEmpty();
    assertThat(completed.get()).as("units completed").isGreaterThan(THREADS);
    return inserted.get();
  }

  static int insert(Connection c, int thread) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO demand(thread) VALUES (?)")) {
      ps.setInt(1, thread);
      return ps.executeUpdate();
    }
  }

  static void awaitTable(JdbcServer replica, String table) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    try (Connection c = replica.connect(); Statement s = c.createStatement()) {
      while (true) {
        try (ResultSet rs = s.executeQuery("SELECT to_regclass('" + table + "') IS NOT NULL")) {
          rs.next();
          if (rs.getBoolean(1)) {
            return;
          }
        }
        assertThat(System.nanoTime()).as(table + " replayed on " + replica).isLessThan(deadline);
        Thread.sleep(20);
      }
    }
  }

  static int insertKey(Connection c, long id, int thread) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO sdemand(id, thread) VALUES (?, ?)")) {
      ps.setLong(1, id);
      ps.setInt(2, thread);
      return ps.executeUpdate();
    }
  }

  static long countKey(Connection c, long id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM sdemand WHERE id = ?")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  static long count(Connection c, int thread) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM demand WHERE thread = ?")) {
      ps.setInt(1, thread);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /**
   * A session-scoped lock keeps its connection. Releasing the primary connection before a replica read
   * (one connection at a time outside a transaction) must not give a connection that holds an advisory
   * lock back to the pool: another logical connection would get it and take the "same" lock again
   * (advisory locks are re-entrant within a server session), so two clients would both hold it.
   * Oracle: the server's own answer to pg_try_advisory_lock from a second logical connection, and
   * pg_locks read on a direct connection. Pools of 1 make the hand-over certain on the old code.
   */
  @Test
  void aSessionAdvisoryLockKeepsItsConnectionAcrossReplicaReads() throws Exception {
    JdbcServer primary = cluster.postgres(0).primary();
    JunctionConfig.Pool one = new JunctionConfig.Pool(1, 0, Duration.ofMillis(500), Duration.ofMinutes(10), Duration.ofMinutes(30),
        Duration.ofSeconds(1));
    JdbcServer replica = cluster.postgres(0).replica(0);
    JunctionConfig config = new JunctionConfig(Dialect.POSTGRESQL, List.of(new JunctionConfig.Shard("main",
        new JunctionConfig.Endpoint("primary", primary.jdbcUrl(), primary.user(), primary.password(), 1, one),
        List.of(new JunctionConfig.Endpoint("replica1", replica.jdbcUrl(), replica.user(), replica.password(), 1, one)))),
        TestConfigs.routing(Duration.ofSeconds(5), Duration.ofMillis(100)), TestConfigs.localFences());
    try (RoutingDataSource ds = RoutingDataSource.create(config);
         Connection holder = ds.getConnection(); Statement h = holder.createStatement()) {
      try (ResultSet rs = h.executeQuery("SELECT pg_advisory_lock(424242)")) {
        rs.next();
      }
      for (int i = 0; i < 3; i++) {
        try (ResultSet rs = h.executeQuery("SELECT count(*) FROM pg_class")) { // a plain read: a replica may serve it
          rs.next();
        }
      }
      Boolean secondGotIt;
      try (Connection other = ds.getConnection(); Statement o = other.createStatement();
           ResultSet rs = o.executeQuery("SELECT pg_try_advisory_lock(424242)")) {
        rs.next();
        secondGotIt = rs.getBoolean(1);
      } catch (SQLException poolBusy) {
        secondGotIt = null; // the primary's one connection is kept by the lock holder: waiting is correct
      }
      assertThat(secondGotIt).as("a second client must never get a lock another client holds").isNotEqualTo(Boolean.TRUE);
      try (ResultSet rs = h.executeQuery("SELECT pg_advisory_unlock(424242)")) {
        rs.next();
        assertThat(rs.getBoolean(1)).as("the holder releases its lock on its own server session").isTrue();
      }
    }
    try (Connection direct = primary.connect(); Statement s = direct.createStatement();
         ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 424242")) {
      rs.next();
      assertThat(rs.getLong(1)).as("no advisory lock left behind").isZero();
    }
  }

  /**
   * A connection that kept session state (here a session lock) is evicted when its logical
   * connection closes, not given back. A thread that was already waiting for that pool's only
   * connection must get a new one at once. HikariCP opens connections beyond minimum-idle only for a
   * thread that starts to wait while there is room, so on the old code the waiter was not served and
   * failed after its whole connection-timeout (08001) although the pool had room again.
   */
  @Test
  void aThreadWaitingForAnEvictedConnectionGetsANewOne() throws Exception {
    JdbcServer primary = cluster.postgres(0).primary();
    JunctionConfig.Pool one = new JunctionConfig.Pool(1, 0, Duration.ofSeconds(20), Duration.ofMinutes(10), Duration.ofMinutes(30),
        Duration.ofSeconds(1));
    JunctionConfig config = new JunctionConfig(Dialect.POSTGRESQL, List.of(new JunctionConfig.Shard("main",
        new JunctionConfig.Endpoint("primary", primary.jdbcUrl(), primary.user(), primary.password(), 1, one), List.of())),
        TestConfigs.routing(Duration.ofSeconds(5), Duration.ofMillis(100)), TestConfigs.localFences());
    try (RoutingDataSource ds = RoutingDataSource.create(config)) {
      Connection holder = ds.getConnection();
      try (Statement h = holder.createStatement(); ResultSet rs = h.executeQuery("SELECT pg_advisory_lock(434343)")) {
        rs.next(); // pins the pool's only connection: it is evicted at close
      }
      java.util.concurrent.CompletableFuture<Long> waiter = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
          rs.next();
          return rs.getLong(1);
        } catch (SQLException e) {
          throw new java.util.concurrent.CompletionException(e);
        }
      });
      Thread.sleep(500);
      assertThat(waiter).as("the second client waits for the pool's only connection").isNotDone();
      holder.close(); // evicts the pinned connection
      long started = System.nanoTime();
      Long pid = null;
      SQLException failed = null;
      try {
        pid = waiter.get(60, java.util.concurrent.TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        failed = (SQLException) e.getCause();
      }
      System.out.printf(java.util.Locale.ROOT, "waiter after the eviction: %s after %d ms%n",
          failed == null ? "served by backend " + pid : "failed: " + failed.getMessage(), (System.nanoTime() - started) / 1_000_000);
      assertThat((Throwable) failed).as("the waiter must be served once the evicted connection's slot is free, not time out").isNull();
    }
  }
}
