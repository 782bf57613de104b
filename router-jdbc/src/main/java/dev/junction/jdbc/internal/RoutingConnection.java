package dev.junction.jdbc.internal;

import dev.junction.classify.Classification;
import dev.junction.classify.Dialect;
import dev.junction.health.EndpointState;
import dev.junction.classify.StatementKind;
import dev.junction.classify.TransactionAccess;
import dev.junction.jdbc.JunctionConnection;
import dev.junction.position.ReplicationPosition;
import dev.junction.route.Route;
import dev.junction.route.RouteContext;
import dev.junction.route.RouteReason;
import dev.junction.route.RouteSession;
import java.sql.Array;
import java.sql.Blob;
import java.sql.CallableStatement;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.NClob;
import java.sql.PreparedStatement;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Struct;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executor;

/**
 * A logical connection on one replica set: the JDBC façade over three parts, each with one job.
 *
 * <p>Design notes:
 * <ul>
 *   <li><b>The decision</b> is {@link RouteSession} (router-core, shared with the proxy): statement by
 *       statement it returns a {@link Route}, a value, and keeps the session's transaction, pin and
 *       fence state. This class only carries routes out ({@link #route}, {@link #carryOut}): it
 *       performs the steps the decision cannot (read a position, wait on a replica, acquire a
 *       connection) and reports each outcome back. It decides nothing itself.</li>
 *   <li><b>The physical connections</b> are {@link ConnectionHolder}'s: at most one to the primary and
 *       one to a replica, outside a transaction one at a time (nothing idle is held while waiting on
 *       another pool), settings and {@code SET}s replayed, dirty connections evicted.</li>
 *   <li><b>The fences' I/O</b> is {@link FenceTracker}'s: positions read after commits, recorded in
 *       the scope and its store, replicas awaited, lost history clamped.</li>
 *   <li><b>Statements</b> get a {@link Placement} from {@link #route} (the route and the physical
 *       connection carrying it out) and report the execution's outcome with {@link #succeeded} or
 *       {@link #failed}, which returns the retry placement, if any. No state about the last
 *       execution is shared between them; {@link #lastRouteReason()} only answers the API.</li>
 *   <li>Pool hygiene: with auto-commit on, the driver's report of the server's transaction state after
 *       each statement overrides the parse ({@link ServerTransaction}); a read-only transaction is made
 *       read-only on the server ({@link ReadOnlyTransaction}).</li>
 *   <li>A JDBC connection is used by one thread at a time (as the JDBC contract expects); nothing here
 *       locks.</li>
 * </ul>
 */
final class RoutingConnection implements JunctionConnection {

  /** Where one execution runs: the decision, and the physical connection that carries it out. */
  record Placement(Route route, Connection connection) {
    boolean onReplica() {
      return route.opcode() == Route.Opcode.REPLICA;
    }
  }

