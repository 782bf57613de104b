package dev.junction.shard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The bucketed search agrees with the definition: first point at or after h, else wrap. */
class VirtualNodeTableTest {

  static Stream<Arguments> tables() {
    return Stream.of(
        Arguments.of(new String[] {"only"}, new int[] {1}, 1),
        Arguments.of(new String[] {"a", "b"}, new int[] {1, 1}, 1),
        Arguments.of(new String[] {"a", "b", "c"}, new int[] {1, 2, 3}, 5),
        Arguments.of(new String[] {"s0", "s1", "s2", "s3"}, new int[] {1, 1, 1, 1}, 1024),
        Arguments.of(new String[] {"x", "y"}, new int[] {40, 1}, 1024));
  }

  @ParameterizedTest(name = "{0} weights {1} x {2}")
  @MethodSource("tables")
  void ownerIsTheFirstPointAtOrAfterTheHash(String[] ids, int[] weights, int perWeight) {
    VirtualNodeTable table = VirtualNodeTable.build(ids, weights, perWeight);
    SplittableRandom random = new SplittableRandom(5);

    for (int i = 0; i < 3_000; i++) {
      long h = switch (i % 4) {
        case 0 -> random.nextLong();
        case 1 -> table.positionAt(random.nextInt(table.size()));        // exactly on a point
        case 2 -> table.positionAt(random.nextInt(table.size())) + 1;    // just past a point
        default -> i % 8 == 3 ? -1L : 0L;                                 // ring extremes
      };
      assertThat(table.ownerOf(h)).as("hash %016x", h).isEqualTo(reference(table, h));
    }
  }

  private static int reference(VirtualNodeTable table, long h) {
    for (int i = 0; i < table.size(); i++) {
      if (Long.compareUnsigned(table.positionAt(i), h) >= 0) {
        return table.ownerAt(i);
      }
    }
    return table.ownerAt(0);
  }
}
