package dev.junction.reshard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.shard.KeyHash;
import dev.junction.shard.ShardRing;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MovingArcsTest {

  /** The arcs agree with both rings' own lookup on a million random hashes, including the wrap. */
  static void agreesWithTheRings(MovingArcs arcs) {
    SplittableRandom random = new SplittableRandom(13);
    long[] probes = new long[1_000_000];
    for (int i = 0; i < probes.length - 4; i++) {
      probes[i] = random.nextLong();
    }
    probes[probes.length - 4] = 0;
    probes[probes.length - 3] = -1; // 2^64 - 1
    probes[probes.length - 2] = Long.MIN_VALUE;
    probes[probes.length - 1] = Long.MAX_VALUE;
    for (long h : probes) {
      String a = arcs.from().shardForHash(h);
      String b = arcs.to().shardForHash(h);
      int arc = arcs.arcOf(h);
      if (a.equals(b)) {
        assertThat(arc).as("hash %x does not move", h).isEqualTo(-1);
      } else {
        assertThat(arc).as("hash %x moves %s -> %s", h, a, b).isNotNegative();
        MovingArcs.Arc found = arcs.arcs().get(arc);
        assertThat(found.from()).isEqualTo(a);
        assertThat(found.to()).isEqualTo(b);
        assertThat(Long.compareUnsigned(h - found.startExclusive() - 1, found.endInclusive() - found.startExclusive() - 1))
            .as("hash %x inside its arc (%x, %x]", h, found.startExclusive(), found.endInclusive()).isLessThanOrEqualTo(0);
      }
    }
  }

  @Test
  void addingAShardMovesAboutAQuarterOfThreeShardsAllToTheNewShard() {
    ShardRing three = ShardRing.of("s0", "s1", "s2");
    MovingArcs arcs = new MovingArcs(three, three.withShard("s3"));
    agreesWithTheRings(arcs);
    assertThat(arcs.arcs()).allSatisfy(a -> assertThat(a.to()).isEqualTo("s3"));
    assertThat(arcs.totalShare()).isCloseTo(three.withShard("s3").hashSpaceShare("s3"), org.assertj.core.data.Offset.offset(1e-9));
    assertThat(arcs.totalShare()).isBetween(0.25 * 0.9, 0.25 * 1.1);
    long moved = 0;
    for (long k = 0; k < 200_000; k++) {
      moved += arcs.arcOf(KeyHash.ofLong(k)) >= 0 ? 1 : 0;
      assertThat(arcs.arcOf(KeyHash.ofLong(k)) >= 0).isEqualTo(arcs.movesKey(k));
    }
    assertThat(moved / 200_000.0).isCloseTo(arcs.totalShare(), org.assertj.core.data.Offset.offset(0.01));
  }

  @Test
  void weightChangesRemovalsAndPinsAgreeWithTheRingsToo() {
    ShardRing ring = ShardRing.of("a", "b", "c", "d");
    agreesWithTheRings(new MovingArcs(ring, ring.withWeight("b", 3)));
    agreesWithTheRings(new MovingArcs(ring, ring.withoutShard("c")));
    MovingArcs removal = new MovingArcs(ring, ring.withoutShard("c"));
    assertThat(removal.arcs()).allSatisfy(a -> assertThat(a.from()).isEqualTo("c"));
    MovingArcs pin = new MovingArcs(ring, ring.withOverride(42L, ring.shardFor(42L).equals("a") ? "b" : "a"));
    assertThat(pin.arcs()).isEmpty();
    assertThat(pin.pinsMoving()).containsKey(42L);
    assertThat(pin.movesKey(42L)).isTrue();
    assertThat(pin.movesKey(43L)).isFalse();
  }

  @Test
  void tinyRingsWithFewNodesAndTheWrapArc() {
    ShardRing small = ShardRing.builder().virtualNodesPerWeight(2).shard("x").shard("y").build();
    for (String added : new String[] {"z", "w", "v"}) {
      agreesWithTheRings(new MovingArcs(small, small.withShard(added)));
    }
    ShardRing one = ShardRing.builder().virtualNodesPerWeight(1).shard("x").build();
    MovingArcs everything = new MovingArcs(one.withShard("y"), one);
    agreesWithTheRings(everything);
  }
}