  /**
   * What a logical connection needs from its data source and replica set, as values and small
   * interfaces, so that the façade can be driven without servers ({@code RoutingConnectionTest}).
   */
  record Env(String shard, dev.junction.route.ReplicaSet replicaSet, JdbcDialect dialect, Dialect sqlDialect,
             RouteContext context, ConnectionHolder.Source primary,
             java.util.function.Function<EndpointState, ? extends ConnectionHolder.Source> replicas,
             java.util.function.LongSupplier ringVersion, FenceTracker fences, Metrics metrics) {

    /** The route counters of this replica set. */
    interface Metrics {
      void routed(RouteReason reason);

      void replicaRetried();
    }

    /**
     * The environment of a logical connection to {@code shard}. Everything but the ring guard is the
     * same for every connection of the data source to that shard, so it is built once and shared:
     * a scatter opens one logical connection per shard per statement, and building the fence tracker,
     * route context and metric adapters each time was a visible part of its cost on the calling thread.
     */
    static Env of(DataSourceRuntime ds, ShardRuntime shard, RingGuard ring) {
      Shared shared = shard.sharedEnv;
      if (shared == null || shared.ds() != ds) {
        shared = new Shared(ds, build(ds, shard));
        shard.sharedEnv = shared; // a race builds an equal one twice
      }
      Env env = shared.env();
      return ring == RingGuard.NONE ? env : new Env(env.shard, env.replicaSet, env.dialect, env.sqlDialect, env.context,
          env.primary, env.replicas, ring::sessionVersion, env.fences, env.metrics);
    }

    /** The part of an {@link Env} shared by a data source's connections to one shard. */
    record Shared(DataSourceRuntime ds, Env env) {}

    private static Env build(DataSourceRuntime ds, ShardRuntime shard) {
      String name = shard.name;
      RoutingMetrics m = ds.metrics;
      FenceTracker fences = new FenceTracker(name, shard.primary.state(), shard.replicas, ds.dialect, ds.fenceStore,
          ds.config.fencing().ttl().toMillis(), new FenceTracker.Events() {
            @Override
            public void waited(long nanos, boolean caughtUp) {
              m.fenceWait(name, nanos, caughtUp);
            }

            @Override
            public void clamped() {
              m.fenceClamped(name);
            }

            @Override
            public void recordFailed() {
              m.fenceRecordFailed();
            }
          }, fence -> {
            if (fence.equals(shard.lastLostFence)) {
              return false;
            }
            shard.lastLostFence = fence;
            return true;
          });
      return new Env(name, shard.replicaSet, ds.dialect, ds.config.dialect(), RouteContext.ofThread(ds.fenceStore),
          shard.primary, shard::pool, RingGuard.NONE::sessionVersion, fences,
          new Metrics() {
            @Override
            public void routed(RouteReason reason) {
              m.route(name, reason);
            }

            @Override
            public void replicaRetried() {
              m.replicaRetried();
            }
          });
    }
  }

  /** The data source (its classifier serves the statements); null in façade unit tests. */
  final DataSourceRuntime ds;
  private final Env env;
  /** The routing decision of this logical connection. */
  private final RouteSession session;
  private final RouteContext context;
  /** The physical connections held: at most one to the primary and one to a replica. */
  final ConnectionHolder held;
  private final FenceTracker fences;

  private final List<RoutingStatement> statements = new ArrayList<>();
  /** Open stored-procedure calls (rare: created on first {@link #prepareCall}). */
  private List<JunctionCallableStatement> calls;
  /** The metadata handed out (one per logical connection); see {@link #getMetaData()}. */
  private JunctionDatabaseMetaData metaData;
  /**
   * The connection the application sees: this one, or the sharded connection this one serves a
   * shard for. Statements, calls and metadata answer {@code getConnection()} with it.
   */
  JunctionConnection facade = this;
  private boolean closed;

  /** The last placement carried out, for {@link #lastRouteReason()} and {@link #getWarnings()}. */
  private Placement last;

  /**
   * What a sharded connection asks of its shards' connections while the shards may switch rings.
   *
   * <p>WHY: a statement is routed by one ring state and may then wait (for a pooled connection, for a
   * replica to replay a fence) longer than a ring lease. Meanwhile the resharding tool may fence the
   * key's old owner and switch it to its new one. The session must declare the version of the ring the
   * statement was routed by, not the router's latest (the old owner's trigger then rejects the write),
   * and a statement whose ring state was replaced while it waited must not run at all (a read of a
   * moved key would read the old owner's frozen copy).
   */
  interface RingGuard {
    /** The ring version primary sessions declare ({@code junction.ring_version}); 0: none. */
    long sessionVersion();

    /** Just before a statement runs on the connection it waited for: refuses (40001) if the ring moved on. */
    void stillRoutable() throws SQLException;

    /** Unsharded: no ring. */
    RingGuard NONE = new RingGuard() {
      @Override
      public long sessionVersion() {
        return 0;
      }

      @Override
      public void stillRoutable() {
      }
    };
  }

  private RingGuard ring = RingGuard.NONE;

  RoutingConnection(DataSourceRuntime ds, ShardRuntime shard) {
    this(ds, shard, RingGuard.NONE);
  }

  /** A shard's connection inside a sharded connection, which routes it by the ring state {@code ring} guards. */
  RoutingConnection(DataSourceRuntime ds, ShardRuntime shard, RingGuard ring) {
    this(ds, Env.of(ds, shard, ring));
    this.ring = ring;
  }

