package dev.junction.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.classify.Dialect;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.MariaDbReplicaSet;
import dev.junction.local.MariaDbServer;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link JdbcObjectsContract} on MariaDB: two replica sets of a primary and a GTID replica. */
class JdbcObjectsMariaDbIT extends JdbcObjectsContract {
  static Class<?> driverResultSet;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(0).mariadbReplicaSets(2).start();
    for (MariaDbReplicaSet set : cluster.mariadbSets()) {
      try (Connection c = set.primary().connect(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE jw_accounts (id bigint primary key, name varchar(40) not null)");
        s.execute("CREATE TABLE jw_items (id bigint auto_increment primary key, name varchar(40) not null)");
        s.execute("CREATE PROCEDURE jw_one() SELECT 1 AS x");
        s.execute("CREATE TABLE jw_fence_writes (id bigint auto_increment primary key, k varchar(80) not null)");
        s.execute("CREATE PROCEDURE jw_write(p_k varchar(80)) INSERT INTO jw_fence_writes (k) VALUES (p_k)");
        s.execute("CREATE TABLE jw_lobs (id int primary key, b longblob, t longtext)");
        s.execute("INSERT INTO jw_lobs VALUES (1, x'00010203fffe', 'h\u00e9llo, large text')");
        s.execute("CREATE TABLE jw_values (id bigint primary key, b longblob NULL, t longtext NULL)");
        seedFenceWrites(c);
        try (ResultSet rs = s.executeQuery("SELECT 1")) {
          driverResultSet = rs.getClass();
        }
      }
    }
    List<MariaDbServer> primaries = cluster.mariadbSets().stream().map(MariaDbReplicaSet::primary).toList();
    List<MariaDbServer> replicas = cluster.mariadbSets().stream().map(MariaDbReplicaSet::replica).toList();
    plain = RoutingDataSource.create(config(Dialect.MARIADB, primaries.subList(0, 1), replicas.subList(0, 1), false));
    sharded = RoutingDataSource.create(config(Dialect.MARIADB, primaries, replicas, true));
    JdbcObjectsContract.primaries = primaries;
    loadAccounts();
    try (Connection c = sharded.getConnection(); Statement s = c.createStatement()) {
      s.executeUpdate("INSERT INTO jw_values (id, b, t) VALUES (1, x'00ff', 'h\u00e9llo')");
      s.executeUpdate("INSERT INTO jw_values (id, b, t) VALUES (2, x'', '')");
      s.executeUpdate("INSERT INTO jw_values (id, b, t) VALUES (3, NULL, NULL)");
      s.executeUpdate("INSERT INTO jw_values (id, b, t) VALUES (4, 'abc', 'x')");
      s.executeUpdate("INSERT INTO jw_values (id, b, t) VALUES (5, x'80', REPEAT('large text ', 2000))");
      s.executeUpdate("INSERT INTO jw_values (id, b, t) VALUES (6, x'0001', NULL)");
      s.executeUpdate("INSERT INTO jw_values (id, b, t) VALUES (7, NULL, 'z')");
      s.executeUpdate("INSERT INTO jw_values (id, b, t) VALUES (8, x'ff', 'last')");
    }
    for (MariaDbReplicaSet set : cluster.mariadbSets()) {
      set.awaitReplicaCaughtUp(Duration.ofSeconds(30));
    }
    monitor = primaries.get(0).connect();
    primary0 = primaries.get(0);
    replica0 = replicas.get(0);
    mariadbSet0 = cluster.mariadbSets().get(0);
  }

  static MariaDbReplicaSet mariadbSet0;

