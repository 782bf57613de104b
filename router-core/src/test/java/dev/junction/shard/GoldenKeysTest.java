package dev.junction.shard;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Pins the key -> hash -> shard mapping. golden-keys.tsv was generated once, after the hash of
 * every row's canonical bytes had been checked against {@code xxhsum -H64}. If this test fails,
 * the change would move existing rows to other shards: revert it, do not regenerate the file.
 */
class GoldenKeysTest {

  /** The fixed ring the golden shard column refers to. */
  static final ShardRing RING = ShardRing.of("s0", "s1", "s2", "s3");

  static Stream<Arguments> goldenKeys() {
    return TsvResource.rows("golden-keys.tsv").stream()
        .map(row -> Arguments.of(row[0], row[1], row[2], row[3]));
  }

  @ParameterizedTest(name = "{0} {1} -> {2} -> {3}")
  @MethodSource("goldenKeys")
  void keyStillHashesAndRoutesAsPinned(String type, String text, String hash, String shard) {
    Object key = parse(type, text);

    assertThat(HexBytes.of(KeyHash.hash(key))).as("hash").isEqualTo(hash);
    assertThat(RING.shardFor(key)).as("shard").isEqualTo(shard);
  }

  /**
   * A digest of the shard of keys 0..99,999 on the fixed ring and on a weighted 5-shard ring:
   * catches layout changes (vnode naming, tie-breaking, wrap-around) the rows above might miss.
   */
  @Test
  void layoutFingerprintIsPinned() {
    ShardRing weighted = ShardRing.builder()
        .shard("a").shard("b", 2).shard("c").shard("d", 3).shard("e").build();

    assertThat(HexBytes.of(fingerprint(RING))).isEqualTo("25cbd128ed2f62cf");
    assertThat(HexBytes.of(fingerprint(weighted))).isEqualTo("0ffdac73cb9c427a");
  }

  static long fingerprint(ShardRing ring) {
    byte[] shards = new byte[100_000];
    for (int key = 0; key < shards.length; key++) {
      shards[key] = (byte) ring.shardIndexFor(key);
    }
    return KeyHash.ofBytes(shards);
  }

  static Object parse(String type, String text) {
    switch (type) {
      case "long": return Long.parseLong(text);
      case "int": return Integer.parseInt(text);
      case "short": return Short.parseShort(text);
      case "byte": return Byte.parseByte(text);
      case "biginteger": return new BigInteger(text);
      case "bigdecimal": return new BigDecimal(text);
      case "string": return text;
      case "uuid": return UUID.fromString(text);
      case "bytes": return HexBytes.parse(text);
      default: throw new IllegalArgumentException("Unknown key type in golden-keys.tsv: " + type);
    }
  }
}
