package dev.junction.jdbc.internal;

import dev.junction.classify.Classification;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A logical statement: each execution is classified, routed by its connection, and run on a physical
 * statement of the chosen target (one kept per target and created on first use, with this
 * statement's settings applied). A read that fails on a replica before returning anything, outside a
 * transaction, is run once more elsewhere.
 */
class RoutingStatement implements Statement {
  final RoutingConnection conn;
  private final SqlFunction<Connection, ? extends Statement> factory;
  private Statement onPrimary;
  private Connection primaryOwner;
  private Statement onReplica;
  private Connection replicaOwner;
  Statement last;
  /** The physical statement running right now (for {@link #cancel()} from another thread). */
  private volatile Statement executing;
  private boolean closed;
  /** True while this statement's next execution is being routed (see {@link #readingFrom}). */
  private boolean routing;
  private boolean closeOnCompletion;
  /** The statement the application sees: this one, or the sharded statement this one runs a shard's part for. */
  Statement facade = this;
  /** Result sets of the last execution, as handed to the application. */
  final StatementResults results = new StatementResults();
  /**
   * Made with {@code CONCUR_UPDATABLE}: its queries run on the primary, as writes (a row updated,
   * inserted or deleted through the result is written on the server the query ran on), and each row
   * written through the result is reported to the connection ({@link JunctionResultSet#updateRow}).
   */
  boolean updatable;

  private Integer fetchSize;
  private Integer fetchDirection;
  private Integer maxRows;
  private Long largeMaxRows;
  private Integer maxFieldSize;
  private Integer queryTimeout;
  private Boolean escapeProcessing;
  private Boolean poolable;
  private String cursorName;
  private List<String> batch;

  RoutingStatement(RoutingConnection conn, SqlFunction<Connection, ? extends Statement> factory) {
    this.conn = conn;
    this.factory = factory;
    conn.register(this);
  }

  /**
   * Runs {@code call} for {@code c} where the connection places it; a read that fails on a replica
   * outside a transaction runs once more where the connection's {@code failed} says (another
   * replica, or the primary). The placement is a value local to this execution.
   */
  final <T> T run(Classification c, String sql, SqlFunction<Statement, T> call) throws SQLException {
    if (updatable) {
      c = UpdatableResults.routed(c);
    }
    return executeLeg(c, sql, routeLeg(c, sql), call);
  }

  /**
   * {@link #run} in two steps, for the legs of a multi-shard statement ({@link ShardedStatement}):
   * {@code routeLeg} routes, taking the target's physical connection from its pool, and returns it;
   * the sharded statement calls it on the calling thread for every leg in ring order, so connections
   * are taken in one fixed order (no cross-pool wait cycle between scatters). {@link #executeLeg} then
   * makes (or reuses) the physical statement there and runs {@code call} on it, on any thread, with
   * {@link #run}'s replica retry and bookkeeping. Only the leg's thread uses this statement and its
   * logical connection between the two.
   */
  final RoutingConnection.Placement routeLeg(Classification c, String sql) throws SQLException {
    checkOpen();
    results.closeAll(); // JDBC: an execution closes the current result
    routing = true; // this execution replaces the last one's results: they no longer keep its connection
    try {
      return conn.route(c, sql);
    } finally {
      routing = false;
    }
  }

  /** Step two of {@link #routeLeg}: {@link #run}'s execution part, on {@code placement}'s connection. */
  final <T> T executeLeg(Classification c, String sql, RoutingConnection.Placement placement, SqlFunction<Statement, T> call)
      throws SQLException {
    while (true) {
      Statement physical = physical(placement.connection(), placement.onReplica());
      T result;
      try {
        executing = physical;
        result = call.apply(physical);
      } catch (SQLException e) {
        RoutingConnection.Placement retry = conn.failed(placement, c, sql, e);
        if (retry == null) {
          throw e;
        }
        placement = retry;
        continue;
      } finally {
        executing = null;
      }
      last = physical;
      results.ranOn(conn, placement);
      conn.succeeded(placement, c);
      return result;
    }
  }

  final Classification classify(String sql) {
    return conn.ds.classifier.classify(sql);
  }

  /** The physical statement for {@code target} (a replica's connection or not), created and configured on first use. */
  final Statement physical(Connection target, boolean onReplicaConnection) throws SQLException {
    if (target == primaryOwner && onPrimary != null) {
      return onPrimary;
    }
    if (target == replicaOwner && onReplica != null) {
      return onReplica;
    }
    Statement s = factory.apply(target);
    configure(s);
    if (onReplicaConnection && target != primaryOwner) {
      closePhysical(onReplica);
      onReplica = s;
      replicaOwner = target;
    } else {
      closePhysical(onPrimary);
      onPrimary = s;
      primaryOwner = target;
    }
    return s;
  }

  /**
   * True if the application may still read from {@code c} through this statement: its last
   * execution ran there and the statement is open, so its results, update count, generated keys and
   * further results may still be asked for (JDBC allows that after other statements of the
   * connection ran). Such a connection is not given back to its pool between statements (issue #12);
   * the statement's next execution elsewhere, or its close, frees it.
   */
  final boolean readingFrom(Connection c) {
    return c != null && !closed && !routing && last != null && (last == onReplica && c == replicaOwner || last == onPrimary && c == primaryOwner);
  }

  /** The physical connection {@link #last} was made on (null: none). */
  final Connection lastConnection() {
    Statement l = last;
    return l == null ? null : l == onPrimary ? primaryOwner : l == onReplica ? replicaOwner : null;
  }

  /** The physical connection went away (switched or failed): drop the statement made on it. */
  final void forgetPhysical(Connection c) {
    if (last != null && (last == onReplica && c == replicaOwner || last == onPrimary && c == primaryOwner)) {
      results.closeAll(); // closed with their physical statement below
    }
    if (c == replicaOwner) {
      closePhysical(onReplica);
      onReplica = null;
      replicaOwner = null;
    }
    if (c == primaryOwner) {
      closePhysical(onPrimary);
      onPrimary = null;
      primaryOwner = null;
    }
    if (last != null && last != onPrimary && last != onReplica) {
      last = null;
    }
  }

  private void configure(Statement s) throws SQLException {
    if (fetchSize != null) s.setFetchSize(fetchSize);
    if (fetchDirection != null) s.setFetchDirection(fetchDirection);
    if (maxRows != null) s.setMaxRows(maxRows);
    if (largeMaxRows != null) s.setLargeMaxRows(largeMaxRows);
    if (maxFieldSize != null) s.setMaxFieldSize(maxFieldSize);
    if (queryTimeout != null) s.setQueryTimeout(queryTimeout);
    if (escapeProcessing != null) s.setEscapeProcessing(escapeProcessing);
    if (poolable != null) s.setPoolable(poolable);
    if (cursorName != null) s.setCursorName(cursorName);
  }

  private interface Setting {
    void apply(Statement s) throws SQLException;
  }

  private void eachPhysical(Setting setting) throws SQLException {
    if (onPrimary != null) setting.apply(onPrimary);
    if (onReplica != null) setting.apply(onReplica);
  }

  final void checkOpen() throws SQLException {
    if (closed || conn.isClosed()) {
      throw closedStatement(conn.isClosed());
    }
  }

  /** The statement is closed: 08003 when its connection was closed (the cause), else HY010. */
  static SQLException closedStatement(boolean connectionClosed) {
    return connectionClosed
        ? new SQLException("Junction: connection is closed (this statement belonged to it)", "08003")
        : new SQLException("Junction: statement is closed", "HY010");
  }

  private static void closePhysical(Statement s) {
    if (s != null) {
      try {
        s.close();
      } catch (SQLException ignored) {
        // the connection under it may be gone already
      }
    }
  }

  final void closeQuietly() {
    closed = true;
    results.closeAll();
    closePhysical(onPrimary);
    closePhysical(onReplica);
    onPrimary = null;
    onReplica = null;
  }

  private Statement lastOrFail() throws SQLException {
    checkOpen();
    if (last == null) {
      throw new SQLException("Junction: no statement has been executed yet", "HY010");
    }
    return last;
  }

  // ---------------------------------------------------------------- execution

  @Override
  public ResultSet executeQuery(String sql) throws SQLException {
    return results.query(run(classify(sql), sql, s -> s.executeQuery(sql)), facade);
  }

  @Override
  public int executeUpdate(String sql) throws SQLException {
    return run(classify(sql), sql, s -> s.executeUpdate(sql));
  }

  @Override
  public int executeUpdate(String sql, int autoGeneratedKeys) throws SQLException {
    return run(classify(sql), sql, s -> s.executeUpdate(sql, autoGeneratedKeys));
  }

  @Override
  public int executeUpdate(String sql, int[] columnIndexes) throws SQLException {
    return run(classify(sql), sql, s -> s.executeUpdate(sql, columnIndexes));
  }

  @Override
  public int executeUpdate(String sql, String[] columnNames) throws SQLException {
    return run(classify(sql), sql, s -> s.executeUpdate(sql, columnNames));
  }

  @Override
  public long executeLargeUpdate(String sql) throws SQLException {
    return run(classify(sql), sql, s -> s.executeLargeUpdate(sql));
  }

  @Override
  public boolean execute(String sql) throws SQLException {
    return run(classify(sql), sql, s -> s.execute(sql));
  }

  @Override
  public boolean execute(String sql, int autoGeneratedKeys) throws SQLException {
    return run(classify(sql), sql, s -> s.execute(sql, autoGeneratedKeys));
  }

  @Override
  public boolean execute(String sql, int[] columnIndexes) throws SQLException {
    return run(classify(sql), sql, s -> s.execute(sql, columnIndexes));
  }

  @Override
  public boolean execute(String sql, String[] columnNames) throws SQLException {
    return run(classify(sql), sql, s -> s.execute(sql, columnNames));
  }

  @Override
  public void addBatch(String sql) throws SQLException {
    checkOpen();
    if (batch == null) {
      batch = new ArrayList<>();
    }
    batch.add(sql);
  }

  @Override
  public void clearBatch() throws SQLException {
    checkOpen();
    batch = null;
  }

  /**
   * A batch is routed as the multi-statement string of its statements (see
   * {@code StatementClassifier.classifyBatch}): every statement's effects count, wherever it stands.
   */
  @Override
  public int[] executeBatch() throws SQLException {
    checkOpen();
    List<String> sqls = batch == null ? List.of() : batch;
    batch = null;
    if (sqls.isEmpty()) {
      return new int[0];
    }
    Classification c = conn.ds.classifier.classifyBatch(sqls);
    String text = sqls.size() == 1 ? sqls.get(0) : String.join(";\n", sqls); // what the session settings scan
    return run(c, text, s -> {
      for (String sql : sqls) {
        s.addBatch(sql);
      }
      return s.executeBatch();
    });
  }

  // ---------------------------------------------------------------- results of the last execution

  @Override public ResultSet getResultSet() throws SQLException { return results.current(lastOrFail(), facade); }
  @Override public int getUpdateCount() throws SQLException { return last == null ? -1 : last.getUpdateCount(); }
  @Override public long getLargeUpdateCount() throws SQLException { return last == null ? -1 : last.getLargeUpdateCount(); }
  @Override public boolean getMoreResults() throws SQLException { return getMoreResults(CLOSE_CURRENT_RESULT); }
  @Override public ResultSet getGeneratedKeys() throws SQLException { return results.keys(lastOrFail(), facade); }

  @Override
  public boolean getMoreResults(int current) throws SQLException {
    checkOpen();
    results.beforeMoreResults(current);
    return last != null && last.getMoreResults(current);
  }
  @Override public SQLWarning getWarnings() throws SQLException { return last == null ? null : last.getWarnings(); }

  @Override
  public void clearWarnings() throws SQLException {
    eachPhysical(Statement::clearWarnings);
  }

  /** Cancels the statement running now on whichever server it was routed to (JDBC allows another thread). */
  @Override
  public void cancel() throws SQLException {
    Statement running = executing;
    if (running != null) {
      running.cancel();
    }
  }

  // ---------------------------------------------------------------- settings

  @Override public int getMaxFieldSize() throws SQLException { return maxFieldSize == null ? 0 : maxFieldSize; }
  @Override public void setMaxFieldSize(int max) throws SQLException { maxFieldSize = max; eachPhysical(s -> s.setMaxFieldSize(max)); }
  @Override public int getMaxRows() throws SQLException { return maxRows == null ? 0 : maxRows; }
  @Override public void setMaxRows(int max) throws SQLException { maxRows = max; eachPhysical(s -> s.setMaxRows(max)); }
  @Override public long getLargeMaxRows() throws SQLException { return largeMaxRows == null ? getMaxRows() : largeMaxRows; }
  @Override public void setLargeMaxRows(long max) throws SQLException { largeMaxRows = max; eachPhysical(s -> s.setLargeMaxRows(max)); }
  @Override public void setEscapeProcessing(boolean enable) throws SQLException { escapeProcessing = enable; eachPhysical(s -> s.setEscapeProcessing(enable)); }
  @Override public int getQueryTimeout() throws SQLException { return queryTimeout == null ? 0 : queryTimeout; }
  @Override public void setQueryTimeout(int seconds) throws SQLException { queryTimeout = seconds; eachPhysical(s -> s.setQueryTimeout(seconds)); }
  @Override public void setCursorName(String name) throws SQLException { cursorName = name; eachPhysical(s -> s.setCursorName(name)); }
  @Override public void setFetchDirection(int direction) throws SQLException { fetchDirection = direction; eachPhysical(s -> s.setFetchDirection(direction)); }
  @Override public int getFetchDirection() throws SQLException { return fetchDirection == null ? ResultSet.FETCH_FORWARD : fetchDirection; }
  @Override public void setFetchSize(int rows) throws SQLException { fetchSize = rows; eachPhysical(s -> s.setFetchSize(rows)); }
  @Override public int getFetchSize() throws SQLException { return fetchSize == null ? 0 : fetchSize; }
  @Override public int getResultSetConcurrency() throws SQLException { return last == null ? ResultSet.CONCUR_READ_ONLY : last.getResultSetConcurrency(); }
  @Override public int getResultSetType() throws SQLException { return last == null ? ResultSet.TYPE_FORWARD_ONLY : last.getResultSetType(); }
  @Override public int getResultSetHoldability() throws SQLException { return last == null ? conn.getHoldability() : last.getResultSetHoldability(); }
  @Override public void setPoolable(boolean value) throws SQLException { poolable = value; eachPhysical(s -> s.setPoolable(value)); }
  @Override public boolean isPoolable() throws SQLException { return poolable != null && poolable; }
  @Override public void closeOnCompletion() throws SQLException { closeOnCompletion = true; eachPhysical(Statement::closeOnCompletion); }
  @Override public boolean isCloseOnCompletion() throws SQLException { return closeOnCompletion; }

  @Override
  public Connection getConnection() throws SQLException {
    checkOpen();
    return conn.facade;
  }

  @Override
  public void close() throws SQLException {
    if (!closed) {
      closeQuietly();
      conn.unregister(this);
    }
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    checkOpen(); // never hand out the physical statement of a closed one
    if (last != null) {
      return last.unwrap(iface);
    }
    throw new SQLFeatureNotSupportedException("Junction: execute the statement before unwrapping its physical statement");
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return true;
    }
    checkOpen();
    return last != null && last.isWrapperFor(iface);
  }
}
