package dev.junction.route;

import dev.junction.classify.Classification;
import dev.junction.classify.PrimaryReason;
import dev.junction.classify.StatementKind;
import dev.junction.classify.TransactionAccess;
import dev.junction.fence.FenceStoreUnavailableException;
import dev.junction.health.EndpointState;
import dev.junction.health.ReplicaSelector;
import dev.junction.position.ReplicationPosition;
import java.util.List;

/**
 * The routing decision of one session (a logical JDBC connection, or a proxy client) on one replica
 * set: statement by statement, a {@link Route}, and the state changes that follow each outcome.
 *
 * <p>Design notes:
 * <ul>
 *   <li><b>Pure.</b> No JDBC types, no I/O, no locks, no clock. What needs I/O (reading the primary's
 *       position, waiting on a replica, acquiring a connection) comes back as a route step or is
 *       reported in by the front-end: {@link #positionRead}, {@link #awaited}, {@link #unavailable},
 *       {@link #succeeded}, {@link #failed}, {@link #endTransaction}. The endpoints' health is read
 *       from {@link EndpointState}; the decision never writes it (the front-end records failures and
 *       observed positions, because only it knows which server incarnation it talked to).</li>
 *   <li><b>Order of the rules</b>, first match wins: a lost transaction refuses everything but a
 *       rollback; an open transaction keeps every statement on its target; a statement that opens a
 *       transaction chooses the target (one replica for a read-only transaction when one may serve
 *       it, else the primary); a replayable {@code SET} runs on the primary and is replayed; a
 *       statement that must not run on a replica, a pinned session or {@code Junction.primary()}
 *       goes to the primary; everything else is a read: the replica selector among the readable
 *       replicas that cover the fence (own ⊔ scope), else a bounded wait on the most advanced
 *       readable replica, else the primary.</li>
 *   <li><b>Fences.</b> A committed write outside a scope only marks the session's fence pending;
 *       the next read that may go to a replica asks for the position first ({@link
 *       Route.Opcode#READ_POSITION}). Inside a scope, {@link #succeeded} asks for it at once. A
 *       replica qualifies only through {@link EndpointState#covers} and {@link
 *       EndpointState#readable}, so the health model's rules (incarnations, unknown lag) apply here
 *       without the decision knowing them. A fence no replica replayed within the wait budget is
 *       abandoned for this session: later reads under it go to the primary without waiting again
 *       (unless a replica is by then known to cover it). A statement that may have written and failed
 *       outside a transaction (its outcome may be a commit) marks the fence pending too.</li>
 *   <li><b>Replica transactions</b> cannot move: a scope write committed after one began makes its
 *       next statement wait on its replica, or refuse ({@link Refusal#SCOPE_WRITE_AFTER_REPLICA_TRANSACTION_BEGAN}).</li>
 *   <li><b>Read-only transactions</b> stay read-only wherever they run: every route of one carries
 *       {@link Route#READ_ONLY_TRANSACTION}, also when it fell back to the primary.</li>
 *   <li><b>Allocation.</b> Placements without a fence are interned by the {@link ReplicaSet}; an
 *       unfenced read allocates nothing. Only AWAIT_REPLICA routes are new objects.</li>
 *   <li><b>Two front-ends, one rule set.</b> The JDBC façade decides statement by statement and lets
 *       this session follow its transactions. The proxy decides units of pipelined messages ({@link
 *       Unit}) outside transactions only (it follows the server's own transaction status and keeps a
 *       transaction's units on its backend), imports and exports fences as signed tokens ({@link
 *       #adoptFence}, {@link #ownFence}), places the legs of reads that span shards without steps
 *       ({@link #placeLeg}), and reports the writes it saw commit with {@link #writeCommitted}. Both
 *       go through the same read rules: pending fence, replica selection, bounded wait, fallback.</li>
 *   <li>Used by one thread at a time, like a JDBC connection.</li>
 * </ul>
 *
 * <p>A front-end drives it like this (blocking form; the proxy does the same steps asynchronously):
 * <pre>{@code
 * Route r = session.decide(classification, sql, ctx);
 * while (true) {
 *   switch (r.opcode()) {
 *     case REFUSE -> throw refusal(r.refusal());
 *     case READ_POSITION -> { session.positionRead(readPosition(r.target())); r = session.decide(classification, sql, ctx); }
 *     case AWAIT_REPLICA -> r = session.awaited(r, waitFor(r.target(), r.fence(), r.waitMillis()));
 *     case PRIMARY, REPLICA -> {
 *       Connection c = acquire(r.target());                 // null: pool exhausted or circuit open
 *       if (c == null) { r = session.unavailable(r, ctx); if (r == null) throw noConnection(); continue; }
 *       try { run(c, r); } catch (Failure f) { r = session.failed(r, classification, f.kind(), ctx); if (r == null) throw f; continue; }
 *       if (session.succeeded(r, classification, ctx)) { recordInScope(session, readPosition(r.target())); }
 *       return;
 *     }
 *   }
 * }
 * }</pre>
 */
public final class RouteSession {

