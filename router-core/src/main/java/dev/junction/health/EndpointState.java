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
 *
 * <p>A replica's replayed position belongs to one incarnation of the server: a standby that
 * restarts after a crash accepts connections while it replays again from its last restartpoint,
 * far behind what it reported before. So the cache is only ever raised by observations from the
 * same incarnation, and is thrown away on any sign of a new one (a connection failure, another start
 * time, a sample that went backwards); until a fresh sample proves otherwise the replica covers no
 * fence. See {@link #observeSample}.
 */
public final class EndpointState {
  public enum Role { PRIMARY, REPLICA }

  private final String shard;
  private final String name;
  private final Role role;
  private final int weight;
  /** The cached position with the generation it belongs to and the server start time it was seen under. */
  private record Observed(long generation, ReplicationPosition position, long startedAtMillis) {}

  private final AtomicReference<Observed> observed = new AtomicReference<>(new Observed(0, null, 0));
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

  /** The last replayed position seen in the current incarnation, or null when none proves anything. */
  public ReplicationPosition replayed() {
    return observed.get().position;
  }

  /**
   * The observation generation: it changes whenever the cached position is thrown away (a connection
   * failure, a restart, a position that went backwards). Read it <em>before</em> querying the
   * server and pass it to {@link #observeSample} or {@link #observeAtLeast}: a result that was
   * obtained from an earlier incarnation but arrives after the reset is then ignored.
   */
  public long generation() {
    return observed.get().generation;
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
    ReplicationPosition p = observed.get().position;
    return p != null && p.covers(fence);
  }

  /**
   * A sample of the server's own replayed position, taken on a live connection after
   * {@link #generation()} returned {@code generation}. {@code startedAtMillis} is the server's start
   * time (0: unknown).
   *
   * <p>Within one incarnation a replayed position only grows, so a sample is merged by maximum. A
   * sample that shows another start time, or a position behind the cached one, proves the cache
   * wrong (the server restarted, or was rebuilt, and is replaying from an earlier point): the cache
   * is <em>replaced</em> by the sample and the generation moves on, so that results still in flight
   * from before cannot raise it again. Replacing on an out-of-order sample of the same incarnation
   * only lowers the cache, which is safe.
   */
  public void observeSample(long generation, long startedAtMillis, ReplicationPosition position) {
    while (true) {
      Observed current = observed.get();
      if (current.generation != generation) {
        return; // sampled before a reset: says nothing about the server's current incarnation
      }
      Observed next;
      if (position == null) {
        next = new Observed(current.generation + 1, null, startedAtMillis);
      } else if (current.position == null) {
        next = new Observed(current.generation, position, startedAtMillis);
      } else if (restarted(current.startedAtMillis, startedAtMillis) || !position.covers(current.position)) {
        next = new Observed(current.generation + 1, position, startedAtMillis);
      } else {
        next = new Observed(current.generation, position, startedAtMillis == 0 ? current.startedAtMillis : startedAtMillis);
      }
      if (observed.compareAndSet(current, next)) {
        return;
      }
    }
  }

  /**
   * Two start times of the same server more than {@link #RESTART_TOLERANCE_MILLIS} apart: a new
   * incarnation. The tolerance absorbs start times computed from a whole-second uptime (MariaDB); a
   * server that crashed within it of its previous start is still caught by its connection failure.
   */
  private static boolean restarted(long before, long now) {
    return before != 0 && now != 0 && Math.abs(now - before) > RESTART_TOLERANCE_MILLIS;
  }

  static final long RESTART_TOLERANCE_MILLIS = 2_000;

  /**
   * Proof that the server has replayed at least {@code position} (e.g. a fence wait succeeded),
   * obtained after {@link #generation()} returned {@code generation}: raises the cache, never lowers
   * it, and is ignored when the cache was reset since.
   */
  public void observeAtLeast(long generation, ReplicationPosition position) {
    if (position == null) {
      return;
    }
    while (true) {
      Observed current = observed.get();
      if (current.generation != generation) {
        return;
      }
      ReplicationPosition next = current.position == null ? position : current.position.max(position);
      if (next == current.position || observed.compareAndSet(current, new Observed(current.generation, next, current.startedAtMillis))) {
        return;
      }
    }
  }

  /** {@link #observeAtLeast} in the current generation: for the primary's own position, and tests. */
  public void observePosition(ReplicationPosition position) {
    observeAtLeast(generation(), position);
  }

  /**
   * Throws the cached position away: the endpoint covers no fence until a fresh sample from its
   * current incarnation proves it. Called on a connection failure, and when a replica stops being one.
   */
  public void forgetPosition() {
    while (true) {
      Observed current = observed.get();
      if (observed.compareAndSet(current, new Observed(current.generation + 1, null, 0))) {
        lagMillis = -1;
        lagBytes = -1;
        return;
      }
    }
  }

  public void recordLag(long millis, long bytes, LagPolicy policy) {
    this.lagMillis = millis;
    this.lagBytes = bytes;
    this.inRotation = policy.nextInRotation(inRotation, millis, bytes);
  }

  /**
   * Opens the circuit: base × 2^(failures−1), at most {@code maxOpenMillis}. A connection failure
   * may be a restart, and a restarted replica replays from an earlier point than it had reached:
   * the cached position is forgotten.
   */
  public void recordFailure(String error, long baseOpenMillis, long maxOpenMillis) {
    forgetPosition();
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
