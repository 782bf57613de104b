package dev.junction.jdbc;

import dev.junction.config.ConfigException;
import dev.junction.ring.RingRecord;
import dev.junction.shard.ShardRing;

/** Which ring a router routes by in each phase of a resharding the shards record. */
final class RingRouting {
  private RingRouting() {}

  static ShardRing ringFor(RingRecord record) {
    return switch (record.phase()) {
      case STABLE, COPYING -> record.sourceRing();
      case SWITCHED -> record.targetRing();
      case FENCED, SWITCHING -> throw new ConfigException("junction.sharding", "Junction: a resharding is switching"
          + " rings right now (" + record.describe() + "); start again in a few seconds");
    };
  }
}
