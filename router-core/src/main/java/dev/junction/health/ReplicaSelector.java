package dev.junction.health;

import dev.junction.position.ReplicationPosition;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Chooses the replica for a read among those that are readable and, for a fenced read, known to
 * have replayed the fence. Allocation-free: it walks the replica array at most twice.
 *
 * <p>ROUND_ROBIN spreads reads by weight; LEAST_LAG prefers the replica with the smallest measured
 * lag (bytes, then time), breaking ties by round robin. A {@code preferred} replica (the one whose
 * connection the logical connection already holds) wins whenever it qualifies, so a session does
 * not hop between servers for no reason.
 */
public final class ReplicaSelector {
  public enum Strategy { ROUND_ROBIN, LEAST_LAG }

  private final Strategy strategy;
  private final AtomicLong cursor = new AtomicLong();

  public ReplicaSelector(Strategy strategy) {
    this.strategy = strategy;
  }

  public Strategy strategy() {
    return strategy;
  }

  /** The chosen replica, or null when none qualifies. */
  public EndpointState pick(EndpointState[] replicas, ReplicationPosition fence, EndpointState preferred) {
    if (preferred != null && preferred.readable() && preferred.covers(fence)) {
      return preferred;
    }
    return strategy == Strategy.LEAST_LAG ? leastLag(replicas, fence) : weighted(replicas, fence);
  }

  private EndpointState weighted(EndpointState[] replicas, ReplicationPosition fence) {
    long total = 0;
    for (EndpointState r : replicas) {
      if (r.readable() && r.covers(fence)) {
        total += r.weight();
      }
    }
    if (total == 0) {
      return null;
    }
    long ticket = Math.floorMod(cursor.getAndIncrement(), total);
    for (EndpointState r : replicas) {
      if (r.readable() && r.covers(fence)) {
        ticket -= r.weight();
        if (ticket < 0) {
          return r;
        }
      }
    }
    return null; // eligibility changed under us; caller treats as "none"
  }

  private EndpointState leastLag(EndpointState[] replicas, ReplicationPosition fence) {
    EndpointState best = null;
    long start = Math.floorMod(cursor.getAndIncrement(), Math.max(1, replicas.length));
    for (int k = 0; k < replicas.length; k++) {
      EndpointState r = replicas[(int) ((start + k) % replicas.length)];
      if (!r.readable() || !r.covers(fence)) {
        continue;
      }
      if (best == null || compareLag(r, best) < 0) {
        best = r;
      }
    }
    return best;
  }

  private static int compareLag(EndpointState a, EndpointState b) {
    int byBytes = Long.compare(a.lagBytes(), b.lagBytes());
    return byBytes != 0 ? byBytes : Long.compare(a.lagMillis(), b.lagMillis());
  }

  /** The readable replica with the furthest replayed position: the best one to wait on for a fence. */
  public static EndpointState mostAdvancedReadable(EndpointState[] replicas) {
    EndpointState best = null;
    for (EndpointState r : replicas) {
      if (!r.readable()) {
        continue;
      }
      if (best == null) {
        best = r;
        continue;
      }
      ReplicationPosition a = r.replayed();
      ReplicationPosition b = best.replayed();
      if (a != null && (b == null || (a.covers(b) && !b.covers(a)))) {
        best = r;
      }
    }
    return best;
  }
}
