package dev.junction.jdbc.internal;

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
  private RoutingStatement[] reusable;
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
    conn.checkNotAborted();
    List<Object> values = values(params);
    ShardRoute route = sharding.plan(sql).bind(values);
    sharding.checkRingPhase(c, sql, values, route);
    conn.beforeExecute(c, route);
    try {
      if (route.isSingleShard()) {
        return single(c, sql, route.statements().get(0), params, returnKeys);
      }
      if (c.kind() == StatementKind.READ && route.opcode() != ShardRoute.Opcode.INSERT_SPLIT) {
        return scatterRead(c, sql, values, route, params);
      }
      return fanOutWrite(c, route, params, returnKeys);
    } catch (SQLException e) {
      conn.failed(e); // a server-side failure inside a transaction fails it on every shard
      throw e;
    }
  }

  /**
   * A result of {@code statement} failing while it is read (a streamed leg's later rows: the server's error, or the
   * connection lost) fails a multi-shard transaction as a failing execution does ({@link ShardedConnection#failed}):
   * the shard's server has aborted its part, so the other shards must not commit theirs. Nothing for a statement that
   * is not a sharded one.
   */
  static void readFailed(Statement statement, SQLException e) {
    if (statement instanceof ShardedStatement s) {
      s.conn.failed(e);
    }
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

  /**
   * One shard: the shard's routing statement runs the part once, with this statement's
   * classification, and binds the physical statement directly with the application's recorded
   * setters (one classification, one parameter capture; no second logical statement).
   */
  private boolean single(Classification c, String sql, ShardRoute.ShardStatement part, List<ParameterBinding> params,
                         boolean returnKeys) throws SQLException {
    RoutingConnection rc = conn.shard(part.shard());
    boolean asWritten = part.sql().equals(sql);
    long start = System.nanoTime();
    RoutingStatement st = asWritten ? reusable(rc, part, params, returnKeys) : open(rc, part, params, returnKeys);
    boolean hasResultSet;
    try {
      running.add(st);
      hasResultSet = st.run(c, part.sql(), physical -> {
        if (physical instanceof PreparedStatement ps) {
          bind(ps, part.parameters(), params, asWritten);
          return ps.execute();
        }
        return returnKeys ? physical.execute(part.sql(), RETURN_GENERATED_KEYS) : physical.execute(part.sql());
      });
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
  private RoutingStatement reusable(RoutingConnection rc, ShardRoute.ShardStatement part, List<ParameterBinding> params,
                                    boolean returnKeys) throws SQLException {
    if (reusable == null) {
      reusable = new RoutingStatement[sharding.shardNames().size()];
    }
    RoutingStatement st = reusable[part.shard()];
    if (st == null || st.isClosed()) {
      st = holder(rc, part, params, returnKeys);
      if (maxRows > 0) {
        st.setLargeMaxRows(maxRows); // single-shard only: a scatter part must not be cut short
      }
      reusable[part.shard()] = st;
    }
    return st;
  }

  /** A statement for one part of this execution only; closed before the next execution. */
  private RoutingStatement open(RoutingConnection rc, ShardRoute.ShardStatement part, List<ParameterBinding> params,
                                boolean returnKeys) throws SQLException {
    RoutingStatement st = holder(rc, part, params, returnKeys);
    synchronized (physical) {
      physical.add(st);
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
   * Finds the application's binding whose value is a given object itself (the last one when several
   * are): a linear scan for the usual few parameters, an identity map for many (a split multi-row INSERT).
   */
  private static final class Bindings {
    private final List<ParameterBinding> params;
    private final Map<Object, ParameterBinding> byValue;

    Bindings(List<ParameterBinding> params) {
      this.params = params;
      if (params != null && params.size() > 16) {
        byValue = new IdentityHashMap<>();
        for (ParameterBinding b : params) {
          if (b != null && b.value() != null) {
            byValue.put(b.value(), b);
          }
        }
      } else {
        byValue = null;
      }
    }

    ParameterBinding of(Object v) {
      if (v == null || params == null) {
        return null;
      }
      if (byValue != null) {
        return byValue.get(v);
      }
      for (int i = params.size() - 1; i >= 0; i--) {
        ParameterBinding b = params.get(i);
        if (b != null && b.value() == v) {
          return b;
        }
      }
      return null;
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
    Bindings bindings = new Bindings(params);
    for (int i = 0; i < partValues.size(); i++) {
      Object v = partValues.get(i);
      ParameterBinding b = bindings.of(v);
      if (b != null) {
        b.setter().apply(ps, i + 1);
      } else {
        ParameterBinding.bindPlain(ps, i + 1, v);
      }
    }
  }

  private boolean scatterRead(Classification c, String sql, List<Object> values, ShardRoute route,
                              List<ParameterBinding> params) throws SQLException {
    BoundScatterPlan plan = sharding.scatterPlan(sql).bind(values);
    List<ShardRoute.ShardStatement> parts = new ArrayList<>(route.statements().size());
    for (ShardRoute.ShardStatement s : route.statements()) {
      parts.add(new ShardRoute.ShardStatement(s.shard(), plan.shardSql(), plan.shardParameters()));
    }
    DriverText texts = new DriverText(sharding.mergeDialect);
    int legRows = legRowCap(plan.spec(), maxRows);
    List<ResultSetCursor> cursors = fanOut(c, parts, params, false, (leg, st) -> {
      if (legRows > 0) {
        st.setMaxRows(legRows);
      }
      ResultSet rs = st instanceof PreparedStatement ps ? ps.executeQuery() : st.executeQuery(leg.part.sql());
      return new ResultSetCursor(rs, leg.holder, leg.part.shard(), sharding.shardNames().get(leg.part.shard()),
          sharding.metrics, texts, leg.holder.results.lease(), leg.holder.facade);
    });
    MergeSpec spec = plan.spec();
    java.sql.ResultSetMetaData md = cursors.get(0).metaData();
    TextCollation collation = sharding.textCollation;
    if (!collation.exact() && cursors.size() > 1) {
      SQLException refused = TextKeyGuard.check(spec, md, collation, sharding.mergeDialect);
      if (refused != null) {
        for (ResultSetCursor cursor : cursors) {
          try {
            cursor.close();
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

  /**
   * The most rows any one shard can contribute to a merged result cut at {@code maxRows}
   * ({@link #setMaxRows}), or 0: no cap. Only for merges that stream (ORDER BY, plain
   * concatenation): their first m rows hold at most m rows of each shard, and those are the shard's
   * own first m rows in its order, so a shard asked for {@code offset + min(limit, maxRows)} rows
   * returns every row the merge can use, and the server stops there instead of sending the rest.
   * A GROUP BY, aggregate or DISTINCT merge needs every shard row (0).
   */
  static int legRowCap(MergeSpec spec, long maxRows) {
    if (maxRows <= 0 || spec.isMaterializing()) {
      return 0;
    }
    long limit = spec.limit().value() >= 0 ? Math.min(spec.limit().value(), maxRows) : maxRows;
    long rows = Math.max(0, spec.offset().value()) + limit;
    return rows > 0 && rows <= Integer.MAX_VALUE ? (int) rows : 0;
  }

  private record WriteResult(Statement statement, boolean hasResultSet, long updateCount) {}

  private boolean fanOutWrite(Classification c, ShardRoute route, List<ParameterBinding> params, boolean returnKeys)
      throws SQLException {
    List<WriteResult> results = fanOut(c, route.statements(), params, returnKeys, (leg, st) -> {
      boolean hasRs;
      if (st instanceof PreparedStatement ps) {
        hasRs = ps.execute();
      } else {
        hasRs = returnKeys ? st.execute(leg.part.sql(), RETURN_GENERATED_KEYS) : st.execute(leg.part.sql());
      }
      return new WriteResult(leg.holder, hasRs, hasRs ? -1 : st.getUpdateCount());
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
        cursors.add(new ResultSetCursor(rs, null, 0, null, sharding.metrics, texts, null, null)); // rs: the leg's Junction result set
      }
    }
    java.sql.ResultSetMetaData md = cursors.get(0).metaData();
    MergeSpec spec = new MergeSpec(sharding.mergeDialect, List.of(), -1, 0, List.of(), null, false, List.of(),
        RowBound.NONE, RowBound.NONE);
    return new MergedResultSet(sharding.merger.merge(cursors, spec), SnapshotMetaData.of(md), this, texts);
  }

  /**
   * One shard's part of a multi-shard statement: a routing statement on the shard's logical
   * connection (routing, replica retry, fences and pool bookkeeping), made for this execution only,
   * whose physical statement runs the part's SQL with the application's bindings applied directly.
   */
  static final class Leg {
    final ShardRoute.ShardStatement part;
    final RoutingStatement holder;
    /** Where the part was routed (its physical connection taken from its pool on the calling thread). */
    RoutingConnection.Placement target;

    Leg(ShardRoute.ShardStatement part, RoutingStatement holder) {
      this.part = part;
      this.holder = holder;
    }
  }

  @FunctionalInterface
  interface LegCall<T> {
    /** Executes the leg's bound physical statement; for a plain statement, {@code st} executes the part's SQL. */
    T run(Leg leg, Statement st) throws SQLException;
  }

  /** A leg that did not run because another leg of the same read failed first. */
  private static final class NotRun extends SQLException {
    NotRun() {
      super("Junction: not run: another shard's part failed first", "57014");
    }
  }

  /**
   * Runs one part per shard and waits for all; see "scatter execution" in docs/architecture.md.
   *
   * <ol>
   *   <li>On the calling thread, in ring order: each shard's logical connection is opened and the
   *       part routed, which takes its physical connection from the pool (so a scatter takes its
   *       connections in one fixed order: two scatters cannot each hold what the other waits for),
   *       and the physical statement is prepared with this statement's settings. The statement was
   *       classified once and its parameters captured once, by this statement; the bindings are
   *       resolved once, here, for every leg.</li>
   *   <li>Bind and execute: every leg but the first on the data source's scatter pool (with the
   *       caller's {@link Junction#capture() routing context}), the first on this thread.</li>
   *   <li>A read whose leg fails cancels the legs still running, and legs not started yet do not
   *       start; a write lets every leg finish, so the error can say exactly where it was applied.</li>
   * </ol>
   * On failure, results that did arrive are closed and the error names the failing shard (the
   * first to fail) and, for writes, the shards where the statement was nevertheless applied.
   */
  private <T> List<T> fanOut(Classification c, List<ShardRoute.ShardStatement> parts, List<ParameterBinding> params,
                             boolean returnKeys, LegCall<T> call) throws SQLException {
    boolean write = c.kind() != StatementKind.READ;
    int n = parts.size();
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (x, y) -> Integer.compare(parts.get(x).shard(), parts.get(y).shard()));
    Leg[] legs = new Leg[n];
    ParameterBinding.Setter[][] bindings = new ParameterBinding.Setter[n][];
    int routing = -1;
    try {
      for (int k = 0; k < n; k++) {
        int i = order[k];
        ShardRoute.ShardStatement part = parts.get(i);
        RoutingConnection rc = conn.shard(part.shard());
        RoutingStatement holder = open(rc, part, params, returnKeys);
        legs[i] = new Leg(part, holder);
        int previous = k > 0 ? order[k - 1] : -1;
        bindings[i] = previous >= 0 && parts.get(previous).parameters() == part.parameters()
            ? bindings[previous] : bindings(part.parameters(), params);
        routing = i;
        legs[i].target = holder.routeLeg(c, part.sql());
        routing = -1;
      }
    } catch (SQLException e) {
      for (Leg leg : legs) {
        if (leg != null) {
          try {
            leg.holder.close();
          } catch (SQLException suppressed) {
            e.addSuppressed(suppressed);
          }
        }
      }
      if (routing < 0) {
        throw e; // opening the shard's logical connection failed (as before: not wrapped)
      }
      String shard = sharding.shardNames().get(parts.get(routing).shard());
      throw new SQLException("Junction: on shard " + shard + ": " + e.getMessage(), e.getSQLState(), e.getErrorCode(), e);
    }
    Junction.Context context = n > 1 ? Junction.capture() : null;
    java.util.concurrent.atomic.AtomicInteger firstFailure = new java.util.concurrent.atomic.AtomicInteger(-1);
    Object[] results = new Object[n];
    Throwable[] errors = new Throwable[n];
    List<Future<T>> futures = new ArrayList<>(n - 1);
    for (int k = 1; k < n; k++) {
      int i = order[k];
      futures.add(sharding.executor.submit(() -> context.call(() -> leg(legs, i, bindings[i], c, write, firstFailure, call))));
    }
    int first = order[0];
    try {
      results[first] = leg(legs, first, bindings[first], c, write, firstFailure, call);
    } catch (Throwable e) {
      errors[first] = e;
    }
    for (int k = 1; k < n; k++) {
      int i = order[k];
      try {
        results[i] = futures.get(k - 1).get();
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
    int firstFailed = firstFailure.get();
    for (int k = -1; k < n; k++) {
      int i = k < 0 ? firstFailed : order[k];
      if (i < 0 || (k >= 0 && i == firstFailed)) {
        continue;
      }
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
        failure.addSuppressed(e); // also the legs cancelled or not run because of it (57014)
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
      if (r instanceof AutoCloseable closeable) {
        try {
          closeable.close();
        } catch (Exception ignored) {
          // already failing
        }
      }
    }
    if (write && !applied.isEmpty()) {
      applied.sort(java.util.Comparator.comparingInt(sharding.shardNames()::indexOf));
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

  /** Binds and executes leg {@code i} (on whichever thread runs it); a failed read leg cancels the others. */
  private <T> T leg(Leg[] legs, int i, ParameterBinding.Setter[] binding, Classification c, boolean write,
                    java.util.concurrent.atomic.AtomicInteger firstFailure, LegCall<T> call) throws SQLException {
    Leg leg = legs[i];
    long start = System.nanoTime();
    // Registered before the check: a leg that fails sets firstFailure, then cancels every registered leg,
    // so a leg either sees the failure here or is cancelled (checked first, a leg could pass the check,
    // miss the cancel scan, and run to the end: 30 s of pg_sleep in ShardedRoutingIT under load)
    running.add(leg.holder);
    if (!write && firstFailure.get() >= 0) {
      running.remove(leg.holder);
      throw new NotRun();
    }
    try {
      return leg.holder.executeLeg(c, leg.part.sql(), leg.target, st -> {
        if (st instanceof PreparedStatement ps) {
          for (int p = 0; p < binding.length; p++) {
            binding[p].apply(ps, p + 1);
          }
        }
        return call.run(leg, st);
      });
    } catch (SQLException | RuntimeException e) {
      if (firstFailure.compareAndSet(-1, i) && !write) {
        running.remove(leg.holder);
        cancelOthers(legs);
      }
      throw e;
    } finally {
      running.remove(leg.holder);
      sharding.metrics.statement(leg.part.shard(), System.nanoTime() - start);
    }
  }

  /**
   * Cancels the legs of this execution still running. A cancel that reaches a leg just before its
   * query is on the wire does nothing (the driver cancels only a running query), so it is repeated
   * every few milliseconds until they have all stopped, for at most {@link #CANCEL_RETRY_NANOS}.
   */
  private void cancelOthers(Leg[] legs) {
    long deadline = System.nanoTime() + CANCEL_RETRY_NANOS;
    while (true) {
      boolean any = false;
      for (Leg other : legs) {
        if (other != null && running.contains(other.holder)) {
          any = true;
          try {
            other.holder.cancel();
          } catch (SQLException ignored) {
            // it fails or finishes on its own
          }
        }
      }
      if (!any || System.nanoTime() - deadline > 0) {
        return;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(5_000_000L);
    }
  }

  private static final long CANCEL_RETRY_NANOS = 2_000_000_000L;

  /** A shard's routing statement for {@code part}, with this statement's settings; its results answer getStatement() with this statement. */
  private RoutingStatement holder(RoutingConnection rc, ShardRoute.ShardStatement part, List<ParameterBinding> params,
                                  boolean returnKeys) throws SQLException {
    String partSql = part.sql();
    RoutingStatement st = params == null && part.parameters().isEmpty()
        ? new RoutingStatement(rc, Connection::createStatement)
        : new RoutingStatement(rc, returnKeys ? cn -> cn.prepareStatement(partSql, RETURN_GENERATED_KEYS)
            : cn -> cn.prepareStatement(partSql));
    st.facade = this;
    if (fetchSize > 0) {
      st.setFetchSize(fetchSize);
    }
    if (queryTimeout > 0) {
      st.setQueryTimeout(queryTimeout);
    }
    return st;
  }

  /**
   * How each parameter of a part is bound, resolved once per execution: a parameter the application
   * bound is replayed with the very setter it used (found by identity); a value a rewrite computed
   * (a pushed-down LIMIT, a split INSERT's row) with setObject.
   */
  private static ParameterBinding.Setter[] bindings(List<Object> partValues, List<ParameterBinding> params)
      throws SQLException {
    ParameterBinding.Setter[] out = new ParameterBinding.Setter[partValues.size()];
    if (partValues.isEmpty()) {
      return out;
    }
    Bindings bindings = new Bindings(params);
    for (int i = 0; i < out.length; i++) {
      Object v = partValues.get(i);
      ParameterBinding b = bindings.of(v);
      out[i] = b != null ? b.setter() : (ps, index) -> ParameterBinding.bindPlain(ps, index, v);
    }
    return out;
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
