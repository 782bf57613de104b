package dev.junction.ring;

import java.time.Duration;

/**
 * How fresh a router's knowledge of the ring must be. A router re-reads its ring record every
 * {@link #POLL} and refuses sharded statements (retryable) when its last successful read started
 * longer ago than its lease: {@link #STABLE_LEASE} while the ring is stable, {@link #LEASE} once a
 * resharding is recorded. The resharding tool fences no sooner than {@link #STABLE_LEASE} after it
 * recorded COPYING (so every router routing has the short lease by then) and lets the new owners
 * take writes no sooner than {@link #LEASE} after the fence (so every router routing has seen it).
 */
public final class RingLease {
  public static final Duration POLL = Duration.ofMillis(50);
  public static final Duration LEASE = Duration.ofMillis(500);
  public static final Duration STABLE_LEASE = Duration.ofSeconds(5);

  private RingLease() {}
}
