package dev.junction.it;

import static dev.junction.it.Sql.exec;
import static dev.junction.it.Sql.longValue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.jdbc.EndpointHealth;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** What happens when real servers die or fall behind. Each test leaves the topology healthy again. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PostgresFailureIT {
  static LocalCluster cluster;
  static PostgresReplicaSet pg;
  static RoutingDataSource ds;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO, Duration.ZERO).start();
    pg = cluster.postgres(0);
    try (Connection c = pg.primary().connect()) {
      exec(c, "CREATE TABLE t (id int primary key, v bigint)");
      exec(c, "INSERT INTO t SELECT g, 0 FROM generate_series(1, 100) g");
    }
    ds = RoutingDataSource.create(TestConfigs.postgres(pg, TestConfigs.routing(Duration.ofSeconds(1), Duration.ofMillis(50)),
        TestConfigs.localFences()));
    awaitAllUp();
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

  static void awaitAllUp() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!ds.health().stream().allMatch(h -> h.up() && h.inRotation())) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("endpoints did not all come back: " + ds.health());
      }
      Thread.sleep(50);
    }
  }

  static int port(Connection c) throws SQLException {
    return (int) longValue(c, "SELECT inet_server_port()");
  }

  @Test
  @Order(1)
  void aReplicaKilledMidLoadCausesNoFailedReadAndIsUsedAgainAfterRestart() throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger reads = new AtomicInteger();
    List<Throwable> failures = new ArrayList<>();
    Map<Integer, Integer> hits = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<?>> workers = new ArrayList<>();
    for (int w = 0; w < 4; w++) {
      workers.add(pool.submit(() -> {
        while (running.get()) {
          try (Connection c = ds.getConnection()) {
            for (int i = 0; i < 5; i++) {
              hits.merge(port(c), 1, Integer::sum);
              reads.incrementAndGet();
            }
          } catch (Throwable t) {
            synchronized (failures) {
              failures.add(t);
            }
          }
        }
      }));
    }
    Thread.sleep(500);
    pg.replica(0).kill();
    Thread.sleep(1500);
    int readsWhileDown = reads.get();
    pg.replica(0).start();
    awaitAllUp();
    hits.clear();
    Thread.sleep(500);
    running.set(false);
    for (Future<?> f : workers) {
      f.get();
    }
    pool.shutdown();
    System.out.printf("[PostgresFailureIT] %d autocommit reads across a replica crash, %d failed%n", reads.get(), failures.size());
    assertThat(failures).as("failed reads").isEmpty();
    assertThat(readsWhileDown).isGreaterThan(100);
    assertThat(hits.keySet()).as("the restarted replica serves reads again").contains(pg.replica(0).port());
  }

  @Test
  @Order(2)
  void aReplicaBehindMaxLagGetsNoReadsUntilItCatchesUp() throws Exception {
    int laggingPort = pg.replica(1).port();
    pg.setApplyDelay(1, Duration.ofSeconds(4));
    AtomicBoolean writing = new AtomicBoolean(true);
    Thread writer = new Thread(() -> {
      while (writing.get()) {
        try (Connection c = pg.primary().connect()) {
          while (writing.get()) {
            exec(c, "UPDATE t SET v = v + 1 WHERE id = 1");
            Thread.sleep(20);
          }
        } catch (Exception e) {
          // reconnect
        }
      }
    });
    writer.start();
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (replica2().inRotation()) {
        assertThat(System.nanoTime()).as("replica2 never left the rotation: " + replica2()).isLessThan(deadline);
        Thread.sleep(50);
      }
      System.out.printf("[PostgresFailureIT] replica2 out of rotation at lag %d ms%n", replica2().lagMillis());
      for (int i = 0; i < 200; i++) {
        try (Connection c = ds.getConnection()) {
          assertThat(port(c)).isNotEqualTo(laggingPort);
        }
      }
    } finally {
      pg.setApplyDelay(1, Duration.ZERO);
      writing.set(false);
      writer.join();
    }
    awaitAllUp();
    int seen = 0;
    for (int i = 0; i < 100; i++) {
      try (Connection c = ds.getConnection()) {
        if (port(c) == laggingPort) {
          seen++;
        }
      }
    }
    assertThat(seen).as("caught-up replica2 is read from again").isPositive();
  }

  static EndpointHealth replica2() {
    return ds.health().stream().filter(h -> h.endpoint().equals("replica2")).findFirst().orElseThrow();
  }

  /** A busy pool is not a dead server: waiting writers time out with 53300, and the circuit stays closed. */
  @Test
  @Order(3)
  void anExhaustedPoolFailsWith53300WithoutOpeningThePrimaryCircuit() throws Exception {
    int size = TestConfigs.POOL.maximumSize();
    List<Connection> holders = new ArrayList<>();
    try {
      for (int i = 0; i < size; i++) {
        Connection c = ds.getConnection();
        c.setAutoCommit(false);
        exec(c, "UPDATE t SET v = v WHERE id = " + (10 + i)); // each holds a primary connection
        holders.add(c);
      }
      try (Connection extra = ds.getConnection()) {
        assertThatThrownBy(() -> exec(extra, "UPDATE t SET v = v + 1 WHERE id = 50"))
            .isInstanceOf(SQLException.class)
            .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("53300"))
            .hasMessageContaining("pool.maximum-size");
      }
      assertThat(ds.health().stream().filter(h -> h.role().equals("primary")).findFirst().orElseThrow().up())
          .as("the primary's circuit stays closed").isTrue();
    } finally {
      for (Connection c : holders) {
        c.rollback();
        c.close();
      }
    }
    try (Connection c = ds.getConnection()) {
      exec(c, "UPDATE t SET v = v + 1 WHERE id = 50"); // and writes work again at once
    }
  }

  @Test
  @Order(4)
  void aDeadPrimaryFailsWritesFastWithAClearSqlStateWhileReadsContinue() throws Exception {
    pg.primary().kill();
    try {
      long worstMillis = 0;
      for (int i = 0; i < 10; i++) {
        long t0 = System.nanoTime();
        try (Connection c = ds.getConnection()) {
          assertThatThrownBy(() -> exec(c, "UPDATE t SET v = v + 1 WHERE id = 2"))
              .isInstanceOf(SQLException.class)
              .satisfies(e -> assertThat(((SQLException) e).getSQLState()).startsWith("08"))
              .hasMessageContaining("primary");
        }
        worstMillis = Math.max(worstMillis, (System.nanoTime() - t0) / 1_000_000);
      }
      System.out.printf("[PostgresFailureIT] writes with the primary down failed in at most %d ms%n", worstMillis);
      // The pool's connection-timeout (500 ms in this test) bounds the first failure; the circuit makes the rest immediate.
      assertThat(worstMillis).isLessThan(5_000);
      try (Connection c = ds.getConnection()) {
        assertThat(port(c)).isIn(pg.replica(0).port(), pg.replica(1).port());
      }
    } finally {
      pg.primary().start();
    }
    awaitAllUp();
    try (Connection c = ds.getConnection()) {
      exec(c, "UPDATE t SET v = v + 1 WHERE id = 2");
    }
  }
}
