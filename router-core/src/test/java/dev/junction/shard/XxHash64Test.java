package dev.junction.shard;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** XXH64 against reference vectors from {@code xxhsum -H64}; see xxh64-vectors.tsv. */
class XxHash64Test {

  static Stream<Arguments> referenceVectors() {
    return TsvResource.rows("xxh64-vectors.tsv").stream()
        .map(row -> Arguments.of(row[0], row[1], row[2]));
  }

  @ParameterizedTest(name = "{0} [{1}] -> {2}")
  @MethodSource("referenceVectors")
  void matchesReferenceImplementation(String kind, String input, String expectedHex) {
    byte[] bytes = kind.equals("utf8") ? input.getBytes(StandardCharsets.UTF_8)
        : pattern(Integer.parseInt(input));

    assertThat(hex(XxHash64.hash(bytes, 0, bytes.length))).isEqualTo(expectedHex);
  }

  @ParameterizedTest(name = "offset {0}")
  @MethodSource("offsets")
  void hashesASliceLikeACopyOfIt(int offset) {
    byte[] padded = new byte[offset + 100 + 5];
    System.arraycopy(pattern(100), 0, padded, offset, 100);

    assertThat(XxHash64.hash(padded, offset, 100)).isEqualTo(XxHash64.hash(pattern(100), 0, 100));
  }

  static Stream<Integer> offsets() {
    return Stream.of(0, 1, 3, 7, 8, 13);
  }

  @ParameterizedTest
  @MethodSource("longs")
  void singleLongEntryPointEqualsHashOfItsBigEndianBytes(long value) {
    byte[] bytes = ByteBuffer.allocate(8).putLong(value).array();

    assertThat(XxHash64.hashBigEndian(value)).isEqualTo(XxHash64.hash(bytes, 0, 8));
  }

  @ParameterizedTest
  @MethodSource("longs")
  void twoLongEntryPointEqualsHashOfTheir16BigEndianBytes(long value) {
    long second = ~value * 31;
    byte[] bytes = ByteBuffer.allocate(16).putLong(value).putLong(second).array();

    assertThat(XxHash64.hashBigEndian(value, second)).isEqualTo(XxHash64.hash(bytes, 0, 16));
  }

  static LongStream longs() {
    return LongStream.concat(
        LongStream.of(0, 1, -1, 42, Long.MIN_VALUE, Long.MAX_VALUE, 0xFF, 1L << 32),
        new SplittableRandom(7).longs(24));
  }

  static byte[] pattern(int length) {
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = (byte) ((i * 31 + 7) & 0xFF);
    }
    return bytes;
  }

  static String hex(long hash) {
    return String.format("%016x", hash);
  }
}
