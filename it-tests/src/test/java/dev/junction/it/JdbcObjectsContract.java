package dev.junction.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.Junction;
import dev.junction.Scope;
import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.config.JunctionConfig.Endpoint;
import dev.junction.config.JunctionConfig.Pool;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.JdbcServer;
import dev.junction.local.LocalCluster;
import dev.junction.shard.KeyType;
import dev.junction.shard.ShardedTable;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue #12: every JDBC object the application can reach from a Junction connection is Junction's.
 * {@code getConnection()} and {@code getStatement()} answer with the logical objects (identity, not
 * {@code isNotNull()}); closing cascades; and an object kept after its logical connection closed
 * fails cleanly instead of running on the physical connection the pool has lent to the next
 * borrower. The oracle for the last part is the server itself: the next borrower's backend (same
 * {@code pg_backend_pid()} / {@code CONNECTION_ID()}) must see no statement from the leaked objects.
 *
 * <p>Each case runs on a plain read/write-split data source (shard 0's primary and replica) and on
 * a sharded one (shards 0 and 1). Pools hold one connection per endpoint, so the next borrower
 * always gets the very physical connection the closed logical connection used.
 */
abstract class JdbcObjectsContract {
  static final Pool ONE = new Pool(1, 0, Duration.ofSeconds(1), Duration.ofMinutes(10), Duration.ofMinutes(30),
      Duration.ofMillis(500));
  static final Set<String> CLOSED_STATES = Set.of("08003");

  static LocalCluster cluster;
  static RoutingDataSource plain;
  static RoutingDataSource sharded;
  /** A connection to shard 0's primary outside any pool, for {@link #activity}. */
  static Connection monitor;
  /** Shard 0's primary and replica (the plain data source's), for direct reads outside Junction. */
  static JdbcServer primary0;
  static JdbcServer replica0;
  /** Every shard's primary, in shard order, for direct reads (the oracle of scatter reads). */
  static List<? extends JdbcServer> primaries;

  @AfterAll
  static void stop() throws Exception {
    if (monitor != null) {
      monitor.close();
    }
    for (RoutingDataSource ds : new RoutingDataSource[] {plain, sharded}) {
      if (ds != null) {
        ds.close();
      }
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  /** {@code SELECT pg_backend_pid()} or {@code SELECT CONNECTION_ID()}. */
  abstract String backendIdSql();

  /** What the server shows for backend {@code id} on shard 0's primary, read from outside the pool. */
  abstract String activity(long id) throws SQLException;

  /** The driver's own result set and connection classes (unwrap targets). */
  abstract Class<?> driverResultSetClass();

  abstract Class<?> driverConnectionClass();

  /** An INSERT into {@code jw_items} (unsharded) with a generated key. */
  String insertItem() {
    return "INSERT INTO jw_items (name) VALUES (?)";
  }

  static RoutingDataSource ds(String kind) {
    return kind.equals("plain") ? plain : sharded;
  }

  static JunctionConfig config(Dialect dialect, List<? extends JdbcServer> primaries, List<? extends JdbcServer> replicas,
                               boolean sharding) {
    List<JunctionConfig.Shard> shards = new ArrayList<>();
    for (int i = 0; i < primaries.size(); i++) {
      shards.add(new JunctionConfig.Shard("s" + i, endpoint("primary", primaries.get(i)), List.of(endpoint("replica1", replicas.get(i)))));
    }
    JunctionConfig.Routing routing = TestConfigs.routing(Duration.ofSeconds(5), Duration.ofMillis(50));
    if (!sharding) {
      return new JunctionConfig(dialect, shards, routing, TestConfigs.localFences());
    }
    return new JunctionConfig(dialect, shards, routing, TestConfigs.localFences(),
        JunctionConfig.Sharding.of(List.of(new ShardedTable("jw_accounts", "id", KeyType.LONG),
            new ShardedTable("jw_values", "id", KeyType.LONG)), List.of()));
  }

  static Endpoint endpoint(String name, JdbcServer server) {
    return new Endpoint(name, server.jdbcUrl(), server.user(), server.password(), 1, ONE);
  }

  static void loadAccounts() throws SQLException {
    try (Connection c = sharded.getConnection(); PreparedStatement ps = c.prepareStatement("INSERT INTO jw_accounts (id, name) VALUES (?, ?)")) {
      for (int id = 1; id <= 10; id++) {
        ps.setLong(1, id);
        ps.setString(2, "a" + id);
        assertThat(ps.executeUpdate()).isEqualTo(1);
      }
    }
  }

  // ---------------------------------------------------------------- identity

  /** The result set must be Junction's, answer with its statement, and unwrap to the driver's. */
  void checkResult(ResultSet rs, Statement owner, Connection c) throws SQLException {
    assertThat(rs.getClass().getName()).as("result set class").startsWith("dev.junction.");
    assertThat(rs.getStatement()).as("rs.getStatement()").isSameAs(owner);
    if (owner != null) {
      assertThat(rs.getStatement().getConnection()).as("rs.getStatement().getConnection()").isSameAs(c);
    }
    assertThat(rs.unwrap(ResultSet.class)).isSameAs(rs);
    if (!rs.getClass().getSimpleName().equals("MergedResultSet")) {
      assertThat(rs.isWrapperFor(driverResultSetClass())).as("isWrapperFor(driver class)").isTrue();
      assertThat(rs.unwrap(driverResultSetClass())).isInstanceOf(driverResultSetClass());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"plain", "sharded"})
  void everyGetterAnswersWithTheLogicalObjects(String kind) throws Exception {
    try (Connection c = ds(kind).getConnection()) {
      try (Statement st = c.createStatement()) {
        assertThat(st.getConnection()).isSameAs(c);
        ResultSet rs = st.executeQuery("SELECT 1 AS x");
        checkResult(rs, st, c);
        assertThat(st.getResultSet()).as("getResultSet() after executeQuery()").isSameAs(rs);
        assertThat(rs.next()).isTrue();
        assertThat(st.execute("SELECT 2 AS x")).isTrue();
        assertThat(rs.isClosed()).as("an execution closes the statement's current result").isTrue();
        ResultSet second = st.getResultSet();
        checkResult(second, st, c);
        assertThat(st.getResultSet()).isSameAs(second);
        st.executeUpdate(insertItem().replace("?", "'st-key'"), Statement.RETURN_GENERATED_KEYS);
        checkResult(st.getGeneratedKeys(), st, c);
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT ? AS x")) {
        assertThat(ps.getConnection()).isSameAs(c);
        ps.setInt(1, 7);
        ResultSet rs = ps.executeQuery();
        checkResult(rs, ps, c);
        assertThat(ps.getResultSet()).isSameAs(rs);
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(7);
      }
      try (PreparedStatement ps = c.prepareStatement(insertItem(), Statement.RETURN_GENERATED_KEYS)) {
        ps.setString(1, "ps-key");
        assertThat(ps.executeUpdate()).isEqualTo(1);
        ResultSet keys = ps.getGeneratedKeys();
        checkResult(keys, ps, c);
        assertThat(keys.next()).isTrue();
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT id FROM jw_accounts ORDER BY id")) {
        ResultSet rs = ps.executeQuery(); // sharded: a scatter read merged by Junction
        checkResult(rs, ps, c);
        assertThat(rs.next()).isTrue();
      }
      try (CallableStatement cs = c.prepareCall("{call jw_one()}")) {
        assertThat(cs.getClass().getName()).startsWith("dev.junction.");
        assertThat(cs.getConnection()).as("cs.getConnection()").isSameAs(c);
        ResultSet rs = cs.executeQuery();
        checkResult(rs, cs, c);
        assertThat(cs.getResultSet()).isSameAs(rs);
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(1);
        assertThat(cs.isWrapperFor(CallableStatement.class)).isTrue();
      }
      DatabaseMetaData md = c.getMetaData();
      assertThat(md.getClass().getName()).startsWith("dev.junction.");
      assertThat(md.getConnection()).as("md.getConnection()").isSameAs(c);
      assertThat(md.unwrap(DatabaseMetaData.class)).isSameAs(md);
      Map<String, String> walked = walkMetadataResults(md, c);
      System.out.println("[JdbcObjects " + kind + "] DatabaseMetaData result sets: " + walked);
      assertThat(walked.values().stream().filter("ok"::equals).count()).as("metadata methods returning rows").isGreaterThanOrEqualTo(15);
      if (kind.equals("plain")) {
        assertThat(c.unwrap(driverConnectionClass())).isInstanceOf(driverConnectionClass());
      }
    }
  }

  /** Every DatabaseMetaData method returning a ResultSet, called with "no filter" arguments. */
  Map<String, String> walkMetadataResults(DatabaseMetaData md, Connection c) throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    for (Method m : DatabaseMetaData.class.getMethods()) {
      if (m.getReturnType() != ResultSet.class) {
        continue;
      }
      Object[] args = new Object[m.getParameterCount()];
      for (int i = 0; i < args.length; i++) {
        Class<?> p = m.getParameterTypes()[i];
        args[i] = p == int.class ? (Object) 0 : p == boolean.class ? (Object) false : p == String.class ? "jw_items" : null;
      }
      String key = m.getName() + "/" + args.length;
      try (ResultSet rs = (ResultSet) m.invoke(md, args)) {
        Statement owner = rs.getStatement();
        assertThat(owner).as(key + ": a metadata result answers null (JDBC allows it) rather than a driver statement").isNull();
        checkResult(rs, null, c);
        out.put(key, "ok");
      } catch (InvocationTargetException e) {
        out.put(key, "driver refused: " + e.getCause().getMessage());
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- closing

  interface Use {
    Object run() throws Exception;
  }

  /** Runs each use; returns those that did not fail with a closed-object SQLSTATE. */
  static List<String> notFailingCleanly(Map<String, Use> uses, Set<String> states) {
    List<String> problems = new ArrayList<>();
    uses.forEach((name, use) -> {
      try {
        Object r = use.run();
        problems.add(name + " worked (returned " + r + ")");
      } catch (SQLException e) {
        if (e.getSQLState() == null || !states.contains(e.getSQLState())) {
          problems.add(name + " threw " + e.getSQLState() + ": " + e.getMessage());
        }
      } catch (Exception e) {
        problems.add(name + " threw " + e);
      }
    });
    return problems;
  }

  @ParameterizedTest
  @ValueSource(strings = {"plain", "sharded"})
  void closingCascadesAndClosedObjectsFailCleanly(String kind) throws Exception {
    Connection c = ds(kind).getConnection();
    Statement st = c.createStatement();
    ResultSet rs = st.executeQuery("SELECT 1 AS x");
    st.close();
    assertThat(rs.isClosed()).as("closing a statement closes its result").isTrue();
    assertThat(notFailingCleanly(Map.of("rs.next()", rs::next, "rs.getStatement()", rs::getStatement, "rs.getInt(1)",
        () -> rs.getInt(1)), Set.of("24000"))).isEmpty();

    Statement st2 = c.createStatement();
    ResultSet rs2 = st2.executeQuery("SELECT 1 AS x");
    PreparedStatement ps = c.prepareStatement("SELECT id FROM jw_accounts ORDER BY id");
    ResultSet scatter = ps.executeQuery();
    CallableStatement cs = c.prepareCall("{call jw_one()}");
    ResultSet csRs = cs.executeQuery();
    DatabaseMetaData md = c.getMetaData();
    ResultSet tables = md.getTables(null, null, "%", null);
    c.close();

    for (Statement s : List.of(st2, ps, cs)) {
      assertThat(s.isClosed()).as(s.getClass().getSimpleName() + " closed with its connection").isTrue();
    }
    for (ResultSet r : List.of(rs2, scatter, csRs, tables)) {
      assertThat(r.isClosed()).as(r.getClass().getSimpleName() + " closed with its connection").isTrue();
    }
    Map<String, Use> uses = new LinkedHashMap<>();
    uses.put("rs2.next()", rs2::next);
    uses.put("rs2.getStatement()", rs2::getStatement);
    uses.put("scatter.next()", scatter::next);
    uses.put("st2.executeQuery()", () -> st2.executeQuery("SELECT 1"));
    uses.put("st2.getConnection()", st2::getConnection);
    uses.put("ps.executeQuery()", ps::executeQuery);
    uses.put("cs.execute()", cs::execute);
    uses.put("cs.getConnection()", cs::getConnection);
    uses.put("csRs.next()", csRs::next);
    uses.put("md.getTables()", () -> md.getTables(null, null, "%", null));
    uses.put("md.getConnection()", md::getConnection);
    uses.put("tables.next()", tables::next);
    uses.put("c.getMetaData()", c::getMetaData);
    uses.put("c.createStatement()", c::createStatement);
    assertThat(notFailingCleanly(uses, CLOSED_STATES)).isEmpty();
  }

  // ---------------------------------------------------------------- the next borrower

  @ParameterizedTest
  @ValueSource(strings = {"plain", "sharded"})
  void aLeakedObjectNeverTouchesThePhysicalConnectionOfTheNextBorrower(String kind) throws Exception {
    RoutingDataSource ds = ds(kind);
    Connection a = ds.getConnection();
    a.setAutoCommit(false); // every statement on the primary: the connection the next borrower will get
    long backend = Sql.longValue(a, backendIdSql());
    DatabaseMetaData md = a.getMetaData();
    ResultSet tables = md.getTables(null, null, "%", null);
    Statement st = a.createStatement();
    ResultSet rs = st.executeQuery("SELECT 1 AS x");
    CallableStatement cs = a.prepareCall("{call jw_one()}");
    Connection viaMetaData = md.getConnection();
    Connection viaResult = rs.getStatement().getConnection();
    Connection viaCall = cs.getConnection();
    a.rollback();
    a.close();

    Connection b = ds.getConnection();
    b.setAutoCommit(false);
    assertThat(Sql.longValue(b, backendIdSql())).as("the pool lends the same physical connection to the next borrower")
        .isEqualTo(backend);
    String before = activity(backend);

    Map<String, Use> uses = new LinkedHashMap<>();
    uses.put("md.getTables()", () -> md.getTables(null, null, "%", null));
    uses.put("md.getColumns()", () -> md.getColumns(null, null, "jw_items", null));
    uses.put("md.getPrimaryKeys()", () -> md.getPrimaryKeys(null, null, "jw_items"));
    uses.put("md.getConnection()", md::getConnection);
    uses.put("tables.next()", tables::next);
    uses.put("rs.next()", rs::next);
    uses.put("st.executeQuery()", () -> st.executeQuery("SELECT 1"));
    uses.put("cs.executeQuery()", cs::executeQuery);
    uses.put("md.getConnection().createStatement().executeQuery()",
        () -> viaMetaData.createStatement().executeQuery("SELECT 1"));
    uses.put("rs.getStatement().getConnection().createStatement().executeQuery()",
        () -> viaResult.createStatement().executeQuery("SELECT 1"));
    uses.put("cs.getConnection().prepareStatement().executeQuery()",
        () -> viaCall.prepareStatement("SELECT 1").executeQuery());
    List<String> problems = notFailingCleanly(uses, CLOSED_STATES);
    String after = activity(backend);
    System.out.println("[JdbcObjects " + kind + "] backend " + backend + " before: " + before + " | after: " + after
        + " | problems: " + problems);
    assertThat(after).as("the next borrower's backend saw no statement from the closed connection's objects")
        .isEqualTo(before);
    assertThat(problems).as("objects of a closed connection fail with 08003").isEmpty();
    b.rollback();
    b.close();
  }

  /**
   * A closed logical connection must not take a pool connection again (and then hold it forever):
   * with one connection per pool, the next borrower would wait out the pool's timeout.
   */
  @ParameterizedTest
  @ValueSource(strings = {"plain", "sharded"})
  void aClosedConnectionNeverTakesAPoolConnectionAgain(String kind) throws Exception {
    RoutingDataSource ds = ds(kind);
    Connection a = ds.getConnection();
    a.setAutoCommit(false);
    long backend = Sql.longValue(a, backendIdSql());
    a.rollback();
    a.close();

    Map<String, Use> uses = new LinkedHashMap<>();
    uses.put("a.unwrap(driver connection)", () -> a.unwrap(driverConnectionClass()));
    uses.put("a.nativeSQL()", () -> a.nativeSQL("SELECT 1"));
    uses.put("a.getHoldability()", a::getHoldability);
    uses.put("a.getTypeMap()", a::getTypeMap);
    uses.put("a.getClientInfo()", a::getClientInfo);
    uses.put("a.getNetworkTimeout()", a::getNetworkTimeout);
    List<String> problems = notFailingCleanly(uses, CLOSED_STATES);
    System.out.println("[JdbcObjects " + kind + "] closed connection: " + problems);
    try (Connection next = ds.getConnection()) {
      next.setAutoCommit(false);
      assertThat(Sql.longValue(next, backendIdSql())).as("the pool's only primary connection is still lendable")
          .isEqualTo(backend);
      next.rollback();
    }
    assertThat(problems).as("a closed connection's methods fail with 08003").isEmpty();
  }

  // ---------------------------------------------------------------- large objects on a scatter read (issue #12)

  /** The columns of the sharded {@code jw_values} holding LOB-like values: binary first, then text (and a large object's oid). */
  abstract List<String> scatterLobColumns();

  /**
   * A scatter read copies every value into its merged row when it reads the row (bytea/BLOB bytes,
   * text, a PostgreSQL large object's oid as a number), so no value of a merged row reads through a
   * shard's connection; getBlob/getClob/getNClob refuse with 0AJ00 and say how to read the column.
   * Oracle: the driver's getObject (class and value), getString and getBytes on direct connections to
   * the shard primaries.
   */
  @Test
  void aScatterReadCopiesLobColumnsAndItsLobGettersRefuse() throws Exception {
    List<String> cols = scatterLobColumns();
    String sql = "SELECT id, " + String.join(", ", cols) + " FROM jw_values ORDER BY id";
    Map<Long, List<String>> oracle = new java.util.TreeMap<>();
    Set<Integer> shardsWithRows = new java.util.TreeSet<>();
    for (int shard = 0; shard < primaries.size(); shard++) {
      try (Connection d = primaries.get(shard).connect(); Statement s = d.createStatement(); ResultSet rs = s.executeQuery(sql)) {
        while (rs.next()) {
          oracle.put(rs.getLong(1), lobCells(rs, cols.size()));
          shardsWithRows.add(shard);
        }
      }
    }
    Map<Long, List<String>> merged = new java.util.TreeMap<>();
    List<String> problems = new ArrayList<>();
    try (Connection c = sharded.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      assertThat(c.unwrap(dev.junction.jdbc.JunctionConnection.class).lastShardRoute().opcode().name()).isEqualTo("SCATTER");
      while (rs.next()) {
        merged.put(rs.getLong(1), lobCells(rs, cols.size()));
        for (int col = 2; col <= cols.size() + 1; col++) {
          int i = col;
          Map<String, Use> getters = new LinkedHashMap<>();
          getters.put("getBlob(" + cols.get(i - 2) + ")", () -> rs.getBlob(i));
          getters.put("getClob(" + cols.get(i - 2) + ")", () -> rs.getClob(i));
          getters.put("getNClob(" + cols.get(i - 2) + ")", () -> rs.getNClob(i));
          getters.forEach((name, use) -> {
            try {
              problems.add(name + " returned " + use.run());
            } catch (SQLException e) {
              if (!"0AJ00".equals(e.getSQLState()) || !e.getMessage().contains("getBytes()") || !e.getMessage().contains("getString()")) {
                problems.add(name + " threw " + e.getSQLState() + ": " + e.getMessage());
              }
            } catch (Exception e) {
              problems.add(name + " threw " + e);
            }
          });
        }
      }
    }
    System.out.println("[JdbcObjects scatter LOBs] " + merged.size() + " rows, " + oracle.size() + " direct; problems: " + problems);
    assertThat(shardsWithRows).as("rows on every shard (a real scatter)").hasSize(primaries.size());
    assertThat(merged).as("the merged rows' values, as the driver's own getters give them").isEqualTo(oracle);
    assertThat(problems).as("LOB getters of a merged row refuse with 0AJ00, naming getBytes() and getString()").isEmpty();
  }

  /** Per column: getObject's class and value (bytes in hex), getString, and getBytes of the binary (first) column. */
  static List<String> lobCells(ResultSet rs, int columns) throws SQLException {
    List<String> out = new ArrayList<>();
    for (int col = 2; col <= columns + 1; col++) {
      Object v = rs.getObject(col);
      out.add(v == null ? "NULL" : v.getClass().getName() + ":" + (v instanceof byte[] b ? java.util.HexFormat.of().formatHex(b) : v));
      out.add("getString " + rs.getString(col));
      if (col == 2) {
        byte[] b = rs.getBytes(col);
        out.add("getBytes " + (b == null ? "NULL" : java.util.HexFormat.of().formatHex(b)));
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- writes that do not look like writes (issue #12)

  /** Delays shard 0's replica's apply by about two seconds (on) or not at all (off), so a stale read is observable. */
  abstract void delayReplica(boolean on) throws Exception;

  /** A CALL statement (SQL, not a JDBC escape) of the procedure that inserts one {@code jw_fence_writes} row. */
  abstract String callStatement(String key);

  static long countOn(JdbcServer server, String key) throws SQLException {
    try (Connection c = server.connect(); PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM jw_fence_writes WHERE k = ?")) {
      ps.setString(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** Seeds {@code jw_fence_writes} rows {@code seed-1 .. seed-20} (updatable result sets update them). */
  static void seedFenceWrites(Connection primary) throws SQLException {
    try (Statement s = primary.createStatement()) {
      for (int i = 1; i <= 20; i++) {
        s.execute("INSERT INTO jw_fence_writes (k) VALUES ('seed-" + i + "')");
      }
    }
  }

  /** Performs one write of {@code key} through {@code how}, as an application would, and closes what it opened. */
  void write(Connection c, String how, String key, int seed) throws SQLException {
    switch (how) {
      case "call-escape" -> {
        try (CallableStatement cs = c.prepareCall("{call jw_write(?)}")) {
          cs.setString(1, key);
          cs.execute();
        }
      }
      case "call-statement" -> {
        try (Statement st = c.createStatement()) {
          st.execute(callStatement(key));
        }
      }
      case "updatable-update" -> {
        try (Statement st = c.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_UPDATABLE);
             ResultSet rs = st.executeQuery("SELECT id, k FROM jw_fence_writes WHERE k = 'seed-" + seed + "'")) {
          assertThat(rs.next()).as("seed row " + seed).isTrue();
          rs.updateString("k", key);
          rs.updateRow();
        }
      }
      case "updatable-insert" -> {
        try (PreparedStatement ps = c.prepareStatement("SELECT id, k FROM jw_fence_writes WHERE k = ?",
            ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_UPDATABLE)) {
          ps.setString(1, key);
          try (ResultSet rs = ps.executeQuery()) {
            rs.moveToInsertRow();
            rs.updateString("k", key);
            rs.insertRow();
          }
        }
      }
      default -> throw new IllegalArgumentException(how);
    }
  }

  static long countVia(Connection c, String key) throws SQLException {
    return Sql.longValue(c, "SELECT count(*) FROM jw_fence_writes WHERE k = ?", key);
  }

  /**
   * A write through a call or an updatable result set, in a scope, with shard 0's replica two seconds
   * behind: it must reach the primary (checked there directly), and the next read of the scope, on
   * another logical connection and on the same one, must see it. A direct read on the replica right
   * after the write is the control: it must not see it yet (the stale read the fence prevents).
   */
  @ParameterizedTest
  @ValueSource(strings = {"call-escape", "call-statement", "updatable-update", "updatable-insert"})
  void writesThroughCallsAndUpdatableResultsAreFenced(String how) throws Exception {
    int seed = List.of("call-escape", "call-statement", "updatable-update", "updatable-insert").indexOf(how) + 1;
    delayReplica(true);
    try {
      // A replica whose last replayed transaction is old looks far behind (PostgreSQL: now minus its
      // last replay time) and leaves the rotation, which would send every read to the primary and make
      // this test pass on any code: wait until it replayed a fresh write through the delay.
      String warm = "lw-warm-" + System.nanoTime();
      try (Connection p = primary0.connect(); Statement s = p.createStatement()) {
        s.execute("INSERT INTO jw_fence_writes (k) VALUES ('" + warm + "')");
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (countOn(replica0, warm) == 0) {
        assertThat(System.nanoTime()).as("the delayed replica replays a write within 30 s").isLessThan(deadline);
        Thread.sleep(100);
      }
      String scoped = "lw-" + how + "-" + System.nanoTime();
      long replicaRightAfter;
      long otherConnection;
      long sameConnection;
      try (Scope scope = Junction.scope(scoped)) {
        try (Connection c = plain.getConnection()) {
          write(c, how, scoped, seed);
          replicaRightAfter = countOn(replica0, scoped);
          sameConnection = countVia(c, scoped);
        }
        try (Connection c = plain.getConnection()) {
          otherConnection = countVia(c, scoped);
        }
      }
      long unfenced;
      try (Connection c = plain.getConnection()) {
        unfenced = countVia(c, scoped); // no scope, new connection: a replica may answer, stale
      }
      String unscoped = "lw-" + how + "-conn-" + System.nanoTime();
      long connectionScope;
      try (Connection c = plain.getConnection()) {
        write(c, how, unscoped, seed + 10);
        connectionScope = countVia(c, unscoped);
      }
      System.out.println("[JdbcObjects fences] " + how + ": replica right after " + replicaRightAfter + ", same connection "
          + sameConnection + ", other connection in the scope " + otherConnection + ", connection scope " + connectionScope
          + ", unfenced read " + unfenced);
      assertThat(countOn(primary0, scoped)).as("the write reached the primary").isEqualTo(1);
      assertThat(countOn(primary0, unscoped)).as("the write reached the primary").isEqualTo(1);
      assertThat(replicaRightAfter).as("control: the delayed replica had not replayed the write yet").isZero();
      assertThat(unfenced).as("control: an unfenced read through Junction reached the delayed replica (stale)").isZero();
      assertThat(sameConnection).as("read on the writing connection, in the scope").isEqualTo(1);
      assertThat(otherConnection).as("read on another connection of the scope").isEqualTo(1);
      assertThat(connectionScope).as("read on the writing connection, no scope").isEqualTo(1);
    } finally {
      delayReplica(false);
    }
  }
}
