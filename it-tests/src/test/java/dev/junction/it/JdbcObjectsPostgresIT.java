package dev.junction.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.Junction;
import dev.junction.Scope;
import dev.junction.classify.Dialect;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.local.PostgresServer;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Array;
import java.sql.Blob;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
        s.execute("CREATE TYPE jw_leak_mood AS ENUM ('calm', 'angry')"); // looked up first by the leak test only
        s.execute("CREATE TABLE jw_lobs (id int primary key, lo oid)");
        s.execute("INSERT INTO jw_lobs VALUES (1, lo_from_bytea(0, '\\x00010203fffe'::bytea))");
        seedFenceWrites(c);
      }
    }
    List<PostgresServer> primaries = cluster.postgres().stream().map(PostgresReplicaSet::primary).toList();
    List<PostgresServer> replicas = cluster.postgres().stream().map(s -> s.replica(0)).toList();
    plain = RoutingDataSource.create(config(Dialect.POSTGRESQL, primaries.subList(0, 1), replicas.subList(0, 1), false));
    sharded = RoutingDataSource.create(config(Dialect.POSTGRESQL, primaries, replicas, true));
    loadAccounts();
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

  // ---------------------------------------------------------------- arrays and large objects (issue #12)

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
