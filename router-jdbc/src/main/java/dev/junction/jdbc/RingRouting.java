package dev.junction.jdbc;

import dev.junction.config.ConfigException;
import dev.junction.ring.RingLayout;
import dev.junction.ring.RingRecord;
import dev.junction.shard.ShardRing;
import java.sql.SQLTransientConnectionException;

/** Which ring a router routes by in each phase of a resharding the shards record. */
final class RingRouting {
  private RingRouting() {}

  /** A deferred ring check; throws with the refusal, or when the shards still cannot be reached. */
  interface PendingCheck {
    void run();
  }

  static ShardRing ringFor(RingRecord record) {
    return switch (record.phase()) {
      case STABLE, COPYING -> record.sourceRing();
      case SWITCHED -> record.targetRing();
      case FENCED, SWITCHING -> throw new ConfigException("junction.sharding", "Junction: a resharding is switching"
          + " rings right now (" + record.describe() + "); start again in a few seconds");
    };
  }

  /**
   * For a router that started before any shard was reachable and routes by its configured ring:
   * the shards must now confirm that very ring.
   */
  static void requireSameRing(RingRecord record, ShardRing configured) {
    if (record == null) {
      throw new IllegalStateException("no shard can be reached yet");
    }
    if (!RingLayout.of(ringFor(record)).equals(RingLayout.of(configured))) {
      throw new ConfigException("junction.sharding", "Junction: the shards record " + record.describe() + ", which"
          + " this router (started while no shard was reachable) does not route by; restart it");
    }
  }

  /** The refusal of a sharded statement while the ring is unconfirmed (retryable: 08001-class, nothing ran). */
  static SQLTransientConnectionException unverified(RuntimeException cause) {
    return new SQLTransientConnectionException("Junction: the ring recorded in the shards has not been confirmed yet ("
        + (cause == null ? "checked less than a second ago" : cause.getMessage()) + "); no statement runs on sharded"
        + " data until it is. Retry when the shards are reachable.", "08001", cause);
  }
}
