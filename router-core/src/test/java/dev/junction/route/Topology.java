package dev.junction.route;

import dev.junction.classify.Classification;
import dev.junction.classify.Dialect;
import dev.junction.classify.StatementClassifier;
import dev.junction.fence.FenceStoreUnavailableException;
import dev.junction.health.EndpointState;
import dev.junction.health.LagPolicy;
import dev.junction.health.ReplicaSelector;
import dev.junction.position.MariaDbGtidPosition;
import dev.junction.position.PgLsn;
import dev.junction.position.ReplicationPosition;

/**
 * A replica set for the decision tests: real endpoint states, selector and classifier of one
 * dialect, and three positions per dialect, {@link #behind()} &lt; {@link #fence()} &lt;= {@link #ahead()}.
 * For MariaDB the fence spans two GTID domains and "behind" is ahead in one domain but lacks the
 * other, so domain-wise comparison is exercised through the decision.
 */
final class Topology {
  static final long BUDGET_MILLIS = 250;
  static final LagPolicy LAG_POLICY = new LagPolicy(1_000, 0, 500, 0);

  final Dialect dialect;
  final StatementClassifier classifier;
  final EndpointState primary;
  final EndpointState[] replicas;
  final ReplicaSet set;
  private final ReplicationPosition behind;
  private final ReplicationPosition fence;
  private final ReplicationPosition ahead;
  private static final java.util.Map<String, Classification> CLASSIFIED = new java.util.concurrent.ConcurrentHashMap<>();

  Topology(Dialect dialect, int replicaCount) {
    this(dialect, replicaCount, ReplicaSelector.Strategy.ROUND_ROBIN);
  }

  Topology(Dialect dialect, int replicaCount, StatementClassifier classifier) {
    this(dialect, replicaCount, ReplicaSelector.Strategy.ROUND_ROBIN, classifier);
  }

  Topology(Dialect dialect, int replicaCount, ReplicaSelector.Strategy strategy) {
    this(dialect, replicaCount, strategy, new StatementClassifier(dialect));
  }

  Topology(Dialect dialect, int replicaCount, ReplicaSelector.Strategy strategy, StatementClassifier classifier) {
    this.dialect = dialect;
    this.classifier = classifier;
    boolean pg = dialect == Dialect.POSTGRESQL;
    this.behind = pg ? new PgLsn(0x1000) : MariaDbGtidPosition.parse("0-1-900");
    this.fence = pg ? new PgLsn(0x2000) : MariaDbGtidPosition.parse("0-1-20,1-1-7");
    this.ahead = pg ? new PgLsn(0x3000) : MariaDbGtidPosition.parse("0-1-30,1-1-9");
    this.primary = new EndpointState("main", "primary", EndpointState.Role.PRIMARY, 1);
    this.replicas = new EndpointState[replicaCount];
    for (int i = 0; i < replicaCount; i++) {
      replicas[i] = new EndpointState("main", "replica" + (i + 1), EndpointState.Role.REPLICA, 1);
    }
    this.set = new ReplicaSet("main", primary, replicas, new ReplicaSelector(strategy), BUDGET_MILLIS);
  }

  RouteSession session() {
    return new RouteSession(set);
  }

  /** Memoised: literal-bearing statements are cached by shape and re-lexed per call, too slow for the matrix. */
  Classification classify(String sql) {
    return CLASSIFIED.computeIfAbsent(dialect + "\u0000" + sql, key -> classifier.classify(sql));
  }

  ReplicationPosition behind() {
    return behind;
  }

  ReplicationPosition fence() {
    return fence;
  }

  ReplicationPosition ahead() {
    return ahead;
  }

  /** The health of one replica, as the lag monitor and the circuits would leave it. */
  enum Health {
    /** Readable, replayed past the fence. */
    COVERING,
    /** Readable, behind the fence. */
    BEHIND,
    /** Readable, no position observed yet (covers no fence). */
    UNKNOWN,
    /** Out of rotation: lag above max-lag. */
    LAGGING,
    /** Circuit open after a connection failure. */
    DOWN;

    boolean readable() {
      return this == COVERING || this == BEHIND || this == UNKNOWN;
    }
  }

  void health(int replica, Health health) {
    EndpointState r = replicas[replica];
    switch (health) {
      case COVERING -> r.observePosition(ahead());
      case BEHIND -> r.observePosition(behind());
      case UNKNOWN -> { }
      case LAGGING -> {
        r.observePosition(ahead());
        r.recordLag(5_000, -1, LAG_POLICY);
      }
      case DOWN -> {
        r.observePosition(ahead());
        r.recordFailure("connection refused", 600_000, 600_000);
      }
    }
  }

  /** A scope's context: its fence for this shard (or unavailable), and the primary hint. */
  static RouteContext context(boolean inScope, ReplicationPosition scopeFence, boolean storeDown, boolean primaryForced) {
    return new RouteContext() {
      @Override
      public boolean primaryForced() {
        return primaryForced;
      }

      @Override
      public boolean inScope() {
        return inScope;
      }

      @Override
      public ReplicationPosition scopeFence(String shard) throws FenceStoreUnavailableException {
        if (storeDown) {
          throw new FenceStoreUnavailableException("redis down (test)", null);
        }
        return scopeFence;
      }
    };
  }
}