  RoutingConnection(DataSourceRuntime ds, Env env) {
    this.ds = ds;
    this.env = env;
    this.session = new RouteSession(env.replicaSet(), false);
    this.context = env.context();
    this.fences = env.fences();
    this.held = new ConnectionHolder(env.primary(), env.replicas(), env.sqlDialect(), env.ringVersion(),
        new ConnectionHolder.Users() {
          @Override
          public boolean reading(Connection c) {
            return inUse(c);
          }

          @Override
          public void forget(Connection c) {
            forgetPhysical(c);
          }
        });
  }

  // ---------------------------------------------------------------- carrying out the decision

  /** Decides where {@code c} runs and acquires the physical connection for it; see the class notes. */
  Placement route(Classification c, String sql) throws SQLException {
    checkOpen();
    return carryOut(session.decide(c, sql, context), c, sql, true);
  }

  /**
   * Performs a route's steps until the statement is placed, then takes the placement's connection.
   * {@code counted}: the placement counts in the route metrics (not for a JDBC savepoint call).
   */
  private Placement carryOut(Route r, Classification c, String sql, boolean counted) throws SQLException {
    while (true) {
      switch (r.opcode()) {
        case REFUSE -> throw new SQLException(r.refusal().message(), r.refusal().sqlState());
        case READ_POSITION -> {
          // The write behind a pending fence may have run on another (released, evicted) connection:
          // read the server-wide head, and let the scope learn it too (a write that failed unknown in a scope).
          recordFence(primary(), false);
          r = session.decide(c, sql, context);
        }
        case AWAIT_REPLICA -> r = await(r);
        case PRIMARY -> {
          Connection target = r.inTransaction() && !r.beginsTransaction() && held.transaction() != null
              ? held.transaction() : primary();
          return placed(r, target, sql, counted);
        }
        case REPLICA -> {
          Connection target = r.inTransaction() && !r.beginsTransaction() && held.transaction() != null
              ? held.transaction() : held.replica(r.target());
          if (target != null && session.qualifies(r)) {
            return placed(r, target, sql, counted);
          }
          Route next = session.unavailable(r, context);
          if (next == null) {
            throw new SQLException("Junction: replica " + r.target() + " of the open transaction is unavailable", "08003");
          }
          r = next;
        }
      }
    }
  }

  /** An {@link Route.Opcode#AWAIT_REPLICA} step: clamp a lost fence, else wait on the replica. */
  private Route await(Route r) throws SQLException {
    ReplicationPosition clamped = fences.unlessLost(r.fence(), this::primary, session.transactionTarget() == null);
    if (!clamped.equals(r.fence())) {
      return session.fenceClamped(r, clamped);
    }
    Connection replica = held.replica(r.target());
    if (replica == null) {
      return session.unavailable(r, context);
    }
    RouteSession.AwaitOutcome outcome;
    try {
      outcome = fences.await(replica, r.target(), r.fence(), r.waitMillis());
    } catch (SQLException e) {
      held.replicaFailed(e);
      outcome = RouteSession.AwaitOutcome.FAILED;
    }
    return session.awaited(r, outcome);
  }

  /** The statement runs on {@code target}: a transaction begins there, settings are remembered. */
  private Placement placed(Route r, Connection target, String sql, boolean counted) throws SQLException {
    ring.stillRoutable();
    if (r.beginsTransaction()) {
      held.transactionOn(target);
      if (!session.autoCommit()) { // a JDBC transaction (an SQL BEGIN opens its own)
        if (target.getAutoCommit()) {
          target.setAutoCommit(false);
        }
        // A PostgreSQL standby refuses every write itself (even a superuser's); a MariaDB replica's
        // read_only does not bind SUPER, and the primary must refuse too (issue #16 §3).
        if (r.readOnlyTransaction() && (r.opcode() == Route.Opcode.PRIMARY || !readOnlyServer())) {
          ReadOnlyTransaction.start(target, env.sqlDialect());
        }
      }
    }
    if (r.replaysSession()) {
      held.sessionStatement(sql, target, !r.inTransaction());
    }
    if (session.pinned() && !held.pinned()) {
      held.pinPrimary();
    }
    if (counted) {
      env.metrics().routed(r.reason());
    }
    Placement p = new Placement(r, target);
    last = p;
    return p;
  }

  /** A PostgreSQL standby refuses every write itself (even a superuser's); a MariaDB replica's read_only does not bind SUPER. */
  private boolean readOnlyServer() {
    return env.sqlDialect() == Dialect.POSTGRESQL;
  }