  /** How a statement failed, as the front-end's dialect tells it. */
  public enum Failure {
    /** The connection or the server is gone (SQLSTATE class 08, a lost socket). */
    CONNECTION,
    /** A replica refused a write the classifier could not see (25006, MySQL 1290/1792). */
    READ_ONLY_VIOLATION,
    /** The statement itself failed; the server and the connection are fine. */
    STATEMENT
  }

  /** How an {@link Route.Opcode#AWAIT_REPLICA} step ended. */
  public enum AwaitOutcome {
    /** The replica replayed the fence within the budget. */
    CAUGHT_UP,
    /** It did not. */
    TIMED_OUT,
    /** The wait failed: the replica or its connection is gone. */
    FAILED
  }

  /**
   * What a unit of several messages needs, summarized by a front-end that routes them together
   * (the proxy routes the pipelined messages up to a Sync, or one simple query of several
   * statements, as one unit). Decided by {@link #decide(Unit, EndpointState, RouteContext)}. An
   * interface, so the front-end's own unit object answers and a decision allocates nothing.
   */
  public interface Unit {
    /** Why some statement of the unit must run on the primary (it writes, locks, is a hint), or null. */
    RouteReason primaryReason();

    /** The unit creates session state only the server that ran it holds: the session stays on the primary. */
    boolean pins();

    /**
     * The unit reads data, so it must respect the fence. False for a unit of settings only, or of
     * protocol messages without a statement: any readable server answers it alike.
     */
    boolean readsData();

    /** The unit opens a read-only transaction: it may start on a replica that covers the fence. */
    boolean readOnlyBegin();
  }

  /** The classification to route a stored-procedure call with (it may write). */
  public static final Classification CALL =
      new Classification(StatementKind.WRITE, PrimaryReason.WRITE, List.of(), false);
  /** The classification to route a JDBC savepoint call with. */
  public static final Classification SAVEPOINT =
      new Classification(StatementKind.TX_SAVEPOINT, PrimaryReason.TRANSACTION_CONTROL, List.of(), false);

  private final ReplicaSet set;
  private final boolean sideEffectsPin;

  private boolean autoCommit = true;
  private boolean readOnly;

  /** A transaction opened by SQL ({@code BEGIN}) is open. */
  private boolean sqlTransaction;
  /** Where the open transaction runs; null before its first statement (auto-commit off) or when none. */
  private EndpointState txTarget;
  private boolean txReadOnly;
  private boolean txWrote;
  private boolean txLost;
  /** A fence the replica of the open read-only transaction is known to cover (see {@link #inOpenTransaction}). */
  private ReplicationPosition txCovered;
  /** The AWAIT_REPLICA step being carried out is for the open transaction's replica. */
  private boolean awaitingInTransaction;

  /** Session state lives on the primary only: everything stays there. */
  private boolean pinned;
  /** The replica whose connection the session uses: preferred while it qualifies. */
  private EndpointState preferredReplica;

  private ReplicationPosition ownFence;
  private boolean fencePending;
  /** The primary's position could not be read: no replica can be proven fresh until one is read. */
  private boolean positionUnknown;
  private ReplicationPosition abandonedFence;
  /** The fence the last replica placement was decided under (see {@link #qualifies}). */
  private ReplicationPosition placedUnder;
  /** The fence the statement being decided is placed under: a read-only transaction's replica covers it. */
  private ReplicationPosition decidedFence;

  // The statement being decided, for the steps that re-enter the decision.
  private Classification current;
  private SessionEffect currentEffect = SessionEffect.NONE;
  /** The statement opens a transaction: a replica read route becomes the transaction's target. */
  private boolean opening;
  private boolean openingBySql;
  private boolean openingReadOnly;
  private long excluded;
  private boolean retrying;
  /** The statement reads data (a unit of settings alone does not): reads respect the fence. */
  private boolean fenced = true;
  /** The unit being decided opens a read-only transaction the front-end keeps (see {@link #decide(Unit, EndpointState, RouteContext)}). */
  private boolean unitReadOnlyBegin;

  public RouteSession(ReplicaSet set) {
    this(set, true);
  }

  /**
   * @param sideEffectsPin whether a side-effect function (nextval, an advisory lock, GET_LOCK ...)
   *     pins the session to the primary. The proxy lends server connections per transaction, so it
   *     must (session-scoped state would be lost). The JDBC façade passes false: such a statement
   *     runs on the primary, later reads still go to replicas (ORMs call nextval before most inserts;
   *     pinning would send all their reads to the primary), as it always did.
   */
  public RouteSession(ReplicaSet set, boolean sideEffectsPin) {
    this.set = set;
    this.sideEffectsPin = sideEffectsPin;
  }

  public ReplicaSet replicaSet() {
    return set;
  }

  // ---------------------------------------------------------------- the decision

