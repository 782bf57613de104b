package dev.junction.it;

import static dev.junction.it.Sql.longValue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.Junction;
import dev.junction.Scope;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.JunctionConnection;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.shard.KeyType;
import dev.junction.shard.ShardRoute;
import dev.junction.shard.ShardedTable;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sharding through the JDBC layer on three real PostgreSQL replica sets (a primary, a fast replica
 * and a replica delayed by 300 ms each): placement by the ring, read/write split and fencing inside
 * each shard, scatter-gather merges checked against the shards' own rows, transactions, and
 * per-shard metrics.
 */
class ShardedRoutingIT {
  static final int ACCOUNTS = 300;
  static LocalCluster cluster;
  static RoutingDataSource ds;
  static RoutingDataSource rejecting;
  static JunctionConfig config;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(3).postgresReplicas(Duration.ZERO, Duration.ofMillis(300)).start();
    JunctionConfig.Sharding sharding = JunctionConfig.Sharding.of(
        List.of(new ShardedTable("accounts", "id", KeyType.LONG), new ShardedTable("ledger", "account_id", KeyType.LONG)),
        List.of("regions"));
    config = TestConfigs.shardedPostgres(cluster.postgres(), TestConfigs.routing(Duration.ofSeconds(5), Duration.ofMillis(50)),
        TestConfigs.localFences(), sharding);
    ds = RoutingDataSource.create(config);
    rejecting = RoutingDataSource.create(TestConfigs.shardedPostgres(cluster.postgres(),
        TestConfigs.routing(Duration.ofSeconds(5), Duration.ofMillis(50)), TestConfigs.localFences(),
        sharding.withMultiShardTransactions(JunctionConfig.MultiShardTransactions.REJECT)));
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE accounts (id bigint primary key, owner text not null, balance bigint not null)");
      s.execute("CREATE TABLE ledger (account_id bigint not null, seq int not null, amount bigint not null, memo text,"
          + " primary key (account_id, seq))");
      s.execute("CREATE TABLE regions (code text primary key, name text not null)");
      assertThat(s.executeUpdate("INSERT INTO regions VALUES ('eu', 'Europe'), ('us', 'Americas')"))
          .as("a broadcast write reports one copy's count").isEqualTo(2);
    }
    try (Connection c = ds.getConnection();
         PreparedStatement ps = c.prepareStatement("INSERT INTO accounts (id, owner, balance) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?)")) {
      for (int id = 0; id < ACCOUNTS; id += 3) {
        for (int k = 0; k < 3; k++) {
          ps.setLong(k * 3 + 1, id + k);
          ps.setString(k * 3 + 2, "owner" + ((id + k) % 7));
          ps.setLong(k * 3 + 3, ((id + k) * 37L) % 1000);
        }
        assertThat(ps.executeUpdate()).isEqualTo(3);
      }
    }
    awaitReplicasCaughtUp();
  }

  /** Unfenced reads on a new connection may see a replica's past: let every replica replay the load first. */
  static void awaitReplicasCaughtUp() throws Exception {
    awaitReplicasCaughtUp("accounts");
  }

  /** Until every replica holds as many rows of {@code table} as its primary (tables made on the primaries directly). */
  static void awaitReplicasCaughtUp(String table) throws Exception {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    for (PostgresReplicaSet set : cluster.postgres()) {
      long expected;
      try (Connection p = set.primary().connect()) {
        expected = longValue(p, "SELECT count(*) FROM " + table);
      }
      for (var replica : set.replicas()) {
        try (Connection r = replica.connect()) {
          while (true) {
            boolean ready;
            try {
              ready = longValue(r, "SELECT count(*) FROM " + table) == expected;
            } catch (SQLException tableNotReplayedYet) {
              ready = false;
            }
            if (ready) {
              break;
            }
            if (System.nanoTime() > deadline) {
              throw new AssertionError("replica " + replica + " did not replay the load within 30 s");
            }
            Thread.sleep(20);
          }
        }
      }
    }
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {ds, rejecting, cluster}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception ignored) {
        // best effort
      }
    }
  }

  /**
   * A scatter read whose part fails on one shard cancels the parts still running on the others
   * (each sleeps 30 s here) instead of waiting for them, says so in the error's suppressed
   * exceptions (57014), and leaves the connection usable. Before, the error came after the slowest
   * part had finished, with nothing suppressed.
   */
  @Test
  void aFailingScatterPartCancelsTheOthersAndTheConnectionStaysUsable() throws Exception {
    long failing = -1;
    List<Long> slow = new ArrayList<>();
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    for (long id = 5_000_000; seen.size() < 3; id++) {
      int shard = shardOf(id);
      if (seen.add(shard)) {
        if (failing < 0) {
          failing = id;
        } else {
          slow.add(id);
        }
      }
    }
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      try {
        s.executeUpdate("INSERT INTO ledger (account_id, seq, amount, memo) VALUES (" + failing + ", 1, 0, 'slowfail')");
        for (long id : slow) {
          s.executeUpdate("INSERT INTO ledger (account_id, seq, amount, memo) VALUES (" + id + ", 1, 30, 'slowfail')");
        }
        String sql = "SELECT account_id FROM ledger WHERE CASE WHEN memo IS NULL OR memo <> 'slowfail' THEN false"
            + " WHEN amount = 0 THEN 1 / amount = 1 ELSE pg_sleep(amount)::text = '' END";
        SQLException e = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class,
            () -> Junction.primary(() -> {
              try (ResultSet rs = s.executeQuery(sql)) {
                return rs.next();
              }
            }));
        assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo("22012");
        assertThat(e.getSuppressed()).as("the other shards' parts were cancelled or not started").hasSize(2)
            .allSatisfy(x -> assertThat(((SQLException) x).getSQLState()).isEqualTo("57014"));
        assertThat(Junction.primary(() -> longValue(c, "SELECT count(*) FROM ledger WHERE memo = 'slowfail'")))
            .as("the connection still works").isEqualTo(3);
      } finally {
        s.executeUpdate("DELETE FROM ledger WHERE memo = 'slowfail'");
      }
    }
  }

  /**
   * A statement's settings reach every leg of a scatter: max rows cuts the merged result (not the
   * legs), a fetch size streams the legs in batches, a query timeout and Statement.cancel() from
   * another thread stop legs running on the shards (57014).
   */
  @Test
  void scatterLegsHonourMaxRowsFetchSizeQueryTimeoutAndCancel() throws Exception {
    try (Connection c = ds.getConnection()) {
      try (Statement s = c.createStatement()) {
        s.setMaxRows(7);
        List<Long> ids = new ArrayList<>();
        try (ResultSet rs = Junction.primary(() -> s.executeQuery("SELECT id FROM accounts ORDER BY id"))) {
          while (rs.next()) {
            ids.add(rs.getLong(1));
          }
        }
        assertThat(ids).as("max rows applies to the merged result").containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);
      }
      c.setAutoCommit(false); // pgjdbc fetches in batches only inside a transaction
      try (Statement s = c.createStatement()) {
        s.setFetchSize(10);
        long expected = 0;
        try (ResultSet rs = s.executeQuery("SELECT id FROM accounts ORDER BY id")) {
          while (rs.next()) {
            assertThat(rs.getLong(1)).isEqualTo(expected++);
          }
        }
        assertThat(expected).as("every row, in order, fetched 10 at a time per shard").isEqualTo(ACCOUNTS);
      }
      c.commit();
      c.setAutoCommit(true);
    }
    long[] ids = new long[3];
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    int found = 0;
    for (long id = 6_000_000; found < 3; id++) {
      if (seen.add(shardOf(id))) {
        ids[found++] = id;
      }
    }
    String slow = "SELECT account_id FROM ledger WHERE CASE WHEN memo IS NULL OR memo <> 'slowlegs' THEN false"
        + " ELSE pg_sleep(amount)::text = '' END";
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      try {
        for (long id : ids) {
          s.executeUpdate("INSERT INTO ledger (account_id, seq, amount, memo) VALUES (" + id + ", 1, 30, 'slowlegs')");
        }
        try (Statement timed = c.createStatement()) {
          timed.setQueryTimeout(1);
          SQLException e = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class,
              () -> Junction.primary(() -> timed.executeQuery(slow).next()));
          assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo("57014");
        }
        try (Statement cancelled = c.createStatement()) {
          java.util.concurrent.ExecutorService other = java.util.concurrent.Executors.newSingleThreadExecutor();
          try {
            java.util.concurrent.Future<Boolean> running = other.submit(() -> Junction.primary(() -> cancelled.executeQuery(slow).next()));
            while (!running.isDone()) { // a cancel before the legs' queries are on the wire does nothing: repeat it
              cancelled.cancel();
              Thread.sleep(50);
            }
            java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.ExecutionException.class, running::get);
            assertThat(((SQLException) e.getCause()).getSQLState()).as(e.getCause().getMessage()).isEqualTo("57014");
          } finally {
            other.shutdownNow();
          }
        }
        assertThat(Junction.primary(() -> longValue(c, "SELECT count(*) FROM ledger WHERE memo = 'slowlegs'")))
            .as("the connection still works").isEqualTo(3);
      } finally {
        s.executeUpdate("DELETE FROM ledger WHERE memo = 'slowlegs'");
      }
    }
  }

  static int shardOf(long id) throws SQLException {
    return config.sharding().rules(config.shards()).shardOf(config.sharding().tables().get(0), id);
  }

  static PostgresReplicaSet set(int shard) {
    return cluster.postgres(Integer.parseInt(ds.ring().shardId(shard).substring(1)));
  }

  @Test
  void rowsLandOnTheShardTheRingNames() throws Exception {
    int[] expected = new int[3];
    for (long id = 0; id < ACCOUNTS; id++) {
      expected[shardOf(id)]++;
    }
    int total = 0;
    for (int shard = 0; shard < 3; shard++) {
      try (Connection direct = set(shard).primary().connect()) {
        long count = longValue(direct, "SELECT count(*) FROM accounts");
        assertThat(count).as("rows on shard %s", ds.ring().shardId(shard)).isEqualTo(expected[shard]);
        total += (int) count;
        assertThat(longValue(direct, "SELECT count(*) FROM regions")).as("broadcast rows on every shard").isEqualTo(2);
        for (long id = 0; id < ACCOUNTS; id++) {
          if (shardOf(id) == shard) {
            assertThat(longValue(direct, "SELECT count(*) FROM accounts WHERE id = ?", id)).isEqualTo(1);
          }
        }
      }
      assertThat(expected[shard]).as("each shard holds a fair part").isBetween(ACCOUNTS / 6, ACCOUNTS / 2);
    }
    assertThat(total).isEqualTo(ACCOUNTS);
  }

  /**
   * Hibernate renders {@code like concat('%', :x, '%')} as {@code like ('%'||?||'%')} on PostgreSQL, and
   * pgjdbc binds that {@code ?}. The planner read {@code ?|} as the jsonb operator: the statement was refused
   * as unparseable on a sharded table and failed to bind ("0 parameter marker(s)") on a broadcast one.
   * Oracle: the same count summed over direct connections to the shards' primaries.
   */
  @Test
  void aLikePatternBuiltWithConcatenationBindsItsParameter() throws Exception {
    for (String owner : List.of("owner3", "ner1", "zzz")) {
      long expected = 0;
      for (int shard = 0; shard < 3; shard++) {
        try (Connection direct = set(shard).primary().connect()) {
          expected += longValue(direct, "SELECT count(*) FROM accounts WHERE owner LIKE '%'||?||'%'", owner);
        }
      }
      try (Connection c = ds.getConnection()) {
        assertThat(longValue(c, "SELECT count(*) FROM accounts WHERE owner LIKE '%'||?||'%'", owner))
            .as("scatter count for %s", owner).isEqualTo(expected);
        long id = 21;
        try (Connection direct = set(shardOf(id)).primary().connect()) {
          assertThat(longValue(c, "SELECT count(*) FROM accounts WHERE id = ? AND owner LIKE '%'||?||'%'", id, owner))
              .as("keyed count for %s", owner)
              .isEqualTo(longValue(direct, "SELECT count(*) FROM accounts WHERE id = ? AND owner LIKE '%'||?||'%'", id, owner));
        }
        assertThat(longValue(c, "SELECT count(*) FROM regions WHERE name LIKE '%'||?||'%'", "eric"))
            .as("broadcast table").isEqualTo(1);
      }
    }
  }

  @Test
  void pointReadsGoToOneShardAndItsReplicas() throws Exception {
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT owner FROM accounts WHERE id = ?")) {
      JunctionConnection jc = c.unwrap(JunctionConnection.class);
      for (long id = 0; id < 30; id++) {
        ps.setLong(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString(1)).isEqualTo("owner" + (id % 7));
        }
        ShardRoute route = jc.lastShardRoute();
        assertThat(route.opcode()).isEqualTo(ShardRoute.Opcode.SINGLE);
        assertThat(route.statements()).singleElement().extracting(ShardRoute.ShardStatement::shard).isEqualTo(shardOf(id));
        assertThat(jc.lastRouteEndpoint()).startsWith(ds.ring().shardId(shardOf(id)) + "/replica");
      }
    }
  }

  @Test
  void readYourWritesHoldsInsideEveryShard() throws Exception {
    int pairs = 600;
    int stale = 0;
    int onReplica = 0;
    try (Scope scope = Junction.scope("sharded-user");
         Connection c = ds.getConnection();
         PreparedStatement write = c.prepareStatement("UPDATE accounts SET balance = ? WHERE id = ?");
         PreparedStatement read = c.prepareStatement("SELECT balance FROM accounts WHERE id = ?")) {
      JunctionConnection jc = c.unwrap(JunctionConnection.class);
      for (int i = 0; i < pairs; i++) {
        long id = (i * 7L) % ACCOUNTS;
        long value = 1_000_000L + i;
        write.setLong(1, value);
        write.setLong(2, id);
        assertThat(write.executeUpdate()).isEqualTo(1);
        read.setLong(1, id);
        try (ResultSet rs = read.executeQuery()) {
          rs.next();
          if (rs.getLong(1) != value) {
            stale++;
          }
        }
        if (jc.lastRouteReason().isReplica()) {
          onReplica++;
        }
      }
    }
    System.out.printf("sharded fenced pairs: %d, stale: %d, served by replicas: %d%n", pairs, stale, onReplica);
    assertThat(stale).isZero();
  }

  /** Every account as the shards' primaries hold it: the reference for the merge checks. */
  static List<Account> allAccounts() throws SQLException {
    List<Account> rows = new ArrayList<>();
    for (PostgresReplicaSet set : cluster.postgres()) {
      try (Connection c = set.primary().connect(); Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT id, owner, balance FROM accounts")) {
        while (rs.next()) {
          rows.add(new Account(rs.getLong(1), rs.getString(2), rs.getLong(3)));
        }
      }
    }
    return rows;
  }

  record Account(long id, String owner, long balance) {}

  /** Reads on the primaries, so the merge is compared with exactly the rows read directly. */
  @Test
  void scatterQueriesMergeLikeOneDatabase() throws Exception {
    Junction.primary(() -> {
      checkScatterQueries();
      return null;
    });
  }

  void checkScatterQueries() throws Exception {
    List<Account> all = allAccounts();
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      JunctionConnection jc = c.unwrap(JunctionConnection.class);
      List<Long> top = all.stream().sorted(Comparator.comparingLong((Account a) -> -a.balance()).thenComparingLong(Account::id))
          .skip(3).limit(5).map(Account::id).toList();
      List<Long> got = new ArrayList<>();
      try (ResultSet rs = s.executeQuery("SELECT id, balance FROM accounts ORDER BY balance DESC, id LIMIT 5 OFFSET 3")) {
        assertThat(rs.getMetaData().getColumnCount()).isEqualTo(2);
        while (rs.next()) {
          got.add(rs.getLong("id"));
        }
      }
      assertThat(jc.lastShardRoute().opcode()).isEqualTo(ShardRoute.Opcode.SCATTER);
      assertThat(got).isEqualTo(top);

      long sum = all.stream().mapToLong(Account::balance).sum();
      try (ResultSet rs = s.executeQuery("SELECT count(*), sum(balance), min(balance), max(balance), avg(balance) FROM accounts")) {
        rs.next();
        assertThat(rs.getLong(1)).isEqualTo(all.size());
        assertThat(rs.getLong(2)).isEqualTo(sum);
        assertThat(rs.getLong(3)).isEqualTo(all.stream().mapToLong(Account::balance).min().orElseThrow());
        assertThat(rs.getLong(4)).isEqualTo(all.stream().mapToLong(Account::balance).max().orElseThrow());
        assertThat(rs.getBigDecimal(5).doubleValue()).isCloseTo((double) sum / all.size(), org.assertj.core.data.Offset.offset(1e-9));
      }

      Map<String, Long> perOwner = new TreeMap<>(all.stream().collect(Collectors.groupingBy(Account::owner, Collectors.counting())));
      Map<String, Long> merged = new TreeMap<>();
      try (ResultSet rs = s.executeQuery("SELECT owner, count(*) AS n FROM accounts GROUP BY owner HAVING count(*) > 0 ORDER BY owner")) {
        String previous = "";
        while (rs.next()) {
          assertThat(rs.getString("owner")).isGreaterThan(previous);
          previous = rs.getString("owner");
          merged.put(previous, rs.getLong("n"));
        }
      }
      assertThat(merged).isEqualTo(perOwner);

      try (ResultSet rs = s.executeQuery("SELECT DISTINCT owner FROM accounts")) {
        List<String> owners = new ArrayList<>();
        while (rs.next()) {
          owners.add(rs.getString(1));
        }
        assertThat(owners).containsExactlyInAnyOrderElementsOf(perOwner.keySet());
      }
    }
    try (Connection c = ds.getConnection();
         PreparedStatement ps = c.prepareStatement("SELECT id FROM accounts WHERE id IN (?, ?, ?, ?) ORDER BY id DESC")) {
      long[] ids = {5, 77, 150, 299};
      for (int i = 0; i < ids.length; i++) {
        ps.setLong(i + 1, ids[i]);
      }
      List<Long> got = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          got.add(rs.getLong(1));
        }
      }
      assertThat(got).containsExactly(299L, 150L, 77L, 5L);
      ShardRoute route = c.unwrap(JunctionConnection.class).lastShardRoute();
      assertThat(route.statements().size()).isEqualTo((int) java.util.Arrays.stream(ids).mapToInt(id -> {
        try {
          return shardOf(id);
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
      }).distinct().count());
    }
  }

  static long[] keysOnDifferentShards() throws SQLException {
    long a = 0;
    for (long b = 1; b < ACCOUNTS; b++) {
      if (shardOf(b) != shardOf(a)) {
        return new long[] {a, b};
      }
    }
    throw new IllegalStateException("all keys on one shard");
  }

  @Test
  void multiShardTransactionsCommitOnEveryShardOrAreRejectedBeforeTheyWrite() throws Exception {
    long[] keys = keysOnDifferentShards();
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("UPDATE accounts SET owner = ? WHERE id = ?")) {
      c.setAutoCommit(false);
      for (long id : keys) {
        ps.setString(1, "tx-rolled-back");
        ps.setLong(2, id);
        ps.executeUpdate();
      }
      c.rollback();
      for (long id : keys) {
        ps.setString(1, "tx-committed");
        ps.setLong(2, id);
        ps.executeUpdate();
      }
      c.commit();
    }
    for (long id : keys) {
      try (Connection direct = set(shardOf(id)).primary().connect()) {
        assertThat(Sql.string(direct, "SELECT owner FROM accounts WHERE id = " + id)).isEqualTo("tx-committed");
      }
    }

    try (Connection c = rejecting.getConnection(); PreparedStatement ps = c.prepareStatement("UPDATE accounts SET owner = ? WHERE id = ?")) {
      c.setAutoCommit(false);
      ps.setString(1, "rejected");
      ps.setLong(2, keys[0]);
      ps.executeUpdate();
      ps.setLong(2, keys[1]);
      assertThatThrownBy(ps::executeUpdate).isInstanceOf(SQLException.class)
          .hasMessageContaining("multi-shard-transactions").extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("0AJ00");
      c.rollback();
      ps.setString(1, "after-reject");
      ps.setLong(2, keys[1]);
      assertThat(ps.executeUpdate()).isEqualTo(1);
      c.commit();
    }
    try (Connection direct = set(shardOf(keys[0])).primary().connect()) {
      assertThat(Sql.string(direct, "SELECT owner FROM accounts WHERE id = " + keys[0])).isEqualTo("tx-committed");
    }
  }

  /**
   * A COMMIT that fails on the second shard of three (a deferred unique constraint, checked only at
   * commit): the first shard has committed and nothing undoes that, but the third must be rolled back,
   * not committed behind the error, and the error must say both. On the old code the third shard
   * committed and the error named only the first. Oracle: each shard's primary, read directly.
   */
  /**
   * SET LOCAL in a transaction over several shards holds on every shard the transaction touches, also on
   * shards that join after it, and ends with the transaction. Oracle: PostgreSQL's own semantics on one
   * server, made visible by a table {@code sl} in both {@code public} (v = 100) and {@code alt} (v = 200)
   * on every shard, so that {@code SET LOCAL search_path = alt, public} changes the answer.
   */
  @Test
  void setLocalHoldsOnEveryShardOfTheTransactionAndEndsWithIt() throws Exception {
    JunctionConfig slConfig = TestConfigs.shardedPostgres(cluster.postgres(), TestConfigs.routing(Duration.ofSeconds(5),
        Duration.ofMillis(50)), TestConfigs.localFences(),
        JunctionConfig.Sharding.of(List.of(new ShardedTable("sl", "id", KeyType.LONG)), List.of()));
    var rules = slConfig.sharding().rules(slConfig.shards());
    int defaultShard = rules.defaultShard();
    long[] key = {-1, -1, -1};
    List<List<Long>> placed = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    for (long id = 0; id < 100; id++) {
      int shard = rules.shardOf(slConfig.sharding().tables().get(0), id);
      placed.get(shard).add(id);
      if (key[shard] < 0) {
        key[shard] = id;
      }
    }
    assertThat(key).as("a key on every shard").doesNotContain(-1L);
    for (int shard = 0; shard < 3; shard++) { // each row where the ring places it, in both schemas
      try (Connection direct = set(shard).primary().connect(); Statement s = direct.createStatement()) {
        s.execute("CREATE SCHEMA alt");
        for (String schema : List.of("public", "alt")) {
          s.execute("CREATE TABLE " + schema + ".sl (id bigint PRIMARY KEY, v int NOT NULL)");
          for (long id : placed.get(shard)) {
            s.execute("INSERT INTO " + schema + ".sl VALUES (" + id + ", " + (schema.equals("alt") ? 200 : 100) + ")");
          }
        }
      }
    }
    awaitReplicasCaughtUp("sl"); // reads outside a transaction may go to the delayed replica
    awaitReplicasCaughtUp("alt.sl");
    int other = (defaultShard + 1) % 3;
    int third = (defaultShard + 2) % 3;
    try (RoutingDataSource d = RoutingDataSource.create(slConfig)) {
      // 1. SQL BEGIN: a shard that joins after the SET LOCAL gets it
      try (Connection c = d.getConnection(); Statement s = c.createStatement()) {
        s.execute("BEGIN");
        assertThat(longValue(c, "SELECT v FROM sl WHERE id = " + key[defaultShard])).isEqualTo(100);
        s.execute("SET LOCAL search_path = alt, public");
        assertThat(longValue(c, "SELECT v FROM sl WHERE id = " + key[defaultShard])).as("the shard that ran it").isEqualTo(200);
        assertThat(longValue(c, "SELECT v FROM sl WHERE id = " + key[other])).as("a shard joining after it").isEqualTo(200);
        assertThat(longValue(c, "SELECT sum(v) FROM sl WHERE id IN (" + key[0] + ", " + key[1] + ", " + key[2] + ")"))
            .as("a scatter read inside the transaction").isEqualTo(600);
        s.execute("COMMIT");
        assertThat(longValue(c, "SELECT sum(v) FROM sl WHERE id IN (" + key[0] + ", " + key[1] + ", " + key[2] + ")"))
            .as("after COMMIT the setting is gone on every shard").isEqualTo(300);
      }
      // 2. auto-commit off: the setting of one transaction does not leak into a shard opened in the next
      try (Connection c = d.getConnection(); Statement s = c.createStatement()) {
        c.setAutoCommit(false);
        s.execute("SET LOCAL search_path = alt, public");
        assertThat(longValue(c, "SELECT v FROM sl WHERE id = " + key[defaultShard])).isEqualTo(200);
        assertThat(longValue(c, "SELECT v FROM sl WHERE id = " + key[other])).as("joining in the same transaction")
            .isEqualTo(200);
        c.commit();
        assertThat(longValue(c, "SELECT v FROM sl WHERE id = " + key[third]))
            .as("a shard first opened in the next transaction").isEqualTo(100);
        assertThat(longValue(c, "SELECT v FROM sl WHERE id = " + key[defaultShard])).isEqualTo(100);
        c.commit();
      }
      // 3. after ROLLBACK TO SAVEPOINT undid settings, no shard may join (which settings hold is unknown)
      try (Connection c = d.getConnection(); Statement s = c.createStatement()) {
        s.execute("BEGIN");
        assertThat(longValue(c, "SELECT v FROM sl WHERE id = " + key[defaultShard])).isEqualTo(100);
        s.execute("SAVEPOINT p");
        s.execute("SET LOCAL search_path = alt, public");
        s.execute("ROLLBACK TO SAVEPOINT p");
        assertThat(longValue(c, "SELECT v FROM sl WHERE id = " + key[defaultShard])).as("undone on the shard in it")
            .isEqualTo(100);
        assertThatThrownBy(() -> longValue(c, "SELECT v FROM sl WHERE id = " + key[other]))
            .isInstanceOfSatisfying(SQLException.class, e -> {
              assertThat(e.getSQLState()).isEqualTo("0AJ00");
              assertThat(e.getMessage()).contains("cannot join this transaction").contains("ROLLBACK TO SAVEPOINT");
            });
        s.execute("ROLLBACK");
        assertThat(longValue(c, "SELECT v FROM sl WHERE id = " + key[other])).as("usable after ROLLBACK").isEqualTo(100);
      }
    }
  }

  /**
   * PostgreSQL aborts a transaction on any server error: one server would then commit nothing. Over
   * shards, the other shards' work must not commit either: after a statement fails on one shard, later
   * statements are refused (25P02) and a commit rolls back every shard; ROLLBACK TO SAVEPOINT on every
   * shard lets it go on. Oracle: the rows on each shard's primary, read directly.
   */
  @Test
  void aStatementFailingOnOneShardFailsTheTransactionOnEveryShard() throws Exception {
    JunctionConfig txConfig = TestConfigs.shardedPostgres(cluster.postgres(), TestConfigs.routing(Duration.ofSeconds(5),
        Duration.ofMillis(50)), TestConfigs.localFences(),
        JunctionConfig.Sharding.of(List.of(new ShardedTable("txfail", "id", KeyType.LONG)), List.of()));
    var rules = txConfig.sharding().rules(txConfig.shards());
    List<List<Long>> keys = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    for (long id = 0; id < 200; id++) {
      keys.get(rules.shardOf(txConfig.sharding().tables().get(0), id)).add(id);
    }
    for (int shard = 0; shard < 3; shard++) {
      try (Connection direct = set(shard).primary().connect(); Statement s = direct.createStatement()) {
        s.execute("CREATE TABLE txfail (id bigint PRIMARY KEY, v text NOT NULL)");
      }
    }
    long taken = keys.get(1).get(0); // exists on shard 1: inserting it again fails there (23505)
    try (Connection direct = set(1).primary().connect(); Statement s = direct.createStatement()) {
      s.execute("INSERT INTO txfail (id, v) VALUES (" + taken + ", 'there')");
    }
    awaitReplicasCaughtUp("txfail"); // reads outside a transaction may go to the delayed replica
    try (RoutingDataSource d = RoutingDataSource.create(txConfig)) {
      int k = 0;
      for (String mode : List.of("auto-commit off", "SQL BEGIN", "savepoint")) {
        long mine = keys.get(0).get(k++);
        long other = keys.get(0).get(k++);
        try (Connection c = d.getConnection(); Statement s = c.createStatement()) {
          if (mode.equals("auto-commit off")) {
            c.setAutoCommit(false);
          } else {
            s.execute("BEGIN");
          }
          assertThat(s.executeUpdate("INSERT INTO txfail (id, v) VALUES (" + mine + ", 'mine')")).isEqualTo(1);
          if (mode.equals("savepoint")) {
            longValue(c, "SELECT count(*) FROM txfail WHERE id = " + taken); // both shards in the transaction
            s.execute("SAVEPOINT before_failure");
          }
          assertThatThrownBy(() -> s.executeUpdate("INSERT INTO txfail (id, v) VALUES (" + taken + ", 'again')"))
              .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("23505"));
          if (mode.equals("savepoint")) {
            s.execute("ROLLBACK TO SAVEPOINT before_failure");
            assertThat(longValue(c, "SELECT count(*) FROM txfail WHERE id = " + mine)).as(mode + ": goes on").isEqualTo(1);
            s.execute("COMMIT");
          } else {
            assertThatThrownBy(() -> s.executeUpdate("INSERT INTO txfail (id, v) VALUES (" + other + ", 'other')"))
                .as(mode + ": a statement for a shard whose own transaction is fine")
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("25P02"));
            if (mode.equals("SQL BEGIN")) {
              s.execute("COMMIT"); // as on one server: COMMIT of an aborted transaction rolls it back
            } else {
              c.commit();
            }
          }
          assertThat(longValue(c, "SELECT count(*) FROM txfail WHERE id = " + taken)).as("the connection goes on").isEqualTo(1);
        }
        try (Connection direct = set(0).primary().connect()) {
          assertThat(longValue(direct, "SELECT count(*) FROM txfail WHERE id IN (" + mine + ", " + other + ")"))
              .as("%s: rows of the first shard committed after the transaction failed on another shard", mode)
              .isEqualTo(mode.equals("savepoint") ? 1 : 0);
        }
      }
    }
  }

  /**
   * A read whose result streams (fetch size, auto-commit off) can fail on the server after it returned, while the
   * application reads it: the shard's server has then aborted its part of the transaction, as for a failing
   * execution, so the transaction must fail on every shard (25P02 afterwards, a commit rolls back every shard).
   * Before, only failures at execution counted: the transaction went on and its commit kept the other shards' work.
   * Oracle: the rows on the first shard's primary, read directly. Both a scatter read and a one-shard read.
   */
  @Test
  void aResultFailingWhileItIsReadFailsTheTransactionOnEveryShard() throws Exception {
    JunctionConfig midConfig = TestConfigs.shardedPostgres(cluster.postgres(), TestConfigs.routing(Duration.ofSeconds(5),
        Duration.ofMillis(50)), TestConfigs.localFences(),
        JunctionConfig.Sharding.of(List.of(new ShardedTable("midfail", "id", KeyType.LONG)), List.of()));
    var rules = midConfig.sharding().rules(midConfig.shards());
    List<List<Long>> keys = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    for (long id = 0; id < 300; id++) {
      keys.get(rules.shardOf(midConfig.sharding().tables().get(0), id)).add(id);
    }
    List<Long> onShard1 = keys.get(1).subList(0, 20);
    for (int shard = 0; shard < 3; shard++) {
      try (Connection direct = set(shard).primary().connect(); Statement s = direct.createStatement()) {
        s.execute("CREATE TABLE midfail (id bigint PRIMARY KEY, d int NOT NULL)");
        if (shard == 1) { // 1 / d fails on the last row only: after the first fetch of a streamed read
          for (int i = 0; i < onShard1.size(); i++) {
            s.execute("INSERT INTO midfail (id, d) VALUES (" + onShard1.get(i) + ", " + (i == onShard1.size() - 1 ? 0 : 1) + ")");
          }
        }
      }
    }
    awaitReplicasCaughtUp("midfail");
    try (RoutingDataSource d = RoutingDataSource.create(midConfig)) {
      int k = 0;
      for (String read : List.of("SELECT id, 1 / d AS q FROM midfail",
          "SELECT id, 1 / d AS q FROM midfail WHERE id IN (" + onShard1.stream().map(String::valueOf)
              .collect(java.util.stream.Collectors.joining(", ")) + ")")) {
        long mine = keys.get(0).get(k++);
        long other = keys.get(0).get(k++);
        try (Connection c = d.getConnection(); Statement s = c.createStatement()) {
          c.setAutoCommit(false);
          assertThat(s.executeUpdate("INSERT INTO midfail (id, d) VALUES (" + mine + ", 1)")).isEqualTo(1);
          s.setFetchSize(1); // pgjdbc streams: one row per fetch
          ResultSet rs = s.executeQuery(read); // returns: the failing row is fetched later
          assertThatThrownBy(() -> {
            while (rs.next()) {
              rs.getLong(2);
            }
          }).as(read).isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("22012"));
          assertThatThrownBy(() -> s.executeUpdate("INSERT INTO midfail (id, d) VALUES (" + other + ", 1)"))
              .as(read + ": a statement for a shard whose own transaction is fine")
              .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("25P02"));
          c.commit(); // as on one server: committing an aborted transaction rolls it back
        }
        try (Connection direct = set(0).primary().connect()) {
          assertThat(longValue(direct, "SELECT count(*) FROM midfail WHERE id IN (" + mine + ", " + other + ")"))
              .as("%s: rows of the first shard committed after the transaction failed on another shard", read)
              .isZero();
        }
      }
    }
  }

  @Test
  void aCommitFailingOnOneShardRollsBackTheShardsAfterIt() throws Exception {
    for (PostgresReplicaSet set : cluster.postgres()) { // DEFERRABLE is made on each shard directly
      try (Connection direct = set.primary().connect(); Statement s = direct.createStatement()) {
        s.execute("CREATE TABLE deferred_u (id bigint PRIMARY KEY, u int NOT NULL,"
            + " CONSTRAINT deferred_u_once UNIQUE (u) DEFERRABLE INITIALLY DEFERRED)");
      }
    }
    long[] first = new long[3];
    long second = -1;
    java.util.Arrays.fill(first, -1);
    for (long id = 0; id < 10_000 && (first[0] < 0 || first[1] < 0 || first[2] < 0 || second < 0); id++) {
      int shard = shardOf(id);
      if (first[shard] < 0) {
        first[shard] = id;
      } else if (shard == 1 && second < 0) {
        second = id;
      }
    }
    JunctionConfig deferred = TestConfigs.shardedPostgres(cluster.postgres(), TestConfigs.routing(Duration.ofSeconds(5),
        Duration.ofMillis(50)), TestConfigs.localFences(),
        JunctionConfig.Sharding.of(List.of(new ShardedTable("deferred_u", "id", KeyType.LONG)), List.of()));
    SQLException failed;
    try (RoutingDataSource d = RoutingDataSource.create(deferred); Connection c = d.getConnection();
         PreparedStatement ps = c.prepareStatement("INSERT INTO deferred_u (id, u) VALUES (?, ?)")) {
      c.setAutoCommit(false);
      long[][] rows = {{first[0], 1}, {first[1], 5}, {second, 5}, {first[2], 9}}; // u = 5 twice on the second shard
      for (long[] row : rows) {
        ps.setLong(1, row[0]);
        ps.setLong(2, row[1]);
        ps.executeUpdate();
      }
      failed = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class, c::commit);
    }
    System.out.println("commit failing on the second shard: " + failed.getMessage());
    assertThat(failed.getSQLState()).isEqualTo("23505");
    String[] names = {ds.ring().shardId(0), ds.ring().shardId(1), ds.ring().shardId(2)};
    assertThat(failed.getMessage()).contains("commit failed on shard " + names[1])
        .contains("already committed on [" + names[0] + "]").contains("rolled back on [" + names[2] + "]");
    long[] expected = {1, 0, 0};
    for (int shard = 0; shard < 3; shard++) {
      try (Connection direct = set(shard).primary().connect()) {
        assertThat(longValue(direct, "SELECT count(*) FROM deferred_u"))
            .as("rows on %s (committed before the failure: 1; failed or after it: 0)", names[shard]).isEqualTo(expected[shard]);
      }
    }
  }

  @Test
  void crossShardJoinsNotOnTheKeyAreRefusedAndTheConnectionStaysUsable() throws Exception {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.executeQuery("SELECT a.id FROM accounts a JOIN ledger l ON a.owner = l.memo"))
          .isInstanceOf(SQLException.class).extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("0AJ00");
      assertThat(c.unwrap(JunctionConnection.class).lastShardRoute()).isNull(); // the refusal ran nothing
      ledgerEntriesFor(List.of(3L, 4L, 5L));
      long expected = 0;
      for (PostgresReplicaSet set : cluster.postgres()) {
        try (Connection direct = set.primary().connect()) {
          expected += longValue(direct, "SELECT count(*) FROM accounts a JOIN ledger l ON a.id = l.account_id");
        }
      }
      long joined = Junction.primary(() -> {
        try (Connection p = ds.getConnection(); Statement ps = p.createStatement();
             ResultSet rs = ps.executeQuery("SELECT count(*) FROM accounts a JOIN ledger l ON a.id = l.account_id")) {
          rs.next();
          return rs.getLong(1);
        }
      });
      assertThat(expected).as("the co-located join has rows on the shards").isGreaterThanOrEqualTo(6);
      assertThat(joined).as("a join on the shard key runs on every shard and the counts add up").isEqualTo(expected);
      try (ResultSet rs = s.executeQuery("SELECT name FROM regions WHERE code = 'eu'")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("Europe");
      }
      assertThat(c.unwrap(JunctionConnection.class).lastShardRoute().opcode()).isEqualTo(ShardRoute.Opcode.ANY);
    }
  }

  /** Two ledger entries per account, with sequence numbers unique to this call. */
  static void ledgerEntriesFor(List<Long> accounts) throws SQLException {
    try (Connection c = ds.getConnection(); PreparedStatement ins = c.prepareStatement(
        "INSERT INTO ledger (account_id, seq, amount, memo) VALUES (?, ?, 1, 'join'), (?, ?, 2, 'join')")) {
      for (long account : accounts) {
        int seq = (int) (System.nanoTime() & 0x3fffffff);
        ins.setLong(1, account);
        ins.setInt(2, seq);
        ins.setLong(3, account);
        ins.setInt(4, seq + 1);
        assertThat(ins.executeUpdate()).isEqualTo(2);
      }
    }
  }

  @Test
  void aHotKeyShowsUpInPerShardMetrics() throws Exception {
    long hot = 42;
    String hotShard = ds.ring().shardId(shardOf(hot));
    double before = ds.meterRegistry().get("junction.shard.statements").tag("shard", hotShard).counter().count();
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT balance FROM accounts WHERE id = ?")) {
      for (int i = 0; i < 200; i++) {
        ps.setLong(1, hot);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
        }
      }
    }
    double after = ds.meterRegistry().get("junction.shard.statements").tag("shard", hotShard).counter().count();
    assertThat(after - before).isGreaterThanOrEqualTo(200);
    assertThat(ds.meterRegistry().get("junction.shard.latency").tag("shard", hotShard).timer().count()).isGreaterThanOrEqualTo(200);
  }

  @Test
  void generatedIdsAreUniqueAndRouteLikeAnyKey() throws Exception {
    try (Connection c = ds.getConnection(); PreparedStatement ins = c.prepareStatement(
        "INSERT INTO ledger (account_id, seq, amount, memo) VALUES (?, ?, ?, ?)")) {
      for (int i = 0; i < 20; i++) {
        long id = ds.nextId();
        ins.setLong(1, id);
        ins.setInt(2, 1);
        ins.setLong(3, i);
        ins.setString(4, "generated");
        assertThat(ins.executeUpdate()).isEqualTo(1);
      }
    }
    java.util.Set<Long> ids = new java.util.HashSet<>();
    long sum = 0;
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      c.setAutoCommit(false); // a read-write transaction runs on each shard's primary: no replica lag here
      try (ResultSet rs = s.executeQuery("SELECT account_id, amount FROM ledger WHERE memo = 'generated'")) {
        while (rs.next()) {
          ids.add(rs.getLong(1));
          sum += rs.getLong(2);
        }
      }
      c.commit();
    }
    assertThat(ids).hasSize(20);
    assertThat(sum).isEqualTo(190);
    for (long id : ids) {
      try (Connection direct = set(shardOf(id)).primary().connect()) {
        assertThat(longValue(direct, "SELECT count(*) FROM ledger WHERE account_id = ?", id))
            .as("generated id %d on the shard the ring names", id).isEqualTo(1);
      }
    }
  }
}
