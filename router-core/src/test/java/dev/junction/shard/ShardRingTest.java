package dev.junction.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ShardRingTest {

  static final ShardRing FOUR = ShardRing.of("s0", "s1", "s2", "s3");

  // ------------------------------------------------------------ determinism and equality

  static Stream<Arguments> specs() {
    return Stream.of(
        Arguments.of("4 equal", (UnaryOperator<ShardRing.Builder>) b ->
            b.shard("s0").shard("s1").shard("s2").shard("s3")),
        Arguments.of("weighted", (UnaryOperator<ShardRing.Builder>) b ->
            b.shard("a", 3).shard("b").shard("c", 2)),
        Arguments.of("few vnodes", (UnaryOperator<ShardRing.Builder>) b ->
            b.virtualNodesPerWeight(7).shard("x").shard("y")),
        Arguments.of("one shard, one vnode", (UnaryOperator<ShardRing.Builder>) b ->
            b.virtualNodesPerWeight(1).shard("only")),
        Arguments.of("with overrides", (UnaryOperator<ShardRing.Builder>) b ->
            b.version(9).shard("s0").shard("s1").override(42L, "s1").override("hot", "s0")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void independentlyBuiltRingsAreEqualAndAgreeOnEveryKey(String name,
      UnaryOperator<ShardRing.Builder> spec) {
    ShardRing first = spec.apply(ShardRing.builder()).build();
    ShardRing second = spec.apply(ShardRing.builder()).build();

    assertThat(second).isEqualTo(first).hasSameHashCodeAs(first);
    assertThat(second.describe()).isEqualTo(first.describe());
    SplittableRandom random = new SplittableRandom(11);
    for (int i = 0; i < 20_000; i++) {
      long key = random.nextLong();
      assertThat(second.shardFor(key)).isEqualTo(first.shardFor(key));
      assertThat(second.shardFor(Long.toString(key))).isEqualTo(first.shardFor(Long.toString(key)));
    }
  }

  @Test
  void declarationOrderChangesIndexesButNotTheMapping() {
    ShardRing forward = ShardRing.of("s0", "s1", "s2", "s3");
    ShardRing backward = ShardRing.of("s3", "s2", "s1", "s0");

    assertThat(backward).isNotEqualTo(forward);
    for (long key = 0; key < 20_000; key++) {
      assertThat(backward.shardFor(key)).isEqualTo(forward.shardFor(key));
    }
  }

  @Test
  void ringsDifferingInAnyPartAreNotEqual() {
    assertThat(Stream.of(
            FOUR.withShard("s4"), FOUR.withWeight("s0", 2), FOUR.withOverride(1L, "s0"),
            ShardRing.builder().version(2).shard("s0").shard("s1").shard("s2").shard("s3").build(),
            ShardRing.builder().virtualNodesPerWeight(100)
                .shard("s0").shard("s1").shard("s2").shard("s3").build()))
        .allMatch(other -> !other.equals(FOUR));
  }

  @Test
  void integralKeysRouteTheSameWhateverTheirJavaType() {
    for (long key = -500; key < 500; key++) {
      String expected = FOUR.shardFor(key);
      assertThat(FOUR.shardFor((Object) key)).isEqualTo(expected);
      assertThat(FOUR.shardFor((int) key)).isEqualTo(expected);
      assertThat(FOUR.shardFor(Integer.valueOf((int) key))).isEqualTo(expected);
      assertThat(FOUR.shardFor(BigDecimal.valueOf(key))).isEqualTo(expected);
    }
  }

  @Test
  void lookupByHashWrapsAroundTheTopOfTheRing() {
    VirtualNodeTable nodes = FOUR.nodes();
    long first = nodes.positionAt(0);
    long last = nodes.positionAt(nodes.size() - 1);

    assertThat(FOUR.shardIndexForHash(last + 1)).isEqualTo(nodes.ownerAt(0));
    assertThat(FOUR.shardIndexForHash(-1L)).isEqualTo(nodes.ownerAt(0)); // 2^64 - 1
    assertThat(FOUR.shardIndexForHash(0L)).isEqualTo(nodes.ownerAt(0));
    assertThat(FOUR.shardIndexForHash(first)).isEqualTo(nodes.ownerAt(0));
    assertThat(FOUR.shardIndexForHash(first + 1)).isEqualTo(nodes.ownerAt(1));
    assertThat(FOUR.shardIndexForHash(last)).isEqualTo(nodes.ownerAt(nodes.size() - 1));
    for (int i = 1; i < nodes.size(); i++) {
      assertThat(Long.compareUnsigned(nodes.positionAt(i - 1), nodes.positionAt(i)))
          .isLessThanOrEqualTo(0);
    }
  }

  @Test
  void virtualNodesAreThePublishedPositions() {
    ShardRing ring = ShardRing.builder().virtualNodesPerWeight(3).shard("a").shard("b", 2).build();
    VirtualNodeTable nodes = ring.nodes();
    java.util.Set<Long> expected = new java.util.HashSet<>();
    for (int i = 0; i < 3; i++) {
      expected.add(KeyHash.ofString("a#" + i));
    }
    for (int i = 0; i < 6; i++) {
      expected.add(KeyHash.ofString("b#" + i));
    }

    java.util.Set<Long> actual = new java.util.HashSet<>();
    for (int i = 0; i < nodes.size(); i++) {
      actual.add(nodes.positionAt(i));
    }
    assertThat(actual).isEqualTo(expected);
    assertThat(ring.virtualNodeCount()).isEqualTo(9);
  }

  // ------------------------------------------------------------ versions

  static Stream<Arguments> mutations() {
    return Stream.of(
        Arguments.of("withShard", (UnaryOperator<ShardRing>) r -> r.withShard("s4")),
        Arguments.of("withShard weighted", (UnaryOperator<ShardRing>) r -> r.withShard("s4", 3)),
        Arguments.of("withoutShard", (UnaryOperator<ShardRing>) r -> r.withoutShard("s2")),
        Arguments.of("withWeight", (UnaryOperator<ShardRing>) r -> r.withWeight("s1", 2)),
        Arguments.of("withWeight unchanged", (UnaryOperator<ShardRing>) r -> r.withWeight("s1", 1)),
        Arguments.of("withOverride", (UnaryOperator<ShardRing>) r -> r.withOverride(7L, "s3")),
        Arguments.of("withoutOverride", (UnaryOperator<ShardRing>) r ->
            r.withOverride(7L, "s3").withoutOverride(7L)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("mutations")
  void everyMutatorReturnsANewSnapshotWithAHigherVersion(String name, UnaryOperator<ShardRing> m) {
    String before = FOUR.describe();

    ShardRing after = m.apply(FOUR);

    assertThat(after).isNotSameAs(FOUR).isNotEqualTo(FOUR);
    assertThat(after.version()).isGreaterThan(FOUR.version());
    assertThat(FOUR.describe()).as("original untouched").isEqualTo(before);
  }

  @Test
  void versionsCountMutationsFromTheBuiltVersion() {
    ShardRing ring = ShardRing.builder().version(41).shard("a").build();

    ShardRing next = ring.withShard("b").withWeight("b", 2).withOverride("k", "a");

    assertThat(ring.version()).isEqualTo(41);
    assertThat(next.version()).isEqualTo(44);
    assertThat(ShardRing.of("a").version()).isEqualTo(ShardRing.INITIAL_VERSION);
  }

  @Test
  void mutationsCommuteToTheSameLayout() {
    ShardRing viaMutators = ShardRing.of("s0").withShard("s1").withShard("s2", 2);
    ShardRing direct = ShardRing.builder().version(3).shard("s0").shard("s1").shard("s2", 2).build();

    assertThat(viaMutators).isEqualTo(direct);
  }

  // ------------------------------------------------------------ overrides

  static Stream<Arguments> overrideKeys() {
    return Stream.of(
        Arguments.of(42L, 42), Arguments.of("hot-tenant", "hot-tenant"),
        Arguments.of(UUID.fromString("123e4567-e89b-12d3-a456-426614174000"),
            new UUID(0x123e4567e89b12d3L, 0xa456426614174000L)),
        Arguments.of(new byte[] {1, 2, 3}, new byte[] {1, 2, 3}),
        Arguments.of(new BigDecimal("9.00"), 9L));
  }

  @ParameterizedTest(name = "[{index}] pin {0}, look up {1}")
  @MethodSource("overrideKeys")
  void overridePinsAKeyAndOnlyThatKey(Object pinned, Object lookedUp) {
    String natural = FOUR.shardFor(lookedUp);
    String elsewhere = FOUR.shardIds().stream().filter(s -> !s.equals(natural)).findFirst().get();

    ShardRing ring = FOUR.withOverride(pinned, elsewhere);

    assertThat(ring.shardFor(lookedUp)).isEqualTo(elsewhere);
    assertThat(ring.overrideCount()).isEqualTo(1);
    assertThat(ring.withoutOverride(lookedUp).shardFor(lookedUp)).isEqualTo(natural);
    for (long key = 0; key < 5_000; key++) {
      if (!KeyHash.isSupportedType(lookedUp) || key != 42 && key != 9) {
        assertThat(ring.shardFor(key)).isEqualTo(FOUR.shardFor(key));
      }
    }
  }

  @Test
  void overridesApplyToPrimitiveAndBoxedLookupsButNotToHashLookups() {
    long key = 1234;
    String natural = FOUR.shardFor(key);
    String pinned = natural.equals("s0") ? "s1" : "s0";
    ShardRing ring = FOUR.withOverride(key, pinned);

    assertThat(ring.shardFor(key)).isEqualTo(pinned);
    assertThat(ring.shardFor((Object) 1234)).isEqualTo(pinned);
    assertThat(ring.shardIndexFor(key)).isEqualTo(ring.indexOf(pinned));
    assertThat(ring.shardForHash(KeyHash.ofLong(key))).isEqualTo(natural);
  }

  @Test
  void laterPinOfTheSameKeyReplacesTheEarlierOne() {
    ShardRing ring = ShardRing.builder().shard("a").shard("b").shard("c")
        .override(5, "a").override(5L, "b").build()
        .withOverride(BigDecimal.valueOf(5), "c");

    assertThat(ring.overrideCount()).isEqualTo(1);
    assertThat(ring.shardFor(5L)).isEqualTo("c");
    assertThat(ring.overrides()).containsOnlyKeys(BigDecimal.valueOf(5)).containsValue("c");
  }

  @Test
  void overridesSurviveRingChangesAndFollowTheirShard() {
    ShardRing ring = FOUR.withOverride("vip", "s3").withOverride(77L, "s1");

    ShardRing changed = ring.withoutShard("s0").withShard("s9", 2).withWeight("s3", 3);

    assertThat(changed.shardFor("vip")).isEqualTo("s3");
    assertThat(changed.shardFor(77L)).isEqualTo("s1");
    assertThat(changed.overrideCount()).isEqualTo(2);
  }

  @Test
  void manyOverridesAllResolve() {
    ShardRing ring = FOUR;
    for (int i = 0; i < 300; i++) {
      ring = ring.withOverride("tenant-" + i, "s" + (i % 4));
    }
    for (int i = 0; i < 300; i++) {
      assertThat(ring.shardFor("tenant-" + i)).isEqualTo("s" + (i % 4));
    }
    assertThat(ring.describe()).contains("300 key overrides");
  }

  // ------------------------------------------------------------ validation

  static Stream<Arguments> invalidBuilders() {
    return Stream.of(
        Arguments.of("no shards", (UnaryOperator<ShardRing.Builder>) b -> b,
            new String[] {"at least one shard, got none"}),
        Arguments.of("duplicate id", (UnaryOperator<ShardRing.Builder>) b ->
            b.shard("s0").shard("s1").shard("s0"),
            new String[] {"Duplicate shard id \"s0\"", "positions 0 and 2", "[s0, s1, s0]"}),
        Arguments.of("zero weight", (UnaryOperator<ShardRing.Builder>) b ->
            b.shard("s0").shard("s1", 0),
            new String[] {"shard \"s1\" has weight 0", "positive integers"}),
        Arguments.of("negative weight", (UnaryOperator<ShardRing.Builder>) b -> b.shard("s0", -3),
            new String[] {"weight -3"}),
        Arguments.of("null id", (UnaryOperator<ShardRing.Builder>) b -> b.shard("s0").shard(null),
            new String[] {"shard #1", "shard id is null"}),
        Arguments.of("empty id", (UnaryOperator<ShardRing.Builder>) b -> b.shard(""),
            new String[] {"shard id is empty"}),
        Arguments.of("padded id", (UnaryOperator<ShardRing.Builder>) b -> b.shard("s1 "),
            new String[] {"\"s1 \" starts or ends with whitespace"}),
        Arguments.of("override to unknown shard", (UnaryOperator<ShardRing.Builder>) b ->
            b.shard("s0").shard("s1").override(42L, "s9"),
            new String[] {"Key override 42 -> \"s9\" names an unknown shard", "[s0, s1]"}),
        Arguments.of("override key of unsupported type", (UnaryOperator<ShardRing.Builder>) b ->
            b.shard("s0").override(4.2d, "s0"),
            new String[] {"java.lang.Double", "Accepted key types"}),
        Arguments.of("zero vnodes", (UnaryOperator<ShardRing.Builder>) b ->
            b.virtualNodesPerWeight(0).shard("s0"),
            new String[] {"virtualNodesPerWeight is 0", "default 1024"}),
        Arguments.of("negative version", (UnaryOperator<ShardRing.Builder>) b ->
            b.version(-1).shard("s0"),
            new String[] {"Ring version is -1"}),
        Arguments.of("too many vnodes", (UnaryOperator<ShardRing.Builder>) b ->
            b.shard("big", 2000).shard("small", 100),
            new String[] {"2150400 virtual nodes", "[2000, 100]", "limit of 1048576",
                "smallest form"}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidBuilders")
  void builderRejectsWithTheOffendingValueAndWhatIsAccepted(String name,
      UnaryOperator<ShardRing.Builder> spec, String[] messageParts) {
    assertThatThrownBy(() -> spec.apply(ShardRing.builder()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContainingAll(messageParts);
  }

  static Stream<Arguments> invalidMutations() {
    ShardRing pinned = FOUR.withOverride(42L, "s2").withOverride("vip", "s2");
    return Stream.of(
        Arguments.of("add existing", (Runnable) () -> FOUR.withShard("s1", 2),
            new String[] {"already in ring v1 with weight 1", "withWeight(\"s1\", 2)"}),
        Arguments.of("add zero weight", (Runnable) () -> FOUR.withShard("s4", 0),
            new String[] {"withShard(\"s4\", 0)", "weight 0"}),
        Arguments.of("remove unknown", (Runnable) () -> FOUR.withoutShard("s7"),
            new String[] {"no shard \"s7\" in ring v1", "[s0, s1, s2, s3]"}),
        Arguments.of("remove last", (Runnable) () -> ShardRing.of("solo").withoutShard("solo"),
            new String[] {"only shard"}),
        Arguments.of("remove pinned", (Runnable) () -> pinned.withoutShard("s2"),
            new String[] {"2 key override(s) pin keys to \"s2\"", "42", "'vip'",
                "withoutOverride"}),
        Arguments.of("reweigh unknown", (Runnable) () -> FOUR.withWeight("x", 2),
            new String[] {"withWeight: no shard \"x\"", "[s0, s1, s2, s3]"}),
        Arguments.of("reweigh to zero", (Runnable) () -> FOUR.withWeight("s0", 0),
            new String[] {"weight 0", "withoutShard(\"s0\")"}),
        Arguments.of("pin to unknown", (Runnable) () -> FOUR.withOverride(1L, "s8"),
            new String[] {"no shard \"s8\"", "[s0, s1, s2, s3]"}),
        Arguments.of("pin to null shard", (Runnable) () -> FOUR.withOverride(1L, null),
            new String[] {"no shard \"null\"", "[s0, s1, s2, s3]"}),
        Arguments.of("remove null shard", (Runnable) () -> FOUR.withoutShard(null),
            new String[] {"no shard \"null\""}),
        Arguments.of("add null shard", (Runnable) () -> FOUR.withShard(null),
            new String[] {"shard id is null"}),
        Arguments.of("pin null key", (Runnable) () -> FOUR.withOverride(null, "s0"),
            new String[] {"Shard key is null"}),
        Arguments.of("unpin missing", (Runnable) () -> pinned.withoutOverride(43L),
            new String[] {"no override for this key", "2 key(s) are pinned"}),
        Arguments.of("weight of unknown", (Runnable) () -> FOUR.weight("nope"),
            new String[] {"no shard \"nope\""}),
        Arguments.of("growing past the vnode limit", (Runnable) () ->
            FOUR.withShard("huge", 1100),
            new String[] {"1130496 virtual nodes", "limit of 1048576"}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidMutations")
  void mutatorsRejectWithTheOffendingValueAndWhatToDo(String name, Runnable mutation,
      String[] messageParts) {
    assertThatThrownBy(mutation::run)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContainingAll(messageParts);
  }

  @Test
  void rejectsUnsupportedKeysAtLookup() {
    assertThatThrownBy(() -> FOUR.shardFor(1.5f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("java.lang.Float");
  }

  // ------------------------------------------------------------ description

  @Test
  void describeSummarisesVersionShardsWeightsVnodesAndOverrides() {
    ShardRing ring = ShardRing.builder().version(7).shard("s0").shard("shard-big", 2)
        .override("vip", "shard-big").build();

    String text = ring.describe();

    assertThat(text).startsWith("ShardRing v7: 2 shards, 3072 virtual nodes (1024 per weight unit),"
        + " 1 key override\n");
    assertThat(text).containsPattern("  s0         weight 1  vnodes 1024  hash share \\d+\\.\\d\\d%"
        + "  pinned keys 0");
    assertThat(text).containsPattern("  shard-big  weight 2  vnodes 2048  hash share \\d+\\.\\d\\d%"
        + "  pinned keys 1");
    assertThat(ring.toString())
        .isEqualTo("ShardRing{v7, shards=[s0, shard-bigx2], vnodes=3072, overrides=1}");
  }

  @Test
  void accessorsExposeTheSpec() {
    ShardRing ring = ShardRing.builder().virtualNodesPerWeight(16).shard("a", 2).shard("b").build();

    assertThat(ring.shardIds()).containsExactly("a", "b");
    assertThat(ring.shardCount()).isEqualTo(2);
    assertThat(ring.shardId(1)).isEqualTo("b");
    assertThat(ring.indexOf("b")).isEqualTo(1);
    assertThat(ring.indexOf("z")).isEqualTo(-1);
    assertThat(ring.containsShard("a")).isTrue();
    assertThat(ring.weight("a")).isEqualTo(2);
    assertThat(ring.virtualNodesPerWeight()).isEqualTo(16);
    assertThat(ring.virtualNodeCount()).isEqualTo(48);
    assertThat(ring.hashSpaceShare("a") + ring.hashSpaceShare("b")).isCloseTo(1.0,
        org.assertj.core.api.Assertions.within(1e-9));
    assertThat(ShardRing.of("solo").hashSpaceShare("solo")).isEqualTo(1.0);
    assertThatThrownBy(() -> ring.shardId(2)).isInstanceOf(IndexOutOfBoundsException.class);
  }
}
