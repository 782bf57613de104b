package dev.junction.jdbc;

import dev.junction.Junction;
import dev.junction.classify.Classification;
import dev.junction.classify.StatementKind;
import dev.junction.merge.BoundScatterPlan;
import dev.junction.merge.MergeSpec;
import dev.junction.merge.RowBound;
import dev.junction.merge.RowCursor;
import dev.junction.shard.ShardRoute;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * A statement over a sharded connection. Each execution is planned ({@link ShardingRuntime#plan},
 * cached by SQL text), bound to its parameters, and run as the route says:
 *
 * <ul>
 *   <li><b>one shard</b> (SINGLE, DEFAULT, ANY, or any route that resolves to one shard): on that
 *       shard's routing connection; the driver's own result set is returned, nothing is copied;</li>
 *   <li><b>a read on several shards</b>: rewritten by the scatter planner (LIMIT pushed down,
 *       AVG split, hidden sort columns), run on every target shard in parallel and merged by
 *       {@link dev.junction.merge.ResultMerger} into a {@link MergedResultSet};</li>
 *   <li><b>a write on several shards</b> (MULTI, SCATTER, BROADCAST, INSERT_SPLIT): each shard's
 *       part in parallel; update counts are summed and RETURNING rows concatenated in shard order.
 *       Not atomic across shards: a failure names the shards where the statement was applied.</li>
 * </ul>
 *
 * <p>Parallel parts run on the data source's bounded scatter pool with the caller's routing
 * context ({@link Junction#capture()}), so fences and primary hints apply on every shard; the
 * first part runs on the calling thread.
 */
class ShardedStatement implements Statement {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ShardedStatement.class);
  final ShardedConnection conn;
  /** The connection's ring state as of this statement's last execution. */
  ShardingRuntime sharding;
  private final Set<Statement> running = ConcurrentHashMap.newKeySet();
  private final List<Statement> physical = new ArrayList<>();
  private Statement[] reusable;
  private ResultSet resultSet;
  private ResultSet generatedKeys;
  private long updateCount = -1;
  private Statement resultOwner;
  private List<String> batch;
  private boolean closed;
  private boolean closeOnCompletion;
  private int fetchSize;
  private long maxRows;
  private int queryTimeout;

  ShardedStatement(ShardedConnection conn) {
    this.conn = conn;
    this.sharding = conn.sharding;
    conn.register(this);
  }

  // ---------------------------------------------------------------- execution

  /**
   * Runs {@code sql} with the application's parameter bindings (null for a plain statement).
   *
   * @return true when the first result is a result set, as {@link Statement#execute(String)}
   */
  final boolean run(String sql, List<ParameterBinding> params, boolean returnKeys) throws SQLException {
    checkOpen();
    clearResults();
    conn.syncRing();
    if (conn.sharding != sharding) {
      sharding = conn.sharding;
      closeReusable(); // kept shard statements are indexed by the old ring's shard order
    }
    Classification c = conn.ds.classifier.classify(sql);
    if (isControl(c.kind())) {
      conn.executeControl(c, sql);
      updateCount = 0;
      return false;
    }
    List<Object> values = values(params);
    ShardRoute route = sharding.plan(sql).bind(values);
    sharding.checkRingPhase(c, sql, values, route);
    conn.beforeExecute(c, route);
    if (route.isSingleShard()) {
      return single(sql, route.statements().get(0), params, returnKeys);
    }
    if (c.kind() == StatementKind.READ && route.opcode() != ShardRoute.Opcode.INSERT_SPLIT) {
      return scatterRead(sql, values, route, params);
    }
    return fanOutWrite(route, params, returnKeys);
  }

  private static boolean isControl(StatementKind kind) {
    return switch (kind) {
      case SESSION, TX_BEGIN, TX_COMMIT, TX_ROLLBACK, TX_SAVEPOINT -> true;
      default -> false;
    };
  }

  static List<Object> values(List<ParameterBinding> params) {
    if (params == null) {
      return List.of();
    }
    List<Object> values = new ArrayList<>(params.size());
    for (ParameterBinding b : params) {
      values.add(b == null ? null : b.value());
    }
    return values;
  }

  private boolean single(String sql, ShardRoute.ShardStatement part, List<ParameterBinding> params, boolean returnKeys)
      throws SQLException {
    RoutingConnection rc = conn.shard(part.shard());
    boolean asWritten = part.sql().equals(sql);
    long start = System.nanoTime();
    Statement st = asWritten ? reusable(rc, part, params, returnKeys) : open(rc, part, params, returnKeys);
    boolean hasResultSet;
    try {
      running.add(st);
      if (st instanceof PreparedStatement ps) {
        bind(ps, part.parameters(), params, asWritten);
        hasResultSet = ps.execute();
      } else {
        hasResultSet = returnKeys ? st.execute(part.sql(), RETURN_GENERATED_KEYS) : st.execute(part.sql());
      }
    } finally {
      running.remove(st);
      sharding.metrics.statement(part.shard(), System.nanoTime() - start);
    }
    resultOwner = st;
    if (hasResultSet) {
      resultSet = st.getResultSet();
    } else {
      updateCount = st.getUpdateCount();
    }
    return hasResultSet;
  }

  /**
   * The shard's statement for single-shard executions of the SQL as the application wrote it, kept
   * for the life of this statement: a point lookup executed again allocates no new statement and
   * reuses the shard's server-side prepared statement. (A plain statement's SQL varies; its shard
   * statement executes whatever it is given.)
   */
  private Statement reusable(RoutingConnection rc, ShardRoute.ShardStatement part, List<ParameterBinding> params,
                             boolean returnKeys) throws SQLException {
    if (reusable == null) {
      reusable = new Statement[sharding.shardNames().size()];
    }
    Statement st = reusable[part.shard()];
    if (st == null || st.isClosed()) {
      st = create(rc, part, params, returnKeys);
      if (maxRows > 0) {
        st.setLargeMaxRows(maxRows); // single-shard only: a scatter part must not be cut short
      }
      reusable[part.shard()] = st;
    }
    return st;
  }

  /** A statement for one part of this execution only; closed before the next execution. */
  private Statement open(RoutingConnection rc, ShardRoute.ShardStatement part, List<ParameterBinding> params,
                         boolean returnKeys) throws SQLException {
    Statement st = create(rc, part, params, returnKeys);
    synchronized (physical) {
      physical.add(st);
    }
    return st;
  }

  private Statement create(RoutingConnection rc, ShardRoute.ShardStatement part, List<ParameterBinding> params,
                           boolean returnKeys) throws SQLException {
    Statement st;
    if (params == null && part.parameters().isEmpty()) {
      st = rc.createStatement();
    } else {
      st = returnKeys ? rc.prepareStatement(part.sql(), RETURN_GENERATED_KEYS) : rc.prepareStatement(part.sql());
    }
    ((RoutingStatement) st).facade = this; // its results answer getStatement() with this statement
    if (fetchSize > 0) {
      st.setFetchSize(fetchSize);
    }
    if (queryTimeout > 0) {
      st.setQueryTimeout(queryTimeout);
    }
    return st;
  }

  private interface Setting {
    void apply(Statement st) throws SQLException;
  }

  /** A setting changed: apply it to the kept shard statements (new ones get it when created). */
  private void eachReusable(Setting setting) throws SQLException {
    if (reusable == null) {
      return;
    }
    for (Statement st : reusable) {
      if (st != null && !st.isClosed()) {
        setting.apply(st);
      }
    }
  }

  /**
   * Binds one part's parameters. Parameters the application bound are replayed with the very
   * setter it used (found by identity); values a rewrite computed (a pushed-down LIMIT) use setObject.
   */
  private static void bind(PreparedStatement ps, List<Object> partValues, List<ParameterBinding> params, boolean asWritten)
      throws SQLException {
    if (asWritten && params != null && params.size() == partValues.size()) {
      for (int i = 0; i < params.size(); i++) {
        ParameterBinding b = params.get(i);
        if (b == null) {
          throw new SQLException("parameter " + (i + 1) + " is not set", "07001");
        }
        b.setter().apply(ps, i + 1);
      }
      return;
    }
    Map<Object, ParameterBinding> byValue = new IdentityHashMap<>();
    if (params != null) {
      for (ParameterBinding b : params) {
        if (b != null && b.value() != null) {
          byValue.put(b.value(), b);
        }
      }
    }
    for (int i = 0; i < partValues.size(); i++) {
      Object v = partValues.get(i);
      ParameterBinding b = v == null ? null : byValue.get(v);
      if (b != null) {
        b.setter().apply(ps, i + 1);
      } else {
        ParameterBinding.bindPlain(ps, i + 1, v);
      }
    }
  }

  private boolean scatterRead(String sql, List<Object> values, ShardRoute route, List<ParameterBinding> params)
      throws SQLException {
    BoundScatterPlan plan = sharding.scatterPlan(sql).bind(values);
    List<ShardRoute.ShardStatement> parts = new ArrayList<>();
    for (ShardRoute.ShardStatement s : route.statements()) {
      parts.add(new ShardRoute.ShardStatement(s.shard(), plan.shardSql(), plan.shardParameters()));
    }
    DriverText texts = new DriverText(sharding.mergeDialect);
    List<ResultSetCursor> cursors = fanOut(parts, false, (rc, part) -> {
      Statement st = open(rc, part, params, false);
      running.add(st);
      try {
        ResultSet rs;
        if (st instanceof PreparedStatement ps) {
          bind(ps, part.parameters(), params, false);
          rs = ps.executeQuery();
        } else {
          rs = st.executeQuery(part.sql());
        }
        return new ResultSetCursor(rs, st, part.shard(), sharding.metrics, texts);
      } finally {
        running.remove(st);
      }
    });
    MergeSpec spec = plan.spec();
    java.sql.ResultSetMetaData md = cursors.get(0).metaData();
    TextCollation collation = sharding.textCollation;
    if (!collation.exact() && cursors.size() > 1) {
      SQLException refused = TextKeyGuard.check(spec, md, collation, sharding.mergeDialect);
      if (refused != null) {
        for (ResultSetCursor c : cursors) {
          try {
            c.close();
          } catch (SQLException e) {
            refused.addSuppressed(e);
          }
        }
        throw refused;
      }
    }
    int visible = spec.visibleColumns() >= 0 ? spec.visibleColumns() : md.getColumnCount() - spec.hiddenColumns();
    SnapshotMetaData meta = SnapshotMetaData.of(md, visible, spec);
    RowCursor merged = sharding.merger.merge(cursors, spec);
    resultSet = new MergedResultSet(maxRows > 0 ? dev.junction.merge.RowCursors.limit(merged, maxRows) : merged, meta, this,
        texts);
    return true;
  }

  private record WriteResult(Statement statement, boolean hasResultSet, long updateCount) {}

  private boolean fanOutWrite(ShardRoute route, List<ParameterBinding> params, boolean returnKeys) throws SQLException {
    List<WriteResult> results = fanOut(route.statements(), true, (rc, part) -> {
      Statement st = open(rc, part, params, returnKeys);
      running.add(st);
      try {
        boolean hasRs;
        if (st instanceof PreparedStatement ps) {
          bind(ps, part.parameters(), params, false);
          hasRs = ps.execute();
        } else {
          hasRs = returnKeys ? st.execute(part.sql(), RETURN_GENERATED_KEYS) : st.execute(part.sql());
        }
        return new WriteResult(st, hasRs, hasRs ? -1 : st.getUpdateCount());
      } finally {
        running.remove(st);
      }
    });
    if (route.opcode() == ShardRoute.Opcode.BROADCAST) {
      // every shard holds the same copy: report what one database would, not the sum of the copies
      warnIfCopiesDiverged(route, results);
      results = List.of(results.get(0));
    }
    boolean anyRows = results.stream().anyMatch(WriteResult::hasResultSet);
    if (anyRows) {
      resultSet = concat(results, r -> r.hasResultSet() ? r.statement().getResultSet() : null);
      return true;
    }
    long total = 0;
    for (WriteResult r : results) {
      total += Math.max(0, r.updateCount());
    }
    updateCount = total;
    if (returnKeys) {
      generatedKeys = concat(results, r -> r.statement().getGeneratedKeys());
    }
    return false;
  }

  /** Broadcast copies that changed different row counts have drifted apart: say so, loudly. */
  private void warnIfCopiesDiverged(ShardRoute route, List<WriteResult> results) {
    long first = results.get(0).updateCount();
    for (WriteResult r : results) {
      if (r.updateCount() != first) {
        List<String> counts = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
          counts.add(sharding.shardNames().get(route.statements().get(i).shard()) + "=" + results.get(i).updateCount());
        }
        LOG.warn("a broadcast-table write changed different row counts per shard {}: the copies differ;"
            + " compare the table across shards and repair it", counts);
        return;
      }
    }
  }

  private interface ResultOf {
    ResultSet get(WriteResult r) throws SQLException;
  }

  /** RETURNING rows or generated keys of every shard, one after another in shard order. */
  private ResultSet concat(List<WriteResult> results, ResultOf of) throws SQLException {
    List<ResultSetCursor> cursors = new ArrayList<>();
    DriverText texts = new DriverText(sharding.mergeDialect);
    for (int i = 0; i < results.size(); i++) {
      ResultSet rs = of.get(results.get(i));
      if (rs != null) {
        cursors.add(new ResultSetCursor(rs, null, 0, sharding.metrics, texts));
      }
    }
    java.sql.ResultSetMetaData md = cursors.get(0).metaData();
    MergeSpec spec = new MergeSpec(sharding.mergeDialect, List.of(), -1, 0, List.of(), null, false, List.of(),
        RowBound.NONE, RowBound.NONE);
    return new MergedResultSet(sharding.merger.merge(cursors, spec), SnapshotMetaData.of(md), this, texts);
  }

  @FunctionalInterface
  interface Part<T> {
    T run(RoutingConnection rc, ShardRoute.ShardStatement part) throws SQLException;
  }

  /**
   * Runs one part per shard in parallel (the first on this thread) and waits for all. On failure,
   * results that did arrive are closed and the error names the failing shard and, for writes, the
   * shards where the statement was nevertheless applied.
   */
  private <T> List<T> fanOut(List<ShardRoute.ShardStatement> parts, boolean write, Part<T> call) throws SQLException {
    int n = parts.size();
    RoutingConnection[] conns = new RoutingConnection[n];
    for (int i = 0; i < n; i++) {
      conns[i] = conn.shard(parts.get(i).shard()); // opened here: shard connections are not shared between threads
    }
    Junction.Context context = Junction.capture();
    List<Future<T>> futures = new ArrayList<>(n - 1);
    for (int i = 1; i < n; i++) {
      int index = i;
      futures.add(sharding.executor.submit(() -> context.call(() -> timed(call, conns[index], parts.get(index)))));
    }
    Object[] results = new Object[n];
    Throwable[] errors = new Throwable[n];
    try {
      results[0] = timed(call, conns[0], parts.get(0));
    } catch (Throwable e) {
      errors[0] = e;
    }
    for (int i = 1; i < n; i++) {
      try {
        results[i] = futures.get(i - 1).get();
      } catch (ExecutionException e) {
        errors[i] = e.getCause();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        errors[i] = e;
        cancel();
      }
    }
    SQLException failure = null;
    List<String> applied = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String shard = sharding.shardNames().get(parts.get(i).shard());
      if (errors[i] == null) {
        applied.add(shard);
        continue;
      }
      Throwable e = errors[i];
      if (failure == null) {
        SQLException sql = e instanceof SQLException s ? s : null;
        failure = new SQLException("Junction: on shard " + shard + ": " + e.getMessage(),
            sql != null ? sql.getSQLState() : "58000", sql != null ? sql.getErrorCode() : 0, e);
      } else {
        failure.addSuppressed(e);
      }
    }
    if (failure == null) {
      List<T> out = new ArrayList<>(n);
      for (Object r : results) {
        @SuppressWarnings("unchecked") T t = (T) r;
        out.add(t);
      }
      return out;
    }
    for (Object r : results) {
      if (r instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception ignored) {
          // already failing
        }
      }
    }
    if (write && !applied.isEmpty()) {
      SQLException annotated = new SQLException(failure.getMessage() + "; the statement was applied on shard(s) "
          + applied + " (statements spanning shards are not atomic)", failure.getSQLState(), failure.getErrorCode(),
          failure.getCause());
      for (Throwable s : failure.getSuppressed()) {
        annotated.addSuppressed(s);
      }
      throw annotated;
    }
    throw failure;
  }

  private <T> T timed(Part<T> call, RoutingConnection rc, ShardRoute.ShardStatement part) throws SQLException {
    long start = System.nanoTime();
    try {
      return call.run(rc, part);
    } finally {
      sharding.metrics.statement(part.shard(), System.nanoTime() - start);
    }
  }

  // ---------------------------------------------------------------- results

  private void clearResults() throws SQLException {
    if (resultSet != null) {
      resultSet.close();
      resultSet = null;
    }
    if (generatedKeys != null) {
      generatedKeys.close();
      generatedKeys = null;
    }
    updateCount = -1;
    resultOwner = null;
    List<Statement> old;
    synchronized (physical) {
      old = new ArrayList<>(physical);
      physical.clear();
    }
    for (Statement s : old) {
      s.close();
    }
  }

  @Override
  public ResultSet executeQuery(String sql) throws SQLException {
    if (!run(sql, null, false)) {
      throw new SQLException("Junction: executeQuery() with a statement that returns no rows; use executeUpdate()", "02000");
    }
    return resultSet;
  }

  @Override
  public int executeUpdate(String sql) throws SQLException {
    return (int) executeLargeUpdate(sql);
  }

  @Override
  public long executeLargeUpdate(String sql) throws SQLException {
    if (run(sql, null, false)) {
      throw new SQLException("Junction: executeUpdate() with a statement that returns rows; use executeQuery()", "0100D");
    }
    return updateCount;
  }

  @Override
  public boolean execute(String sql) throws SQLException {
    return run(sql, null, false);
  }

  @Override
  public int executeUpdate(String sql, int autoGeneratedKeys) throws SQLException {
    run(sql, null, autoGeneratedKeys == RETURN_GENERATED_KEYS);
    return (int) updateCount;
  }

  @Override
  public int executeUpdate(String sql, int[] columnIndexes) throws SQLException {
    run(sql, null, true);
    return (int) updateCount;
  }

  @Override
  public int executeUpdate(String sql, String[] columnNames) throws SQLException {
    run(sql, null, true);
    return (int) updateCount;
  }

  @Override
  public boolean execute(String sql, int autoGeneratedKeys) throws SQLException {
    return run(sql, null, autoGeneratedKeys == RETURN_GENERATED_KEYS);
  }

  @Override
  public boolean execute(String sql, int[] columnIndexes) throws SQLException {
    return run(sql, null, true);
  }

  @Override
  public boolean execute(String sql, String[] columnNames) throws SQLException {
    return run(sql, null, true);
  }

  @Override
  public ResultSet getResultSet() throws SQLException {
    checkOpen();
    return resultSet;
  }

  @Override
  public int getUpdateCount() throws SQLException {
    checkOpen();
    return (int) updateCount;
  }

  @Override
  public long getLargeUpdateCount() throws SQLException {
    checkOpen();
    return updateCount;
  }

  @Override
  public boolean getMoreResults() throws SQLException {
    return getMoreResults(CLOSE_CURRENT_RESULT);
  }

  @Override
  public boolean getMoreResults(int current) throws SQLException {
    checkOpen();
    if (resultOwner != null && resultSet != null && !(resultSet instanceof MergedResultSet)) {
      boolean more = resultOwner.getMoreResults(current);
      resultSet = more ? resultOwner.getResultSet() : null;
      updateCount = more ? -1 : resultOwner.getUpdateCount();
      return more;
    }
    if (resultSet != null && current != KEEP_CURRENT_RESULT) {
      resultSet.close();
    }
    resultSet = null;
    updateCount = -1;
    return false;
  }

  @Override
  public ResultSet getGeneratedKeys() throws SQLException {
    checkOpen();
    if (generatedKeys != null) {
      return generatedKeys;
    }
    if (resultOwner != null) {
      return resultOwner.getGeneratedKeys();
    }
    throw new SQLException("Junction: no generated keys: execute with RETURN_GENERATED_KEYS first", "HY000");
  }

  // ---------------------------------------------------------------- batches

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

  /** Each statement of the batch is routed on its own; not atomic across shards. */
  @Override
  public int[] executeBatch() throws SQLException {
    checkOpen();
    List<String> items = batch == null ? List.of() : batch;
    batch = null;
    int[] counts = new int[items.size()];
    for (int i = 0; i < items.size(); i++) {
      try {
        if (run(items.get(i), null, false)) {
          throw new BatchUpdateException("Junction: batch statement " + (i + 1) + " returned rows", "0100D",
              java.util.Arrays.copyOf(counts, i));
        }
        counts[i] = (int) updateCount;
      } catch (BatchUpdateException e) {
        throw e;
      } catch (SQLException e) {
        throw new BatchUpdateException(e.getMessage(), e.getSQLState(), e.getErrorCode(), java.util.Arrays.copyOf(counts, i), e);
      }
    }
    return counts;
  }

  // ---------------------------------------------------------------- settings and lifecycle

  @Override
  public void cancel() throws SQLException {
    for (Statement s : running) {
      s.cancel();
    }
  }

  @Override
  public void close() throws SQLException {
    if (closed) {
      return;
    }
    try {
      clearResults();
      if (reusable != null) {
        for (Statement st : reusable) {
          if (st != null) {
            st.close();
          }
        }
      }
    } finally {
      closed = true;
      conn.unregister(this);
    }
  }

  /** Closes the kept single-shard statements (after a ring change their indexes mean other shards). */
  private void closeReusable() {
    if (reusable == null) {
      return;
    }
    for (Statement st : reusable) {
      if (st != null) {
        try {
          st.close();
        } catch (SQLException ignored) {
          // its connection may be gone; nothing to release
        }
      }
    }
    reusable = null;
  }

  void closeQuietly() {
    try {
      close();
    } catch (SQLException ignored) {
      // closing with the connection
    }
  }

  final void checkOpen() throws SQLException {
    if (closed || conn.isClosed()) {
      throw RoutingStatement.closedStatement(conn.isClosed());
    }
  }

  @Override public boolean isClosed() { return closed; }
  @Override public Connection getConnection() throws SQLException { checkOpen(); return conn; }
  @Override public int getMaxFieldSize() { return 0; }
  @Override public void setMaxFieldSize(int max) {}
  @Override public int getMaxRows() { return (int) maxRows; }
  @Override public void setMaxRows(int max) throws SQLException { setLargeMaxRows(max); }
  @Override public long getLargeMaxRows() { return maxRows; }
  @Override public void setLargeMaxRows(long max) throws SQLException {
    if (max < 0) {
      throw new SQLException("max rows must be >= 0, got " + max, "HY024");
    }
    this.maxRows = max;
    eachReusable(st -> st.setLargeMaxRows(max));
  }
  @Override public void setEscapeProcessing(boolean enable) {}
  @Override public int getQueryTimeout() { return queryTimeout; }
  @Override public void setQueryTimeout(int seconds) throws SQLException {
    if (seconds < 0) {
      throw new SQLException("query timeout must be >= 0, got " + seconds, "HY024");
    }
    this.queryTimeout = seconds;
    eachReusable(st -> st.setQueryTimeout(seconds));
  }
  @Override public SQLWarning getWarnings() { return null; }
  @Override public void clearWarnings() {}
  @Override public void setCursorName(String name) throws SQLException {
    throw new SQLFeatureNotSupportedException("Junction: named cursors are not supported with sharding", dev.junction.JunctionSqlState.REFUSED);
  }
  @Override public void setFetchDirection(int direction) throws SQLException {
    if (direction != ResultSet.FETCH_FORWARD) {
      throw new SQLFeatureNotSupportedException("Junction: with sharding, results are forward-only", dev.junction.JunctionSqlState.REFUSED);
    }
  }
  @Override public int getFetchDirection() { return ResultSet.FETCH_FORWARD; }
  @Override public void setFetchSize(int rows) throws SQLException {
    this.fetchSize = rows;
    eachReusable(st -> st.setFetchSize(rows));
  }
  @Override public int getFetchSize() { return fetchSize; }
  @Override public int getResultSetConcurrency() { return ResultSet.CONCUR_READ_ONLY; }
  @Override public int getResultSetType() { return ResultSet.TYPE_FORWARD_ONLY; }
  @Override public int getResultSetHoldability() { return ResultSet.CLOSE_CURSORS_AT_COMMIT; }
  @Override public void setPoolable(boolean poolable) {}
  @Override public boolean isPoolable() { return false; }
  @Override public void closeOnCompletion() { closeOnCompletion = true; }
  @Override public boolean isCloseOnCompletion() { return closeOnCompletion; }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    throw new SQLException("a sharded statement does not wrap " + iface.getName());
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return iface.isInstance(this);
  }
}
