package dev.junction.jdbc;

import dev.junction.Junction;
import dev.junction.Scope;
import dev.junction.classify.Classification;
import dev.junction.classify.PrimaryReason;
import dev.junction.classify.StatementKind;
import dev.junction.classify.TransactionAccess;
import dev.junction.fence.Fence;
import dev.junction.fence.FenceStoreUnavailableException;
import dev.junction.health.EndpointState;
import dev.junction.health.ReplicaSelector;
import dev.junction.position.ReplicationPosition;
import dev.junction.route.Refusal;
import dev.junction.route.RouteReason;
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
import java.util.regex.Pattern;

/**
 * A logical connection: decides, statement by statement, which physical connection runs it.
 *
 * <p>Design notes:
 * <ul>
 *   <li>Physical connections are taken lazily from the endpoint pools: at most one to the primary and
 *       one to a replica. A read keeps using the held replica while it qualifies, so a session does
 *       not hop between servers. Before waiting on one endpoint's pool, the connection held to the
 *       other endpoint goes back to its pool when nothing needs it (it is not the open transaction's
 *       target, carries no session state or pin, and no open statement, call or metadata result still
 *       reads from it), so a logical connection outside a transaction holds one physical connection at
 *       a time, and a connection to the primary is never held while waiting for a replica unless it
 *       carries session state or an open statement still reads from it (issue #12;
 *       see "what a logical connection holds, when" in docs/architecture.md).</li>
 *   <li>Transactions: with auto-commit off, the first statement picks the transaction's target, the
 *       primary, or one replica when the connection is read-only; every statement of the transaction
 *       then runs there. {@code BEGIN}/{@code START TRANSACTION} sent as SQL pin the same way.</li>
 *   <li>Fencing: after a write commits on the primary, the primary's position is read on that same
 *       connection and recorded in the connection's own fence and, inside {@link Junction#scope}, in
 *       the scope (and its store); outside a scope the read is deferred to this connection's next
 *       read, so plain writes cost no extra round trip. A fenced read goes only to a replica known to have replayed the
 *       fence; otherwise Junction waits up to {@code max-fence-wait} on the most advanced replica,
 *       then uses the primary and stops waiting for that fence on this connection.</li>
 *   <li>Session state ({@code SET ...}) runs on every held connection and is replayed on connections
 *       taken later; such connections are evicted rather than returned dirty to the pool. Temporary
 *       tables and {@code LISTEN} pin the connection to the primary.</li>
 *   <li>Pool hygiene: a physical connection goes back to its pool only when its driver reports no
 *       open server transaction (after a {@code ROLLBACK} if needed, see {@link ServerTransaction}),
 *       else it is evicted; in auto-commit mode the driver's report after each statement overrides
 *       the parse, so transactions opened in SQL in ways the classifier cannot see are followed too.
 *       A read-only transaction is made read-only on the server ({@link ReadOnlyTransaction}).</li>
 *   <li>A JDBC connection is used by one thread at a time (as the JDBC contract expects); nothing here
 *       locks.</li>
 * </ul>
 */
