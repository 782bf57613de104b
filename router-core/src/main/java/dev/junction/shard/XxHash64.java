package dev.junction.shard;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * XXH64 with seed 0, written out by hand so that the shard mapping can never change under us
 * because a dependency was upgraded. Verified against reference vectors produced by
 * {@code xxhsum -H64} (see {@code XxHash64Test}).
 *
 * <p>Besides the general byte-array form, there are fixed-length entry points for one and two
 * big-endian longs: they produce exactly the hash of the 8 or 16 big-endian bytes, without
 * materialising those bytes, so integral and UUID keys hash without allocating.
 */
final class XxHash64 {

  private static final long P1 = 0x9E3779B185EBCA87L;
  private static final long P2 = 0xC2B2AE3D27D4EB4FL;
  private static final long P3 = 0x165667B19E3779F9L;
  private static final long P4 = 0x85EBCA77C2B2AE63L;
  private static final long P5 = 0x27D4EB2F165667C5L;

  private static final VarHandle LONG_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INT_LE =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private XxHash64() {}

  /** XXH64(bytes[offset, offset + length), seed 0). */
  static long hash(byte[] bytes, int offset, int length) {
    int p = offset;
    int end = offset + length;
    long h;
    if (length >= 32) {
      long v1 = P1 + P2;
      long v2 = P2;
      long v3 = 0;
      long v4 = -P1;
      int limit = end - 32;
      do {
        v1 = round(v1, (long) LONG_LE.get(bytes, p));
        v2 = round(v2, (long) LONG_LE.get(bytes, p + 8));
        v3 = round(v3, (long) LONG_LE.get(bytes, p + 16));
        v4 = round(v4, (long) LONG_LE.get(bytes, p + 24));
        p += 32;
      } while (p <= limit);
      h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7)
          + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
      h = mergeRound(h, v1);
      h = mergeRound(h, v2);
      h = mergeRound(h, v3);
      h = mergeRound(h, v4);
    } else {
      h = P5;
    }
    h += length;
    while (p + 8 <= end) {
      h = mixLane(h, (long) LONG_LE.get(bytes, p));
      p += 8;
    }
    if (p + 4 <= end) {
      h ^= ((int) INT_LE.get(bytes, p) & 0xFFFF_FFFFL) * P1;
      h = Long.rotateLeft(h, 23) * P2 + P3;
      p += 4;
    }
    while (p < end) {
      h ^= (bytes[p] & 0xFFL) * P5;
      h = Long.rotateLeft(h, 11) * P1;
      p++;
    }
    return avalanche(h);
  }

  /** XXH64 of the 8 big-endian bytes of {@code value}. */
  static long hashBigEndian(long value) {
    long h = P5 + 8;
    h = mixLane(h, Long.reverseBytes(value));
    return avalanche(h);
  }

  /** XXH64 of the 16 bytes: {@code first} big-endian, then {@code second} big-endian. */
  static long hashBigEndian(long first, long second) {
    long h = P5 + 16;
    h = mixLane(h, Long.reverseBytes(first));
    h = mixLane(h, Long.reverseBytes(second));
    return avalanche(h);
  }

  private static long mixLane(long h, long lane) {
    h ^= round(0, lane);
    return Long.rotateLeft(h, 27) * P1 + P4;
  }

  private static long round(long acc, long lane) {
    acc += lane * P2;
    acc = Long.rotateLeft(acc, 31);
    return acc * P1;
  }

  private static long mergeRound(long acc, long v) {
    acc ^= round(0, v);
    return acc * P1 + P4;
  }

  private static long avalanche(long h) {
    h ^= h >>> 33;
    h *= P2;
    h ^= h >>> 29;
    h *= P3;
    h ^= h >>> 32;
    return h;
  }
}
