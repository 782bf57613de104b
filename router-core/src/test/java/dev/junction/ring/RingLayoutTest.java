package dev.junction.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.shard.ShardRing;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RingLayoutTest {

  @Test
  void roundTripKeepsEveryKeysShardForHostileIdsAndEveryPinType() {
    ShardRing ring = ShardRing.builder().version(7).virtualNodesPerWeight(64)
        .shard("a,b").shard("x:y", 3).shard("ü>%= z").shard("s0")
        .override(42L, "x:y").override("tenant,acme", "a,b").override(UUID.fromString("123e4567-e89b-12d3-a456-426614174000"), "s0")
        .override(new byte[] {0, 1, (byte) 0xff}, "ü>%= z").override("", "s0")
        .build();
    RingLayout layout = RingLayout.of(ring);
    ShardRing back = new RingLayout(layout.text()).toRing(7);

    assertThat(RingLayout.of(back)).isEqualTo(layout);
    for (long k = -5_000; k < 50_000; k++) {
      assertThat(back.shardFor(k)).as("key %d", k).isEqualTo(ring.shardFor(k));
    }
    for (int i = 0; i < 5_000; i++) {
      String key = "k" + i;
      assertThat(back.shardFor(key)).isEqualTo(ring.shardFor(key));
    }
    assertThat(back.shardFor(42L)).isEqualTo("x:y");
    assertThat(back.shardFor("tenant,acme")).isEqualTo("a,b");
    assertThat(back.shardFor(new byte[] {0, 1, (byte) 0xff})).isEqualTo("ü>%= z");
    assertThat(back.shardFor("")).isEqualTo("s0");
    assertThat(back.overrideCount()).isEqualTo(5);
    assertThat(layout.shardIds()).containsExactly("a,b", "s0", "x:y", "ü>%= z");
  }

  @Test
  void declarationOrderIsNotPartOfTheLayoutButWeightsVnodesAndPinsAre() {
    RingLayout a = RingLayout.of(ShardRing.of("s0", "s1", "s2"));
    assertThat(RingLayout.of(ShardRing.of("s2", "s0", "s1"))).isEqualTo(a);
    assertThat(RingLayout.of(ShardRing.builder().version(9).shard("s0").shard("s1").shard("s2").build()))
        .as("the version is recorded beside the layout, not in it").isEqualTo(a);
    assertThat(RingLayout.of(ShardRing.of("s0", "s1", "s2", "s3"))).isNotEqualTo(a);
    assertThat(RingLayout.of(ShardRing.builder().shard("s0").shard("s1", 2).shard("s2").build())).isNotEqualTo(a);
    assertThat(RingLayout.of(ShardRing.builder().virtualNodesPerWeight(512).shard("s0").shard("s1").shard("s2").build()))
        .isNotEqualTo(a);
    assertThat(RingLayout.of(ShardRing.of("s0", "s1", "s2").withOverride(1L, "s0"))).isNotEqualTo(a);
    assertThat(a.text()).isEqualTo("junction-ring/1 vnodes=1024 shards=s0:1,s1:1,s2:1 pins=");
  }

  @Test
  void integralPinsOfAnyWidthAreOneCanonicalPin() {
    assertThat(RingLayout.of(ShardRing.of("s0", "s1").withOverride(42, "s1")))
        .isEqualTo(RingLayout.of(ShardRing.of("s0", "s1").withOverride(new java.math.BigDecimal("42.00"), "s1")));
  }

  @Test
  void damagedTextIsRefusedWithWhatIsWrong() {
    assertThatThrownBy(() -> new RingLayout("hello")).hasMessageContaining("not a Junction ring layout");
    assertThatThrownBy(() -> new RingLayout("junction-ring/1 vnodes=x shards=s0:1 pins=").toRing(1))
        .hasMessageContaining("vnodes=x is not a number");
    assertThatThrownBy(() -> new RingLayout("junction-ring/1 vnodes=8 shards=s0 pins=").toRing(1))
        .hasMessageContaining("'s0' is not id:weight");
    assertThatThrownBy(() -> new RingLayout("junction-ring/1 vnodes=8 shards=s0:1 pins=float:1>s0").toRing(1))
        .hasMessageContaining("unknown key type 'float'");
    assertThatThrownBy(() -> new RingLayout("junction-ring/1 vnodes=8 pins=").toRing(1)).hasMessageContaining("no 'shards=' field");
  }
}
