package dev.junction.jdbc.internal;

import dev.junction.classify.Classification;
import dev.junction.classify.StatementKind;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.JunctionConnection;
import dev.junction.route.RouteReason;
import dev.junction.shard.ShardRoute;
import java.sql.Array;
import java.sql.Blob;
import java.sql.CallableStatement;
import java.sql.Clob;
import java.sql.DatabaseMetaData;
import java.sql.NClob;
import java.sql.PreparedStatement;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Struct;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executor;

/**
 * A logical connection over every shard: one {@link RoutingConnection} per shard, opened when a
 * statement first needs that shard, so each shard keeps its own read/write split and fencing.
 *
 * <p>Design notes:
 * <ul>
 *   <li>Connection state (auto-commit, read-only, isolation, schema, {@code SET ...}) is kept here
 *       and applied to each shard connection when it opens, so a shard joining late behaves like
 *       the ones opened first.</li>
 *   <li>Transactions are per shard. A transaction that writes to several shards commits shard by
 *       shard in shard order: not atomic. {@code junction.sharding.multi-shard-transactions: reject}
 *       refuses the statement that would make a transaction write to a second shard, before it
 *       runs, so the first shard's work can still be committed or rolled back as a whole.</li>
 *   <li>A JDBC connection is used by one thread at a time; the statement fan-out hands each shard
 *       connection to exactly one worker, and shard connections are opened on the calling thread
 *       before the fan-out starts.</li>
 * </ul>
 */
final class ShardedConnection implements JunctionConnection {
  final DataSourceRuntime ds;
  /** The ring state this connection routes by; moves to the data source's latest between transactions. */
  ShardingRuntime sharding;
  private RoutingConnection[] open;
  private final List<ShardedStatement> statements = new ArrayList<>();
  private final List<String> sessionStatements = new ArrayList<>();
  /**
   * SET LOCAL, SET TRANSACTION and SET CONSTRAINTS of the open transaction, in order: they run on every
   * shard of the transaction, also on shards that join later (after their BEGIN), and are forgotten when
   * it ends. Kept apart from {@link #sessionStatements}, which outlive transactions.
   */
  private final List<String> transactionSettings = new ArrayList<>();
  /** A ROLLBACK TO SAVEPOINT came after transaction settings: which still hold is unknown, so no shard may join. */
  private boolean transactionSettingsUncertain;
  /**
   * The error that made a shard's server roll back or abort this transaction (PostgreSQL aborts on any
   * error). WHY: the other shards would still commit, leaving a part of a transaction the application
   * saw fail; one server would commit nothing. Until the transaction ends every statement is refused
   * (25P02) and a commit rolls back every shard, as one server does.
   */
  private SQLException aborted;
  /** Shards that joined the open transaction, and those it wrote to. */
  private final BitSet participants = new BitSet();
  private final BitSet written = new BitSet();

  private boolean autoCommit = true;
  private boolean readOnly;
  private int isolation = -1;
  private String schema;
  private String catalog;
  private String sqlBegin;
  private boolean closed;
  private ShardRoute lastRoute;
  private RoutingConnection last;

  /**
   * The shards' connections route by this connection's ring state ({@link #sharding}, adopted between
   * statements by {@link #syncRing}): they declare its version, and refuse to run a statement when the
   * data source's state moved on to one that routes differently while the statement waited.
   */
  private final RoutingConnection.RingGuard ringGuard = new RoutingConnection.RingGuard() {
    @Override
    public long sessionVersion() {
      return sharding.sessionRingVersion();
    }

    @Override
    public void stillRoutable() throws SQLException {
      if (ds.ringWatcher != null) {
        ds.ringWatcher.checkLease();
      }
      ShardingRuntime latest = ds.sharding;
      if (latest != sharding && !latest.routesLike(sharding)) {
        throw RingRouting.ringChangedWhileWaiting(latest.record);
      }
    }
  };

