package dev.junction.shard;

import java.util.HexFormat;

/** Hex helpers for the golden files. */
final class HexBytes {

  private HexBytes() {}

  static byte[] parse(String hex) {
    return HexFormat.of().parseHex(hex);
  }

  static String of(long hash) {
    return String.format("%016x", hash);
  }
}