  /**
   * Where {@code c} runs now. {@code sql} is read only for session statements (to tell a replayable
   * {@code SET} from one that pins the session); it may be null for the {@link #CALL} and
   * {@link #SAVEPOINT} constants.
   */
  public Route decide(Classification c, String sql, RouteContext ctx) {
    current = c;
    awaitingInTransaction = false;
    decidedFence = null;
    excluded = 0;
    retrying = false;
    opening = false;
    fenced = true;
    unitReadOnlyBegin = false;
    TransactionEffect effect = TransactionEffect.of(c);
    SessionEffect session = SessionEffect.of(c, sql, sideEffectsPin);
    currentEffect = session;
    if (txLost) {
      return whileLost(effect);
    }
    if (session == SessionEffect.AUTOCOMMIT) {
      return Route.refuse(Refusal.SQL_AUTOCOMMIT);
    }
    if (session == SessionEffect.TEXT_READING) {
      return Route.refuse(Refusal.TEXT_READING_SETTING);
    }
    if (inTransaction()) {
      if (txTarget == null) {
        // auto-commit off: the transaction starts with its first statement
        return open(false, effect == TransactionEffect.BEGINS ? readOnlyAccess(c) : readOnly, ctx);
      }
      return inOpenTransaction(c, session, ctx);
    }
    if (effect == TransactionEffect.BEGINS) {
      return open(true, readOnlyAccess(c), ctx);
    }
    if (c.kind() == StatementKind.SESSION && session == SessionEffect.REPLAY) {
      return set.place(set.primary(), RouteReason.PRIMARY_SESSION_STATE, Route.REPLAY_SESSION);
    }
    if (!c.replicaEligible() || pinned || ctx.primaryForced()) {
      if (session == SessionEffect.PIN) {
        pinned = true;
      }
      RouteReason reason = !c.replicaEligible() ? RouteReason.forPrimary(c)
          : pinned ? RouteReason.PRIMARY_SESSION_STATE : RouteReason.PRIMARY_HINT;
      return set.place(set.primary(), reason, 0);
    }
    return read(ctx);
  }

  /**
   * Where a unit of messages runs (see {@link Unit}), for a front-end that keeps a transaction's
   * units on the server connection that holds it by itself (the proxy follows the server's own
   * transaction status): units are decided only outside a transaction, and this session's
   * transaction state is not used. {@code held} is the endpoint whose connection the front-end holds
   * now, or null: a replica there is preferred while it qualifies (the front-end gives replica
   * connections back between units, so there is no other preference). Steps and outcomes are
   * reported as for a statement; a committed write with {@link #writeCommitted}.
   */
  public Route decide(Unit u, EndpointState held, RouteContext ctx) {
    if (inTransaction()) {
      throw new IllegalStateException("a unit is decided outside a transaction; the front-end keeps a transaction's units on its connection");
    }
    current = null;
    currentEffect = SessionEffect.NONE;
    awaitingInTransaction = false;
    decidedFence = null;
    excluded = 0;
    retrying = false;
    opening = false;
    fenced = u.readsData() || u.readOnlyBegin();
    unitReadOnlyBegin = u.readOnlyBegin();
    preferredReplica = set.replicaIndex(held) >= 0 ? held : null; // a held primary, or another set's server: no preference
    RouteReason primaryReason = u.primaryReason();
    if (u.pins()) {
      pinned = true;
    }
    if (primaryReason != null || pinned || ctx.primaryForced()) {
      RouteReason reason = primaryReason != null ? primaryReason
          : pinned ? RouteReason.PRIMARY_SESSION_STATE : RouteReason.PRIMARY_HINT;
      return set.place(set.primary(), reason, 0);
    }
    return read(ctx);
  }

  /**
   * Where one leg of a read spanning several replica sets runs. The legs are sent together, so a leg
   * takes no step (no position read, no wait): a replica that covers the fence, else the primary,
   * which is also where it goes while the fence is pending or the primary's position unknown.
   */
  public Route placeLeg(RouteContext ctx) {
    if (!set.hasReplicas() || fencePending || positionUnknown || pinned || ctx.primaryForced()) {
      return set.place(set.primary(), pinned ? RouteReason.PRIMARY_SESSION_STATE
          : ctx.primaryForced() ? RouteReason.PRIMARY_HINT : RouteReason.PRIMARY_NO_REPLICA, 0);
    }
    ReplicationPosition fence;
    try {
      fence = fence(ctx);
    } catch (FenceStoreUnavailableException e) {
      return set.place(set.primary(), RouteReason.PRIMARY_FENCE_STORE_UNAVAILABLE, 0);
    }
    EndpointState pick = set.selector().pick(set.replicaArray(), fence, null);
    return pick == null ? set.place(set.primary(), RouteReason.PRIMARY_NO_REPLICA, 0)
        : set.place(pick, fence == null ? RouteReason.REPLICA : RouteReason.REPLICA_FENCED, 0);
  }

  private Route whileLost(TransactionEffect effect) {
    if (effect == TransactionEffect.ROLLS_BACK) {
      clearTransaction(); // the server has nothing to roll back: the rollback only ends the refusal
      return set.place(set.primary(), RouteReason.PRIMARY_TRANSACTION, 0);
    }
    return Route.refuse(Refusal.TRANSACTION_LOST);
  }