  ShardedConnection(DataSourceRuntime ds) {
    this.ds = ds;
    this.sharding = ds.sharding;
    this.open = new RoutingConnection[sharding.ringOrder.length];
  }

  // ---------------------------------------------------------------- shard connections

  /** The shard's connection, opened with this connection's state and joined to an open transaction. */
  RoutingConnection shard(int index) throws SQLException {
    checkOpen();
    RoutingConnection c = open[index];
    if (c == null) {
      c = new RoutingConnection(ds, sharding.ringOrder[index], ringGuard);
      c.facade = this; // its statements, calls and metadata answer getConnection() with this connection
      try {
        if (readOnly) {
          c.setReadOnly(true);
        }
        if (isolation != -1) {
          c.setTransactionIsolation(isolation);
        }
        if (catalog != null) {
          c.setCatalog(catalog);
        }
        if (schema != null) {
          c.setSchema(schema);
        }
        if (!autoCommit) {
          c.setAutoCommit(false);
        }
        for (String sql : sessionStatements) {
          run(c, sql);
        }
      } catch (SQLException e) {
        closeQuietly(c);
        throw e;
      }
      open[index] = c;
    }
    if (inTransaction() && !participants.get(index)) {
      if (transactionSettingsUncertain) {
        throw dev.junction.JunctionSqlState.refusal("Junction: shard " + sharding.shardNames().get(index)
            + " cannot join this transaction: a ROLLBACK TO SAVEPOINT came after " + transactionSettings
            + ", and which of those settings still hold on the other shards is unknown. Commit or roll back first,"
            + " or touch every shard the transaction needs before the savepoint");
      }
      if (sqlBegin != null) {
        run(c, sqlBegin);
      }
      participants.set(index);
      for (String sql : transactionSettings) {
        run(c, sql); // the transaction's own settings hold on every shard it touches
      }
    }
    last = c;
    return c;
  }

  /**
   * Before each statement: the ring lease, a ring state this router cannot route by, and the data
   * source's latest ring state, which this connection adopts outside transactions (its open shard
   * connections are kept, re-indexed). A transaction that already did work under a state that routes
   * differently is refused (40001): it must run again under the new one.
   */
  void syncRing() throws SQLException {
    if (ds.ringWatcher != null) {
      ds.ringWatcher.checkLease();
    }
    String problem = ds.ringProblem;
    if (problem != null) {
      throw dev.junction.JunctionSqlState.refusal("Junction: " + problem);
    }
    ShardingRuntime latest = ds.sharding;
    if (latest == sharding) {
      return;
    }
    if (latest.routesLike(sharding)) {
      sharding = latest; // same ring, same shard order: indexes stay valid
      return;
    }
    if (inTransaction() && !participants.isEmpty()) {
      throw RingRouting.ringChangedInTransaction(latest.record);
    }
    RoutingConnection[] next = new RoutingConnection[latest.ringOrder.length];
    for (int i = 0; i < open.length; i++) {
      if (open[i] == null) {
        continue;
      }
      int j = -1;
      for (int k = 0; k < latest.ringOrder.length; k++) {
        if (latest.ringOrder[k] == sharding.ringOrder[i]) {
          j = k;
        }
      }
      if (j >= 0) {
        next[j] = open[i];
      } else {
        closeQuietly(open[i]);
      }
    }
    if (last != null && !java.util.Arrays.asList(next).contains(last)) {
      last = null;
    }
    open = next;
    sharding = latest;
  }

