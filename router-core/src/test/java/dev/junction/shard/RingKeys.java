package dev.junction.shard;

import java.util.SplittableRandom;
import java.util.UUID;

/** Key populations for distribution tests, as precomputed hashes so each is hashed once. */
enum RingKeys {
  /** 0, 1, 2, ... as {@code long} keys: the typical BIGSERIAL / Snowflake-free case. */
  SEQUENTIAL_LONGS {
    @Override
    long[] hashes(int count) {
      long[] hashes = new long[count];
      for (int i = 0; i < count; i++) {
        hashes[i] = KeyHash.ofLong(i);
      }
      return hashes;
    }
  },
  /** Random version-4 UUIDs from a fixed seed. */
  RANDOM_UUIDS {
    @Override
    long[] hashes(int count) {
      SplittableRandom random = new SplittableRandom(20240101);
      long[] hashes = new long[count];
      for (int i = 0; i < count; i++) {
        long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (random.nextLong() & ~(0xC0L << 56)) | (0x80L << 56);
        hashes[i] = KeyHash.hash(new UUID(msb, lsb));
      }
      return hashes;
    }
  };

  abstract long[] hashes(int count);

  static final int COUNT = 1_000_000;

  private long[] cached;

  /** The {@link #COUNT} hashes of this population, computed once per test JVM. */
  synchronized long[] hashes() {
    if (cached == null) {
      cached = hashes(COUNT);
    }
    return cached;
  }

  /** Keys per shard index for a population on a ring (ring lookup, no overrides). */
  static int[] countPerShard(ShardRing ring, long[] hashes) {
    int[] counts = new int[ring.shardCount()];
    for (long hash : hashes) {
      counts[ring.shardIndexForHash(hash)]++;
    }
    return counts;
  }
}
