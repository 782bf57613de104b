package dev.junction.shard;

import java.util.Arrays;
import java.util.Comparator;

/**
 * The sorted positions of every virtual node on the ring and the shard that owns each one: the
 * part of a {@link ShardRing} that does the lookup.
 *
 * <p>WHY two parallel primitive arrays: a lookup is a binary search over {@code long}s with no
 * pointer chasing and no boxing, and the owner is one array read away. Positions are stored with
 * the sign bit flipped, so that plain signed comparison orders them as unsigned 64-bit numbers
 * (the ring runs from 0 to 2<sup>64</sup>-1 and wraps).
 *
 * <p>WHY a bucket index on top: with the default 1024 points per shard the table outgrows L1,
 * and a cold binary search costs a cache miss per step. {@code bucketStart[b]} is the first point
 * whose top {@code bucketBits} bits are {@code >= b}; with about one bucket per point, a lookup
 * reads one {@code int} pair and searches a range of one or two points.
 *
 * <p>A key with hash {@code h} belongs to the first virtual node at a position {@code >= h}
 * (unsigned), wrapping to the first node past the top. Equal positions (a 2<sup>-64</sup> event)
 * are ordered by shard id, so the table never depends on the order shards were declared in.
 */
final class VirtualNodeTable {

  /** Upper bound on bucket index bits: at most 2^16 + 1 ints (256 KiB). */
  private static final int MAX_BUCKET_BITS = 16;

  private final long[] flippedPositions;
  private final int[] owners;
  private final int bucketShift;
  private final int[] bucketStart;
  private final double[] shares;

  private VirtualNodeTable(long[] flippedPositions, int[] owners, int shardCount) {
    this.flippedPositions = flippedPositions;
    this.owners = owners;
    int bucketBits = Math.min(MAX_BUCKET_BITS, 32 - Integer.numberOfLeadingZeros(owners.length));
    this.bucketShift = 64 - bucketBits;
    this.bucketStart = buildBuckets(flippedPositions, bucketBits, bucketShift);
    this.shares = computeShares(flippedPositions, owners, shardCount);
  }

  /**
   * Places {@code weights[s] * perWeight} virtual nodes for each shard {@code s}; node {@code i}
   * of shard {@code id} sits at {@link #position(String, int) position(id, i)}.
   */
  static VirtualNodeTable build(String[] ids, int[] weights, int perWeight) {
    int total = 0;
    for (int w : weights) {
      total += w * perWeight; // bounded by the caller's MAX_VIRTUAL_NODES check
    }
    long[] flipped = new long[total];
    int[] owner = new int[total];
    int n = 0;
    for (int s = 0; s < ids.length; s++) {
      int count = weights[s] * perWeight;
      for (int i = 0; i < count; i++) {
        flipped[n] = position(ids[s], i) ^ Long.MIN_VALUE;
        owner[n] = s;
        n++;
      }
    }
    Integer[] order = new Integer[total];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, Comparator.<Integer>comparingLong(i -> flipped[i])
        .thenComparing(i -> ids[owner[i]]));
    long[] sortedPositions = new long[total];
    int[] sortedOwners = new int[total];
    for (int i = 0; i < total; i++) {
      sortedPositions[i] = flipped[order[i]];
      sortedOwners[i] = owner[order[i]];
    }
    return new VirtualNodeTable(sortedPositions, sortedOwners, ids.length);
  }

  /** Ring position of virtual node {@code i} of shard {@code shardId}: hash of "id#i". */
  static long position(String shardId, int i) {
    return KeyHash.ofString(shardId + '#' + i);
  }

  /** Index of the shard owning hash {@code h}. */
  int ownerOf(long h) {
    long[] positions = flippedPositions;
    int bucket = (int) (h >>> bucketShift);
    int lo = bucketStart[bucket];
    int hi = bucketStart[bucket + 1];
    // Points in [lo, hi) share h's bucket; the point at hi (if any) is beyond h already.
    long target = h ^ Long.MIN_VALUE;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (positions[mid] < target) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return owners[lo == positions.length ? 0 : lo];
  }

  int size() {
    return owners.length;
  }

  /** Fraction of the 2<sup>64</sup> hash space owned by shard {@code index}. */
  double share(int index) {
    return shares[index];
  }

  /** Unflipped position of the {@code i}-th node in ring order, for diagrams and tests. */
  long positionAt(int i) {
    return flippedPositions[i] ^ Long.MIN_VALUE;
  }

  /** Owner of the {@code i}-th node in ring order. */
  int ownerAt(int i) {
    return owners[i];
  }

  private static int[] buildBuckets(long[] flippedPositions, int bucketBits, int shift) {
    int buckets = 1 << bucketBits;
    int[] start = new int[buckets + 1];
    int point = 0;
    for (int b = 0; b < buckets; b++) {
      while (point < flippedPositions.length
          && ((flippedPositions[point] ^ Long.MIN_VALUE) >>> shift) < b) {
        point++;
      }
      start[b] = point;
    }
    start[buckets] = flippedPositions.length;
    return start;
  }

  private static double[] computeShares(long[] positions, int[] owners, int shardCount) {
    double[] shares = new double[shardCount];
    if (positions.length == 1) {
      shares[owners[0]] = 1.0;
      return shares;
    }
    for (int i = 0; i < positions.length; i++) {
      // The node at i owns the arc (previous node, node i]; differences of flipped positions
      // equal differences of the real ones modulo 2^64, and i == 0 wraps around the top.
      long previous = positions[i == 0 ? positions.length - 1 : i - 1];
      long arc = positions[i] - previous;
      shares[owners[i]] += (arc >>> 11) * 0x1.0p-53;
    }
    double total = 0;
    for (double share : shares) {
      total += share;
    }
    for (int s = 0; s < shardCount; s++) {
      shares[s] /= total; // drop the sub-2^-53 truncation of each arc
    }
    return shares;
  }
}
