package dev.junction.jdbc.internal;

import dev.junction.Junction;
import dev.junction.Scope;
import dev.junction.fence.FenceStore;
import dev.junction.fence.FenceStoreUnavailableException;
import dev.junction.health.EndpointState;
import dev.junction.position.ReplicationPosition;
import dev.junction.route.RouteSession;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * The I/O of fencing for one replica set, on the connections the façade hands it: reading the
 * primary's position, recording it in the calling thread's scope (and its store), waiting for a
 * replica to replay a fence, and clamping a fence the primary's history no longer has.
 *
 * <p>Design notes (why this is its own class: {@link RouteSession} decides when a position is needed
 * and what a fence means for a read, but must not do I/O; these are the only places Junction talks
 * to a server about positions on a statement's path, so each is written, measured and tested once):
 * <ul>
 *   <li><b>Positions are read after the commit returned</b>, on the connection that committed (PG:
 *       the insert position, at or past the commit record; see docs). A position query that opened
 *       a transaction (JDBC auto-commit off) is committed at once, so it does not start the next
 *       transaction early.</li>
 *   <li><b>A fence that cannot be stored is made true instead</b>: when the scope's store refuses the
 *       write, Junction waits (up to the fence TTL) until every reachable replica has replayed the
 *       position, so no reader anywhere can observe an older state.</li>
 *   <li><b>Lost history is clamped, not waited for.</b> A fence ahead of the primary's head (failover
 *       to a replica that missed it, a rebuilt primary) would send every read of the scope through
 *       the full wait to the primary until it expires. It is clamped to the head, read fresh each
 *       time (a scope's later writes may lie between an older clamp and the lost fence).</li>
 *   <li>Endpoint states learn what was observed ({@code observePosition}, {@code observeAtLeast}),
 *       so the selector can send the next fenced read to a replica without waiting.</li>
 * </ul>
 */
final class FenceTracker {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(FenceTracker.class);

  /** What the tracker reports for metrics (one shard's meters in production, a recorder in tests). */
  interface Events {
    void waited(long nanos, boolean caughtUp);

    void clamped();

    void recordFailed();
  }

  private final String shard;
  private final EndpointState primary;
  /** The replica pools, to make an unstorable fence true (see {@link #awaitReplicasCovering}). */
  private final ConnectionHolder.Source[] replicas;
  private final JdbcDialect dialect;
  private final FenceStore store;
  private final long ttlMillis;
  private final Events events;
  /** The last fence found ahead of the primary, per replica set: logged once, not per read. */
  private final java.util.function.Function<ReplicationPosition, Boolean> firstSighting;

  FenceTracker(String shard, EndpointState primary, ConnectionHolder.Source[] replicas, JdbcDialect dialect,
               FenceStore store, long ttlMillis, Events events,
               java.util.function.Function<ReplicationPosition, Boolean> firstSighting) {
    this.shard = shard;
    this.primary = primary;
    this.replicas = replicas;
    this.dialect = dialect;
    this.store = store;
    this.ttlMillis = ttlMillis;
    this.events = events;
    this.firstSighting = firstSighting;
  }

  /** The primary's position now, read on {@code onPrimary}; the primary's state learns it. */
  ReplicationPosition readPosition(Connection onPrimary) throws SQLException {
    return readPosition(onPrimary, true);
  }

  /**
   * As {@link #readPosition(Connection)}. {@code committedHere}: the write to fence ran on {@code onPrimary}.
   * When it did not (a fresh connection after a lost one, a pending fence read later), only the server-wide
   * head is at or past it (MariaDB's {@code @@last_gtid} is the session's own).
   */
  ReplicationPosition readPosition(Connection onPrimary, boolean committedHere) throws SQLException {
    ReplicationPosition position = committedHere ? dialect.primaryPosition(onPrimary) : dialect.primaryHead(onPrimary);
    if (!onPrimary.getAutoCommit()) {
      onPrimary.commit(); // end the (empty) transaction the position query opened
    }
    primary.observePosition(position);
    return position;
  }

  /**
   * Records a committed write's position in the calling thread's scope (and its store). When the
   * store cannot take it, waits for the replicas to replay it instead (see the class notes).
   */
  void recordInScope(ReplicationPosition position) {
    Scope scope = Junction.currentScope();
    if (scope == null) {
      return;
    }
    try {
      scope.advance(store, shard, position);
    } catch (FenceStoreUnavailableException e) {
      // Other servers may still read the store and would not see this fence: make the write
      // visible everywhere before returning instead.
      events.recordFailed();
      log.warn("could not store the fence {} of scope {} ({}); waiting for the replicas to replay the write instead",
          position, scope, e.getMessage());
      awaitReplicasCovering(position);
    }
  }

  /**
   * Waits, up to one fence TTL, until every reachable replica has replayed {@code position}. Used when
   * a fence cannot be stored: afterwards no reader anywhere can observe a state older than the write.
   */
  void awaitReplicasCovering(ReplicationPosition position) {
    long deadline = System.nanoTime() + ttlMillis * 1_000_000;
    for (ConnectionHolder.Source pool : replicas) {
      EndpointState state = pool.state();
      if (state.covers(position)) {
        continue;
      }
      long remainingMillis = (deadline - System.nanoTime()) / 1_000_000;
      try (Connection c = pool.acquire()) {
        long generation = state.generation();
        if (remainingMillis > 0 && dialect.awaitReplay(c, position, remainingMillis)) {
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

  /**
   * Waits up to {@code budgetMillis} until {@code replica} (a connection to {@code state}) has
   * replayed {@code fence}. Throws when the wait itself failed (the caller evicts the connection and
   * reports {@link RouteSession.AwaitOutcome#FAILED}).
   */
  RouteSession.AwaitOutcome await(Connection replica, EndpointState state, ReplicationPosition fence, long budgetMillis)
      throws SQLException {
    long start = System.nanoTime();
    long generation = state.generation();
    boolean caughtUp = false;
    try {
      caughtUp = dialect.awaitReplay(replica, fence, budgetMillis);
    } finally {
      events.waited(System.nanoTime() - start, caughtUp);
    }
    if (caughtUp) {
      state.observeAtLeast(generation, fence);
      return RouteSession.AwaitOutcome.CAUGHT_UP;
    }
    return RouteSession.AwaitOutcome.TIMED_OUT;
  }

  /** Opens (or returns) the primary connection the head is read on. */
  @FunctionalInterface
  interface PrimaryConnection {
    Connection get() throws SQLException;
  }

  /**
   * The fence, or the part of it the primary's history still has (see the class notes). Costs one
   * primary query, only when the primary's cached head is behind the fence (normally the cached head
   * is at or past every fence this router recorded). {@code commitProbe}: the connection is outside
   * an open transaction, so a transaction the query opened is committed.
   */
  ReplicationPosition unlessLost(ReplicationPosition fence, PrimaryConnection onPrimary, boolean commitProbe) {
    ReplicationPosition cachedHead = primary.replayed();
    if (cachedHead == null || cachedHead.covers(fence)) {
      return fence;
    }
    ReplicationPosition head;
    try {
      Connection c = onPrimary.get();
      head = dialect.primaryHead(c);
      if (commitProbe && !c.getAutoCommit()) {
        c.commit(); // end the (empty) transaction the query opened
      }
    } catch (SQLException e) {
      return fence; // cannot tell: keep the fence (the read then waits, or uses the primary)
    }
    if (head.covers(fence)) {
      return fence; // a write newer than the cached head, not a lost history
    }
    ReplicationPosition clamped = fence.clampTo(head);
    events.clamped();
    if (firstSighting.apply(fence)) {
      log.warn("fence {} on shard {} is ahead of its primary ({}): the history it refers to was lost (failover or rebuild);"
          + " reads wait for the primary's head instead", fence, shard, head);
    }
    return clamped;
  }
}
