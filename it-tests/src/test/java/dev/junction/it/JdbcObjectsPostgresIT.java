package dev.junction.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.Junction;
import dev.junction.Scope;
import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.JdbcServer;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.local.PostgresServer;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Array;
import java.sql.Blob;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link JdbcObjectsContract} on PostgreSQL: two replica sets of a primary and a streaming replica. */
class JdbcObjectsPostgresIT extends JdbcObjectsContract {

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(2).postgresReplicas(Duration.ZERO).start();
    for (PostgresReplicaSet set : cluster.postgres()) {
      try (Connection c = set.primary().connect(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE jw_accounts (id bigint primary key, name text not null)");
        s.execute("CREATE TABLE jw_items (id bigserial primary key, name text not null)");
        s.execute("CREATE FUNCTION jw_one() RETURNS TABLE (x int) LANGUAGE sql AS 'SELECT 1'");
        s.execute("CREATE TABLE jw_fence_writes (id bigserial primary key, k text not null)");
        s.execute("CREATE FUNCTION jw_write(p_k text) RETURNS void LANGUAGE sql AS $$INSERT INTO jw_fence_writes (k) VALUES (p_k)$$");
        s.execute("CREATE PROCEDURE jw_write_proc(p_k text) LANGUAGE sql AS $$INSERT INTO jw_fence_writes (k) VALUES (p_k)$$");
        s.execute("CREATE TYPE jw_mood AS ENUM ('happy', 'sad', 'ok')");
        s.execute("CREATE FUNCTION jw_cursor(n int) RETURNS refcursor LANGUAGE plpgsql AS $$DECLARE c refcursor; BEGIN"
            + " OPEN c FOR SELECT g AS n, 'r' || g AS label FROM generate_series(1, n) g; RETURN c; END$$");
        s.execute("CREATE TYPE jw_leak_mood AS ENUM ('calm', 'angry')"); // looked up first by the leak test only
        s.execute("CREATE TABLE jw_lobs (id int primary key, lo oid)");
        s.execute("INSERT INTO jw_lobs VALUES (1, lo_from_bytea(0, '\\x00010203fffe'::bytea))");
        s.execute("CREATE TYPE jw_scatter_mood AS ENUM ('glad', 'blue', 'meh')");
        s.execute("CREATE TYPE jw_scatter_late AS ENUM ('early', 'late')"); // looked up first after a scatter's connections went back
        s.execute("CREATE TABLE jw_values (id bigint primary key, moods jw_scatter_mood[], nums int[], ns numeric[],"
            + " late jw_scatter_late[], b bytea, lo oid, t text)");
        // Metadata leases: a table and types no connection looks up before metadataNeverReachesAConnectionThatWentBack.
        s.execute("CREATE TYPE jw_md_mood AS ENUM ('up', 'down')");
        s.execute("CREATE TYPE jw_md_pmood AS ENUM ('x', 'y')");
        s.execute("CREATE TABLE jw_md (id bigserial primary key, name text not null, mood jw_md_mood, note text)");
        s.execute("INSERT INTO jw_md (name, mood, note) VALUES ('one', 'up', NULL)");
        seedFenceWrites(c);
      }
    }
    List<PostgresServer> primaries = cluster.postgres().stream().map(PostgresReplicaSet::primary).toList();
    List<PostgresServer> replicas = cluster.postgres().stream().map(s -> s.replica(0)).toList();
    plain = RoutingDataSource.create(config(Dialect.POSTGRESQL, primaries.subList(0, 1), replicas.subList(0, 1), false));
    sharded = RoutingDataSource.create(config(Dialect.POSTGRESQL, primaries, replicas, true));
    JdbcObjectsContract.primaries = primaries;
    loadAccounts();
    try (Connection c = sharded.getConnection(); Statement s = c.createStatement()) {
      for (String row : SCATTER_VALUES) {
        s.executeUpdate("INSERT INTO jw_values (id, moods, nums, ns, late, b, lo, t) VALUES (" + row + ")");
      }
    }
    for (PostgresServer replica : replicas) {
      awaitRows(replica);
    }
    monitor = primaries.get(0).connect();
    primary0 = primaries.get(0);
    replica0 = replicas.get(0);
  }

  @Override
  void delayReplica(boolean on) {
    cluster.postgres(0).setApplyDelay(0, on ? Duration.ofSeconds(2) : Duration.ZERO);
  }

  @Override
  String callStatement(String key) {
    return "CALL jw_write_proc('" + key + "')";
  }