  /**
   * Connector/J's result and parameter metadata are built from the result's own fields and never query the server
   * (unlike pgjdbc's, which Junction leases): handed out unchanged, they answer after their connection went back
   * exactly as the driver's do.
   */
  @ParameterizedTest
  @ValueSource(strings = {"plain", "sharded"})
  void connectorJMetadataIsHandedOutUnchanged(String kind) throws Exception {
    java.sql.ResultSetMetaData md;
    java.sql.ParameterMetaData params;
    try (Connection c = ds(kind).getConnection(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT id, name FROM jw_items");
         PreparedStatement ps = c.prepareStatement("SELECT name FROM jw_items WHERE id = ?")) {
      md = rs.getMetaData();
      params = ps.getParameterMetaData();
    }
    assertThat(md.getClass().getName()).isEqualTo("com.mysql.cj.jdbc.result.ResultSetMetaData");
    assertThat(params.getClass().getName()).isEqualTo("com.mysql.cj.jdbc.MysqlParameterMetadata");
    assertThat(md.isNullable(2)).as("after the logical connection closed").isEqualTo(java.sql.ResultSetMetaData.columnNoNulls);
    assertThat(md.isAutoIncrement(1)).isTrue();
    assertThat(md.getTableName(2)).isEqualTo("jw_items");
    assertThat(params.getParameterCount()).isEqualTo(1);
  }

  @Override
  List<String> scatterLobColumns() {
    return List.of("b", "t");
  }

  /** {@code MASTER_DELAY} (whole seconds) on shard 0's replica; switched off again once it caught up. */
  @Override
  void delayReplica(boolean on) throws Exception {
    try (Connection r = replica0.connect(); Statement s = r.createStatement()) {
      s.execute("STOP SLAVE");
      s.execute("CHANGE MASTER TO MASTER_DELAY = " + (on ? 2 : 0));
      s.execute("START SLAVE");
    }
    if (!on) {
      mariadbSet0.awaitReplicaCaughtUp(Duration.ofSeconds(30));
    }
  }

  @Override
  String callStatement(String key) {
    return "CALL jw_write('" + key + "')";
  }

  // ---------------------------------------------------------------- LOBs (issue #12)

  /**
   * Connector/J's Blob and Clob hold their bytes in memory: Junction hands them out as they are, and
   * they keep answering as the driver's own getters do after their connection went back to the pool,
   * without a statement on the next borrower's thread. Arrays are not supported by the driver (nor by
   * Junction). A Blob made by {@code createBlob()} binds into a Junction statement.
   */
  @Test
  void inMemoryLobsKeepWorkingAfterTheirConnectionAndTouchNothing() throws Exception {
    byte[] bytes;
    String text;
    try (Connection direct = primary0.connect(); Statement s = direct.createStatement();
         ResultSet o = s.executeQuery("SELECT b, t FROM jw_lobs WHERE id = 1")) {
      assertThat(o.next()).isTrue();
      Blob b = o.getBlob(1);
      bytes = b.getBytes(1, (int) b.length());
      Clob t = o.getClob(2);
      text = t.getSubString(1, (int) t.length());
    }
    Connection a = plain.getConnection();
    a.setAutoCommit(false);
    long backend = Sql.longValue(a, backendIdSql());
    Statement st = a.createStatement();
    ResultSet rs = st.executeQuery("SELECT b, t FROM jw_lobs WHERE id = 1");
    assertThat(rs.next()).isTrue();
    Blob blob = rs.getBlob(1);
    Clob clob = rs.getClob(2);
    Blob created = a.createBlob();
    created.setBytes(1, new byte[] {5, 6, 7});
    try (PreparedStatement ps = a.prepareStatement("INSERT INTO jw_lobs (id, b) VALUES (2, ?)")) {
      ps.setBlob(1, created);
      assertThat(ps.executeUpdate()).isEqualTo(1);
    }
    assertThat(Sql.longValue(a, "SELECT length(b) FROM jw_lobs WHERE id = 2")).as("createBlob() bound by setBlob").isEqualTo(3);
    a.rollback();
    a.close();

    Connection b = plain.getConnection();
    b.setAutoCommit(false);
    assertThat(Sql.longValue(b, backendIdSql())).as("the pool lends the same physical connection to the next borrower")
        .isEqualTo(backend);
    String before = activity(backend);
    byte[] blobAfter = blob.getBytes(1, (int) blob.length());
    byte[] streamAfter = blob.getBinaryStream().readAllBytes();
    String clobAfter = clob.getSubString(1, (int) clob.length());
    byte[] createdAfter = created.getBytes(1, 3);
    String after = activity(backend);
    System.out.println("[JdbcObjects LOBs] thread " + backend + " before: " + before + " | after: " + after + " | blob class "
        + blob.getClass().getName() + ", clob class " + clob.getClass().getName());
    assertThat(after).as("the next borrower's thread saw no statement from the closed connection's LOBs").isEqualTo(before);
    assertThat(blobAfter).isEqualTo(bytes);
    assertThat(streamAfter).isEqualTo(bytes);
    assertThat(clobAfter).isEqualTo(text);
    assertThat(createdAfter).isEqualTo(new byte[] {5, 6, 7});
    b.rollback();
    b.close();
    // Not supported by the driver (its 0A000 makes HikariCP evict the connection: checked last, on a fresh one)
    try (Connection c = plain.getConnection(); Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT b FROM jw_lobs")) {
      assertThat(r.next()).isTrue();
      assertThatThrownBy(() -> r.getArray(1)).isInstanceOf(java.sql.SQLFeatureNotSupportedException.class);
      assertThatThrownBy(() -> c.createArrayOf("INT", new Object[] {1})).isInstanceOf(java.sql.SQLFeatureNotSupportedException.class);
      assertThatThrownBy(() -> c.createStruct("x", new Object[0])).isInstanceOf(java.sql.SQLFeatureNotSupportedException.class);
    }
  }

  @Override
  String backendIdSql() {
    return "SELECT CONNECTION_ID()";
  }

  /**
   * The thread's last query id (a server-wide counter: any statement on the thread moves it, and a
   * statement gets its id when it starts). Not COMMAND: right after a result reaches the client the
   * thread may still show "Query" before "Sleep", which failed this comparison once with the same id.
   */
  @Override
  String activity(long id) throws SQLException {
    try (PreparedStatement ps = monitor.prepareStatement(
        "SELECT QUERY_ID FROM information_schema.PROCESSLIST WHERE ID = ?")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new AssertionError("no thread " + id + " on shard 0's primary");
        }
        return "query_id " + rs.getLong(1);
      }
    }
  }

  @Override
  Class<?> driverResultSetClass() {
    return driverResultSet;
  }

  @Override
  Class<?> driverConnectionClass() {
    return com.mysql.cj.jdbc.JdbcConnection.class;
  }
}