  private boolean readOnlyAccess(Classification c) {
    TransactionAccess access = c.transactionAccess();
    return access == TransactionAccess.READ_ONLY || (access == TransactionAccess.UNSPECIFIED && readOnly);
  }

  private Route inOpenTransaction(Classification c, SessionEffect session, RouteContext ctx) {
    boolean onReplica = txTarget != set.primary();
    if (onReplica) {
      if (session == SessionEffect.PIN) {
        return Route.refuse(Refusal.SESSION_STATE_ON_REPLICA);
      }
      Route await = awaitScopeWrite(ctx);
      if (await != null) {
        return await;
      }
    } else {
      if (writesInTransaction(c)) {
        txWrote = true;
      }
      if (session == SessionEffect.PIN) {
        pinned = true;
      }
    }
    return set.place(txTarget, onReplica ? RouteReason.REPLICA_READ_ONLY_TRANSACTION : RouteReason.PRIMARY_TRANSACTION,
        transactionFlags(session, false));
  }

  /**
   * A read-only transaction on a replica: a write committed in the scope since it began (a {@code REQUIRES_NEW}
   * transaction of the same request) must be visible to its next statement. The transaction cannot move, so
   * its replica is waited on ({@link #awaited} refuses if it does not catch up). Null: no wait needed.
   */
  private Route awaitScopeWrite(RouteContext ctx) {
    ReplicationPosition fence;
    try {
      fence = fence(ctx);
    } catch (FenceStoreUnavailableException e) {
      return null; // the transaction's snapshot is what it is; the store's outage is reported on the next read
    }
    if (fence == null || txCovered != null && txCovered.covers(fence)) {
      return null;
    }
    if (txTarget.covers(fence)) {
      txCovered = fence;
      return null;
    }
    awaitingInTransaction = true;
    return new Route(Route.Opcode.AWAIT_REPLICA, txTarget, null, fence, set.maxFenceWaitMillis(), 0, null);
  }

  /** Statements after which a committing transaction must fence later reads (conservative: all but plain reads). */
  private static boolean writesInTransaction(Classification c) {
    StatementKind kind = c.kind();
    return (kind != StatementKind.READ && kind != StatementKind.TX_COMMIT && kind != StatementKind.TX_ROLLBACK)
        || !c.replicaEligible() && kind == StatementKind.READ;
  }

  private int transactionFlags(SessionEffect session, boolean begins) {
    int flags = Route.IN_TRANSACTION;
    if (begins) {
      flags |= Route.BEGINS_TRANSACTION;
    }
    if (txReadOnly) {
      flags |= Route.READ_ONLY_TRANSACTION;
    }
    if (current.kind() == StatementKind.SESSION && session == SessionEffect.REPLAY && !pinned) {
      flags |= Route.REPLAY_SESSION;
    }
    return flags;
  }

  /**
   * The statement opens a transaction: a read-only one goes through the read path (one replica that
   * qualifies, or the primary), anything else, or anything that must stay on the primary, to the
   * primary. No state changes until the target is known (a READ_POSITION step decides again).
   */
  private Route open(boolean bySql, boolean readOnlyTx, RouteContext ctx) {
    opening = true;
    openingBySql = bySql;
    openingReadOnly = readOnlyTx;
    boolean replicaPossible = readOnlyTx && !pinned && set.hasReplicas() && currentEffect != SessionEffect.PIN
        && !(current.multiStatement() && primaryBoundWork(current)) && !ctx.primaryForced();
    if (!replicaPossible) {
      return enter(set.primary());
    }
    return read(ctx);
  }

  /** A multi-statement string with parts beyond transaction control that must run on the primary. */
  private static boolean primaryBoundWork(Classification c) {
    for (Classification part : c.parts()) {
      if (part.primaryReason() != PrimaryReason.TRANSACTION_CONTROL && part.primaryRequired()) {
        return true;
      }
    }
    return false;
  }

  /** The opening statement's target is known: the transaction starts there. */
  private Route enter(EndpointState target) {
    opening = false;
    if (openingBySql) {
      sqlTransaction = true;
    }
    txTarget = target;
    txCovered = target == set.primary() ? null : decidedFence;
    txReadOnly = openingReadOnly;
    txWrote = false;
    boolean onPrimary = target == set.primary();
    if (onPrimary) {
      boolean begin = !current.multiStatement() && TransactionEffect.of(current) == TransactionEffect.BEGINS;
      if (!begin && writesInTransaction(current)) {
        txWrote = true;
      }
      if (currentEffect == SessionEffect.PIN) {
        pinned = true;
      }
    } else {
      preferredReplica = target;
    }
    return set.place(target, onPrimary ? RouteReason.PRIMARY_TRANSACTION : RouteReason.REPLICA_READ_ONLY_TRANSACTION,
        transactionFlags(currentEffect, true));
  }