  /** The execution placed by {@code p} succeeded: transactions end, fences are recorded. */
  void succeeded(Placement p, Classification c) throws SQLException {
    Route r = p.route();
    if (session.succeeded(r, c, context)) {
      recordFence(p.connection());
    }
    if (r.beginsTransaction() && r.readOnlyTransaction() && r.opcode() == Route.Opcode.PRIMARY && session.autoCommit()
        && c.kind() == StatementKind.TX_BEGIN && !c.multiStatement() && c.transactionAccess() == TransactionAccess.UNSPECIFIED
        && env.sqlDialect() == Dialect.POSTGRESQL) {
      // A plain BEGIN on a read-only connection is routed as a read-only transaction; where it lands on
      // the primary it must refuse writes as a replica would (PostgreSQL accepts SET TRANSACTION as the
      // first statement after BEGIN; MariaDB refuses it inside a transaction, see docs/consistency.md).
      ReadOnlyTransaction.setOnOpenTransaction(p.connection());
    }
    followServerTransaction(p);
  }

  /**
   * The execution placed by {@code p} failed with {@code e}. Returns where to run it once more (a
   * read that failed on a replica outside a transaction, for a reason another server may not have),
   * or null: the application gets {@code e}. A lost connection is evicted and opens its endpoint's
   * circuit; a lost transaction is refused until rolled back ({@code Refusal.TRANSACTION_LOST}).
   */
  Placement failed(Placement p, Classification c, String sql, SQLException e) throws SQLException {
    Route r = p.route();
    RouteSession.Failure failure = env.dialect().isConnectionFailure(e) ? RouteSession.Failure.CONNECTION
        : env.dialect().isReadOnlyViolation(e) ? RouteSession.Failure.READ_ONLY_VIOLATION : RouteSession.Failure.STATEMENT;
    boolean pendingBefore = session.fencePending();
    Route retry = session.failed(r, c, failure, context);
    if (!pendingBefore && session.fencePending() && context.inScope()) {
      // A write whose outcome is unknown: the scope's other connections learn the head now; this session's
      // fence stays pending, so its next read reads the head again (the write may commit after this read).
      try {
        fences.recordInScope(fences.readPosition(primary(), false));
      } catch (SQLException ignored) {
        // the primary is gone too: this session's next read asks for the position again
      }
    }
    if (retry != null) {
      held.replicaFailed(e);
      env.metrics().replicaRetried();
      return carryOut(retry, c, sql, true);
    }
    if (failure == RouteSession.Failure.CONNECTION) {
      if (held.isPrimary(p.connection())) {
        held.primaryFailed(e);
      } else if (held.isReplica(p.connection())) {
        held.replicaFailed(e);
      }
      if (last == p) {
        last = null;
      }
    } else {
      try {
        followServerTransaction(p); // e.g. "BEGIN; INSERT ...; SELECT 1/0" left a failed transaction open
      } catch (SQLException ignored) {
        // the statement's own failure is what the application sees
      }
    }
    return null;
  }

  /**
   * With JDBC auto-commit on, the server's report of its transaction state after a statement
   * overrides what the SQL text suggested ({@link RouteSession#serverTransaction}). Costs no round
   * trip: drivers keep the state. Then the holder learns whether a transaction holds a connection.
   */
  private void followServerTransaction(Placement p) throws SQLException {
    Connection target = p.connection();
    if (session.autoCommit() && held.isHeld(target)) {
      ServerTransaction state = ServerTransaction.of(target, env.sqlDialect());
      if (state != ServerTransaction.UNKNOWN && session.serverTransaction(p.route(), state.open(), context)) {
        recordFence(target);
      }
    }
    if (session.transactionTarget() == null) {
      held.transactionOn(null);
    } else if (held.transaction() == null && held.isHeld(target)) {
      held.transactionOn(target);
    }
  }

  /** A write committed on {@code onPrimary} inside a scope: its position becomes the session's and the scope's fence. */
  private void recordFence(Connection onPrimary) throws SQLException {
    recordFence(onPrimary, true);
  }

  /**
   * As {@link #recordFence(Connection)}; {@code committedHere}: {@code onPrimary} ran the write. Otherwise
   * the position is the server's head, not a session's own (MariaDB's {@code @@last_gtid} names only what
   * that connection wrote).
   */
  private void recordFence(Connection onPrimary, boolean committedHere) throws SQLException {
    ReplicationPosition position = fences.readPosition(onPrimary, committedHere);
    session.positionRead(position);
    fences.recordInScope(position);
  }

