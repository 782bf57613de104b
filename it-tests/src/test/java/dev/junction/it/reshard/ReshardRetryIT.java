package dev.junction.it.reshard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.health.ReplicaSelector;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.JdbcServer;
import dev.junction.local.LocalCluster;
import dev.junction.reshard.ReshardJob;
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
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Deadlocks, serialization failures and lock-wait timeouts are normal under concurrency: a
 * resharding step that meets one must roll back, retry and end with exact data, not fail. Each case
 * here provokes one deterministically against a real server: a second connection (the "adversary")
 * locks a row the step needs, waits until the step is blocked on it, then asks for a lock the step
 * already holds, so the server must break the cycle. The adversary is made the heavier transaction
 * (MariaDB rolls back the lighter one) or the later detector (PostgreSQL: a long
 * {@code deadlock_timeout} in its session), so the step is always the victim. The adversary's lock
 * call returning at all proves the step was rolled back: otherwise both would wait forever.
 *
 * <p>Cases: the catch-up's target transaction (deadlock; MariaDB also a lock-wait timeout, 1205,
 * after which InnoDB leaves the transaction open) and the cleanup's batch delete on a source
 * (deadlock). Afterwards every shard holds exactly the rows the ring places there, equal to what
 * the sources held (the oracle), nothing twice.
 */
class ReshardRetryIT {
  static final int ROWS = 400;

  @Test
  void mariadbStepsRetryDeadlocksAndLockWaitTimeoutsAndEndExact() throws Exception {
    try (LocalCluster cluster = LocalCluster.builder().postgresReplicaSets(0).mariadbReplicaSets(3).start()) {
      List<JdbcServer> primaries = new ArrayList<>();
      cluster.mariadbSets().forEach(s -> primaries.add(s.primary()));
      // Short lock waits for the tool's sessions (set before it connects), so a held lock times out.
      cluster.mariadb(2).primary().runSql("SET GLOBAL innodb_lock_wait_timeout = 3");
      run(new MariaDb(), primaries);
    }
  }

  @Test
  void postgresStepsRetryDeadlocksAndEndExact() throws Exception {
    try (LocalCluster cluster = LocalCluster.builder().postgresReplicaSets(3).postgresReplicas().shared(ReshardRetryIT.class)) {
      List<JdbcServer> primaries = new ArrayList<>();
      cluster.postgres().forEach(s -> primaries.add(s.primary()));
      run(new Postgres(), primaries);
    }
  }