  /** A read outside a transaction, or the target choice of a read-only transaction. */
  private Route read(RouteContext ctx) {
    if (!set.hasReplicas()) {
      return placeRead(set.primary(), RouteReason.PRIMARY_NO_REPLICA);
    }
    if (fencePending && fenced) {
      if (!anyReadable()) {
        return placeRead(set.primary(), RouteReason.PRIMARY_NO_REPLICA); // the position would serve nothing now
      }
      return set.readPosition();
    }
    if (positionUnknown) {
      return placeRead(set.primary(), RouteReason.PRIMARY_FENCE_STORE_UNAVAILABLE);
    }
    ReplicationPosition fence;
    try {
      fence = fenced ? fence(ctx) : null; // settings alone need no fence
    } catch (FenceStoreUnavailableException e) {
      return placeRead(set.primary(), RouteReason.PRIMARY_FENCE_STORE_UNAVAILABLE);
    }
    EndpointState pick = pick(fence, preferredReplica, ctx);
    if (pick != null) {
      preferredReplica = pick;
      placedUnder = fence;
      decidedFence = fence;
      return placeRead(pick, replicaReason(fence));
    }
    if (fence == null) {
      return placeRead(set.primary(), RouteReason.PRIMARY_NO_REPLICA);
    }
    if (fence.equals(abandonedFence)) {
      return placeRead(set.primary(), RouteReason.PRIMARY_FENCE_FALLBACK);
    }
    EndpointState candidate = ReplicaSelector.mostAdvancedReadable(set.replicaArray());
    if (candidate == null || isExcluded(candidate)) {
      return placeRead(set.primary(), RouteReason.PRIMARY_NO_REPLICA);
    }
    return new Route(Route.Opcode.AWAIT_REPLICA, candidate, null, fence, set.maxFenceWaitMillis(), 0, null);
  }

  private boolean anyReadable() {
    for (EndpointState r : set.replicaArray()) {
      if (r.readable() && !isExcluded(r)) {
        return true;
      }
    }
    return false;
  }

  private RouteReason replicaReason(ReplicationPosition fence) {
    return unitReadOnlyBegin ? RouteReason.REPLICA_READ_ONLY_TRANSACTION
        : fence == null ? RouteReason.REPLICA : RouteReason.REPLICA_FENCED;
  }

  private Route placeRead(EndpointState target, RouteReason reason) {
    return opening ? enter(target) : set.place(target, reason, 0);
  }

  /** The fence reads must respect here: the session's own, merged with the scope's. */
  private ReplicationPosition fence(RouteContext ctx) throws FenceStoreUnavailableException {
    ReplicationPosition scoped = ctx.scopeFence(set.shard());
    if (ownFence == null) {
      return scoped;
    }
    return scoped == null ? ownFence : ownFence.max(scoped);
  }

  /**
   * The selector's choice, skipping replicas this statement could not use. A choice other than the
   * preferred replica without a connection ready at the front-end ({@link
   * RouteContext#connectionReady}) gives way to another qualifying replica that has one: better than
   * waiting on a pool.
   */
  private EndpointState pick(ReplicationPosition fence, EndpointState preferred, RouteContext ctx) {
    EndpointState[] replicas = set.replicaArray();
    EndpointState p = set.selector().pick(replicas, fence, excluded != 0 && isExcluded(preferred) ? null : preferred);
    if (p != null && excluded != 0 && isExcluded(p)) {
      p = null;
      for (EndpointState r : replicas) {
        if (!isExcluded(r) && r.readable() && r.covers(fence)) {
          p = r;
          break;
        }
      }
    }
    if (p == null || p == preferred || ctx == null || ctx.connectionReady(p)) {
      return p;
    }
    for (EndpointState r : replicas) {
      if (r != p && !isExcluded(r) && r.readable() && r.covers(fence) && ctx.connectionReady(r)) {
        return r;
      }
    }
    return p;
  }

  private boolean isExcluded(EndpointState replica) {
    int i = set.replicaIndex(replica);
    return i >= 0 && (excluded & (1L << i)) != 0;
  }

  private void exclude(EndpointState replica) {
    int i = set.replicaIndex(replica);
    if (i >= 0) {
      excluded |= 1L << i;
    }
    if (preferredReplica == replica) {
      preferredReplica = null;
    }
  }

  // ---------------------------------------------------------------- steps reported back

  /**
   * The primary's position, read for a {@link Route.Opcode#READ_POSITION} step or because
   * {@link #succeeded}/{@link #endTransaction} asked for it: it becomes (part of) the session's fence.
   * A front-end inside a scope also records it there.
   */
  public void positionRead(ReplicationPosition position) {
    ownFence = ownFence == null ? position : ownFence.max(position);
    fencePending = false;
    positionUnknown = false;
  }

  /**
   * The primary's position could not be read for a {@link Route.Opcode#READ_POSITION} step (the
   * query failed, or no primary connection could be had). No replica can be proven to hold the
   * session's writes, so its reads go to the primary until a position is read: the next write's
   * pending fence asks for one again.
   */
  public void positionUnavailable() {
    fencePending = false;
    positionUnknown = true;
  }

  /**
   * A fence the application carried over from another session (the proxy's signed
   * {@code junction.fence} token): merged into the session's own, so its reads see those writes too.
   * A pending fence stays pending (this session's own write is newer than any token).
   */
  public void adoptFence(ReplicationPosition position) {
    ownFence = ownFence == null ? position : ownFence.max(position);
  }

