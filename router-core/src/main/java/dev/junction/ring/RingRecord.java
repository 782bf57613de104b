package dev.junction.ring;

import dev.junction.shard.ShardRing;
import java.util.Objects;

/**
 * What one shard's {@code junction_ring} row says: which shard this database is, the ring its
 * rows were placed by, and, during a resharding, the target ring and the phase.
 *
 * @param shardId the shard this database is (a URL pointing at the wrong database is caught by it)
 * @param version the version of the source ring (the only ring when {@link RingPhase#STABLE})
 * @param layout the source ring's layout
 * @param phase where a resharding stands
 * @param targetVersion the target ring's version, or 0 when stable
 * @param targetLayout the target ring's layout, or null when stable
 * @param minWriteVersion the lowest session ring version this shard's write triggers accept (0: any)
 */
public record RingRecord(String shardId, long version, RingLayout layout, RingPhase phase, long targetVersion,
                         RingLayout targetLayout, long minWriteVersion) {

  public RingRecord {
    Objects.requireNonNull(shardId, "shardId");
    Objects.requireNonNull(layout, "layout");
    Objects.requireNonNull(phase, "phase");
    if ((phase == RingPhase.STABLE) != (targetLayout == null)) {
      throw new IllegalArgumentException("shard " + shardId + ": phase " + phase + " with "
          + (targetLayout == null ? "no" : "a") + " target ring");
    }
  }

  /** The record of a shard of a stable ring. */
  public static RingRecord stable(String shardId, ShardRing ring) {
    return new RingRecord(shardId, ring.version(), RingLayout.of(ring), RingPhase.STABLE, 0, null, 0);
  }

  /** True when this record and {@code other} describe the same rings and phase (shard-specific fields aside). */
  public boolean sameRings(RingRecord other) {
    return version == other.version && layout.equals(other.layout) && phase == other.phase
        && targetVersion == other.targetVersion && Objects.equals(targetLayout, other.targetLayout);
  }

  public ShardRing sourceRing() {
    return layout.toRing(version);
  }

  /** The target ring; only during a resharding. */
  public ShardRing targetRing() {
    if (targetLayout == null) {
      throw new IllegalStateException("ring v" + version + " is stable: no target ring");
    }
    return targetLayout.toRing(targetVersion);
  }

  /** The version routers write by in this phase (and set on their backend sessions). */
  public long writeVersion() {
    return phase.writesByTarget() ? targetVersion : version;
  }

  /** One line for messages: "ring v2 (3 shards, 1a2b...)" or "resharding v2 -> v3 (COPYING)". */
  public String describe() {
    String source = "ring v" + version + " " + layout.shardIds() + " [" + layout.fingerprint() + "]";
    return phase == RingPhase.STABLE ? source
        : "resharding " + source + " -> ring v" + targetVersion + " " + targetLayout.shardIds() + " ["
            + targetLayout.fingerprint() + "], phase " + phase;
  }
}