  @Override
  public RouteReason lastRouteReason() {
    return last == null ? null : last.route().reason();
  }

  @Override
  public String lastRouteEndpoint() {
    return last == null ? null : last.route().target().toString();
  }

  /** One mapping for every front-end (a utility statement such as MySQL SHOW STATUS is primary-utility, not primary-write). */
  static RouteReason primaryReason(Classification c) {
    return RouteReason.forPrimary(c);
  }

  @Override
  public boolean inTransaction() {
    return session.inTransaction();
  }

  // ---------------------------------------------------------------- physical connections

  Connection primary() throws SQLException {
    checkOpen(); // a closed logical connection must not take (and then hold) a pool connection
    return held.primary(session.inTransaction() || session.transactionTarget() != null);
  }

  /** True while an open statement, call or metadata result the application holds still reads from {@code c}. */
  private boolean inUse(Connection c) {
    for (RoutingStatement s : statements) {
      if (s.readingFrom(c)) {
        return true;
      }
    }
    if (calls != null) {
      for (JunctionCallableStatement call : calls) {
        if (call.physicalConnection == c) {
          return true;
        }
      }
    }
    return metaData != null && metaData.readingFrom(c);
  }

  /**
   * Gives back the physical connections nothing needs now. A sharded connection calls it, outside a
   * transaction, on the shards a statement does not touch before that statement waits on its own
   * shards' pools, so it does not hold one shard's connection while waiting for another's (issue #12).
   */
  void releaseIdle() {
    if (closed || inTransaction()) {
      return;
    }
    held.releaseIdle();
  }

  /**
   * {@code c} goes back to its pool or is evicted: whatever was made on it (statements' physical
   * statements and their results, calls) is closed, so nothing reaches it later. (The metadata
   * follows the current primary by itself.)
   */
  private void forgetPhysical(Connection c) {
    for (RoutingStatement s : statements) {
      s.forgetPhysical(c);
    }
    if (calls != null) {
      calls.removeIf(call -> {
        if (call.physicalConnection != c) {
          return false;
        }
        call.closeQuietly();
        return true;
      });
    }
  }

  void unregister(JunctionCallableStatement call) {
    if (calls != null) {
      calls.remove(call);
    }
  }

  void register(RoutingStatement statement) {
    statements.add(statement);
  }

  void unregister(RoutingStatement statement) {
    statements.remove(statement);
  }

  private void checkOpen() throws SQLException {
    if (closed) {
      throw new SQLException("Junction: connection is closed", "08003");
    }
  }

  // ---------------------------------------------------------------- java.sql.Connection

  @Override
  public Statement createStatement() throws SQLException {
    return createStatement(java.sql.ResultSet.TYPE_FORWARD_ONLY, java.sql.ResultSet.CONCUR_READ_ONLY);
  }

  @Override
  public Statement createStatement(int resultSetType, int resultSetConcurrency) throws SQLException {
    checkOpen();
    return updatable(new RoutingStatement(this, c -> c.createStatement(resultSetType, resultSetConcurrency)), resultSetConcurrency);
  }

  @Override
  public Statement createStatement(int resultSetType, int resultSetConcurrency, int resultSetHoldability) throws SQLException {
    checkOpen();
    return updatable(new RoutingStatement(this, c -> c.createStatement(resultSetType, resultSetConcurrency, resultSetHoldability)),
        resultSetConcurrency);
  }

  @Override
  public PreparedStatement prepareStatement(String sql) throws SQLException {
    checkOpen();
    return new RoutingPreparedStatement(this, sql, c -> c.prepareStatement(sql));
  }