  /** Where the statement runs after an {@link Route.Opcode#AWAIT_REPLICA} step ended with {@code outcome}. */
  public Route awaited(Route await, AwaitOutcome outcome) {
    if (await.opcode() != Route.Opcode.AWAIT_REPLICA) {
      throw new IllegalArgumentException("not an await step: " + await);
    }
    if (awaitingInTransaction) {
      awaitingInTransaction = false;
      if (outcome != AwaitOutcome.CAUGHT_UP) {
        return Route.refuse(Refusal.SCOPE_WRITE_AFTER_REPLICA_TRANSACTION_BEGAN);
      }
      txCovered = await.fence();
      return set.place(txTarget, RouteReason.REPLICA_READ_ONLY_TRANSACTION, transactionFlags(currentEffect, false));
    }
    if (outcome == AwaitOutcome.CAUGHT_UP) {
      decidedFence = await.fence();
      preferredReplica = await.target();
      placedUnder = null; // proven on this very connection: nothing to check again (see qualifies)
      return placeRead(await.target(), RouteReason.REPLICA_FENCE_WAITED);
    }
    if (outcome == AwaitOutcome.FAILED) {
      exclude(await.target());
    }
    abandonedFence = await.fence();
    return placeRead(set.primary(), RouteReason.PRIMARY_FENCE_FALLBACK);
  }

  /**
   * The front-end could not get a connection to {@code route}'s target (circuit open, pool
   * exhausted). Returns the next choice for the statement, or null when there is none and the
   * statement fails with the acquisition error (the primary, or a transaction's own connection).
   */
  public Route unavailable(Route route, RouteContext ctx) {
    EndpointState target = route.target();
    if (route.beginsTransaction()) {
      clearTransactionStart(); // the transaction never started there
    }
    if (target == null || target == set.primary() || (route.inTransaction() && !route.beginsTransaction())) {
      return null;
    }
    exclude(target);
    if (route.opcode() == Route.Opcode.AWAIT_REPLICA) {
      return placeRead(set.primary(), RouteReason.PRIMARY_NO_REPLICA);
    }
    if (retrying) {
      return retryRead(ctx);
    }
    if (route.beginsTransaction()) {
      opening = true;
    }
    return read(ctx);
  }

  private void clearTransactionStart() {
    opening = true;
    txTarget = null;
    txReadOnly = false;
    txWrote = false;
    if (openingBySql) {
      sqlTransaction = false;
    }
  }

  /**
   * The statement ran to completion on {@code route}. Returns true when the front-end must read the
   * primary's position now (on the connection that just committed) and report it with
   * {@link #positionRead}: a write committed inside a scope. Outside a scope the fence is only
   * marked pending and read by the session's next read that may go to a replica.
   */
  public boolean succeeded(Route route, Classification c, RouteContext ctx) {
    TransactionEffect effect = TransactionEffect.of(c);
    if (route.inTransaction()) {
      if (effect.ends() && inTransaction()) {
        return endTransaction(effect == TransactionEffect.COMMITS, ctx);
      }
      return false;
    }
    return route.target() == set.primary() && mayHaveWritten(route, c) && writeCommitted(ctx);
  }

  /**
   * Whether {@code c}, run on the primary outside a transaction, may have written. WHY so broad: a
   * session statement other than a plain setting may write too ({@code EXECUTE p} of a prepared
   * UPDATE, MariaDB {@code SET @x = f()} calling a writing function), and a write the fence misses is
   * a stale read in the writer's scope. Only plain reads, harmless utilities, replayable or
   * transaction-local settings and transaction control (outside a transaction it commits nothing) are not.
   */
  private boolean mayHaveWritten(Route route, Classification c) {
    StatementKind kind = c.kind();
    if (kind == StatementKind.TX_COMMIT || kind == StatementKind.TX_ROLLBACK) {
      return false;
    }
    if (kind == StatementKind.SESSION) {
      SessionEffect effect = c == current ? currentEffect : SessionEffect.PIN;
      return effect != SessionEffect.REPLAY && effect != SessionEffect.TRANSACTION_LOCAL;
    }
    boolean harmless = kind == StatementKind.UTILITY && c.primaryReason() == PrimaryReason.NONE; // SHOW, EXPLAIN
    return !harmless && (kind != StatementKind.READ || !c.replicaEligible() || route.reason() == RouteReason.PRIMARY_RETRY);
  }

