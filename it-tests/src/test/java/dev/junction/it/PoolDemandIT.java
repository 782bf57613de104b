package dev.junction.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.JdbcServer;
import dev.junction.local.LocalCluster;
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
    cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO).start();
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

    AtomicLong inserted = new AtomicLong();
    AtomicLong completed = new AtomicLong();
    Map<String, Integer> failures = new ConcurrentHashMap<>();
    List<Throwable> examples = java.util.Collections.synchronizedList(new ArrayList<>());
    long deadline = System.nanoTime() + RUN.toNanos();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try (RoutingDataSource ds = RoutingDataSource.create(config(primary, cluster.postgres(0).replica(0)))) {
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
    try (Connection c = primary.connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT count(*) FROM demand")) {
      rs.next();
      assertThat(rs.getLong(1)).as("rows on the primary = acknowledged inserts").isEqualTo(inserted.get());
    }
  }

  static int insert(Connection c, int thread) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO demand(thread) VALUES (?)")) {
      ps.setInt(1, thread);
      return ps.executeUpdate();
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
}
