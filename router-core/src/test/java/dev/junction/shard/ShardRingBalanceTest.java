package dev.junction.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** With default settings, keys spread evenly, and in proportion to weight. */
class ShardRingBalanceTest {

  /** Shard naming conventions seen in practice; the ring must balance for all, not one. */
  static final String[] NAMINGS = {"s%d", "shard-%02d", "pg-eu-west-%d", "orders_%d"};

  static Stream<Arguments> namingsAndKeys() {
    return Arrays.stream(NAMINGS)
        .flatMap(naming -> Arrays.stream(RingKeys.values()).map(keys -> Arguments.of(naming, keys)));
  }

  @ParameterizedTest(name = "8 shards named {0}, {1}")
  @MethodSource("namingsAndKeys")
  void eightEqualShardsPeakWithin10PercentOfMean(String naming, RingKeys keys) {
    ShardRing ring = ShardRing.of(ids(naming, 8));

    int[] counts = RingKeys.countPerShard(ring, keys.hashes());
    double mean = (double) RingKeys.COUNT / counts.length;
    double peak = Arrays.stream(counts).max().getAsInt();

    assertThat(peak / mean).as("peak/mean for %s", Arrays.toString(counts)).isLessThanOrEqualTo(1.10);
  }

  @ParameterizedTest(name = "8 shards named {0}")
  @MethodSource("namings")
  void hashSpaceSharesSumToOneAndPredictTheCounts(String naming) {
    ShardRing ring = ShardRing.of(ids(naming, 8));
    int[] counts = RingKeys.countPerShard(ring, RingKeys.RANDOM_UUIDS.hashes());

    double sum = 0;
    for (int i = 0; i < counts.length; i++) {
      double share = ring.hashSpaceShare(ring.shardId(i));
      sum += share;
      assertThat((double) counts[i] / RingKeys.COUNT).isCloseTo(share, within(0.003));
    }
    assertThat(sum).isCloseTo(1.0, within(1e-9));
  }

  static Stream<String> namings() {
    return Arrays.stream(NAMINGS);
  }

  static Stream<Arguments> weightedShards() {
    return Stream.of("s%d", "shard-%02d").flatMap(naming -> IntStream.of(0, 3, 7)
        .boxed().flatMap(heavy -> IntStream.of(2, 3)
            .mapToObj(weight -> Arguments.of(naming, heavy, weight))));
  }

  @ParameterizedTest(name = "{0}: shard #{1} of 8 with weight {2}")
  @MethodSource("weightedShards")
  void weightMultipliesTheShareWithin10Percent(String naming, int heavy, int weight) {
    String[] ids = ids(naming, 8);
    ShardRing.Builder builder = ShardRing.builder();
    for (int i = 0; i < ids.length; i++) {
      builder.shard(ids[i], i == heavy ? weight : 1);
    }
    ShardRing ring = builder.build();

    int[] counts = RingKeys.countPerShard(ring, RingKeys.SEQUENTIAL_LONGS.hashes());
    double others = (Arrays.stream(counts).sum() - counts[heavy]) / 7.0;

    assertThat(counts[heavy] / others).as("heavy/average-other for %s", Arrays.toString(counts))
        .isBetween(weight * 0.9, weight * 1.1);
    assertThat(ring.virtualNodeCount())
        .isEqualTo((7 + weight) * ShardRing.DEFAULT_VIRTUAL_NODES_PER_WEIGHT);
  }

  static String[] ids(String naming, int count) {
    return IntStream.range(0, count).mapToObj(i -> String.format(naming, i)).toArray(String[]::new);
  }
}