  /**
   * The statement failed on {@code route}. Returns where to run it once more (a read outside a
   * transaction that failed on a replica for a reason another server may not have), or null: the
   * front-end reports the failure to the application. A connection failure inside a transaction
   * loses the transaction (see {@link Refusal#TRANSACTION_LOST}).
   */
  public Route failed(Route route, Classification c, Failure failure, RouteContext ctx) {
    EndpointState target = route.target();
    boolean onReplica = target != null && target != set.primary();
    if (onReplica && failure != Failure.STATEMENT) {
      exclude(target);
    }
    if (onReplica && route.opcode() == Route.Opcode.REPLICA && !route.inTransaction() && !retrying
        && c.kind() == StatementKind.READ && failure != Failure.STATEMENT) {
      retrying = true;
      if (failure == Failure.READ_ONLY_VIOLATION) {
        return set.place(set.primary(), RouteReason.PRIMARY_RETRY, 0); // a write the classifier could not see
      }
      return retryRead(ctx);
    }
    if (failure == Failure.CONNECTION && route.inTransaction() && inTransaction() && target == txTarget) {
      if (route.beginsTransaction()) {
        // The statement that was to start the transaction failed with its connection, so the server
        // holds no transaction of ours; the application saw the error. Start afresh next time.
        clearTransactionStart();
        opening = false;
        if (target == set.primary() && c.multiStatement()) {
          markFencePending(); // parts before its BEGIN may have committed
        }
        return null;
      }
      if (TransactionEffect.of(c) == TransactionEffect.COMMITS && txWrote && target == set.primary()) {
        markFencePending(); // the commit may have happened: fence later reads anyway
      }
      txLost = true;
    }
    if (target == set.primary() && !route.inTransaction() && mayHaveWritten(route, c)) {
      // An auto-commit write whose outcome the front-end cannot know (a lost connection, a timeout) may
      // have committed: fence later reads as if it had. Read through READ_POSITION, on whatever
      // primary connection comes next, so the dialect reads a server-wide position there.
      markFencePending();
    }
    return null;
  }

  private Route retryRead(RouteContext ctx) {
    if (fencePending) {
      return set.place(set.primary(), RouteReason.PRIMARY_RETRY, 0);
    }
    ReplicationPosition fence;
    try {
      fence = fence(ctx);
    } catch (FenceStoreUnavailableException e) {
      return set.place(set.primary(), RouteReason.PRIMARY_RETRY, 0);
    }
    EndpointState pick = pick(fence, null, ctx);
    if (pick != null) {
      preferredReplica = pick;
      placedUnder = fence;
      return set.place(pick, replicaReason(fence), 0);
    }
    return set.place(set.primary(), RouteReason.PRIMARY_RETRY, 0);
  }

  /**
   * Asked once the front-end holds a connection for a {@link Route.Opcode#REPLICA} placement: does the
   * replica still qualify? Taking a new server connection samples the replica first, and a restarted
   * replica's sample withdraws the position the placement relied on. False: report it with
   * {@link #unavailable}, which chooses again without that replica. A statement of a transaction
   * already running there always qualifies (it cannot move), and so does a placement after a wait
   * that succeeded on that connection (a lag sample taken before the wait may still lower the cached
   * position meanwhile; the wait is the better proof).
   */
  public boolean qualifies(Route route) {
    if (route.opcode() != Route.Opcode.REPLICA || route.inTransaction() && !route.beginsTransaction()) {
      return true;
    }
    return route.target().covers(placedUnder);
  }

  /**
   * The front-end found the fence of an {@link Route.Opcode#AWAIT_REPLICA} step ahead of the
   * primary's history (a failover or rebuild lost what it refers to; no replica of this primary will
   * ever replay it) and {@code clamped} it to the primary's head, read fresh. Returns the next step
   * for the statement under the clamped fence: a replica that covers it, the primary if the clamped
   * fence was already abandoned, or a wait for it. The session's own fence, if it was the lost one,
   * becomes the clamped one; a scope's fence is not changed (its newer writes may lie between the
   * clamp and the lost fence, so it is clamped afresh, against a fresh head, on each read).
   */
  public Route fenceClamped(Route await, ReplicationPosition clamped) {
    if (await.opcode() != Route.Opcode.AWAIT_REPLICA) {
      throw new IllegalArgumentException("not an await step: " + await);
    }
    if (await.fence().equals(ownFence)) {
      ownFence = clamped;
    }
    if (awaitingInTransaction) { // the open transaction's replica, under the clamped fence
      return new Route(Route.Opcode.AWAIT_REPLICA, txTarget, null, clamped, set.maxFenceWaitMillis(), 0, null);
    }
    EndpointState pick = pick(clamped, null, null);
    if (pick != null) {
      preferredReplica = pick;
      placedUnder = clamped;
      decidedFence = clamped;
      return placeRead(pick, RouteReason.REPLICA_FENCED);
    }
    if (clamped.equals(abandonedFence)) {
      return placeRead(set.primary(), RouteReason.PRIMARY_FENCE_FALLBACK);
    }
    EndpointState candidate = ReplicaSelector.mostAdvancedReadable(set.replicaArray());
    if (candidate == null || isExcluded(candidate)) {
      return placeRead(set.primary(), RouteReason.PRIMARY_NO_REPLICA);
    }
    return new Route(Route.Opcode.AWAIT_REPLICA, candidate, null, clamped, set.maxFenceWaitMillis(), 0, null);
  }

