package dev.junction.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.ring.RingLayout;
import dev.junction.ring.RingPhase;
import dev.junction.ring.RingRecord;
import dev.junction.shard.ShardRing;
import org.junit.jupiter.api.Test;

/** Which shards of the routing ring receive copies while a resharding copies, per kind of change. */
class CopyTargetsTest {
  static RingRecord copying(ShardRing from, ShardRing to) {
    return new RingRecord("s0", from.version(), RingLayout.of(from), RingPhase.COPYING, to.version(), RingLayout.of(to), 0);
  }

  @Test
  void addingAShardCopiesOnlyIntoTheNewShardWhichNoRouterReadsYet() {
    ShardRing from = ShardRing.builder().shard("s0").shard("s1").build();
    ShardRing to = ShardRing.builder().version(2).shard("s0").shard("s1").shard("s2").build();
    assertThat(CopyTargets.readWhileCopying(copying(from, to))).isEmpty();
  }

  @Test
  void aWeightChangeCopiesIntoAShardTheSourceRingReads() {
    ShardRing from = ShardRing.builder().shard("s0").shard("s1").shard("s2").build();
    ShardRing to = ShardRing.builder().version(2).shard("s0").shard("s1", 3).shard("s2").build();
    assertThat(CopyTargets.readWhileCopying(copying(from, to))).containsExactly("s1");
  }

  @Test
  void removingAShardCopiesIntoTheShardsThatStay() {
    ShardRing from = ShardRing.builder().shard("s0").shard("s1").shard("s2").build();
    ShardRing to = ShardRing.builder().version(2).shard("s0").shard("s1").build();
    assertThat(CopyTargets.readWhileCopying(copying(from, to))).containsExactlyInAnyOrder("s0", "s1");
  }

  @Test
  void noCopiesOutsideCopying() {
    ShardRing from = ShardRing.builder().shard("s0").shard("s1").build();
    assertThat(CopyTargets.readWhileCopying(RingRecord.stable("s0", from))).isEmpty();
    assertThat(CopyTargets.readWhileCopying(null)).isEmpty();
  }
}