  @Override
  public PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
    checkOpen();
    return new RoutingPreparedStatement(this, sql, c -> c.prepareStatement(sql, autoGeneratedKeys));
  }

  @Override
  public PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException {
    checkOpen();
    return new RoutingPreparedStatement(this, sql, c -> c.prepareStatement(sql, columnIndexes));
  }

  @Override
  public PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException {
    checkOpen();
    return new RoutingPreparedStatement(this, sql, c -> c.prepareStatement(sql, columnNames));
  }

  @Override
  public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency) throws SQLException {
    checkOpen();
    return updatable(new RoutingPreparedStatement(this, sql, c -> c.prepareStatement(sql, resultSetType, resultSetConcurrency)),
        resultSetConcurrency);
  }

  @Override
  public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency, int resultSetHoldability)
      throws SQLException {
    checkOpen();
    return updatable(new RoutingPreparedStatement(this, sql,
        c -> c.prepareStatement(sql, resultSetType, resultSetConcurrency, resultSetHoldability)), resultSetConcurrency);
  }

  /** A {@code CONCUR_UPDATABLE} statement writes through its results: see {@link UpdatableResults}. */
  private static <S extends RoutingStatement> S updatable(S statement, int concurrency) {
    statement.updatable = UpdatableResults.updatable(concurrency);
    return statement;
  }

  /** Stored procedures may write: they always run on the primary (or the open transaction's target). */
  @Override
  public CallableStatement prepareCall(String sql) throws SQLException {
    Connection target = callTarget();
    return call(target, target.prepareCall(sql));
  }

  @Override
  public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency) throws SQLException {
    Connection target = callTarget();
    return call(target, target.prepareCall(sql, resultSetType, resultSetConcurrency));
  }

  @Override
  public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency, int resultSetHoldability)
      throws SQLException {
    Connection target = callTarget();
    return call(target, target.prepareCall(sql, resultSetType, resultSetConcurrency, resultSetHoldability));
  }

  private CallableStatement call(Connection target, CallableStatement physical) {
    JunctionCallableStatement call = new JunctionCallableStatement(this, target, physical);
    if (calls == null) {
      calls = new ArrayList<>(2);
    }
    calls.add(call);
    return call;
  }

  /**
   * Routes one execution of a call prepared on {@code prepared}: a call may write, so it is decided
   * as a write each time it runs (a transaction opened since it was prepared begins, or counts it as
   * written), and {@link #succeeded} then records the read-your-writes fence as for any write. Before
   * issue #12 only the prepare was routed, and a call that wrote in auto-commit left no fence. A call
   * whose execution must now run elsewhere (prepared inside a read-only transaction on a replica,
   * executed after it) is refused: its physical statement cannot move.
   */
  Placement routeCall(Connection prepared) throws SQLException {
    checkOpen();
    Placement p = carryOut(session.decide(RouteSession.CALL, null, context), RouteSession.CALL, null, false);
    if (p.connection() != prepared) {
      throw new SQLException("Junction: this CallableStatement was prepared on a connection its execution can no longer run"
          + " on (a transaction began or ended on another server since prepareCall); prepare the call again",
          dev.junction.JunctionSqlState.REFUSED);
    }
    return p;
  }

  /**
   * A row was written through an updatable result set of the execution placed by {@code p}: the
   * same bookkeeping as a write statement's success (its query was routed as a write, see
   * {@link UpdatableResults}). Outside a transaction the row write committed: the fence is recorded
   * (in a scope at once, on {@code p}'s connection), after the row write, not after the query.
   */
  void rowWritten(Placement p) throws SQLException {
    checkOpen();
    if (held.isHeld(p.connection())) {
      succeeded(p, RouteSession.CALL);
    }
  }

  /** While {@code physical} is this logical connection's: see {@link Lease}. */
  Lease lease(Connection physical) {
    return () -> !closed && held.isHeld(physical);
  }

  private Connection callTarget() throws SQLException {
    checkOpen();
    return carryOut(session.decide(RouteSession.CALL, null, context), RouteSession.CALL, null, true).connection();
  }

  @Override
  public String nativeSQL(String sql) throws SQLException {
    return primary().nativeSQL(sql);
  }

  @Override
  public void setAutoCommit(boolean newValue) throws SQLException {
    checkOpen();
    if (newValue == session.autoCommit()) {
      return;
    }
    if (newValue && session.transactionTarget() != null) {
      commit(); // JDBC: switching auto-commit on commits the open transaction
    }
    session.setAutoCommit(newValue);
    if (newValue) {
      for (Connection c : held.held()) {
        if (!c.getAutoCommit()) {
          c.setAutoCommit(true);
        }
      }
    }
  }

  @Override
  public boolean getAutoCommit() throws SQLException {
    checkOpen();
    return session.autoCommit();
  }

  @Override
  public void commit() throws SQLException {
    checkOpen();
    if (!session.inTransaction()) {
      throw new SQLException("Junction: commit() with auto-commit enabled", "25000");
    }
    if (session.transactionLost()) {
      throw new SQLException(dev.junction.route.Refusal.TRANSACTION_LOST.message(),
          dev.junction.route.Refusal.TRANSACTION_LOST.sqlState());
    }
    Connection target = session.transactionTarget() == null ? null : held.transaction();
    if (target == null) {
      session.endTransaction(false, context); // nothing ran: nothing to commit
      return;
    }
    try {
      ServerTransaction.end(target, true); // after SQL BEGIN the physical connection is in auto-commit mode
    } catch (SQLException e) {
      endAfterFailedCommit(target, e);
      throw e;
    }
    held.transactionOn(null);
    if (session.endTransaction(true, context)) {
      recordFence(target);
    }
  }

  /**
   * The commit failed. A lost connection leaves its outcome unknown: the connection is evicted and
   * the transaction counts as committed for fencing (the position is read on a fresh connection, at
   * or past the commit if it happened). Any other failure means the server rolled the transaction back.
   */
  private void endAfterFailedCommit(Connection target, SQLException e) {
    held.transactionOn(null);
    if (!env.dialect().isConnectionFailure(e)) {
      session.endTransaction(false, context);
      return;
    }
    if (held.isPrimary(target)) {
      held.primaryFailed(e);
    } else {
      held.replicaFailed(e);
    }
    if (session.endTransaction(true, context)) {
      try {
        recordFence(primary(), false);
      } catch (SQLException ignored) {
        // the primary is gone too: the scope keeps its older fence; the commit's failure is what the application sees
      }
    }
  }

  @Override
  public void rollback() throws SQLException {
    checkOpen();
    if (!session.inTransaction()) {
      throw new SQLException("Junction: rollback() with auto-commit enabled", "25000");
    }
    Connection target = session.transactionTarget() == null ? null : held.transaction();
    session.endTransaction(false, context);
    held.transactionOn(null);
    if (target != null) {
      ServerTransaction.end(target, false);
    }
  }

  @Override
  public void close() throws SQLException {
    if (closed) {
      return;
    }
    closed = true;
    for (RoutingStatement s : new ArrayList<>(statements)) {
      s.closeQuietly();
    }
    closeHandedOut();
    held.close();
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  /** Closes the calls and metadata handed out: they answer 08003 from now on. */
  private void closeHandedOut() {
    if (calls != null) {
      for (JunctionCallableStatement call : calls) {
        call.closeQuietly();
      }
      calls = null;
    }
    if (metaData != null) {
      metaData.invalidate();
      metaData = null;
    }
  }

  /**
   * Metadata of the primary: the authoritative schema, and always reachable for writes anyway. One
   * object per logical connection, running on whatever primary connection is held when it is used;
   * it dies with this logical connection.
   */
  @Override
  public DatabaseMetaData getMetaData() throws SQLException {
    checkOpen();
    if (metaData == null) {
      metaData = new JunctionDatabaseMetaData(facade, this::primary);
    }
    return metaData;
  }

  @Override
  public void setReadOnly(boolean readOnly) throws SQLException {
    checkOpen();
    if (session.transactionTarget() != null) {
      throw new SQLException("Junction: cannot change read-only mode inside a transaction", "25001");
    }
    session.setReadOnly(readOnly);
  }

  @Override
  public boolean isReadOnly() throws SQLException {
    checkOpen();
    return session.readOnly();
  }

  @Override
  public void setCatalog(String catalog) throws SQLException {
    checkOpen();
    held.catalog(catalog);
  }

  @Override
  public String getCatalog() throws SQLException {
    checkOpen();
    return held.catalog() != null ? held.catalog() : primary().getCatalog();
  }

  @Override
  public void setTransactionIsolation(int level) throws SQLException {
    checkOpen();
    held.isolation(level);
  }

  @Override
  public int getTransactionIsolation() throws SQLException {
    checkOpen();
    return held.isolation() != -1 ? held.isolation() : primary().getTransactionIsolation();
  }

  @Override
  public SQLWarning getWarnings() throws SQLException {
    checkOpen();
    return last == null || !held.isHeld(last.connection()) ? null : last.connection().getWarnings();
  }

  @Override
  public void clearWarnings() throws SQLException {
    for (Connection c : held.held()) {
      c.clearWarnings();
    }
  }

  @Override
  public Map<String, Class<?>> getTypeMap() throws SQLException {
    return held.typeMap() != null ? held.typeMap() : primary().getTypeMap();
  }

  @Override
  public void setTypeMap(Map<String, Class<?>> map) throws SQLException {
    held.typeMap(map);
  }

  @Override
  public void setHoldability(int holdability) throws SQLException {
    held.holdability(holdability);
  }

  @Override
  public int getHoldability() throws SQLException {
    return held.holdability() != -1 ? held.holdability() : primary().getHoldability();
  }

  @Override
  public Savepoint setSavepoint() throws SQLException {
    return savepointTarget().setSavepoint();
  }

  @Override
  public Savepoint setSavepoint(String name) throws SQLException {
    return savepointTarget().setSavepoint(name);
  }

  @Override
  public void rollback(Savepoint savepoint) throws SQLException {
    savepointTarget().rollback(savepoint);
  }

  @Override
  public void releaseSavepoint(Savepoint savepoint) throws SQLException {
    savepointTarget().releaseSavepoint(savepoint);
  }

  private Connection savepointTarget() throws SQLException {
    checkOpen();
    if (!inTransaction()) {
      throw new SQLException("Junction: savepoints need a transaction (auto-commit is on)", "25000");
    }
    return carryOut(session.decide(RouteSession.SAVEPOINT, null, context), RouteSession.SAVEPOINT, null, false).connection();
  }

  // Created on the primary's physical connection; those that act on it later are leased to it (issue #12, JunctionLobs).
  @Override public Clob createClob() throws SQLException { Connection p = primary(); return JunctionLobs.clob(p.createClob(), lease(p)); }
  @Override public Blob createBlob() throws SQLException { Connection p = primary(); return JunctionLobs.blob(p.createBlob(), lease(p)); }
  @Override public NClob createNClob() throws SQLException { Connection p = primary(); return JunctionLobs.nclob(p.createNClob(), lease(p)); }
  @Override public SQLXML createSQLXML() throws SQLException { return primary().createSQLXML(); }
  @Override public Array createArrayOf(String typeName, Object[] elements) throws SQLException {
    Connection p = primary();
    return JunctionLobs.array(p.createArrayOf(typeName, elements), lease(p));
  }
  @Override public Struct createStruct(String typeName, Object[] attributes) throws SQLException {
    return primary().createStruct(typeName, attributes);
  }

  /** Valid while the primary answers (the replicas are optional by design). */
  @Override
  public boolean isValid(int timeout) throws SQLException {
    if (closed) {
      return false;
    }
    try {
      return primary().isValid(timeout);
    } catch (SQLException e) {
      return false;
    }
  }

  @Override
  public void setClientInfo(String name, String value) throws SQLClientInfoException {
    Connection p = held.heldPrimary();
    if (p != null) {
      p.setClientInfo(name, value);
    }
  }

  @Override
  public void setClientInfo(Properties properties) throws SQLClientInfoException {
    Connection p = held.heldPrimary();
    if (p != null) {
      p.setClientInfo(properties);
    }
  }

  @Override
  public String getClientInfo(String name) throws SQLException {
    return primary().getClientInfo(name);
  }

  @Override
  public Properties getClientInfo() throws SQLException {
    return primary().getClientInfo();
  }

  @Override
  public void setSchema(String schema) throws SQLException {
    checkOpen();
    held.schema(schema);
  }

  @Override
  public String getSchema() throws SQLException {
    checkOpen();
    return held.schema() != null ? held.schema() : primary().getSchema();
  }

  @Override
  public void abort(Executor executor) throws SQLException {
    closed = true;
    for (Connection c : held.held()) {
      c.abort(executor);
    }
  }

  @Override
  public void setNetworkTimeout(Executor executor, int milliseconds) throws SQLException {
    primary();
    for (Connection c : held.held()) {
      c.setNetworkTimeout(executor, milliseconds);
    }
  }

  @Override
  public int getNetworkTimeout() throws SQLException {
    return primary().getNetworkTimeout();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    return primary().unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    return iface.isInstance(this) || primary().isWrapperFor(iface);
  }
}
