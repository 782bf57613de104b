package dev.junction.shard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Resharding moves the minimum: adding shard N+1 moves about 1/(N+1) of keys, all of them to the
 * new shard; removing a shard moves only its own keys.
 */
class ShardRingMovementTest {

  static Stream<Arguments> sizesAndKeys() {
    return IntStream.of(1, 2, 3, 4, 7, 8, 15, 16).boxed()
        .flatMap(n -> Arrays.stream(RingKeys.values()).map(keys -> Arguments.of(n, keys)));
  }

  @ParameterizedTest(name = "{0} -> {0}+1 shards, {1}")
  @MethodSource("sizesAndKeys")
  void addingAShardMovesItsFairShareAndOnlyToIt(int n, RingKeys keys) {
    ShardRing before = ShardRing.of(ids(n));
    ShardRing after = before.withShard("s" + n);
    int newShard = after.indexOf("s" + n);

    int moved = 0;
    int movedElsewhere = 0;
    for (long hash : keys.hashes()) {
      int from = before.shardIndexForHash(hash);
      int to = after.shardIndexForHash(hash);
      if (!before.shardId(from).equals(after.shardId(to))) {
        moved++;
        if (to != newShard) {
          movedElsewhere++;
        }
      }
    }
    double ideal = 1.0 / (n + 1);

    assertThat((double) moved / RingKeys.COUNT).as("moved fraction, ideal %.4f", ideal)
        .isBetween(0.9 * ideal, 1.1 * ideal);
    assertThat(movedElsewhere).as("keys that moved to an old shard").isZero();
  }

  static Stream<Arguments> removals() {
    return IntStream.of(2, 3, 4, 8, 9, 16, 17).boxed()
        .flatMap(n -> IntStream.of(0, n / 2, n - 1).distinct().mapToObj(r -> Arguments.of(n, r)));
  }

  @ParameterizedTest(name = "{0} shards, remove s{1}")
  @MethodSource("removals")
  void removingAShardMovesOnlyItsKeys(int n, int removed) {
    ShardRing before = ShardRing.of(ids(n));
    ShardRing after = before.withoutShard("s" + removed);

    int[] receivedFromRemoved = new int[after.shardCount()];
    int wronglyMoved = 0;
    for (long hash : sample(RingKeys.SEQUENTIAL_LONGS)) {
      String from = before.shardForHash(hash);
      String to = after.shardForHash(hash);
      if (from.equals("s" + removed)) {
        receivedFromRemoved[after.indexOf(to)]++;
      } else if (!from.equals(to)) {
        wronglyMoved++;
      }
    }

    assertThat(wronglyMoved).as("keys of surviving shards that moved").isZero();
    assertThat(receivedFromRemoved).as("the removed shard's keys spread over the survivors")
        .doesNotContain(0);
  }

  @ParameterizedTest(name = "{0} shards, weight of s0 -> {1}")
  @MethodSource("weightChanges")
  void raisingAWeightOnlyPullsKeysToThatShard(int n, int weight) {
    ShardRing before = ShardRing.of(ids(n));
    ShardRing after = before.withWeight("s0", weight);

    for (long hash : sample(RingKeys.RANDOM_UUIDS)) {
      String to = after.shardForHash(hash);
      if (!before.shardForHash(hash).equals(to)) {
        assertThat(to).isEqualTo("s0");
      }
    }
    assertThat(after.hashSpaceShare("s0") / before.hashSpaceShare("s0"))
        .isGreaterThan(1.0);
  }

  static Stream<Arguments> weightChanges() {
    return Stream.of(Arguments.of(2, 2), Arguments.of(4, 3), Arguments.of(8, 2));
  }

  /** Exactness checks (zero keys moved wrongly) need coverage, not precision: 250k keys. */
  static long[] sample(RingKeys keys) {
    return Arrays.copyOf(keys.hashes(), 250_000);
  }

  static String[] ids(int n) {
    return IntStream.range(0, n).mapToObj(i -> "s" + i).toArray(String[]::new);
  }
}