final class RoutingConnection implements JunctionConnection {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RoutingConnection.class);
  /** Session settings that can be replayed on another server; other session statements pin to the primary. */
  private static final Pattern REPLAYABLE_SETTING = Pattern.compile("(?i)\\s*(set|reset|use)\\s");
  private static final Pattern TRANSACTION_LOCAL_SET = Pattern.compile("(?i)\\s*set\\s+(local|transaction)\\s");
  /** {@code SET autocommit = ...} (MySQL/MariaDB): the server would hold transactions the router does not know about. */
  private static final Pattern AUTOCOMMIT_SETTING = Pattern.compile(
      "(?i)\\s*set\\s+(?:(?:session|local|global)\\s+)?(?:@@(?:session\\.|local\\.|global\\.)?)?autocommit\\s*(?:=|:=|to\\b)");

  final RoutingDataSource ds;
  final ShardRuntime shard;
  private final RoutingMetrics metrics;

  /** The physical connections held: at most one to the primary and one to a replica. */
  final ConnectionHolder held;

  private boolean autoCommit = true;
  private boolean readOnly;
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

  /** Target of the open transaction: null when none. */
  private Connection txTarget;
  private boolean txOnReplica;
  private boolean txWrote;
  private boolean sqlTransactionOpen;
  private boolean pinnedToPrimary;
  private boolean choosingTransactionTarget;

  private Fence localFence = Fence.NONE;
  /** A write committed outside any scope and its position has not been read yet (see {@link #writeCommitted}). */
  private boolean fencePending;
  private ReplicationPosition abandonedFence;
  private boolean closed;

  private RouteReason lastReason;
  private Connection lastTarget;
  private EndpointState lastEndpoint;

  RoutingConnection(RoutingDataSource ds, ShardRuntime shard) {
    this.ds = ds;
    this.shard = shard;
    this.metrics = ds.metrics;
    ShardingRuntime sharding = ds.sharding;
    this.held = new ConnectionHolder(shard.primary, shard::pool, ds.config.dialect(),
        sharding == null ? () -> 0L : sharding::sessionRingVersion, new ConnectionHolder.Users() {
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

  // ---------------------------------------------------------------- routing

  /** Picks, acquires and returns the physical connection for one statement; see the class notes. */
  Connection route(Classification c, String sql) throws SQLException {
    checkOpen();
    StatementKind kind = c.kind();
    if ((kind == StatementKind.SESSION || c.multiStatement()) && sql != null && AUTOCOMMIT_SETTING.matcher(sql).find()) {
      throw new SQLException("Junction: " + Refusal.SQL_AUTOCOMMIT.message(), Refusal.SQL_AUTOCOMMIT.sqlState());
    }
    if (kind == StatementKind.TX_BEGIN && autoCommit && !sqlTransactionOpen) {
      sqlTransactionOpen = true;
      return beginTransaction(readOnlyBegin(c));
    }
    if (inTransaction()) {
      Connection target = txTarget != null ? txTarget : beginTransaction(readOnly);
      if (!txOnReplica && kind != StatementKind.READ && kind != StatementKind.TX_COMMIT && kind != StatementKind.TX_ROLLBACK) {
        txWrote = true;
      }
      if (!txOnReplica && c.replicaEligible() == false && kind == StatementKind.READ) {
        txWrote = true; // locking reads and side-effecting functions: treat as writes for fencing
      }
      if (!txOnReplica && pinsSession(c, sql)) {
        pin();
      }
      if (kind == StatementKind.SESSION && !pinnedToPrimary && !TRANSACTION_LOCAL_SET.matcher(sql).lookingAt()) {
        held.sessionStatement(sql, target, false);
      }
      return decided(txOnReplica ? RouteReason.REPLICA_READ_ONLY_TRANSACTION : RouteReason.PRIMARY_TRANSACTION, target);
    }
    if (kind == StatementKind.SESSION && !pinsSession(c, sql)) {
      Connection p = primary();
      held.sessionStatement(sql, p, true);
      return decided(RouteReason.PRIMARY_SESSION_STATE, p);
    }
    if (!c.replicaEligible() || pinnedToPrimary || Junction.primaryForced()) {
      if (!pinnedToPrimary && pinsSession(c, sql)) {
        pin();
      }
      RouteReason reason = !c.replicaEligible() ? primaryReason(c)
          : pinnedToPrimary ? RouteReason.PRIMARY_SESSION_STATE : RouteReason.PRIMARY_HINT;
      return decided(reason, primary());
    }
    return routeRead();
  }

  /** An SQL BEGIN opens a read-only transaction: it says READ ONLY, or says nothing on a read-only connection. */
  private boolean readOnlyBegin(Classification c) {
    TransactionAccess access = c.transactionAccess();
    return access == TransactionAccess.READ_ONLY || access == TransactionAccess.UNSPECIFIED && readOnly;
  }

  /**
   * True for statements whose effect lives in the server session and cannot be replayed elsewhere:
   * temporary tables, user variables, LISTEN, LOCK TABLES, SQL-level PREPARE. After one, every later
   * statement of this logical connection runs on the primary.
   */
  private static boolean pinsSession(Classification c, String sql) {
    if (c.primaryReason() == PrimaryReason.SESSION_STATE && c.kind() != StatementKind.SESSION) {
      return true;
    }
    return c.kind() == StatementKind.SESSION && !REPLAYABLE_SETTING.matcher(sql).lookingAt();
  }

  private Connection routeRead() throws SQLException {
    if (shard.replicas.length == 0) {
      return decided(RouteReason.PRIMARY_NO_REPLICA, primary());
    }
    resolvePendingFence();
    ReplicationPosition fence;
    try {
      fence = currentFence();
    } catch (FenceStoreUnavailableException e) {
      return decided(RouteReason.PRIMARY_FENCE_STORE_UNAVAILABLE, primary());
    }
    EndpointState preferred = held.replicaEndpoint();
    for (int attempt = 0; attempt <= shard.replicas.length; attempt++) {
      EndpointState pick = shard.selector.pick(shard.replicaStates, fence, preferred);
      if (pick != null) {
        Connection c = replicaConnection(pick);
        // Checked again once the connection is ours: a new physical connection samples the replica
        // first, and a restarted replica's sample withdraws the position the pick relied on.
        if (c != null && pick.covers(fence)) {
          return decided(fence == null ? RouteReason.REPLICA : RouteReason.REPLICA_FENCED, c);
        }
        preferred = null; // acquisition failed (its circuit opened) or the replica restarted: choose again
        continue;
      }
      if (fence == null) {
        return decided(RouteReason.PRIMARY_NO_REPLICA, primary());
      }
      return fencedFallback(fence);
    }
    return decided(RouteReason.PRIMARY_NO_REPLICA, primary());
  }

  /** No replica is known to cover the fence: wait on the most advanced one, or use the primary. */
  private Connection fencedFallback(ReplicationPosition fence) throws SQLException {
    ReplicationPosition satisfiable = unlessLost(fence);
    if (!satisfiable.equals(fence)) {
      fence = satisfiable;
      EndpointState pick = shard.selector.pick(shard.replicaStates, fence, null);
      Connection c = pick == null ? null : replicaConnection(pick);
      if (c != null && pick.covers(fence)) {
        return decided(RouteReason.REPLICA_FENCED, c);
      }
    }
    if (fence.equals(abandonedFence)) {
      return decided(RouteReason.PRIMARY_FENCE_FALLBACK, primary());
    }
    EndpointState candidate = ReplicaSelector.mostAdvancedReadable(shard.replicaStates);
    if (candidate == null) {
      return decided(RouteReason.PRIMARY_NO_REPLICA, primary());
    }
    Connection c = replicaConnection(candidate);
    if (c == null) {
      return decided(RouteReason.PRIMARY_NO_REPLICA, primary());
    }
    long start = System.nanoTime();
    long generation = candidate.generation();
    boolean caughtUp;
    try {
      caughtUp = ds.dialect.awaitReplay(c, fence, ds.maxFenceWaitMillis);
    } catch (SQLException e) {
      replicaFailed(e);
      caughtUp = false;
    }
    metrics.fenceWait(shard.name, System.nanoTime() - start, caughtUp);
    if (caughtUp) {
      candidate.observeAtLeast(generation, fence);
      return decided(RouteReason.REPLICA_FENCE_WAITED, c);
    }
    abandonedFence = fence;
    return decided(RouteReason.PRIMARY_FENCE_FALLBACK, primary());
  }

  /**
   * The fence, or the part of it the primary's history still has. A primary behind a fence means the
   * history the fence refers to was lost (failover to a replica that had not received it, a rebuilt
   * primary): no replica of this primary will ever cover it, and waiting for it would send every read
   * of the scope through {@code max-fence-wait} to the primary until the fence expires. Such a fence
   * is clamped to the primary's head, read fresh now: whatever of the write survived is at or below
   * it, and so is every write merged into the same fence since (a scope's new writes cannot raise a
   * fence that is ahead, so the head must be read again each time: a clamp computed earlier would
   * miss them). Costs one primary query, only when the cached head is behind the fence (normally
   * the cached head is at or past every fence this router recorded).
   */
  private ReplicationPosition unlessLost(ReplicationPosition fence) throws SQLException {
    ReplicationPosition cachedHead = shard.primary.state().replayed();
    if (cachedHead == null || cachedHead.covers(fence)) {
      return fence;
    }
    Connection onPrimary;
    ReplicationPosition head;
    try {
      onPrimary = primary();
      head = ds.dialect.primaryHead(onPrimary);
      if (!onPrimary.getAutoCommit() && txTarget == null) {
        onPrimary.commit(); // end the (empty) transaction the query opened
      }
    } catch (SQLException e) {
      return fence; // cannot tell: keep the fence (the read then waits, or uses the primary)
    }
    if (head.covers(fence)) {
      return fence; // a write newer than the cached head, not a lost history
    }
    ReplicationPosition clamped = fence.clampTo(head);
    metrics.fenceClamped(shard.name);
    if (!fence.equals(shard.lastLostFence)) {
      shard.lastLostFence = fence;
      log.warn("fence {} on shard {} is ahead of its primary ({}): the history it refers to was lost (failover or rebuild);"
          + " reads wait for the primary's head instead", fence, shard.name, head);
    }
    if (fence.equals(localFence.of(shard.name))) {
      localFence = localFence.replace(shard.name, clamped);
    }
    return clamped;
  }

  /** The fence reads on this shard must respect: this connection's own, merged with the scope's. */
  private ReplicationPosition currentFence() throws FenceStoreUnavailableException {
    ReplicationPosition own = localFence.of(shard.name);
    Scope scope = Junction.currentScope();
    if (scope == null) {
      return own;
    }
    ReplicationPosition scoped = scope.fence(ds.fenceStore).of(shard.name);
    if (own == null) {
      return scoped;
    }
    return scoped == null ? own : own.max(scoped);
  }

  /** Retry target after a read failed on a replica outside a transaction: another replica, or the primary. */
  Connection rerouteAfterReplicaFailure(SQLException failure) throws SQLException {
    replicaFailed(failure);
    metrics.replicaRetried();
    if (ds.dialect.isReadOnlyViolation(failure)) {
      return decided(RouteReason.PRIMARY_RETRY, primary()); // a write the classifier could not see
    }
    resolvePendingFence();
    ReplicationPosition fence;
    try {
      fence = currentFence();
    } catch (FenceStoreUnavailableException e) {
      return decided(RouteReason.PRIMARY_RETRY, primary());
    }
    EndpointState pick = shard.selector.pick(shard.replicaStates, fence, null);
    if (pick != null) {
      Connection c = replicaConnection(pick);
      if (c != null && pick.covers(fence)) {
        return decided(fence == null ? RouteReason.REPLICA : RouteReason.REPLICA_FENCED, c);
      }
    }
    return decided(RouteReason.PRIMARY_RETRY, primary());
  }

  private Connection decided(RouteReason reason, Connection target) {
    if (!choosingTransactionTarget) {
      metrics.route(shard.name, reason); // a transaction's target choice is counted as its first statement
    }
    lastReason = reason;
    lastTarget = target;
    lastEndpoint = held.isPrimary(target) ? shard.primary.state() : held.replicaEndpoint();
    return target;
  }

  @Override
  public RouteReason lastRouteReason() {
    return lastReason;
  }

  @Override
  public String lastRouteEndpoint() {
    return lastEndpoint == null ? null : lastEndpoint.toString();
  }

  /** One mapping for every front-end (a utility statement such as MySQL SHOW STATUS is primary-utility, not primary-write). */
  static RouteReason primaryReason(Classification c) {
    return RouteReason.forPrimary(c);
  }

  boolean lastTargetIsReplica() {
    return held.isReplica(lastTarget);
  }

  @Override
  public boolean inTransaction() {
    return !autoCommit || sqlTransactionOpen;
  }

  // ---------------------------------------------------------------- after execution

  /** Called after a statement succeeded: closes SQL-level transactions and records fences. */
  void afterSuccess(Classification c) throws SQLException {
    StatementKind kind = c.kind();
    if (kind == StatementKind.TX_COMMIT || kind == StatementKind.TX_ROLLBACK) {
      if (txTarget != null) {
        endTransaction(kind == StatementKind.TX_COMMIT && txWrote);
      }
      sqlTransactionOpen = false;
      followServerTransaction(lastTarget); // COMMIT AND CHAIN leaves one open
      return;
    }
    followServerTransaction(lastTarget);
    if (kind == StatementKind.TX_BEGIN && sqlTransactionOpen && autoCommit && held.isPrimary(txTarget)
        && !c.multiStatement() && c.transactionAccess() == TransactionAccess.UNSPECIFIED && readOnly
        && ds.config.dialect() == dev.junction.classify.Dialect.POSTGRESQL) {
      // A plain BEGIN on a read-only connection is routed as a read-only transaction; where it lands on
      // the primary it must refuse writes as a replica would (PostgreSQL accepts SET TRANSACTION as the
      // first statement after BEGIN; MariaDB refuses it inside a transaction, see docs/consistency.md).
      ReadOnlyTransaction.setOnOpenTransaction(txTarget);
    }
    if (!inTransaction() && held.isPrimary(lastTarget)
        && (kind != StatementKind.READ || !c.replicaEligible() || lastReason == RouteReason.PRIMARY_RETRY)
        && kind != StatementKind.SESSION) {
      writeCommitted(lastTarget);
    }
  }

  /** Called when a statement failed on its target: a lost connection opens that endpoint's circuit. */
  void afterFailure(SQLException e) {
    if (lastTarget == null) {
      return;
    }
    if (!ds.dialect.isConnectionFailure(e)) {
      try {
        followServerTransaction(lastTarget); // e.g. "BEGIN; INSERT ...; SELECT 1/0" left a failed transaction open
      } catch (SQLException ignored) {
        // the statement's own failure is what the application sees
      }
      return;
    }
    if (held.isPrimary(lastTarget)) {
      if (txTarget == lastTarget) {
        setTxTarget(null);
        sqlTransactionOpen = false;
      }
      held.primaryFailed(e);
    } else if (held.isReplica(lastTarget)) {
      held.replicaFailed(e);
      if (txOnReplica) {
        setTxTarget(null);
        txOnReplica = false;
        sqlTransactionOpen = false;
      }
    }
    lastTarget = null;
  }

  /**
   * With JDBC auto-commit on, the server's report of its transaction state after a statement on
   * {@code target} overrides what the SQL text suggested: a transaction the parse did not see
   * ({@code COMMIT AND CHAIN}, a {@code BEGIN} inside a multi-statement string, a failed part of one)
   * is adopted as an SQL transaction, so every later statement stays on that connection until it
   * ends and {@link #close()} rolls it back; a transaction the server ended by itself (an implicit
   * commit by DDL on MariaDB) ends here too. Costs no round trip: drivers keep the state.
   */
  private void followServerTransaction(Connection target) throws SQLException {
    if (!autoCommit || !held.isHeld(target)) {
      return;
    }
    ServerTransaction state = ServerTransaction.of(target, ds.config.dialect());
    if (state == ServerTransaction.UNKNOWN) {
      return;
    }
    if (state.open() && !sqlTransactionOpen) {
      sqlTransactionOpen = true;
      setTxTarget(target);
      txOnReplica = !held.isPrimary(target);
      txWrote = !txOnReplica; // conservatively: it may have written
    } else if (!state.open() && sqlTransactionOpen && target == txTarget) {
      sqlTransactionOpen = false;
      endTransaction(txWrote);
    }
  }

  /**
   * A write committed on the primary. Its position is read now only when someone else may read
   * next: inside a scope (other connections and servers consult the scope's fence). Outside one,
   * only this connection's own later reads need it, so the position query waits for the next read
   * here ({@link #resolvePendingFence}); the primary's position then is at least the write's, so
   * the fence is never too low. A shard without replicas records nothing: every read goes to the
   * primary anyway. Either way, a plain write costs no extra round trip.
   */
  private void writeCommitted(Connection onPrimary) throws SQLException {
    if (shard.replicas.length == 0) {
      return;
    }
    if (Junction.currentScope() == null) {
      fencePending = true;
      return;
    }
    fencePending = false;
    recordFence(onPrimary);
  }

  /** Before a read picks a replica: turns a deferred write into this connection's fence. */
  private void resolvePendingFence() throws SQLException {
    if (!fencePending) {
      return;
    }
    readPosition(primary());
    fencePending = false;
  }

  /** The primary's position now, read on {@code onPrimary}; advances this connection's fence to it. */
  private ReplicationPosition readPosition(Connection onPrimary) throws SQLException {
    ReplicationPosition position = ds.dialect.primaryPosition(onPrimary);
    if (!onPrimary.getAutoCommit()) {
      onPrimary.commit(); // end the (empty) transaction the position query opened
    }
    localFence = localFence.advance(shard.name, position);
    shard.primary.state().observePosition(position);
    return position;
  }

  /** Reads the primary's position after a commit and advances the connection's and the scope's fences. */
  private void recordFence(Connection onPrimary) throws SQLException {
    ReplicationPosition position = readPosition(onPrimary);
    Scope scope = Junction.currentScope();
    if (scope != null) {
      try {
        scope.advance(ds.fenceStore, shard.name, position);
      } catch (FenceStoreUnavailableException e) {
        // Other servers may still read the store and would not see this fence: make the write
        // visible everywhere before returning instead.
        metrics.fenceRecordFailed();
        log.warn("could not store the fence {} of scope {} ({}); waiting for the replicas to replay the write instead",
            position, scope, e.getMessage());
        awaitReplicasCovering(position);
      }
    }
  }

  /**
   * Waits, up to one fence TTL, until every reachable replica has replayed {@code position}. Used when
   * a fence cannot be stored: afterwards no reader anywhere can observe a state older than the write.
   */
  private void awaitReplicasCovering(ReplicationPosition position) {
    long deadline = System.nanoTime() + ds.config.fencing().ttl().toNanos();
    for (EndpointPool pool : shard.replicas) {
      EndpointState state = pool.state();
      if (state.covers(position)) {
        continue;
      }
      long remainingMillis = (deadline - System.nanoTime()) / 1_000_000;
      try (Connection c = pool.acquire()) {
        long generation = state.generation();
        if (remainingMillis > 0 && ds.dialect.awaitReplay(c, position, remainingMillis)) {
          state.observeAtLeast(generation, position);
        } else {
          log.warn("fence {} could not be stored and replica {} did not replay it within the fence TTL", position, state);
        }
      } catch (SQLException e) {
        log.warn("fence {} could not be stored and replica {} is unreachable ({}); it may serve older data when it returns",
            position, state, e.getMessage());
      }
    }
  }

  private void endTransaction(boolean recordFence) throws SQLException {
    Connection target = txTarget;
    setTxTarget(null);
    txOnReplica = false;
    txWrote = false;
    if (recordFence && held.isPrimary(target)) {
      writeCommitted(target);
    }
  }

  /** The open transaction's connection (null: none); the holder keeps it until the transaction ends. */
  private void setTxTarget(Connection c) {
    txTarget = c;
    held.transactionOn(c);
  }

  private void pin() {
    pinnedToPrimary = true;
    held.pinPrimary();
  }

  // ---------------------------------------------------------------- physical connections

  private Connection beginTransaction(boolean onReplica) throws SQLException {
    txWrote = false;
    if (onReplica && !pinnedToPrimary && !Junction.primaryForced() && shard.replicas.length > 0) {
      Connection c;
      choosingTransactionTarget = true;
      try {
        c = routeRead();
      } finally {
        choosingTransactionTarget = false;
      }
      if (held.isReplica(c)) {
        txOnReplica = true;
        setTxTarget(c);
        if (!autoCommit && c.getAutoCommit()) {
          c.setAutoCommit(false);
        }
        if (!autoCommit && readOnly && !readOnlyServer()) {
          ReadOnlyTransaction.start(c, ds.config.dialect());
        }
        return c;
      }
    }
    txOnReplica = false;
    Connection target = primary();
    setTxTarget(target);
    if (!autoCommit && target.getAutoCommit()) {
      target.setAutoCommit(false);
    }
    if (!autoCommit && readOnly) {
      ReadOnlyTransaction.start(target, ds.config.dialect()); // issue #16 §3: read-only on the primary too
    }
    return target;
  }

  /** A PostgreSQL standby refuses every write itself (even a superuser's); a MariaDB replica's read_only does not bind SUPER. */
  private boolean readOnlyServer() {
    return ds.config.dialect() == dev.junction.classify.Dialect.POSTGRESQL;
  }

  Connection primary() throws SQLException {
    checkOpen(); // a closed logical connection must not take (and then hold) a pool connection
    return held.primary(txTarget != null || inTransaction());
  }

  /** The held connection to {@code state}'s replica, switching replicas if needed; null if it cannot be had. */
  private Connection replicaConnection(EndpointState state) {
    return held.replica(state);
  }

  private void replicaFailed(SQLException e) {
    held.replicaFailed(e);
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
    return new RoutingStatement(this, c -> c.createStatement(resultSetType, resultSetConcurrency));
  }

  @Override
  public Statement createStatement(int resultSetType, int resultSetConcurrency, int resultSetHoldability) throws SQLException {
    checkOpen();
    return new RoutingStatement(this, c -> c.createStatement(resultSetType, resultSetConcurrency, resultSetHoldability));
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
    return new RoutingPreparedStatement(this, sql, c -> c.prepareStatement(sql, resultSetType, resultSetConcurrency));
  }

  @Override
  public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency, int resultSetHoldability)
      throws SQLException {
    checkOpen();
    return new RoutingPreparedStatement(this, sql, c -> c.prepareStatement(sql, resultSetType, resultSetConcurrency, resultSetHoldability));
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

  private Connection callTarget() throws SQLException {
    checkOpen();
    if (inTransaction()) {
      Connection t = txTarget != null ? txTarget : beginTransaction(readOnly);
      if (!txOnReplica) {
        txWrote = true;
      }
      return decided(txOnReplica ? RouteReason.REPLICA_READ_ONLY_TRANSACTION : RouteReason.PRIMARY_TRANSACTION, t);
    }
    return decided(RouteReason.PRIMARY_WRITE, primary());
  }

  @Override
  public String nativeSQL(String sql) throws SQLException {
    return primary().nativeSQL(sql);
  }

  @Override
  public void setAutoCommit(boolean newValue) throws SQLException {
    checkOpen();
    if (newValue == autoCommit) {
      return;
    }
    if (newValue && txTarget != null) {
      commit(); // JDBC: switching auto-commit on commits the open transaction
    }
    autoCommit = newValue;
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
    return autoCommit;
  }

  @Override
  public void commit() throws SQLException {
    checkOpen();
    if (autoCommit && !sqlTransactionOpen) {
      throw new SQLException("Junction: commit() with auto-commit enabled", "25000");
    }
    Connection target = txTarget;
    if (target != null) {
      try {
        ServerTransaction.end(target, true); // after SQL BEGIN the physical connection is in auto-commit mode
      } finally {
        sqlTransactionOpen = false;
      }
      endTransaction(txWrote);
      followServerTransaction(target);
    }
  }

  @Override
  public void rollback() throws SQLException {
    checkOpen();
    if (autoCommit && !sqlTransactionOpen) {
      throw new SQLException("Junction: rollback() with auto-commit enabled", "25000");
    }
    Connection target = txTarget;
    txTarget = null;
    txOnReplica = false;
    txWrote = false;
    sqlTransactionOpen = false;
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
    setTxTarget(null);
    txOnReplica = false;
    sqlTransactionOpen = false;
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
    if (txTarget != null) {
      throw new SQLException("Junction: cannot change read-only mode inside a transaction", "25001");
    }
    this.readOnly = readOnly;
  }

  @Override
  public boolean isReadOnly() throws SQLException {
    checkOpen();
    return readOnly;
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
    return lastTarget == null ? null : lastTarget.getWarnings();
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
    return txTarget != null ? txTarget : beginTransaction(readOnly);
  }

  @Override public Clob createClob() throws SQLException { return primary().createClob(); }
  @Override public Blob createBlob() throws SQLException { return primary().createBlob(); }
  @Override public NClob createNClob() throws SQLException { return primary().createNClob(); }
  @Override public SQLXML createSQLXML() throws SQLException { return primary().createSQLXML(); }
  @Override public Array createArrayOf(String typeName, Object[] elements) throws SQLException {
    return primary().createArrayOf(typeName, elements);
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