  /**
   * pgjdbc refuses {@code createBlob} itself (SQLFeatureNotSupportedException, 0A000) without a
   * round trip. HikariCP counts 0A000 as fatal and evicted the connection under the open
   * transaction: the next statement failed with "Connection is closed" and the insert before it was
   * gone. Oracle: the row, read on a direct connection after the commit.
   */
  @Test
  void aDriverRefusalInsideATransactionLosesNothing() throws Exception {
    long id = 990_001;
    try (Connection c = plain.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO jw_accounts (id, name) VALUES (?, 'refused-blob')")) {
        ps.setLong(1, id);
        ps.executeUpdate();
      }
      assertThatThrownBy(c::createBlob).isInstanceOf(java.sql.SQLFeatureNotSupportedException.class);
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM jw_accounts WHERE id = " + id)) {
        rs.next();
        assertThat(rs.getLong(1)).as("the transaction goes on after the driver's refusal").isEqualTo(1);
      }
      c.commit();
    }
    try (Connection d = primary0.connect(); Statement s = d.createStatement();
         ResultSet rs = s.executeQuery("SELECT name FROM jw_accounts WHERE id = " + id)) {
      assertThat(rs.next()).as("the committed row").isTrue();
      assertThat(rs.getString(1)).isEqualTo("refused-blob");
      s.execute("DELETE FROM jw_accounts WHERE id = " + id);
    }
  }

  /** A writing function called in a SELECT the classifier cannot see writes: refused by the replica, re-run on the primary, fenced. */
  @Test
  void aSelectOfAWritingFunctionIsFenced() throws Exception {
    delayReplica(true);
    try {
      String key = "lw-select-f-" + System.nanoTime();
      long replicaRightAfter;
      long next;
      try (Scope scope = Junction.scope(key)) {
        try (Connection c = plain.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT jw_write(?)")) {
          ps.setString(1, key);
          ps.executeQuery().close();
          replicaRightAfter = countOn(replica0, key);
        }
        try (Connection c = plain.getConnection()) {
          next = countVia(c, key);
        }
      }
      assertThat(countOn(primary0, key)).isEqualTo(1);
      assertThat(replicaRightAfter).as("control: the delayed replica had not replayed the write yet").isZero();
      assertThat(next).as("the scope's next read").isEqualTo(1);
    } finally {
      delayReplica(false);
    }
  }

  // ---------------------------------------------------------------- refcursors (issue #12)

  /** A refcursor's result set is Junction's, answers with the Junction statement, and unwraps to pgjdbc's. */
  static void checkCursor(Object value, Statement owner, Connection c) throws SQLException {
    assertThat(value).as("getObject of a refcursor").isInstanceOf(ResultSet.class);
    ResultSet cursor = (ResultSet) value;
    assertThat(cursor.getClass().getName()).as("refcursor result set class").startsWith("dev.junction.");
    assertThat(cursor.getStatement()).as("refcursor rs.getStatement()").isSameAs(owner);
    assertThat(cursor.getStatement().getConnection()).as("refcursor rs.getStatement().getConnection()").isSameAs(c);
    assertThat(cursor.unwrap(org.postgresql.jdbc.PgResultSet.class)).isInstanceOf(org.postgresql.jdbc.PgResultSet.class);
  }

  /**
   * Issue #12: pgjdbc answers {@code getObject} of a {@code refcursor} (a column, or the REF_CURSOR/OTHER OUT
   * parameter of {@code {? = call f()}}) with its own result set, whose {@code getStatement().getConnection()} was the
   * bare physical connection: routing and the pool's bookkeeping bypassed. Also a refcursor column of a scatter read.
   */
  @ParameterizedTest
  @ValueSource(strings = {"plain", "sharded"})
  void aRefcursorReadsAsAJunctionResultSet(String kind) throws Exception {
    try (Connection c = ds(kind).getConnection()) {
      c.setAutoCommit(false); // a refcursor lives in its transaction
      try (Statement st = c.createStatement(); ResultSet outer = st.executeQuery("SELECT jw_cursor(3)")) {
        assertThat(outer.next()).isTrue();
        Object cursor = outer.getObject(1);
        checkCursor(cursor, st, c);
        assertThat(rows((ResultSet) cursor)).containsExactly("1:r1", "2:r2", "3:r3");
      }
      for (int type : new int[] {Types.REF_CURSOR, Types.OTHER}) {
        try (CallableStatement cs = c.prepareCall("{? = call jw_cursor(2)}")) {
          cs.registerOutParameter(1, type);
          cs.execute();
          Object cursor = cs.getObject(1);
          checkCursor(cursor, cs, c);
          assertThat(rows((ResultSet) cursor)).as("OUT parameter of type " + type).containsExactly("1:r1", "2:r2");
          checkCursor(cs.getObject(1, ResultSet.class), cs, c);
        }
      }
      if (kind.equals("sharded")) {
        try (PreparedStatement ps = c.prepareStatement("SELECT id, jw_cursor(1) AS cur FROM jw_accounts ORDER BY id");
             ResultSet scatter = ps.executeQuery()) {
          int n = 0;
          while (scatter.next()) {
            Object cursor = scatter.getObject(2);
            checkCursor(cursor, ps, c);
            assertThat(rows((ResultSet) cursor)).as("row " + scatter.getLong(1)).containsExactly("1:r1");
            n++;
          }
          assertThat(n).as("jw_accounts rows over both shards").isEqualTo(10);
        }
      }
      c.commit();
    }
  }

  /** One pass of {@link #aRefcursorAfterCommitReadsAsDirectPgjdbcDoes}, on {@code c}: what each step answers. */
  static List<String> cursorAfterCommit(Connection c) throws SQLException {
    List<String> out = new ArrayList<>();
    c.setAutoCommit(false);
    CallableStatement cs = c.prepareCall("{? = call jw_cursor(3)}");
    cs.registerOutParameter(1, Types.OTHER);
    cs.execute();
    ResultSet early = (ResultSet) cs.getObject(1); // fetched inside the transaction
    Statement st = c.createStatement();
    ResultSet outer = st.executeQuery("SELECT jw_cursor(2)");
    outer.next();
    cs.close();
    c.commit();
    out.add("getObject after commit: " + outcome(() -> rows((ResultSet) outer.getObject(1))).replaceAll("] .*", "]"));
    st.close();
    c.setAutoCommit(true);
    try (Statement other = c.createStatement(); ResultSet one = other.executeQuery("SELECT 1")) {
      one.next(); // a read: the primary goes back to the pool (nothing holds it any more)
    }
    out.add("their labels, first asked then (pgjdbc answers them from the result's fields): "
        + outcome(() -> early.getMetaData().getColumnLabel(1) + "," + early.getMetaData().getColumnLabel(2)));
    out.add("rows fetched before commit, read after it and after its statement closed: " + outcome(() -> rows(early)));
    return out;
  }

  /**
   * What stays readable after COMMIT, with direct pgjdbc as the oracle: pgjdbc reads a refcursor's rows at
   * {@code getObject} (no default fetch size) and closes the cursor, so those rows are read after COMMIT and after
   * the statement closed (a Junction result set leased to the connection would refuse them); a refcursor value
   * fetched after COMMIT fails, its cursor having ended with the transaction (34000).
   */
  @ParameterizedTest
  @ValueSource(strings = {"plain", "sharded"})
  void aRefcursorAfterCommitReadsAsDirectPgjdbcDoes(String kind) throws Exception {
    List<String> direct;
    try (Connection d = primary0.connect()) {
      direct = cursorAfterCommit(d);
    }
    List<String> junction;
    try (Connection c = ds(kind).getConnection()) {
      junction = cursorAfterCommit(c);
    }
    System.out.println("[JdbcObjects " + kind + "] refcursor after commit: direct " + direct + ", junction " + junction);
    assertThat(direct.get(1)).as("oracle: labels").endsWith(": n,label");
    assertThat(direct.get(2)).as("oracle: the rows read at getObject").endsWith(": [1:r1, 2:r2, 3:r3]");
    assertThat(direct.get(0)).as("oracle: the cursor ended with the transaction").contains("fails [34000]");
    assertThat(junction).isEqualTo(direct);
  }

  /** One pass of {@link #aStreamedRefcursorEndsWithItsTransactionAsDirectPgjdbcDoes}. */
  static List<String> streamedCursorAfterCommit(Connection c, Connection other) throws SQLException {
    List<String> out = new ArrayList<>();
    c.setAutoCommit(false);
    CallableStatement cs = c.prepareCall("{? = call jw_cursor(3)}");
    cs.registerOutParameter(1, Types.OTHER);
    cs.execute();
    ResultSet cursor = (ResultSet) cs.getObject(1);
    out.add("first row in the transaction: " + outcome(() -> cursor.next() + " " + cursor.getInt(1)));
    cs.close();
    c.commit();
    c.setAutoCommit(true);
    try (Statement s = c.createStatement(); ResultSet one = s.executeQuery("SELECT 1")) {
      one.next(); // a read: the primary goes back to the pool (nothing holds it any more)
    }
    if (other != null) {
      other.setAutoCommit(false); // the next borrower, in a transaction on that very connection
      Sql.longValue(other, "SELECT 1");
    }
    out.add("next row after commit: " + outcome(() -> cursor.next() + " " + cursor.getInt(1)).replaceAll("] .*", "]"));
    if (other != null) {
      out.add("the next borrower's transaction: " + outcome(() -> Sql.longValue(other, "SELECT 2")));
      other.rollback();
    }
    cursor.close();
    return out;
  }

  /**
   * With pgjdbc's {@code defaultRowFetchSize}, a refcursor's rows are fetched through a portal, batch by batch; the
   * portal ends with the transaction. Oracle: direct pgjdbc fails the next fetch after COMMIT with 34000. Junction
   * fails it with 34000 too once the connection went back to the pool, without sending anything on the connection
   * the pool lent to the next borrower (whose transaction goes on).
   */
  @Test
  void aStreamedRefcursorEndsWithItsTransactionAsDirectPgjdbcDoes() throws Exception {
    String url = primary0.jdbcUrl() + "?defaultRowFetchSize=1";
    List<String> direct;
    try (Connection d = java.sql.DriverManager.getConnection(url, primary0.user(), primary0.password())) {
      direct = streamedCursorAfterCommit(d, null);
    }
    JunctionConfig base = config(Dialect.POSTGRESQL, List.of(primary0), List.of(replica0), false);
    JunctionConfig.Shard shard = base.shards().get(0);
    JunctionConfig.Endpoint p = shard.primary();
    JunctionConfig.Endpoint fetching = new JunctionConfig.Endpoint(p.name(), url, p.username(), p.password(), p.weight(), p.pool());
    List<String> junction;
    try (RoutingDataSource ds = RoutingDataSource.create(new JunctionConfig(Dialect.POSTGRESQL,
        List.of(new JunctionConfig.Shard(shard.name(), fetching, shard.replicas())), base.routing(), base.fencing()))) {
      try (Connection c = ds.getConnection(); Connection next = ds.getConnection()) {
        junction = streamedCursorAfterCommit(c, next);
      }
    }
    System.out.println("[JdbcObjects] streamed refcursor after commit: direct " + direct + ", junction " + junction);
    assertThat(direct.get(0)).isEqualTo("first row in the transaction: true 1");
    assertThat(direct.get(1)).as("oracle: the portal ended with the transaction").startsWith("next row after commit: fails [34000]");
    assertThat(junction.subList(0, 2)).isEqualTo(direct);
    assertThat(junction.get(2)).as("nothing reached the next borrower's connection").isEqualTo("the next borrower's transaction: 2");
  }

  // ---------------------------------------------------------------- arrays and large objects (issue #12)

  /**
   * Rows of {@code jw_values} (id, moods, nums, ns, late, b, lo, t): NULL elements, empty and NULL arrays,
   * multidimensional ones, bounds other than 1, numeric NaN (pgjdbc's getArray fails), int extremes.
   */
  static final List<String> SCATTER_VALUES = List.of(
      "1, '{glad,blue}', '{1,2,3}', '{1.5,2}', '{early}', '\\x00ff', lo_from_bytea(0, '\\x0102'), 'h\u00e9llo'",
      "2, '{}', '{}', '{}', '{}', '\\x', NULL, ''",
      "3, '{glad,NULL,meh}', '{1,NULL,3}', '{NaN,1}', '{NULL,late}', NULL, lo_from_bytea(0, '\\x'), NULL",
      "4, NULL, NULL, NULL, NULL, 'abc'::bytea, NULL, 'x'",
      "5, '{{glad,blue},{meh,NULL}}', '{{1,2},{3,NULL}}', '{{1.25,NaN},{0,-1}}', '{{early},{late}}', '\\x80', NULL, 'multi'",
      "6, '{meh}', '{-2147483648,2147483647}', '{12345678901234567890.123,-0.000001}', '{late,late}', NULL, NULL, NULL",
      "7, '[0:1]={blue,glad}', '[0:1]={7,8}', NULL, '[2:2]={early}', NULL, NULL, NULL",
      "8, '{glad}', '{0}', '{0}', '{early}', '\\xff', NULL, 'last'");

  /** Array columns 2..5 of the scatter read; the last ({@code late}, an enum type no connection has looked up yet) is left untouched until the connections went back. */
  static final String SCATTER_ARRAYS = "SELECT id, moods, nums, ns, late, pg_backend_pid() AS pid FROM jw_values ORDER BY id";
  static final int LATE = 5;

  @Override
  List<String> scatterLobColumns() {
    return List.of("b", "t", "lo");
  }

  interface Call {
    Object call() throws Exception;
  }

  /** What a call answers, or the SQLState and message it fails with (pgjdbc: numeric[] holding NaN). */
  static String outcome(Call call) {
    try {
      return String.valueOf(call.call());
    } catch (SQLException e) {
      return "fails [" + e.getSQLState() + "] " + e.getMessage();
    } catch (Exception e) {
      return "fails " + e;
    }
  }

  /** Everything an array answers from its content; with {@code resultSet}, also the rows of getResultSet(). */
  static List<String> arrayAnswers(Array a, boolean resultSet) {
    if (a == null) {
      return List.of("NULL");
    }
    List<String> out = new ArrayList<>();
    out.add("getBaseType " + outcome(a::getBaseType));
    out.add("getBaseTypeName " + outcome(a::getBaseTypeName));
    out.add("getArray " + outcome(() -> dev.junction.it.shard.ResultTable.array(a)));
    out.add("getArray(empty map) " + outcome(() -> java.util.Arrays.deepToString((Object[]) a.getArray(Map.of()))));
    out.add("toString " + outcome(a::toString));
    if (resultSet) {
      out.add("getResultSet " + outcome(() -> rows(a.getResultSet())));
    }
    return out;
  }

  /** The activity of backend {@code pid} on {@code server}, read from outside the pool. */
  static String activityOn(JdbcServer server, long pid) throws SQLException {
    try (Connection m = server.connect(); PreparedStatement ps = m.prepareStatement(
        "SELECT state, query, state_change, xact_start FROM pg_stat_activity WHERE pid = ?")) {
      ps.setInt(1, (int) pid);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) + " | " + rs.getString(2) + " | " + rs.getString(3) + " | " + rs.getString(4)
            : "no backend " + pid;
      }
    }
  }

  /**
   * Issue #12 on a scatter read: a merged row hands out Junction's array snapshot, never the shard
   * driver's PgArray (whose enum element lookups and getResultSet() run on the physical connection it
   * came from, and whose result set's getStatement().getConnection() is the bare driver connection).
   * While the shards' connections are held, every answer, getResultSet() included, matches the driver's
   * own array read on a direct connection to the shard (the oracle), and getResultSet() is Junction's
   * with a null getStatement(). After the logical connection closed and another thread borrowed the same
   * physical connections (same backend pids) and holds them in a transaction, the arrays still answer
   * from their snapshot (the {@code late} column is touched for the first time only then), anything that
   * needs the connection fails with 0F001, and the borrower's backends show no statement from them.
   */
  @Test
  void scatterReadArraysNeverReachAPhysicalConnectionAfterItWentBack() throws Exception {
    Map<Long, List<List<String>>> oracle = new java.util.TreeMap<>();
    Map<Long, Integer> shardOf = new java.util.HashMap<>();
    for (int shard = 0; shard < primaries.size(); shard++) {
      try (Connection d = primaries.get(shard).connect(); Statement s = d.createStatement(); ResultSet rs = s.executeQuery(SCATTER_ARRAYS)) {
        while (rs.next()) {
          List<List<String>> answers = new ArrayList<>();
          for (int col = 2; col <= LATE; col++) {
            answers.add(arrayAnswers(rs.getArray(col), true));
          }
          oracle.put(rs.getLong(1), answers);
          shardOf.put(rs.getLong(1), shard);
        }
      }
    }
    assertThat(new java.util.HashSet<>(shardOf.values())).as("rows on both shards (a real scatter)").hasSize(2);

    List<String> problems = new ArrayList<>();
    Map<String, Array> kept = new LinkedHashMap<>();
    Map<Integer, Long> backendOf = new java.util.TreeMap<>();
    Connection a = sharded.getConnection();
    a.setAutoCommit(false); // the shards' primaries: the connections the next borrower gets
    try (Statement st = a.createStatement(); ResultSet rs = st.executeQuery(SCATTER_ARRAYS)) {
      assertThat(a.unwrap(dev.junction.jdbc.JunctionConnection.class).lastShardRoute().opcode().name()).isEqualTo("SCATTER");
      while (rs.next()) {
        long id = rs.getLong(1);
        backendOf.put(shardOf.get(id), rs.getLong(LATE + 1));
        for (int col = 2; col <= LATE; col++) {
          String where = "id " + id + " column " + col;
          Array viaGetArray = rs.getArray(col);
          Array viaGetObject = (Array) rs.getObject(col);
          Array viaTyped = rs.getObject(col, Array.class);
          for (Array x : new Array[] {viaGetArray, viaGetObject, viaTyped}) {
            if (x != null && !x.getClass().getName().startsWith("dev.junction.")) {
              problems.add(where + ": a " + x.getClass().getName() + " handed out, not Junction's");
            }
          }
          kept.put(where, viaGetArray);
          if (col == LATE || viaGetArray == null) {
            continue; // late: no call at all until the connections went back
          }
          List<String> answers = arrayAnswers(viaGetArray, true);
          if (!answers.equals(oracle.get(id).get(col - 2))) {
            problems.add(where + " while held: " + answers + ", the driver's " + oracle.get(id).get(col - 2));
          }
          try (ResultSet elements = viaGetObject.getResultSet()) {
            if (!elements.getClass().getName().startsWith("dev.junction.") || elements.getStatement() != null) {
              Statement owner = elements.getStatement();
              problems.add(where + " while held: getResultSet() is a " + elements.getClass().getName() + " whose getStatement() is "
                  + owner + (owner == null ? "" : " on " + owner.getConnection().getClass().getName()));
            }
          } catch (SQLException e) {
            if (!answers.get(answers.size() - 1).startsWith("getResultSet fails")) {
              problems.add(where + " while held: getResultSet() " + e);
            }
          }
        }
      }
    }
    a.rollback();
    a.close();

    java.util.concurrent.CountDownLatch lent = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch probed = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.ExecutorService other = java.util.concurrent.Executors.newSingleThreadExecutor();
    java.util.concurrent.Future<List<Set<Long>>> borrower = other.submit(() -> {
      try (Connection b = sharded.getConnection(); Statement s = b.createStatement()) {
        b.setAutoCommit(false);
        List<Set<Long>> pids = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
          Set<Long> seen = new java.util.TreeSet<>();
          try (ResultSet r = s.executeQuery("SELECT pg_backend_pid() FROM jw_values")) {
            while (r.next()) {
              seen.add(r.getLong(1));
            }
          }
          pids.add(seen);
          if (round == 0) {
            lent.countDown(); // its transaction stays open on both shards while the arrays are used
            assertThat(probed.await(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
          }
        }
        b.rollback();
        return pids;
      } finally {
        lent.countDown();
      }
    });
    List<Set<Long>> borrowed;
    Map<Integer, String> before = new java.util.TreeMap<>();
    Map<Integer, String> after = new java.util.TreeMap<>();
    try {
      assertThat(lent.await(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      for (Map.Entry<Integer, Long> e : backendOf.entrySet()) {
        before.put(e.getKey(), activityOn(primaries.get(e.getKey()), e.getValue()));
      }
      for (Map.Entry<String, Array> e : kept.entrySet()) {
        String where = e.getKey();
        Array x = e.getValue();
        long id = Long.parseLong(where.split(" ")[1]);
        int col = Integer.parseInt(where.split(" ")[3]);
        List<String> want = new ArrayList<>(oracle.get(id).get(col - 2));
        if (x == null) {
          if (!want.equals(List.of("NULL"))) {
            problems.add(where + ": NULL, the driver's " + want);
          }
          continue;
        }
        want.remove(want.size() - 1); // getResultSet: needs the connection, below
        List<String> answers = arrayAnswers(x, false);
        if (!answers.equals(want)) {
          problems.add(where + " after the connections went back: " + answers + ", the driver's " + want);
        }
        Map<String, Use> uses = new LinkedHashMap<>();
        uses.put(where + " getResultSet()", x::getResultSet);
        uses.put(where + " getResultSet(1, 1)", () -> x.getResultSet(1, 1));
        uses.put(where + " getResultSet().getStatement().getConnection()", () -> {
          Statement owner = x.getResultSet().getStatement();
          return owner == null ? null : owner.getConnection();
        });
        uses.put(where + " getArray(type map)", () -> x.getArray(Map.of("jw_scatter_mood", String.class)));
        problems.addAll(notFailingCleanly(uses, Set.of("0F001")));
      }
      for (Map.Entry<Integer, Long> e : backendOf.entrySet()) {
        after.put(e.getKey(), activityOn(primaries.get(e.getKey()), e.getValue()));
      }
    } finally {
      probed.countDown();
      borrowed = borrower.get(60, java.util.concurrent.TimeUnit.SECONDS);
      other.shutdown();
    }
    System.out.println("[JdbcObjects scatter arrays] backends " + backendOf + ", borrowed " + borrowed + " | before: " + before
        + " | after: " + after + " | " + kept.size() + " arrays, problems: " + problems);
    assertThat(borrowed.get(0)).as("the pools lend the same physical connections to the next borrower")
        .isEqualTo(new java.util.TreeSet<>(backendOf.values()));
    assertThat(borrowed.get(1)).as("and they were still the borrower's after the arrays were used").isEqualTo(borrowed.get(0));
    assertThat(after).as("the borrower's backends saw no statement from the scatter's arrays").isEqualTo(before);
    assertThat(problems).isEmpty();
  }

  static final String ARRAYS = "SELECT ARRAY[1, 2, NULL, 4]::int4[] AS a, ARRAY['happy', 'sad']::jw_mood[] AS m,"
      + " ARRAY[ARRAY['x', 'y'], ARRAY['z', NULL]]::text[] AS t";

  static List<String> rows(ResultSet rs) throws SQLException {
    List<String> out = new ArrayList<>();
    try (rs) {
      while (rs.next()) {
        out.add(rs.getInt(1) + ":" + rs.getObject(2));
      }
    }
    return out;
  }

  /** The driver's own getters on a direct connection are the oracle; every answer must match them. */
  void checkArray(String what, Array junction, Array driver) throws SQLException {
    assertThat(junction.getClass().getName()).as(what + " class").startsWith("dev.junction.");
    assertThat(junction.getBaseType()).as(what + " base type").isEqualTo(driver.getBaseType());
    assertThat(junction.getBaseTypeName()).as(what + " base type name").isEqualTo(driver.getBaseTypeName());
    assertThat(junction.getArray()).as(what + " getArray()").isEqualTo(driver.getArray());
    assertThat(junction.getArray(Map.of())).as(what + " getArray(empty map)").isEqualTo(driver.getArray());
    assertThat(junction.getArray(2, 1)).as(what + " getArray(2, 1)").isEqualTo(driver.getArray(2, 1));
    assertThat(junction.toString()).as(what + " text").isEqualTo(driver.toString());
    assertThat(rows(junction.getResultSet())).as(what + " getResultSet() rows").isEqualTo(rows(driver.getResultSet()));
    assertThat(rows(junction.getResultSet(2, 1))).as(what + " getResultSet(2, 1) rows").isEqualTo(rows(driver.getResultSet(2, 1)));
    ResultSet rs = junction.getResultSet();
    assertThat(rs.getClass().getName()).as(what + " getResultSet() class").startsWith("dev.junction.");
    assertThat(rs.getStatement()).as(what + " getResultSet().getStatement(): null, never the driver's").isNull();
    rs.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"plain", "sharded"})
  void arraysAnswerAsTheDriversOwn(String kind) throws Exception {
    try (Connection direct = primary0.connect(); Statement ds = direct.createStatement(); ResultSet o = ds.executeQuery(ARRAYS);
         Connection c = ds(kind).getConnection(); Statement js = c.createStatement(); ResultSet j = js.executeQuery(ARRAYS)) {
      assertThat(o.next()).isTrue();
      assertThat(j.next()).isTrue();
      for (int col = 1; col <= 3; col++) {
        checkArray("column " + col, j.getArray(col), o.getArray(col));
        checkArray("getObject(" + col + ")", (Array) j.getObject(col), (Array) o.getObject(col));
        checkArray("getObject(" + col + ", Array.class)", j.getObject(col, Array.class), o.getObject(col, Array.class));
      }
      // createArrayOf, then bound into a statement that runs on a replica (another physical connection)
      for (Object[] elements : List.of(new Object[] {"int4", new Integer[] {3, 1, 2}}, new Object[] {"jw_mood", new String[] {"ok", "sad"}})) {
        String type = (String) elements[0];
        Object[] values = (Object[]) elements[1];
        Array created = c.createArrayOf(type, values);
        Array oracle = direct.createArrayOf(type, values);
        assertThat(created.getClass().getName()).startsWith("dev.junction.");
        assertThat(created.getBaseTypeName()).isEqualTo(oracle.getBaseTypeName());
        assertThat(created.getBaseType()).isEqualTo(oracle.getBaseType());
        assertThat(created.getArray()).isEqualTo(oracle.getArray());
        assertThat(created.toString()).isEqualTo(oracle.toString());
        try (PreparedStatement ps = c.prepareStatement("SELECT ?::" + type + "[] AS v, pg_is_in_recovery()")) {
          ps.setArray(1, created);
          try (ResultSet back = ps.executeQuery()) {
            assertThat(back.next()).isTrue();
            assertThat(back.getArray(1).getArray()).as(type + " array bound through setArray").isEqualTo(values);
            System.out.println("[JdbcObjects " + kind + "] createArrayOf(" + type + ") bound on a " + (back.getBoolean(2) ? "replica" : "primary"));
          }
        }
      }
    }
  }

  /**
   * The next borrower's backend (same pid, in a transaction) must see nothing from arrays and large
   * objects of a closed connection: the arrays answer from what was read while their connection was
   * held, anything that needs the connection fails with 0F001, and so do large objects and their streams.
   */
  @Test
  void arraysAndLargeObjectsOfAClosedConnectionNeverTouchTheNextBorrower() throws Exception {
    byte[] stored = {0, 1, 2, 3, (byte) 0xff, (byte) 0xfe};
    Connection a = plain.getConnection();
    a.setAutoCommit(false);
    long backend = Sql.longValue(a, backendIdSql());
    Statement st = a.createStatement();
    ResultSet rs = st.executeQuery("SELECT ARRAY['calm', 'angry']::jw_leak_mood[] AS m, lo FROM jw_lobs WHERE id = 1");
    assertThat(rs.next()).isTrue();
    Array array = rs.getArray(1);
    Blob blob = rs.getBlob(2);
    Blob readInside = rs.getBlob(2);
    assertThat(readInside.length()).as("a large object read inside its transaction").isEqualTo(stored.length);
    assertThat(readInside.getBytes(1, stored.length)).isEqualTo(stored);
    InputStream stream = rs.getBlob(2).getBinaryStream();
    a.rollback();
    a.close();

    Connection b = plain.getConnection();
    b.setAutoCommit(false);
    assertThat(Sql.longValue(b, backendIdSql())).as("the pool lends the same physical connection to the next borrower")
        .isEqualTo(backend);
    String before = activity(backend);
    Object[] elements = (Object[]) array.getArray();
    String typeName = array.getBaseTypeName();
    Map<String, Use> uses = new LinkedHashMap<>();
    uses.put("array.getResultSet()", array::getResultSet);
    uses.put("array.getResultSet().getStatement().getConnection().createStatement().executeQuery()",
        () -> array.getResultSet().getStatement().getConnection().createStatement().executeQuery("SELECT 1"));
    uses.put("blob.length()", blob::length);
    uses.put("blob.getBytes()", () -> blob.getBytes(1, 3));
    uses.put("blob.getBinaryStream()", blob::getBinaryStream);
    uses.put("stream.read()", () -> {
      try {
        return stream.read();
      } catch (IOException e) {
        throw e.getCause() instanceof SQLException sql ? sql : new SQLException(e);
      }
    });
    List<String> problems = notFailingCleanly(uses, Set.of("0F001"));
    String after = activity(backend);
    System.out.println("[JdbcObjects LOBs] backend " + backend + " before: " + before + " | after: " + after + " | problems: "
        + problems);
    assertThat(after).as("the next borrower's backend saw no statement from the closed connection's arrays and LOBs")
        .isEqualTo(before);
    assertThat(elements).as("the array answers from what was read while its connection was held").containsExactly("calm", "angry");
    assertThat(typeName).isEqualTo("jw_leak_mood");
    assertThat(problems).as("what needs the connection fails with 0F001").isEmpty();
    b.rollback();
    b.close();
  }

  // ---------------------------------------------------------------- metadata (issue #12)

  static final String MD_QUERY = "SELECT id, name, mood, note FROM jw_md ORDER BY id";
  static final String MD_PREPARED = "SELECT name, mood FROM jw_md WHERE id = ? AND mood <> ?::jw_md_pmood::text::jw_md_mood";

  /**
   * A result's, a prepared statement's and its parameters' metadata: what is asked while the physical connection is
   * held ({@code held}: counts, labels, a built-in type), and what only afterwards ({@code later}: what pgjdbc looks up
   * through its connection lazily, a catalog query for isNullable/isAutoIncrement/getTableName/the base names, a
   * {@code pg_type} query for a type the connection has not seen yet).
   */
  record MetaDataUses(Map<String, Use> held, Map<String, Use> later, Map<String, Use> fromFields) {}

  static MetaDataUses metaDataUses(java.sql.ResultSetMetaData md, java.sql.ResultSetMetaData prepared,
                                   java.sql.ParameterMetaData params) {
    Map<String, Use> held = new LinkedHashMap<>();
    held.put("rs md getColumnCount()", md::getColumnCount);
    for (int col = 1; col <= 4; col++) {
      int c = col;
      held.put("rs md getColumnLabel(" + c + ")", () -> md.getColumnLabel(c));
      held.put("rs md getColumnName(" + c + ")", () -> md.getColumnName(c));
    }
    held.put("rs md getColumnType(1)", () -> md.getColumnType(1));
    held.put("rs md getColumnTypeName(2)", () -> md.getColumnTypeName(2));
    held.put("ps md getColumnCount()", prepared::getColumnCount);
    held.put("ps md getColumnLabel(1)", () -> prepared.getColumnLabel(1));
    held.put("ps params getParameterCount()", params::getParameterCount);
    held.put("ps params getParameterType(1)", () -> params.getParameterType(1));
    Map<String, Use> later = new LinkedHashMap<>();
    later.put("rs md isNullable(2)", () -> md.isNullable(2));
    later.put("rs md isAutoIncrement(1)", () -> md.isAutoIncrement(1));
    later.put("rs md getTableName(2)", () -> md.getTableName(2));
    later.put("rs md getColumnTypeName(3)", () -> md.getColumnTypeName(3));
    later.put("rs md getColumnClassName(3)", () -> md.getColumnClassName(3));
    later.put("rs md unwrap(PGResultSetMetaData).getBaseColumnName(4)",
        () -> md.unwrap(org.postgresql.PGResultSetMetaData.class).getBaseColumnName(4));
    later.put("ps md isNullable(1)", () -> prepared.isNullable(1));
    later.put("ps md getColumnTypeName(2)", () -> prepared.getColumnTypeName(2));
    later.put("ps params getParameterTypeName(2)", () -> params.getParameterTypeName(2));
    Map<String, Use> fromFields = new LinkedHashMap<>(); // pgjdbc answers these in memory: never refused
    fromFields.put("rs md getPrecision(1)", () -> md.getPrecision(1));
    fromFields.put("rs md isSigned(1)", () -> md.isSigned(1));
    fromFields.put("rs md getColumnDisplaySize(2)", () -> md.getColumnDisplaySize(2));
    fromFields.put("ps md getColumnName(2)", () -> prepared.getColumnName(2));
    fromFields.put("ps params isSigned(1)", () -> params.isSigned(1));
    return new MetaDataUses(held, later, fromFields);
  }

  /** What each use answers (or fails with: SQLSTATE only). */
  static Map<String, String> answers(Map<String, Use> uses) {
    Map<String, String> out = new LinkedHashMap<>();
    uses.forEach((name, use) -> out.put(name, outcome(use::run).replaceAll("(fails \\[\\w+\\]).*", "$1")));
    return out;
  }

  /**
   * One pass on {@code c}: a result read to its end on the primary inside a transaction, a statement prepared there,
   * their metadata kept; statement closed, committed, then (with {@code other}) a read sends the primary back to the
   * pool and {@code other}, the next borrower, takes it in a transaction. Returns the metadata uses, asked while held
   * ({@code held} answers), and the backend the primary connection is.
   */
  static MetaDataUses metaDataAfterRelease(Connection c, Map<String, String> heldAnswers, long[] backend) throws SQLException {
    c.setAutoCommit(false); // everything on the primary: the connection the next borrower gets
    backend[0] = Sql.longValue(c, "SELECT pg_backend_pid()");
    Statement st = c.createStatement();
    ResultSet rs = st.executeQuery(MD_QUERY);
    java.sql.ResultSetMetaData md = rs.getMetaData();
    PreparedStatement ps = c.prepareStatement(MD_PREPARED);
    java.sql.ResultSetMetaData prepared = ps.getMetaData();
    java.sql.ParameterMetaData params = ps.getParameterMetaData();
    MetaDataUses uses = metaDataUses(md, prepared, params);
    heldAnswers.putAll(answers(uses.held()));
    while (rs.next()) {
      rs.getString(2); // read to the end: nothing left on the server
    }
    ps.close();
    st.close();
    c.commit();
    c.setAutoCommit(true);
    return uses;
  }

  /**
   * Issue #12, metadata: pgjdbc's result and parameter metadata keep the physical connection and run catalog and
   * {@code pg_type} queries on it lazily. Kept past the moment that connection went back to the pool (the logical
   * connection still open: its statement closed, its transaction committed, a read moved it to a replica), they ran
   * on the next borrower's connection, inside its transaction. Oracle: direct pgjdbc, the same steps on a direct
   * connection, for every answer asked while the connection was held, asked again afterwards; the next borrower's
   * backend (same pid, in a transaction) must see no statement from the metadata, and what was not asked while held
   * fails with 0F001 without touching the connection.
   */
  @ParameterizedTest
  @ValueSource(strings = {"plain", "sharded"})
  void metadataNeverReachesAConnectionThatWentBack(String kind) throws Exception {
    Map<String, String> directHeld = new LinkedHashMap<>();
    Map<String, String> directLaterHeld;
    Map<String, String> directLater;
    Map<String, String> directFields;
    try (Connection d = primary0.connect()) {
      MetaDataUses uses = metaDataAfterRelease(d, directHeld, new long[1]);
      directLaterHeld = answers(uses.held());
      directLater = answers(uses.later());
      directFields = answers(uses.fromFields());
    }
    Map<String, String> held = new LinkedHashMap<>();
    long[] backend = new long[1];
    Connection a = ds(kind).getConnection();
    MetaDataUses uses = metaDataAfterRelease(a, held, backend);
    Sql.longValue(a, "SELECT 1"); // a read: on a replica; the primary goes back to the pool (nothing holds it any more)
    Connection b = ds(kind).getConnection();
    b.setAutoCommit(false);
    assertThat(Sql.longValue(b, "SELECT pg_backend_pid()")).as("the pool lends the same physical connection to the next borrower")
        .isEqualTo(backend[0]);
    String before = activity(backend[0]);
    Map<String, String> afterHeld = answers(uses.held());
    Map<String, String> fields = answers(uses.fromFields());
    List<String> problems = notFailingCleanly(uses.later(), Set.of("0F001"));
    String after = activity(backend[0]);
    String borrowerGoesOn = outcome(() -> Sql.longValue(b, "SELECT 2"));
    System.out.println("[JdbcObjects " + kind + " metadata] direct: held " + directHeld + ", afterwards " + directLaterHeld
        + " " + directLater + " " + directFields + " | junction: held " + held + ", afterwards " + afterHeld + " " + fields + " | backend " + backend[0]
        + " before: " + before + " | after: " + after + " | borrower: " + borrowerGoesOn + " | problems: " + problems);
    b.rollback();
    b.close();
    a.close();
    assertThat(directLater.values()).as("oracle: direct pgjdbc answers all of them").noneMatch(v -> v.startsWith("fails"));
    assertThat(held).as("answers while held, as direct pgjdbc's").isEqualTo(directHeld);
    assertThat(afterHeld).as("what was asked while held, asked again after the connection went back").isEqualTo(directLaterHeld);
    assertThat(fields).as("what pgjdbc answers from the result's fields, first asked afterwards").isEqualTo(directFields);
    assertThat(after).as("the next borrower's backend saw no statement from the metadata").isEqualTo(before);
    assertThat(borrowerGoesOn).as("the next borrower's transaction goes on").isEqualTo("2");
    assertThat(problems).as("what needs the connection fails with 0F001").isEmpty();
  }

  static void awaitRows(PostgresServer replica) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      try (Connection c = replica.connect(); Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT count(*) FROM jw_accounts")) {
        rs.next();
        if (rs.getLong(1) > 0) {
          return;
        }
      } catch (SQLException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("replica " + replica + " did not replay jw_accounts");
      }
      Thread.sleep(50);
    }
  }

  @Override
  String backendIdSql() {
    return "SELECT pg_backend_pid()";
  }

  /** The backend's last statement and when its state last changed, as pg_stat_activity shows them. */
  @Override
  String activity(long pid) throws SQLException {
    try (PreparedStatement ps = monitor.prepareStatement(
        "SELECT state, query, state_change FROM pg_stat_activity WHERE pid = ?")) {
      ps.setInt(1, (int) pid);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new AssertionError("no backend " + pid + " on shard 0's primary");
        }
        return rs.getString(1) + " | " + rs.getString(2) + " | " + rs.getString(3);
      }
    }
  }

  @Override
  Class<?> driverResultSetClass() {
    return org.postgresql.jdbc.PgResultSet.class;
  }

  @Override
  Class<?> driverConnectionClass() {
    return org.postgresql.PGConnection.class;
  }
}