  private static void run(RoutingConnection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /**
   * Called before a routed statement runs: enforces the multi-shard transaction policy for writes
   * and remembers the route for {@link #lastShardRoute()}.
   */
  void beforeExecute(Classification c, ShardRoute route) throws SQLException {
    lastRoute = route;
    sharding.metrics.route(route.opcode());
    if (!inTransaction()) {
      releaseOtherShards(route);
    }
    if (!inTransaction() || !isWrite(c)) {
      return;
    }
    BitSet after = (BitSet) written.clone();
    for (ShardRoute.ShardStatement s : route.statements()) {
      after.set(s.shard());
    }
    if (after.cardinality() > 1 && sharding.multiShardTransactions == JunctionConfig.MultiShardTransactions.REJECT) {
      throw new SQLFeatureNotSupportedException("Junction: this transaction already wrote to shard(s) " + names(written)
          + " and this statement writes to " + names(shardsOf(route)) + "; multi-shard transactions are rejected"
          + " (junction.sharding.multi-shard-transactions: reject). Commit or roll back first, keep a transaction's"
          + " writes on one shard key, or set multi-shard-transactions: allow to accept non-atomic commits", dev.junction.JunctionSqlState.REFUSED);
    }
    written.or(after);
  }

  /**
   * Outside a transaction, the shards {@code route} does not touch give back their idle physical
   * connections before it waits on its own shards' pools: no wait for one shard's pool while holding
   * another's (issue #12). A scatter still takes one connection per shard it reads.
   */
  private void releaseOtherShards(ShardRoute route) {
    BitSet touched = shardsOf(route);
    // A statement on several shards takes their connections in ring order (ShardedStatement#fanOut):
    // it must not hold a later shard's connection while it waits for an earlier one's, so only the
    // first shard it touches keeps an idle connection it holds.
    int keep = touched.cardinality() > 1 ? touched.nextSetBit(0) : -1;
    for (int i = 0; i < open.length; i++) {
      if (open[i] != null && (!touched.get(i) || keep >= 0 && i != keep)) {
        open[i].releaseIdle();
      }
    }
  }

  private static boolean isWrite(Classification c) {
    return c.kind() == StatementKind.WRITE || c.kind() == StatementKind.DDL || c.kind() == StatementKind.UNKNOWN;
  }

  private static BitSet shardsOf(ShardRoute route) {
    BitSet b = new BitSet();
    route.statements().forEach(s -> b.set(s.shard()));
    return b;
  }

  private String names(BitSet shards) {
    List<String> out = new ArrayList<>();
    shards.stream().forEach(i -> out.add(sharding.shardNames().get(i)));
    return out.toString();
  }

  /**
   * Session and transaction statements sent as SQL. SET and friends apply to every shard
   * connection (now and when one opens later); BEGIN opens a transaction that each shard joins on
   * first use; COMMIT and ROLLBACK end it on every participant; savepoints apply to the participants.
   *
   * @return false: none of these statements returns rows
   */
  boolean executeControl(Classification c, String sql) throws SQLException {
    checkOpen();
    switch (c.kind()) {
      case SESSION -> {
        checkNotAborted();
        if (dev.junction.classify.TransactionSettings.scoped(sql)) {
          transactionSetting(sql);
          return false;
        }
        List<RoutingConnection> alreadyOpen = new ArrayList<>();
        for (RoutingConnection rc : open) {
          if (rc != null) {
            alreadyOpen.add(rc);
          }
        }
        sessionStatements.add(sql);
        try {
          for (RoutingConnection rc : alreadyOpen) {
            run(rc, sql);
          }
          if (open[sharding.rules.defaultShard()] == null) {
            shard(sharding.rules.defaultShard()); // opening replays it, so errors surface now
          }
        } catch (SQLException e) {
          sessionStatements.remove(sessionStatements.size() - 1);
          throw e;
        }
      }
      case TX_BEGIN -> {
        if (inTransaction()) {
          return false; // like PostgreSQL: a warning, not an error; MySQL would commit implicitly, we do not
        }
        sqlBegin = sql;
        participants.clear();
        written.clear();
        forgetTransactionSettings();
      }
      case TX_COMMIT, TX_ROLLBACK -> endSqlTransaction(sql, c.kind() == StatementKind.TX_COMMIT);
      case TX_SAVEPOINT -> {
        boolean rollbackTo = dev.junction.classify.TransactionSettings.rollbackToSavepoint(sql);
        if (!rollbackTo) {
          checkNotAborted();
        }
        if (participants.isEmpty()) {
          shard(sharding.rules.defaultShard());
        }
        for (int i = participants.nextSetBit(0); i >= 0; i = participants.nextSetBit(i + 1)) {
          run(open[i], sql);
        }
        if (rollbackTo) {
          aborted = null; // every shard of the transaction went back to the savepoint: it may go on, as on one server
          transactionSettingsUncertain |= !transactionSettings.isEmpty();
        }
      }
      default -> throw new IllegalStateException("not a control statement: " + c.kind());
    }
    return false;
  }

  /** Records a statement's failure: inside a transaction, one the server aborted the transaction for. */
  void failed(SQLException e) {
    if (aborted == null && inTransaction() && ds.dialect.abortsTransaction(e)) {
      aborted = e;
    }
  }

  /** 25P02 while a shard's server has aborted this transaction (see {@link #aborted}). */
  void checkNotAborted() throws SQLException {
    if (aborted != null) {
      throw new SQLException("Junction: current transaction is aborted, commands ignored until end of transaction block"
          + " (a statement failed on one of its shards: " + aborted.getMessage() + "); roll back", "25P02", aborted);
    }
  }

  /**
   * A transaction-scoped setting: outside a transaction it has no lasting effect (the server only
   * warns), so it runs once on the default shard; inside one it runs on every shard in it now (the
   * default shard joins if none has) and is replayed on each shard that joins later.
   */
  private void transactionSetting(String sql) throws SQLException {
    if (!inTransaction()) {
      run(shard(sharding.rules.defaultShard()), sql);
      return;
    }
    if (participants.isEmpty()) {
      shard(sharding.rules.defaultShard());
    }
    for (int i = participants.nextSetBit(0); i >= 0; i = participants.nextSetBit(i + 1)) {
      run(open[i], sql);
    }
    transactionSettings.add(sql);
  }

  private void forgetTransactionSettings() {
    transactionSettings.clear();
    transactionSettingsUncertain = false;
  }

  private void endSqlTransaction(String sql, boolean commit) throws SQLException {
    if (sqlBegin == null && autoCommit) {
      return; // nothing open: the servers would only warn
    }
    boolean commits = commit && aborted == null; // as one server: COMMIT of an aborted transaction rolls it back
    try {
      finish(commits, rc -> run(rc, commits ? sql : "ROLLBACK"), rc -> run(rc, "ROLLBACK"));
    } finally {
      sqlBegin = null;
    }
  }

  private interface ShardAction {
    void apply(RoutingConnection c) throws SQLException;
  }

  /** Applies a connection-level setting to every shard connection opened so far; later ones get it when they open. */
  private void eachOpen(ShardAction action) throws SQLException {
    for (RoutingConnection c : open) {
      if (c != null) {
        action.apply(c);
      }
    }
  }

  /** Commits or rolls back every participant in shard order; reports partial commits precisely. */
  /**
   * Commits or rolls back every shard of the transaction in ring order. WHY roll back after a failed
   * commit: the shards before it have committed and nothing undoes that, but committing the ones after
   * it too would leave a state the application never asked for and cannot read from the error; rolled
   * back, the error says exactly where the work is (the proxy does the same).
   */
  private void finish(boolean commit, ShardAction action, ShardAction undo) throws SQLException {
    SQLException cause = null;
    String failedOn = null;
    List<SQLException> more = new ArrayList<>();
    List<String> done = new ArrayList<>();
    List<String> undone = new ArrayList<>();
    for (int i = participants.nextSetBit(0); i >= 0; i = participants.nextSetBit(i + 1)) {
      String name = sharding.shardNames().get(i);
      try {
        if (commit && cause != null) {
          undo.apply(open[i]);
          undone.add(name);
        } else {
          action.apply(open[i]);
          done.add(name);
        }
      } catch (SQLException e) {
        if (cause == null) {
          cause = e;
          failedOn = name;
        } else {
          more.add(e);
        }
      }
    }
    participants.clear();
    written.clear();
    forgetTransactionSettings();
    aborted = null;
    if (cause != null) {
      SQLException failure = new SQLException("Junction: " + (commit ? "commit" : "rollback") + " failed on shard " + failedOn
          + " (" + cause.getMessage() + ")" + (commit && !done.isEmpty() ? "; it already committed on " + done
          + " (multi-shard transactions are not atomic)" : "") + (undone.isEmpty() ? "" : "; rolled back on " + undone),
          cause.getSQLState(), cause.getErrorCode(), cause);
      more.forEach(failure::addSuppressed);
      throw failure;
    }
  }

  @Override
  public boolean inTransaction() {
    return !autoCommit || sqlBegin != null;
  }

  @Override
  public RouteReason lastRouteReason() {
    return last == null ? null : last.lastRouteReason();
  }

  @Override
  public String lastRouteEndpoint() {
    return last == null ? null : last.lastRouteEndpoint();
  }

  @Override
  public ShardRoute lastShardRoute() {
    return lastRoute;
  }

  void register(ShardedStatement s) {
    statements.add(s);
  }

  void unregister(ShardedStatement s) {
    statements.remove(s);
  }

  void checkOpen() throws SQLException {
    if (closed) {
      throw new SQLException("Junction: connection is closed", "08003");
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // already failing
    }
  }

  private RoutingConnection defaultShard() throws SQLException {
    return shard(sharding.rules.defaultShard());
  }

  // ---------------------------------------------------------------- java.sql.Connection

  @Override
  public Statement createStatement() throws SQLException {
    checkOpen();
    return new ShardedStatement(this);
  }

  @Override
  public Statement createStatement(int resultSetType, int resultSetConcurrency) throws SQLException {
    requireForwardOnly(resultSetType, resultSetConcurrency);
    return createStatement();
  }

  @Override
  public Statement createStatement(int resultSetType, int resultSetConcurrency, int resultSetHoldability) throws SQLException {
    requireForwardOnly(resultSetType, resultSetConcurrency);
    return createStatement();
  }

  @Override
  public PreparedStatement prepareStatement(String sql) throws SQLException {
    checkOpen();
    return new ShardedPreparedStatement(this, sql, Statement.NO_GENERATED_KEYS);
  }

  @Override
  public PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
    checkOpen();
    return new ShardedPreparedStatement(this, sql, autoGeneratedKeys);
  }

