package dev.junction.ring;

/**
 * Where a resharding stands, as recorded in every shard. Routers follow the phase they read from
 * the data; the resharding tool is the only writer.
 *
 * <pre>
 * STABLE ──start──► COPYING ──fence──► FENCED ──drained + one lease──► SWITCHED ──cleanup──► STABLE (target ring)
 *                      └──── rollback (the sources still own every moving key) ────┘   └──rollback: reshard back──┘
 * </pre>
 */
public enum RingPhase {
  /** One ring, no resharding: route by the recorded ring. */
  STABLE,
  /** Rows of moving keys are copied and caught up to their new owners; route by the source ring. */
  COPYING,
  /**
   * The sources reject writes from sessions older than the target version; routers refuse reads and
   * writes of moving keys (retryable) and route the rest by the source ring, which agrees with the
   * target ring for every key that does not move.
   */
  FENCED,
  /** Route by the target ring; the moved rows still sit on their old owners until the cleanup. */
  SWITCHED;

  /** True when writes are routed (and session-versioned) by the target ring. */
  public boolean writesByTarget() {
    return this == FENCED || this == SWITCHED;
  }
}
