package dev.junction.ring;

/**
 * Where a resharding stands, as recorded in every shard. Routers follow the phase they read from
 * the data; the resharding tool is the only writer.
 *
 * <pre>
 * STABLE ──plan/schema──► COPYING ──fence──► FENCED ──drained──► SWITCHING ──► SWITCHED ──cleanup──► STABLE (target)
 *                            └──────────── rollback (nothing moved yet) ────────────┘        └──rollback──► STABLE (source)
 * </pre>
 */
public enum RingPhase {
  /** One ring, no resharding: route by the recorded ring. */
  STABLE(false, false),
  /** Rows of moving arcs are being copied and caught up to the target; route by the source ring. */
  COPYING(false, false),
  /** Sources refuse stale-version writes; moving keys: reads by the source ring, writes refused (retryable). */
  FENCED(true, false),
  /** The target has caught up; moving keys: reads by the target ring, writes still refused (retryable). */
  SWITCHING(true, true),
  /** Route everything by the target ring; the moved rows still sit on their old owners until cleanup. */
  SWITCHED(false, true);

  private final boolean movingWritesRefused;
  private final boolean readsByTarget;

  RingPhase(boolean movingWritesRefused, boolean readsByTarget) {
    this.movingWritesRefused = movingWritesRefused;
    this.readsByTarget = readsByTarget;
  }

  /** True while a write to a key whose owner changes must be refused with a retryable error. */
  public boolean movingWritesRefused() {
    return movingWritesRefused;
  }

  /** True when reads of moving keys go to their new owner. */
  public boolean readsByTarget() {
    return readsByTarget;
  }

  /** True when writes are routed (and session-versioned) by the target ring. */
  public boolean writesByTarget() {
    return this == FENCED || this == SWITCHING || this == SWITCHED;
  }
}