  /**
   * With auto-commit on, the server's report of its transaction state after a statement ran on
   * {@code route}'s target overrides what the SQL text suggested: a transaction the parse did not see
   * ({@code COMMIT AND CHAIN}, a {@code BEGIN} inside a multi-statement string, a failed part of one)
   * is adopted as an SQL transaction, so later statements stay on that server until it ends; a
   * transaction the server ended by itself (an implicit commit by DDL on MariaDB) ends here too.
   * Returns true when the front-end must read the primary's position now (see {@link #succeeded}).
   */
  public boolean serverTransaction(Route route, boolean open, RouteContext ctx) {
    if (!autoCommit || txLost || !route.isPlacement()) {
      return false;
    }
    EndpointState target = route.target();
    if (open && !sqlTransaction) {
      sqlTransaction = true;
      txTarget = target;
      boolean onReplica = target != set.primary();
      txReadOnly = onReplica;
      txWrote = !onReplica; // conservatively: it may have written
      if (onReplica) {
        preferredReplica = target;
      }
      return false;
    }
    if (!open && sqlTransaction && target == txTarget) {
      return endTransaction(txWrote, ctx);
    }
    return false;
  }

  // ---------------------------------------------------------------- transactions and settings (JDBC API)

  /**
   * The open transaction ended through the API ({@code commit()}/{@code rollback()}), or through SQL
   * (called by {@link #succeeded}). {@code committed} is true for a commit, also one that failed
   * with an unknown outcome. Returns true when the front-end must read the primary's position now
   * (see {@link #succeeded}).
   */
  public boolean endTransaction(boolean committed, RouteContext ctx) {
    boolean wrote = committed && txWrote && txTarget == set.primary() && !txLost;
    clearTransaction();
    return wrote && writeCommitted(ctx);
  }

  private void clearTransaction() {
    txCovered = null;
    sqlTransaction = false;
    txTarget = null;
    txReadOnly = false;
    txWrote = false;
    txLost = false;
  }

  /**
   * A write committed on the primary. Its position is needed now only inside a scope (other
   * connections and servers read the scope's fence); otherwise the session's next read asks for it,
   * and the primary's position then is at least the write's, so the fence is never too low. A
   * replica set without replicas records nothing. Called by {@link #succeeded} and
   * {@link #endTransaction}, and by a front-end that tracks what ran itself (the proxy's units, the
   * legs of a statement spanning shards). Returns true when the position must be read now and
   * reported with {@link #positionRead}.
   */
  public boolean writeCommitted(RouteContext ctx) {
    if (!set.hasReplicas()) {
      return false;
    }
    if (!ctx.inScope()) {
      fencePending = true;
      return false;
    }
    fencePending = false;
    return true;
  }

  private void markFencePending() {
    if (set.hasReplicas()) {
      fencePending = true;
    }
  }

  /** JDBC {@code setAutoCommit}; the front-end commits an open transaction first when switching it on. */
  public void setAutoCommit(boolean autoCommit) {
    this.autoCommit = autoCommit;
  }

  /** JDBC {@code setReadOnly}: transactions opened from now on default to read-only. */
  public void setReadOnly(boolean readOnly) {
    this.readOnly = readOnly;
  }

  public boolean autoCommit() {
    return autoCommit;
  }

  public boolean readOnly() {
    return readOnly;
  }

  /** True while an explicit transaction (auto-commit off, or SQL BEGIN) is open. */
  public boolean inTransaction() {
    return !autoCommit || sqlTransaction;
  }

  /** The endpoint the open transaction runs on, or null (none open, or not started yet). */
  public EndpointState transactionTarget() {
    return txTarget;
  }

  /** True after the transaction's connection failed, until a rollback. */
  public boolean transactionLost() {
    return txLost;
  }

  /** True when session state pins every statement to the primary. */
  public boolean pinned() {
    return pinned;
  }

  /** The session's own fence on this replica set (its writes), or null. */
  public ReplicationPosition ownFence() {
    return ownFence;
  }

  /** True after the primary's position could not be read, until one is (see {@link #positionUnavailable}). */
  public boolean positionUnknown() {
    return positionUnknown;
  }

  /** True when a write committed and its position has not been read yet. */
  public boolean fencePending() {
    return fencePending;
  }

  /** The fence no replica replayed within the wait budget, which this session no longer waits for. */
  public ReplicationPosition abandonedFence() {
    return abandonedFence;
  }

  /** The replica the session prefers while it qualifies (the one it last read from), or null. */
  public EndpointState preferredReplica() {
    return preferredReplica;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(set.shard()).append(':');
    if (txLost) {
      sb.append(" tx-lost");
    } else if (inTransaction()) {
      sb.append(" tx ").append(txTarget == null ? "not started" : txTarget.name());
      if (txReadOnly) {
        sb.append(" read-only");
      }
      if (txWrote) {
        sb.append(" wrote");
      }
    } else {
      sb.append(" auto-commit");
    }
    if (pinned) {
      sb.append(", pinned");
    }
    if (ownFence != null) {
      sb.append(", fence ").append(ownFence.encode());
    }
    if (fencePending) {
      sb.append(", fence pending");
    }
    if (positionUnknown) {
      sb.append(", position unknown");
    }
    if (abandonedFence != null) {
      sb.append(", abandoned ").append(abandonedFence.encode());
    }
    return sb.toString();
  }
}