  static void run(Side side, List<JdbcServer> primaries) throws Exception {
    JunctionConfig two = config(side.dialect(), primaries, 2);
    JunctionConfig three = config(side.dialect(), primaries, 3);
    try (RoutingDataSource ds = RoutingDataSource.create(two); Connection c = ds.getConnection();
         Statement s = c.createStatement()) {
      s.execute("CREATE TABLE accounts (id bigint PRIMARY KEY, balance bigint NOT NULL, note varchar(100))");
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO accounts (id, balance, note) VALUES (?, ?, 'v1')")) {
        for (long id = 0; id < ROWS; id++) {
          ps.setLong(1, id);
          ps.setLong(2, id * 7);
          ps.executeUpdate();
        }
      }
    }
    for (JdbcServer p : List.of(primaries.get(0), primaries.get(2))) {
      try (Connection c = p.connect(); Statement s = c.createStatement()) {
        side.createBallast(s);
      }
    }
    try (ReshardJob job = ReshardJob.open(three)) {
      List<Long> moving = new ArrayList<>();
      for (long id = 0; id < ROWS; id++) {
        if (job.from().shardFor(id).equals("s0") && job.to().shardFor(id).equals("s2")) {
          moving.add(id);
        }
      }
      assertThat(moving.size()).as("keys moving from s0 to s2").isGreaterThan(10);
      long k1 = moving.get(0);
      long k2 = moving.get(1);
      job.start();
      job.copy();

      // 1. catch-up, deadlock on the target: the adversary holds k2 and then wants what the drain holds.
      changeOnSource(primaries.get(0), k1, k2, "v2");
      long before = job.progress().retries();
      long recopied = provoke(side, primaries.get(2), k2, k1, job::catchUp, true);
      System.out.printf(Locale.ROOT, "%s catch-up after a deadlock: %d keys re-copied, %d retries%n", side.dialect(), recopied,
          job.progress().retries() - before);
      assertThat(recopied).isGreaterThanOrEqualTo(2);
      assertThat(job.progress().retries() - before).as("retries of the catch-up").isGreaterThanOrEqualTo(1);
      assertSameRows(primaries.get(0), primaries.get(2), List.of(k1, k2));

      // 2. MariaDB only: a lock-wait timeout (1205) leaves InnoDB's transaction open; the step must roll back and retry.
      if (side instanceof MariaDb) {
        changeOnSource(primaries.get(0), k1, k2, "v3");
        before = job.progress().retries();
        recopied = holdUntilRetried(primaries.get(2), k2, job::catchUp, () -> job.progress().retries());
        System.out.printf(Locale.ROOT, "MARIADB catch-up after lock-wait timeouts: %d keys re-copied, %d retries%n", recopied,
            job.progress().retries() - before);
        // Two timed-out attempts (asserted in holdUntilRetried) and then success: the timed-out
        // transaction was rolled back and the batch ran again in a new one.
        assertThat(job.progress().retries() - before).as("retries of the catch-up").isGreaterThanOrEqualTo(1);
        assertSameRows(primaries.get(0), primaries.get(2), List.of(k1, k2));
      }

      ReshardJob.VerifyReport report = job.verify();
      assertThat(report.ok()).as("verify\n%s", report.render()).isTrue();
      TreeMap<Long, String> oracle = rows(primaries, 2);
      job.cutover();

      // 3. cleanup, deadlock on the source: its batch delete locks k1 first and then waits for k2.
      before = job.progress().retries();
      provoke(side, primaries.get(0), k2, k1, () -> {
        job.cleanup();
        return 0L;
      }, false);
      System.out.printf(Locale.ROOT, "%s cleanup after a deadlock: %d retries%n", side.dialect(),
          job.progress().retries() - before);
      assertThat(job.progress().retries() - before).as("retries of the cleanup").isGreaterThanOrEqualTo(1);
      assertThat(job.phase().name()).isEqualTo("STABLE");
      assertPlacedExactly(primaries, job, oracle);
    }
  }

  static JunctionConfig config(Dialect dialect, List<JdbcServer> primaries, int shards) {
    List<JunctionConfig.Shard> out = new ArrayList<>();
    for (int i = 0; i < shards; i++) {
      JdbcServer p = primaries.get(i);
      out.add(new JunctionConfig.Shard("s" + i, new JunctionConfig.Endpoint("primary", p.jdbcUrl(), p.user(), p.password(), 1,
          JunctionConfig.Pool.defaults()), List.of()));
    }
    JunctionConfig.Routing routing = new JunctionConfig.Routing(ReplicaSelector.Strategy.ROUND_ROBIN, Duration.ofSeconds(5), 0,
        Duration.ofMillis(2500), Duration.ofMillis(100), Duration.ofMillis(50), Duration.ofMillis(500), 10_000);
    return new JunctionConfig(dialect, out, routing, JunctionConfig.Fencing.defaults(),
        JunctionConfig.Sharding.of(List.of(new ShardedTable("accounts", "id", KeyType.LONG)), List.of())).validate();
  }

  static void changeOnSource(JdbcServer source, long k1, long k2, String note) throws SQLException {
    try (Connection c = source.connect();
         PreparedStatement ps = c.prepareStatement("UPDATE accounts SET note = ?, balance = balance + 1 WHERE id IN (?, ?)")) {
      ps.setString(1, note);
      ps.setLong(2, k1);
      ps.setLong(3, k2);
      assertThat(ps.executeUpdate()).isEqualTo(2);
    }
  }

  interface Step {
    long run() throws Exception;
  }

  /**
   * Runs {@code step} while an adversary on {@code server} holds {@code first}, waits until the step
   * is blocked, then has the adversary lock {@code second} (or the table): a deadlock the server
   * breaks by rolling back the step. The adversary rolls back at the end, so the data is untouched.
   */
  static long provoke(Side side, JdbcServer server, long first, long second, Step step, boolean stepHoldsSecondRow)
      throws Exception {
    try (Connection adv = server.connect()) {
      adv.setAutoCommit(false);
      try (Statement s = adv.createStatement()) {
        side.prepareAdversary(s);
        side.lockRow(s, first);
      }
      CompletableFuture<Long> running = CompletableFuture.supplyAsync(unchecked(step));
      long t0 = System.nanoTime();
      awaitBlocked(side, server, running);
      long t1 = System.nanoTime();
      try (Statement s = adv.createStatement()) {
        side.closeCycle(s, second); // returns only once the server rolled the step back
      }
      System.out.printf(Locale.ROOT, "adversary: the step blocked after %d ms; the cycle was broken %d ms after closing it%n", (t1 - t0) / 1_000_000,
          (System.nanoTime() - t1) / 1_000_000);
      adv.rollback();
      return running.get(120, TimeUnit.SECONDS);
    }
  }

  /**
   * MariaDB: holds a row until the step's transaction has timed out on it twice (two attempts
   * counted by the step's own retry counter, each seen waiting on the server), then lets it finish.
   */
  static long holdUntilRetried(JdbcServer server, long key, Step step, java.util.function.LongSupplier retries)
      throws Exception {
    long before = retries.getAsLong();
    try (Connection adv = server.connect(); Connection watch = server.connect()) {
      adv.setAutoCommit(false);
      try (Statement s = adv.createStatement()) {
        s.execute("SET SESSION innodb_lock_wait_timeout = 600");
        s.executeUpdate("UPDATE accounts SET note = 'adversary' WHERE id = " + key);
      }
      CompletableFuture<Long> running = CompletableFuture.supplyAsync(unchecked(step));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      boolean sawWaiting = false;
      while (retries.getAsLong() - before < 2 && !running.isDone() && System.nanoTime() < deadline) {
        try (Statement s = watch.createStatement(); ResultSet rs = s.executeQuery(MariaDb.WAITING)) {
          rs.next();
          sawWaiting |= rs.getLong(1) > 0;
        }
        Thread.sleep(20);
      }
      adv.rollback();
      assertThat(sawWaiting).as("the step was seen waiting for the adversary's row").isTrue();
      assertThat(retries.getAsLong() - before).as("attempts of the step that timed out on the row").isGreaterThanOrEqualTo(2);
      return running.get(120, TimeUnit.SECONDS);
    }
  }

  static Supplier<Long> unchecked(Step step) {
    return () -> {
      try {
        return step.run();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
  }

  static void awaitBlocked(Side side, JdbcServer server, CompletableFuture<Long> running) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    try (Connection watch = server.connect(); Statement s = watch.createStatement()) {
      while (true) {
        if (running.isDone()) {
          running.get(); // a failure surfaces here
          throw new AssertionError("the step finished without waiting for the adversary's lock");
        }
        try (ResultSet rs = s.executeQuery(side.waitingSql())) {
          rs.next();
          if (rs.getLong(1) > 0) {
            return;
          }
        }
        assertThat(System.nanoTime()).as("the step never blocked on the adversary's row").isLessThan(deadline);
        Thread.sleep(10);
      }
    }
  }

  static void assertSameRows(JdbcServer source, JdbcServer target, List<Long> keys) throws SQLException {
    for (long k : keys) {
      assertThat(row(target, k)).as("key %d on the target", k).isEqualTo(row(source, k)).isNotNull();
    }
  }

  static String row(JdbcServer server, long key) throws SQLException {
    try (Connection c = server.connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT id, balance, note FROM accounts WHERE id = " + key)) {
      return rs.next() ? rs.getLong(1) + "|" + rs.getLong(2) + "|" + rs.getString(3) : null;
    }
  }

  static TreeMap<Long, String> rows(List<JdbcServer> primaries, int shards) throws SQLException {
    TreeMap<Long, String> out = new TreeMap<>();
    for (int i = 0; i < shards; i++) {
      try (Connection c = primaries.get(i).connect(); Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT id, balance, note FROM accounts")) {
        while (rs.next()) {
          assertThat(out.put(rs.getLong(1), rs.getLong(2) + "|" + rs.getString(3))).as("key %d twice", rs.getLong(1)).isNull();
        }
      }
    }
    return out;
  }

  static void assertPlacedExactly(List<JdbcServer> primaries, ReshardJob job, TreeMap<Long, String> oracle) throws SQLException {
    TreeMap<Long, String> actual = new TreeMap<>();
    int misplaced = 0;
    int duplicated = 0;
    for (int i = 0; i < 3; i++) {
      try (Connection c = primaries.get(i).connect(); Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT id, balance, note FROM accounts")) {
        while (rs.next()) {
          if (!job.to().shardFor(rs.getLong(1)).equals("s" + i)) {
            misplaced++;
          }
          if (actual.put(rs.getLong(1), rs.getLong(2) + "|" + rs.getString(3)) != null) {
            duplicated++;
          }
        }
      }
    }
    assertThat(misplaced).as("rows on the wrong shard").isZero();
    assertThat(duplicated).as("rows on two shards").isZero();
    assertThat(actual).isEqualTo(oracle);
  }

  /** What differs between the servers in provoking a deadlock. */
  interface Side {
    Dialect dialect();

    void createBallast(Statement s) throws SQLException;

    void prepareAdversary(Statement s) throws SQLException;

    void lockRow(Statement s, long key) throws SQLException;

    void closeCycle(Statement s, long key) throws SQLException;

    String waitingSql();
  }

  /**
   * InnoDB detects the cycle when it forms and rolls back the lighter transaction (fewer rows
   * changed and locked): the adversary first writes 500 ballast rows. The step locks rows in
   * primary-key order, so it holds the smaller key {@code second} when it waits for {@code first}.
   */
  static final class MariaDb implements Side {
    @Override
    public Dialect dialect() {
      return Dialect.MARIADB;
    }

    @Override
    public void createBallast(Statement s) throws SQLException {
      s.execute("CREATE TABLE ballast (id int PRIMARY KEY) ENGINE=InnoDB");
    }

    @Override
    public void prepareAdversary(Statement s) throws SQLException {
      s.execute("SET SESSION innodb_lock_wait_timeout = 600");
      s.execute("SET @junction_ring_version = 9223372036854775807"); // passes the resharding's write check
      s.executeUpdate("INSERT INTO ballast SELECT seq FROM seq_1_to_500");
    }

    @Override
    public void lockRow(Statement s, long key) throws SQLException {
      assertThat(s.executeUpdate("UPDATE accounts SET note = 'adversary' WHERE id = " + key)).isEqualTo(1);
    }

    @Override
    public void closeCycle(Statement s, long key) throws SQLException {
      s.executeUpdate("UPDATE accounts SET note = 'adversary' WHERE id = " + key);
    }

    /**
     * A statement of the step that has run for 300 ms (its lock-wait timeout here is 3 s). Not
     * {@code information_schema.innodb_trx}: InnoDB refreshes that table's cache only after 100 ms
     * without a reader, so polled every few milliseconds it never showed the step waiting (the
     * test then failed, the step timing out ten times unseen).
     */
    static final String WAITING = "SELECT count(*) FROM information_schema.processlist WHERE id <> CONNECTION_ID()"
        + " AND command = 'Query' AND time_ms > 300 AND info LIKE '%accounts%'";

    @Override
    public String waitingSql() {
      return WAITING;
    }
  }

  /**
   * PostgreSQL checks for a cycle after {@code deadlock_timeout} of waiting, in the waiting backend,
   * and aborts that one: the adversary sets 60 s for itself, so the step (1 s) always detects it. The
   * step holds ROW EXCLUSIVE on the table while it waits for the row, and the adversary then asks
   * for SHARE on the table: a cycle whatever order the step scans rows in.
   */
  static final class Postgres implements Side {
    @Override
    public Dialect dialect() {
      return Dialect.POSTGRESQL;
    }

    @Override
    public void createBallast(Statement s) {
      // not needed: PostgreSQL picks the victim by who detects the cycle
    }

    @Override
    public void prepareAdversary(Statement s) throws SQLException {
      s.execute("SET deadlock_timeout = '60s'");
      s.execute("SELECT set_config('junction.ring_version', '9223372036854775807', false)");
    }

    @Override
    public void lockRow(Statement s, long key) throws SQLException {
      assertThat(s.executeUpdate("UPDATE accounts SET note = 'adversary' WHERE id = " + key)).isEqualTo(1);
    }

    @Override
    public void closeCycle(Statement s, long key) throws SQLException {
      s.execute("LOCK TABLE accounts IN SHARE MODE");
    }

    @Override
    public String waitingSql() {
      return "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()";
    }
  }
}
