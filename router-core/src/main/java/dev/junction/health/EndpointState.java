package dev.junction.health;

import dev.junction.position.ReplicationPosition;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the router currently believes about one database endpoint: whether its circuit is open,
 * whether (for a replica) it is in the read rotation, how far behind it is, and the latest
 * replication position it was seen to have replayed.
 *
 * <p>Written by the lag monitor and by the statement path when a connection fails or a fence check
 * refreshes the position; read lock-free on every routing decision.
 */
public final class EndpointState {
  public enum Role { PRIMARY, REPLICA }

  private final String shard;
  private final String name;
  private final Role role;
  private final int weight;
  private final AtomicReference<ReplicationPosition> replayed = new AtomicReference<>();
  private volatile long lagMillis = -1;
  private volatile long lagBytes = -1;
  private volatile boolean inRotation = true;
  private volatile boolean circuitOpen;
  private volatile long circuitOpenUntilNanos;
  private volatile int consecutiveFailures;
  private volatile String lastError;

  public EndpointState(String shard, String name, Role role, int weight) {
    this.shard = shard;
    this.name = name;
    this.role = role;
    this.weight = weight;
  }

  public String shard() { return shard; }
  public String name() { return name; }
  public Role role() { return role; }
  public int weight() { return weight; }
  public long lagMillis() { return lagMillis; }
  public long lagBytes() { return lagBytes; }
  public boolean inRotation() { return inRotation; }
  public int consecutiveFailures() { return consecutiveFailures; }
  public String lastError() { return lastError; }

  /** The last replayed position seen, or null before the first observation. */
  public ReplicationPosition replayed() {
    return replayed.get();
  }

  /** False while the circuit is open after a connection failure. */
  public boolean circuitClosed() {
    // The common case is one volatile read; the clock is consulted only while a circuit is open.
    return !circuitOpen || System.nanoTime() - circuitOpenUntilNanos >= 0;
  }

  /** Eligible for unfenced reads: circuit closed and (replicas) within the lag threshold. */
  public boolean readable() {
    return circuitClosed() && inRotation;
  }

  /** True when this endpoint is known to have replayed {@code fence} (null fence: always). */
  public boolean covers(ReplicationPosition fence) {
    if (fence == null) {
      return true;
    }
    ReplicationPosition p = replayed.get();
    return p != null && p.covers(fence);
  }

  /** Records a replayed position; positions only move forward. */
  public void observePosition(ReplicationPosition position) {
    if (position == null) {
      return;
    }
    replayed.accumulateAndGet(position, (current, seen) -> current == null ? seen : current.max(seen));
  }

  /** Resets the position (e.g. the replica was rebuilt); the next observation starts afresh. */
  public void forgetPosition() {
    replayed.set(null);
  }

  public void recordLag(long millis, long bytes, LagPolicy policy) {
    this.lagMillis = millis;
    this.lagBytes = bytes;
    this.inRotation = policy.nextInRotation(inRotation, millis, bytes);
  }

  /** Opens the circuit: base × 2^(failures−1), at most {@code maxOpenMillis}. */
  public void recordFailure(String error, long baseOpenMillis, long maxOpenMillis) {
    int failures = consecutiveFailures + 1;
    consecutiveFailures = failures;
    lastError = error;
    long open = Math.min(maxOpenMillis, baseOpenMillis << Math.min(failures - 1, 16));
    circuitOpenUntilNanos = System.nanoTime() + open * 1_000_000L;
    circuitOpen = true;
  }

  public void recordSuccess() {
    if (consecutiveFailures != 0 || circuitOpen) {
      consecutiveFailures = 0;
      lastError = null;
      circuitOpen = false;
    }
  }

  @Override
  public String toString() {
    return shard + "/" + name;
  }
}
