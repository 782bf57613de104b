package dev.junction.route;

import dev.junction.health.EndpointState;
import dev.junction.health.ReplicaSelector;
import java.util.Objects;

/**
 * One primary and its replicas as the decision sees them: the endpoints' live state, the replica
 * selector and the fence wait budget. Shared by every session of the replica set (thread-safe).
 *
 * <p>It also interns the fence-free placements: one {@link Route} per (endpoint, reason, flags),
 * created on first use. The table is written racily, which is safe because a route is immutable
 * (final fields) and two racing writers store equal values.
 */
public final class ReplicaSet {
  private static final int REASONS = RouteReason.values().length;

  private final String shard;
  private final EndpointState primary;
  private final EndpointState[] replicas;
  private final ReplicaSelector selector;
  private final long maxFenceWaitMillis;
  private final Route[] placements;
  private final Route readPosition;

  /**
   * @param shard              the shard (replica set) name; fences are kept per shard name
   * @param primary            the primary's state
   * @param replicas           the replicas' states, at most 63; may be empty
   * @param selector           how reads choose among qualifying replicas
   * @param maxFenceWaitMillis how long a fenced read may wait on a replica before using the primary
   */
  public ReplicaSet(String shard, EndpointState primary, EndpointState[] replicas, ReplicaSelector selector,
                    long maxFenceWaitMillis) {
    this.shard = Objects.requireNonNull(shard, "shard");
    this.primary = Objects.requireNonNull(primary, "primary");
    this.replicas = replicas.clone();
    this.selector = Objects.requireNonNull(selector, "selector");
    if (primary.role() != EndpointState.Role.PRIMARY) {
      throw new IllegalArgumentException(primary + " is not a primary");
    }
    if (this.replicas.length > 63) {
      throw new IllegalArgumentException("at most 63 replicas per shard, got " + this.replicas.length);
    }
    for (EndpointState r : this.replicas) {
      if (r == null || r.role() != EndpointState.Role.REPLICA) {
        throw new IllegalArgumentException(r + " is not a replica");
      }
    }
    if (maxFenceWaitMillis < 0) {
      throw new IllegalArgumentException("maxFenceWaitMillis must be >= 0, got " + maxFenceWaitMillis);
    }
    this.maxFenceWaitMillis = maxFenceWaitMillis;
    this.placements = new Route[(1 + this.replicas.length) * REASONS * Route.FLAG_COMBINATIONS];
    this.readPosition = new Route(Route.Opcode.READ_POSITION, primary, null, null, 0, 0, null);
  }

  public String shard() {
    return shard;
  }

  public EndpointState primary() {
    return primary;
  }

  /** The replicas in configuration order (a copy). */
  public EndpointState[] replicas() {
    return replicas.clone();
  }

  public long maxFenceWaitMillis() {
    return maxFenceWaitMillis;
  }

  boolean hasReplicas() {
    return replicas.length > 0;
  }

  EndpointState[] replicaArray() {
    return replicas;
  }

  ReplicaSelector selector() {
    return selector;
  }

  /** Index of a replica in {@link #replicas()}, or -1 (the primary, or not of this set). */
  int replicaIndex(EndpointState endpoint) {
    for (int i = 0; i < replicas.length; i++) {
      if (replicas[i] == endpoint) {
        return i;
      }
    }
    return -1;
  }

  /** The interned placement on {@code target} (the primary or one of the replicas). */
  Route place(EndpointState target, RouteReason reason, int flags) {
    int endpoint = target == primary ? 0 : 1 + replicaIndex(target);
    if (endpoint == 0 && target != primary) {
      throw new IllegalArgumentException(target + " is not an endpoint of shard " + shard);
    }
    if (reason.isReplica() != (endpoint != 0)) {
      throw new IllegalArgumentException(reason + " does not place on " + target);
    }
    int i = (endpoint * REASONS + reason.ordinal()) * Route.FLAG_COMBINATIONS + flags;
    Route r = placements[i];
    if (r == null) {
      r = new Route(endpoint == 0 ? Route.Opcode.PRIMARY : Route.Opcode.REPLICA, target, reason, null, 0, flags, null);
      placements[i] = r;
    }
    return r;
  }

  Route readPosition() {
    return readPosition;
  }

  @Override
  public String toString() {
    return shard + " (primary " + primary.name() + ", " + replicas.length + " replica(s))";
  }
}
