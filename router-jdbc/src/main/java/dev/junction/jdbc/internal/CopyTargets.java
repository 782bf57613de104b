package dev.junction.jdbc.internal;

import dev.junction.ring.RingPhase;
import dev.junction.ring.RingRecord;
import dev.junction.shard.ShardRing;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * While a resharding copies (phase COPYING), the shards of the ring routers still route by that
 * already receive copies of rows they do not own in it.
 *
 * <p>Why it matters: routers read by the source ring until the cut-over. Adding a shard copies
 * rows only into the new shard, which no router reads yet. But changing a weight, removing a shard
 * or pinning a key copies rows into shards the source ring <em>does</em> read: a statement that
 * reads such a shard without a shard-key restriction (a scatter, or an IN list sent whole to each
 * shard) would see those rows twice, once on their owner and once as the copy. Such statements are
 * refused instead (see {@link ShardingRuntime#checkRingPhase}).
 *
 * <p>How: between two consecutive boundaries of the union of both rings' virtual-node positions, no
 * node of either ring lies, so each ring gives the whole interval the owner of its upper boundary;
 * comparing the owners at every boundary finds every moving arc. Pinned keys move by key.
 */
final class CopyTargets {
  private CopyTargets() {}

  /** The shards of {@code record}'s source ring that receive copies during COPYING; empty in other phases. */
  static Set<String> readWhileCopying(RingRecord record) {
    Set<String> out = new TreeSet<>();
    if (record == null || record.phase() != RingPhase.COPYING || record.targetLayout() == null) {
      return out;
    }
    ShardRing from = record.sourceRing();
    ShardRing to = record.targetRing();
    for (long[] positions : new long[][] {from.virtualNodePositions(), to.virtualNodePositions()}) {
      for (long p : positions) {
        String target = to.shardForHash(p);
        if (!target.equals(from.shardForHash(p))) {
          out.add(target);
        }
      }
    }
    for (Map.Entry<Object, String> pin : to.overrides().entrySet()) {
      if (!from.shardFor(pin.getKey()).equals(pin.getValue())) {
        out.add(pin.getValue());
      }
    }
    for (Object key : from.overrides().keySet()) {
      String target = to.shardFor(key);
      if (!target.equals(from.shardFor(key))) {
        out.add(target);
      }
    }
    out.retainAll(from.shardIds());
    return out;
  }
}
