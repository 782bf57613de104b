package dev.junction.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.JdbcServer;
import dev.junction.local.LocalCluster;
import dev.junction.shard.KeyType;
import dev.junction.shard.ShardedTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Streaming scatter reads (issue #12) on three PostgreSQL shards with pools of two connections each.
 *
 * <p>How many rows a shard has produced is counted on the server, not guessed from the heap: the
 * queries select {@code probe(id)}, a volatile function that takes a value from the shard's
 * {@code probe_seq} for every row the server produces (sequences are not transactional, so a
 * direct connection reads the count at once). A driver that buffered a whole shard result would
 * make every shard produce all its rows before the first {@code next()}. {@code probe} also raises
 * an error for an id listed in the shard's {@code boom} table: a shard that fails mid-stream.
 *
 * <p>Oracle: the rows as one database would return them, computed from the generated data.
 */
class ScatterStreamingIT {
  static final int ROWS = 6000;
  static final int SHARDS = 3;
  static LocalCluster cluster;
  static JunctionConfig config;
  static RoutingDataSource ds;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(SHARDS).postgresReplicas().shared(ScatterStreamingIT.class);
    JunctionConfig.Pool pool = new JunctionConfig.Pool(2, 0, Duration.ofSeconds(10), Duration.ofMinutes(10),
        Duration.ofMinutes(30), Duration.ofSeconds(1));
    List<JunctionConfig.Shard> shards = new ArrayList<>();
    for (int i = 0; i < SHARDS; i++) {
      JdbcServer p = cluster.postgres(i).primary();
      shards.add(new JunctionConfig.Shard("s" + i,
          new JunctionConfig.Endpoint("primary", p.jdbcUrl(), p.user(), p.password(), 1, pool), List.of()));
    }
    config = new JunctionConfig(Dialect.POSTGRESQL, shards, TestConfigs.routing(Duration.ofSeconds(5), Duration.ofMillis(100)),
        TestConfigs.localFences(), JunctionConfig.Sharding.of(List.of(new ShardedTable("big", "id", KeyType.LONG)), List.of()));
    for (int i = 0; i < SHARDS; i++) {
      try (Connection c = cluster.postgres(i).primary().connect(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE big (id bigint primary key, v bigint not null)");
        s.execute("CREATE TABLE boom (id bigint primary key)");
        s.execute("CREATE SEQUENCE probe_seq");
        s.execute("CREATE FUNCTION probe(k bigint) RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$ BEGIN"
            + " PERFORM nextval('probe_seq');"
            + " IF EXISTS (SELECT 1 FROM boom WHERE boom.id = k) THEN RAISE EXCEPTION 'boom at %', k; END IF;"
            + " RETURN k; END $$");
      }
    }
    ds = RoutingDataSource.create(config);
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      for (int from = 0; from < ROWS; from += 500) {
        String values = LongStream.range(from, from + 500).mapToObj(id -> "(" + id + ", " + v(id) + ")")
            .collect(Collectors.joining(", "));
        assertThat(s.executeUpdate("INSERT INTO big (id, v) VALUES " + values)).isEqualTo(500);
      }
    }
  }

  static long v(long id) {
    return (id * 7919) % 1000;
  }

  @AfterAll
  static void stop() {
    try {
      if (ds != null) {
        ds.close();
      }
    } catch (Exception ignored) {
      // best effort
    }
    if (cluster != null) {
      cluster.close(); // not quietly: the shared cluster's give-back check must be able to fail the class
    }
  }

  @BeforeEach
  void resetProbes() throws SQLException {
    for (int i = 0; i < SHARDS; i++) {
      try (Connection c = cluster.postgres(i).primary().connect(); Statement s = c.createStatement()) {
        s.execute("SELECT setval('probe_seq', 1, false)");
        s.execute("DELETE FROM boom");
      }
    }
  }

  /** Rows each shard's server has produced for a {@code probe(id)} query since {@link #resetProbes}, by shard name. */
  static List<Long> produced() throws SQLException {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < SHARDS; i++) {
      try (Connection c = server(i).connect()) {
        out.add(Sql.longValue(c, "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM probe_seq"));
      }
    }
    return out;
  }

  /** The server of the shard the ring names {@code s<i>}. */
  static JdbcServer server(int i) {
    return cluster.postgres(i).primary();
  }

  static int shardOf(long id) throws SQLException {
    int index = config.sharding().rules(config.shards()).shardOf(config.sharding().tables().get(0), id);
    return Integer.parseInt(ds.ring().shardId(index).substring(1));
  }

  /** Backends of the test database on every shard in {@code states}, waited for (bounded) to reach {@code expected}. */
  static long awaitBackends(String states, long expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      long total = 0;
      for (int i = 0; i < SHARDS; i++) {
        try (Connection c = server(i).connect()) {
          total += Sql.longValue(c, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
              + " AND pid <> pg_backend_pid() AND state IN (" + states + ")");
        }
      }
      if (total == expected || System.nanoTime() > deadline) {
        return total;
      }
      Thread.sleep(20);
    }
  }

  static List<Long> idsByIdOrder() {
    return LongStream.range(0, ROWS).boxed().toList();
  }

  static List<Long> idsByVDescThenId() {
    return LongStream.range(0, ROWS).boxed()
        .sorted(Comparator.comparing((Long id) -> v(id)).reversed().thenComparing(id -> id)).toList();
  }

  /** Column 1 of up to {@code max} rows (all when negative). */
  static List<Long> ids(ResultSet rs, int max) throws SQLException {
    List<Long> out = new ArrayList<>();
    while ((max < 0 || out.size() < max) && rs.next()) {
      out.add(rs.getLong(1));
    }
    return out;
  }

  /**
   * {@code setMaxRows} over a merge that streams caps every shard at the rows the merge can use
   * (offset + min(limit, max rows)), so the servers stop there; a GROUP BY merge is not capped (it
   * needs every row) and stays exact. Before, each shard produced all its rows (about 2,000 here)
   * for a 50-row answer.
   */
  @Test
  void setMaxRowsStopsEveryShardAtTheRowsTheMergeCanUse() throws Exception {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      s.setMaxRows(50);
      try (ResultSet rs = s.executeQuery("SELECT id, probe(id) AS p FROM big ORDER BY id")) {
        assertThat(ids(rs, -1)).isEqualTo(idsByIdOrder().subList(0, 50));
      }
      assertThat(produced()).as("rows each shard produced for ORDER BY with setMaxRows(50)").allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(50));

      resetProbes();
      s.setMaxRows(20);
      try (ResultSet rs = s.executeQuery("SELECT id, probe(id) AS p FROM big ORDER BY v DESC, id LIMIT 100 OFFSET 30")) {
        assertThat(ids(rs, -1)).isEqualTo(idsByVDescThenId().subList(30, 50));
      }
      assertThat(produced()).as("OFFSET 30 + setMaxRows(20)").allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(50));

      resetProbes();
      s.setMaxRows(40);
      try (ResultSet rs = s.executeQuery("SELECT id, probe(id) AS p FROM big WHERE id % 2 = 0")) {
        List<Long> got = ids(rs, -1);
        assertThat(got).hasSize(40).doesNotHaveDuplicates().allSatisfy(id -> assertThat(id % 2).isZero());
      }
      assertThat(produced()).as("concatenation with setMaxRows(40)").allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(40));

      s.setMaxRows(3);
      try (ResultSet rs = s.executeQuery("SELECT v % 10 AS g, count(*) AS n FROM big GROUP BY v % 10 ORDER BY g")) {
        for (int g = 0; g < 3; g++) {
          assertThat(rs.next()).isTrue();
          int group = g;
          assertThat(rs.getLong(1)).isEqualTo(g);
          assertThat(rs.getLong(2)).as("group " + g + " counts every shard row")
              .isEqualTo(LongStream.range(0, ROWS).filter(id -> v(id) % 10 == group).count());
        }
        assertThat(rs.next()).isFalse();
      }
    }
  }

  /**
   * In a transaction with a fetch size (pgjdbc streams only then), a scatter ORDER BY without LIMIT
   * holds at most about one fetch per shard: after 300 of 6,000 rows, no shard has produced more
   * than the rows the merge pulled from it rounded up to a fetch (at most 301 + 99).
   */
  @Test
  void aStreamedScatterHoldsAboutOneFetchPerShard() throws Exception {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.setFetchSize(100);
      try (ResultSet rs = s.executeQuery("SELECT id, probe(id) AS p FROM big ORDER BY id")) {
        assertThat(ids(rs, 300)).isEqualTo(idsByIdOrder().subList(0, 300));
        List<Long> produced = produced();
        assertThat(produced).as("rows produced per shard after 300 merged rows, fetch size 100")
            .allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(400));
        assertThat(produced.stream().mapToLong(Long::longValue).sum()).isLessThanOrEqualTo(300 + SHARDS * 100L);
        assertThat(ids(rs, -1)).as("the rest, still exact").isEqualTo(idsByIdOrder().subList(300, ROWS));
      }
      c.commit();
    }
  }

  /**
   * Closing a streamed result half-way stops every shard: no backend is left running a query, no
   * shard produces more rows, the transaction commits and the connection runs the next scatter; once
   * the logical connection is closed, no backend is left in a transaction.
   */
  @Test
  void closingAStreamedResultHalfWayLeavesNothingRunning() throws Exception {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.setFetchSize(100);
      ResultSet rs = s.executeQuery("SELECT id, probe(id) AS p FROM big ORDER BY id");
      assertThat(ids(rs, 10)).isEqualTo(idsByIdOrder().subList(0, 10));
      rs.close();
      assertThat(awaitBackends("'active'", 0)).as("backends still running a query after close").isZero();
      List<Long> atClose = produced();
      assertThat(atClose).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(100));
      c.commit();
      try (ResultSet count = s.executeQuery("SELECT count(*) FROM big")) {
        assertThat(count.next()).isTrue();
        assertThat(count.getLong(1)).isEqualTo(ROWS);
      }
      c.commit();
      assertThat(produced()).as("no shard produced a row after the close").isEqualTo(atClose);
    }
    assertThat(awaitBackends("'active', 'idle in transaction', 'idle in transaction (aborted)'", 0))
        .as("backends left running or in a transaction after the connection closed").isZero();
  }

  /**
   * A shard that fails mid-stream (row 250 of its part, after two fetches were read): the error
   * names the shard and keeps the server's SQLState, every row before it was right, the result stays
   * failed (no silent end), nothing is left running on any shard, and after a rollback the same
   * connection runs the next scatter. Before, the error did not say which shard failed.
   */
  @Test
  void aShardFailingMidStreamNamesTheShardAndTheConnectionStaysUsable() throws Exception {
    int failingShard = shardOf(0);
    List<Long> ofShard = new ArrayList<>();
    for (long id = 0; ofShard.size() < 251; id++) {
      if (shardOf(id) == failingShard) {
        ofShard.add(id);
      }
    }
    long failingId = ofShard.get(250);
    try (Connection direct = server(failingShard).connect(); Statement s = direct.createStatement()) {
      s.execute("INSERT INTO boom VALUES (" + failingId + ")");
    }
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.setFetchSize(100);
      ResultSet rs = s.executeQuery("SELECT id, probe(id) AS p FROM big ORDER BY id");
      List<Long> read = new ArrayList<>();
      SQLException failure = null;
      try {
        while (rs.next()) {
          read.add(rs.getLong(1));
        }
      } catch (SQLException e) {
        failure = e;
      }
      assertThat((Throwable) failure).as("the failure reaches the reader").isNotNull();
      assertThat(failure.getMessage()).contains("on shard s" + failingShard).contains("boom at " + failingId);
      assertThat(failure.getSQLState()).isEqualTo("P0001");
      assertThat(read).as("rows before the failure").isNotEmpty().isEqualTo(idsByIdOrder().subList(0, read.size()));
      assertThat(read.get(read.size() - 1)).isLessThan(failingId);
      assertThatThrownBy(rs::next).as("a failed result never ends quietly").isInstanceOf(SQLException.class);
      assertThat(awaitBackends("'active'", 0)).as("backends still running a query after the failure").isZero();
      rs.close();
      c.rollback();
      c.setAutoCommit(true);
      try (ResultSet count = s.executeQuery("SELECT count(*) FROM big")) {
        assertThat(count.next()).isTrue();
        assertThat(count.getLong(1)).isEqualTo(ROWS);
      }
    }
    assertThat(awaitBackends("'active', 'idle in transaction', 'idle in transaction (aborted)'", 0)).isZero();
  }

  /**
   * A slow reader holds a streamed scatter ORDER BY ... LIMIT open (one connection of each shard's
   * pool of two, in a transaction) while six threads run scatter reads and point lookups on the same
   * pools: they share the other connection of each pool and all finish, with right answers; then
   * the reader finishes its rows, also right.
   */
  @Test
  void aSlowReaderLeavesTheRestOfThePoolToOtherThreads() throws Exception {
    List<Long> top = idsByVDescThenId();
    ExecutorService workers = Executors.newFixedThreadPool(6);
    try (Connection reader = ds.getConnection(); Statement rs0 = reader.createStatement()) {
      reader.setAutoCommit(false);
      rs0.setFetchSize(50);
      ResultSet slow = rs0.executeQuery("SELECT id, v FROM big ORDER BY id LIMIT 3000");
      List<Long> read = new ArrayList<>(ids(slow, 100));
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Integer>> done = new ArrayList<>();
      for (int t = 0; t < 6; t++) {
        int thread = t;
        done.add(workers.submit(() -> {
          go.await();
          int ops = 0;
          for (int i = 0; i < 20; i++) {
            try (Connection c = ds.getConnection()) {
              if ((i + thread) % 2 == 0) {
                try (Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT id, v FROM big ORDER BY v DESC, id LIMIT 20")) {
                  assertThat(ids(rs, -1)).isEqualTo(top.subList(0, 20));
                }
              } else {
                long id = (thread * 997L + i * 31L) % ROWS;
                try (PreparedStatement ps = c.prepareStatement("SELECT v FROM big WHERE id = ?")) {
                  ps.setLong(1, id);
                  try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getLong(1)).isEqualTo(v(id));
                  }
                }
              }
              ops++;
            }
          }
          return ops;
        }));
      }
      go.countDown();
      for (Future<Integer> f : done) {
        assertThat(f.get(120, TimeUnit.SECONDS)).isEqualTo(20);
      }
      while (true) {
        List<Long> more = ids(slow, 100);
        if (more.isEmpty()) {
          break;
        }
        read.addAll(more);
        Thread.sleep(1); // a slow reader
      }
      assertThat(read).isEqualTo(idsByIdOrder().subList(0, 3000));
      slow.close();
      reader.commit();
    } finally {
      workers.shutdownNow();
    }
    assertThat(awaitBackends("'active', 'idle in transaction', 'idle in transaction (aborted)'", 0)).isZero();
  }
}
