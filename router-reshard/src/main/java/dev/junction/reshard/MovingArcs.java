package dev.junction.reshard;

import dev.junction.shard.ShardRing;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The arcs of the hash circle whose owner differs between two rings: what a resharding moves.
 *
 * <p>The boundaries of both rings' virtual nodes cut the circle into elementary intervals
 * {@code (p[i-1], p[i]]}; inside one, no node of either ring lies, so each ring gives the whole
 * interval one owner (the owner of {@code p[i]}). Adjacent moving intervals with the same
 * (from, to) pair are merged. Pinned keys move by key, not by arc: {@link #pinsMoving()}.
 */
public final class MovingArcs {

  /** One moving arc: hashes in {@code (startExclusive, endInclusive]} (unsigned, may wrap past 2^64-1). */
  public record Arc(int index, long startExclusive, long endInclusive, String from, String to) {
    /** Fraction of the whole hash space. */
    public double share() {
      long length = endInclusive - startExclusive; // modulo 2^64, also across the wrap
      return length == 0 ? 1.0 : (length >>> 11) * 0x1.0p-53;
    }
  }

  private final ShardRing from;
  private final ShardRing to;
  private final long[] boundaries; // sorted unsigned, distinct: the union of both rings' nodes
  private final List<Arc> arcs;
  private final int[] arcOfInterval; // interval i -> arc index or -1
  private final Map<Object, String[]> pinsMoving;

  public MovingArcs(ShardRing from, ShardRing to) {
    this.from = from;
    this.to = to;
    this.boundaries = union(from.virtualNodePositions(), to.virtualNodePositions());
    this.arcOfInterval = new int[boundaries.length];
    List<Arc> out = new ArrayList<>();
    int n = boundaries.length;
    // Start at an interval that does not move, if there is one, so that no arc is split at index 0.
    int start = 0;
    for (int i = 0; i < n; i++) {
      if (!moves(boundaries[i])) {
        start = i;
        break;
      }
    }
    Arc open = null;
    for (int step = 1; step <= n; step++) {
      int i = (start + step) % n;
      long end = boundaries[i];
      String a = from.shardForHash(end);
      String b = to.shardForHash(end);
      if (a.equals(b)) {
        open = null;
        arcOfInterval[i] = -1;
        continue;
      }
      long previous = boundaries[(i - 1 + n) % n];
      if (open != null && open.from().equals(a) && open.to().equals(b) && open.endInclusive() == previous) {
        open = new Arc(open.index(), open.startExclusive(), end, a, b);
        out.set(open.index(), open);
      } else {
        open = new Arc(out.size(), previous, end, a, b);
        out.add(open);
      }
      arcOfInterval[i] = open.index();
    }
    this.arcs = List.copyOf(out);
    Map<Object, String[]> pins = new LinkedHashMap<>();
    for (Map.Entry<Object, String> pin : to.overrides().entrySet()) {
      String before = from.shardFor(pin.getKey());
      if (!before.equals(pin.getValue())) {
        pins.put(pin.getKey(), new String[] {before, pin.getValue()});
      }
    }
    for (Map.Entry<Object, String> pin : from.overrides().entrySet()) {
      String after = to.shardFor(pin.getKey());
      if (!after.equals(pin.getValue())) {
        pins.put(pin.getKey(), new String[] {pin.getValue(), after});
      }
    }
    this.pinsMoving = pins;
  }

  public ShardRing from() {
    return from;
  }

  public ShardRing to() {
    return to;
  }

  public List<Arc> arcs() {
    return arcs;
  }

  /** Pinned keys whose shard changes: key -> {from, to}. */
  public Map<Object, String[]> pinsMoving() {
    return pinsMoving;
  }

  /** True when a key with this hash changes owner (pins aside). */
  public boolean moves(long hash) {
    return !from.shardForHash(hash).equals(to.shardForHash(hash));
  }

  /** True when {@code key} (canonical type) changes owner, pins included. */
  public boolean movesKey(Object key) {
    return !from.shardFor(key).equals(to.shardFor(key));
  }

  /** The arc a hash belongs to, or -1 when it does not move. */
  public int arcOf(long hash) {
    int i = Arrays.binarySearch(flipped(), hash ^ Long.MIN_VALUE);
    int interval = i >= 0 ? i : -i - 1;
    if (interval == boundaries.length) {
      interval = 0; // past the last boundary: wraps to the first interval
    }
    return arcOfInterval[interval];
  }

  private long[] flippedCache;

  private long[] flipped() {
    long[] f = flippedCache;
    if (f == null) {
      f = new long[boundaries.length];
      for (int i = 0; i < f.length; i++) {
        f[i] = boundaries[i] ^ Long.MIN_VALUE;
      }
      flippedCache = f;
    }
    return f;
  }

  /** Fraction of the hash space moving from shard {@code a} to shard {@code b}. */
  public double share(String a, String b) {
    double sum = 0;
    for (Arc arc : arcs) {
      if (arc.from().equals(a) && arc.to().equals(b)) {
        sum += arc.share();
      }
    }
    return sum;
  }

  /** Fraction of the hash space that moves. */
  public double totalShare() {
    return arcs.stream().mapToDouble(Arc::share).sum();
  }

  private static long[] union(long[] a, long[] b) {
    long[] all = new long[a.length + b.length];
    for (int i = 0; i < a.length; i++) {
      all[i] = a[i] ^ Long.MIN_VALUE;
    }
    for (int i = 0; i < b.length; i++) {
      all[a.length + i] = b[i] ^ Long.MIN_VALUE;
    }
    Arrays.sort(all);
    int n = 0;
    for (int i = 0; i < all.length; i++) {
      if (n == 0 || all[i] != all[n - 1]) {
        all[n++] = all[i];
      }
    }
    long[] out = Arrays.copyOf(all, n);
    for (int i = 0; i < n; i++) {
      out[i] ^= Long.MIN_VALUE;
    }
    return out;
  }
}
