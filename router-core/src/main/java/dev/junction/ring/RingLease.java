package dev.junction.ring;

import java.time.Duration;

/**
 * How fresh a router's knowledge of the ring must be. A router re-reads its ring record every
 * {@link #POLL} and stops routing sharded statements when its last successful read started more
 * than {@link #LEASE} ago; the resharding tool waits at least {@link #LEASE} after each cut-over
 * phase change, after which every router still routing has seen the change.
 */
public final class RingLease {
  public static final Duration POLL = Duration.ofMillis(50);
  public static final Duration LEASE = Duration.ofMillis(250);

  private RingLease() {}
}