  @Override
  public PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException {
    checkOpen();
    return new ShardedPreparedStatement(this, sql, Statement.RETURN_GENERATED_KEYS);
  }

  @Override
  public PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException {
    checkOpen();
    return new ShardedPreparedStatement(this, sql, Statement.RETURN_GENERATED_KEYS);
  }

  @Override
  public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency) throws SQLException {
    requireForwardOnly(resultSetType, resultSetConcurrency);
    return prepareStatement(sql);
  }

  @Override
  public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency, int resultSetHoldability)
      throws SQLException {
    requireForwardOnly(resultSetType, resultSetConcurrency);
    return prepareStatement(sql);
  }

  private void requireForwardOnly(int type, int concurrency) throws SQLException {
    checkOpen();
    if (type != java.sql.ResultSet.TYPE_FORWARD_ONLY || concurrency != java.sql.ResultSet.CONCUR_READ_ONLY) {
      throw new SQLFeatureNotSupportedException("Junction: with sharding, result sets are forward-only and read-only"
          + " (a merged result cannot scroll or update); use TYPE_FORWARD_ONLY and CONCUR_READ_ONLY", dev.junction.JunctionSqlState.REFUSED);
    }
  }

  /** Stored procedures cannot be routed by key: they run on the default shard. */
  @Override
  public CallableStatement prepareCall(String sql) throws SQLException {
    return defaultShard().prepareCall(sql);
  }

  @Override
  public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency) throws SQLException {
    return defaultShard().prepareCall(sql, resultSetType, resultSetConcurrency);
  }

  @Override
  public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency, int resultSetHoldability)
      throws SQLException {
    return defaultShard().prepareCall(sql, resultSetType, resultSetConcurrency, resultSetHoldability);
  }

  @Override
  public String nativeSQL(String sql) throws SQLException {
    return defaultShard().nativeSQL(sql);
  }

  @Override
  public void setAutoCommit(boolean newValue) throws SQLException {
    checkOpen();
    if (newValue == autoCommit) {
      return;
    }
    if (newValue) {
      commit(); // JDBC: switching auto-commit on commits the open transaction
    }
    autoCommit = newValue;
    eachOpen(c -> c.setAutoCommit(newValue));
  }

  @Override
  public boolean getAutoCommit() throws SQLException {
    checkOpen();
    return autoCommit;
  }

  @Override
  public void commit() throws SQLException {
    checkOpen();
    if (autoCommit && sqlBegin == null) {
      throw new SQLException("Junction: commit() with auto-commit enabled", "25000");
    }
    if (aborted != null) {
      rollback(); // as one server: committing an aborted transaction rolls it back
      return;
    }
    try {
      finish(true, sqlBegin != null ? rc -> run(rc, "COMMIT") : RoutingConnection::commit,
          sqlBegin != null ? rc -> run(rc, "ROLLBACK") : RoutingConnection::rollback);
    } finally {
      sqlBegin = null;
    }
  }

  @Override
  public void rollback() throws SQLException {
    checkOpen();
    if (autoCommit && sqlBegin == null) {
      throw new SQLException("Junction: rollback() with auto-commit enabled", "25000");
    }
    try {
      finish(false, sqlBegin != null ? rc -> run(rc, "ROLLBACK") : RoutingConnection::rollback, null);
    } finally {
      sqlBegin = null;
    }
  }

  @Override
  public void close() throws SQLException {
    if (closed) {
      return;
    }
    for (ShardedStatement s : new ArrayList<>(statements)) {
      s.closeQuietly();
    }
    closed = true;
    SQLException failure = null;
    for (RoutingConnection c : open) {
      if (c == null) {
        continue;
      }
      try {
        c.close(); // rolls back an open transaction
      } catch (SQLException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  /** The default shard's metadata: every shard has the same schema. */
  @Override
  public DatabaseMetaData getMetaData() throws SQLException {
    return defaultShard().getMetaData();
  }

  @Override
  public void setReadOnly(boolean readOnly) throws SQLException {
    checkOpen();
    if (inTransaction() && !participants.isEmpty()) {
      throw new SQLException("Junction: cannot change read-only mode inside a transaction", "25001");
    }
    this.readOnly = readOnly;
    eachOpen(c -> c.setReadOnly(readOnly));
  }

  @Override
  public boolean isReadOnly() throws SQLException {
    checkOpen();
    return readOnly;
  }

  @Override
  public void setCatalog(String catalog) throws SQLException {
    checkOpen();
    this.catalog = catalog;
    eachOpen(c -> c.setCatalog(catalog));
  }

  @Override
  public String getCatalog() throws SQLException {
    return catalog != null ? catalog : defaultShard().getCatalog();
  }

  @Override
  public void setTransactionIsolation(int level) throws SQLException {
    checkOpen();
    this.isolation = level;
    eachOpen(c -> c.setTransactionIsolation(level));
  }

  @Override
  public int getTransactionIsolation() throws SQLException {
    return isolation != -1 ? isolation : defaultShard().getTransactionIsolation();
  }

  @Override
  public SQLWarning getWarnings() throws SQLException {
    checkOpen();
    return last == null ? null : last.getWarnings();
  }

  @Override
  public void clearWarnings() throws SQLException {
    eachOpen(c -> c.clearWarnings());
  }

  @Override
  public Map<String, Class<?>> getTypeMap() throws SQLException {
    return defaultShard().getTypeMap();
  }

  @Override
  public void setTypeMap(Map<String, Class<?>> map) throws SQLException {
    throw new SQLFeatureNotSupportedException("Junction: custom type maps are not supported with sharding", dev.junction.JunctionSqlState.REFUSED);
  }

  @Override
  public void setHoldability(int holdability) throws SQLException {
    if (holdability != java.sql.ResultSet.CLOSE_CURSORS_AT_COMMIT && holdability != java.sql.ResultSet.HOLD_CURSORS_OVER_COMMIT) {
      throw new SQLException("unknown holdability " + holdability, "HY092");
    }
  }

  @Override
  public int getHoldability() throws SQLException {
    checkOpen();
    return java.sql.ResultSet.CLOSE_CURSORS_AT_COMMIT;
  }

  private SQLFeatureNotSupportedException savepoints() {
    return new SQLFeatureNotSupportedException("Junction: JDBC savepoints are not supported with sharding (a shard"
        + " joining the transaction after the savepoint could not roll back to it); use SQL SAVEPOINT statements"
        + " inside a single-shard transaction", dev.junction.JunctionSqlState.REFUSED);
  }

  @Override public Savepoint setSavepoint() throws SQLException { throw savepoints(); }
  @Override public Savepoint setSavepoint(String name) throws SQLException { throw savepoints(); }
  @Override public void rollback(Savepoint savepoint) throws SQLException { throw savepoints(); }
  @Override public void releaseSavepoint(Savepoint savepoint) throws SQLException { throw savepoints(); }

  @Override public Clob createClob() throws SQLException { return defaultShard().createClob(); }
  @Override public Blob createBlob() throws SQLException { return defaultShard().createBlob(); }
  @Override public NClob createNClob() throws SQLException { return defaultShard().createNClob(); }
  @Override public SQLXML createSQLXML() throws SQLException { return defaultShard().createSQLXML(); }
  @Override public Array createArrayOf(String typeName, Object[] elements) throws SQLException {
    return defaultShard().createArrayOf(typeName, elements);
  }
  @Override public Struct createStruct(String typeName, Object[] attributes) throws SQLException {
    return defaultShard().createStruct(typeName, attributes);
  }

  /** Valid while the default shard's primary answers. */
  @Override
  public boolean isValid(int timeout) throws SQLException {
    if (closed) {
      return false;
    }
    try {
      return defaultShard().isValid(timeout);
    } catch (SQLException e) {
      return false;
    }
  }

  @Override
  public void setClientInfo(String name, String value) throws SQLClientInfoException {
    for (RoutingConnection c : open) {
      if (c != null) {
        c.setClientInfo(name, value);
      }
    }
  }

  @Override
  public void setClientInfo(Properties properties) throws SQLClientInfoException {
    for (RoutingConnection c : open) {
      if (c != null) {
        c.setClientInfo(properties);
      }
    }
  }

  @Override
  public String getClientInfo(String name) throws SQLException {
    return defaultShard().getClientInfo(name);
  }

  @Override
  public Properties getClientInfo() throws SQLException {
    return defaultShard().getClientInfo();
  }

  @Override
  public void setSchema(String schema) throws SQLException {
    checkOpen();
    this.schema = schema;
    eachOpen(c -> c.setSchema(schema));
  }

  @Override
  public String getSchema() throws SQLException {
    return schema != null ? schema : defaultShard().getSchema();
  }

  @Override
  public void abort(Executor executor) throws SQLException {
    closed = true;
    eachOpen(c -> c.abort(executor));
  }

  @Override
  public void setNetworkTimeout(Executor executor, int milliseconds) throws SQLException {
    eachOpen(c -> c.setNetworkTimeout(executor, milliseconds));
  }

  @Override
  public int getNetworkTimeout() throws SQLException {
    return defaultShard().getNetworkTimeout();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    checkOpen();
    throw new SQLException("a sharded Junction connection spans several physical connections and does not wrap "
        + iface.getName());
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return iface.isInstance(this);
  }
}
