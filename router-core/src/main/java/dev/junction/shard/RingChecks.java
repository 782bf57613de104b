package dev.junction.shard;

import java.util.Arrays;

/**
 * Validation shared by {@link ShardRing.Builder} and the {@code ShardRing.with*} mutators, so a
 * ring built either way is checked by the same rules and fails with the same messages.
 */
final class RingChecks {

  private RingChecks() {}

  static void shardId(String id, String context) {
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException(context + ": shard id is " + (id == null ? "null" : "empty")
          + "; give every shard a non-empty id such as \"s0\" or \"orders-eu-1\".");
    }
    if (id.strip().length() != id.length()) {
      throw new IllegalArgumentException(context + ": shard id \"" + id + "\" starts or ends with"
          + " whitespace; the id is hashed to place the shard, so \"s1 \" and \"s1\" would be"
          + " different shards. Trim it.");
    }
  }

  static void weight(String id, int weight, String context) {
    if (weight <= 0) {
      throw new IllegalArgumentException(context + ": shard \"" + id + "\" has weight " + weight
          + "; weights must be positive integers (1 = one share of keys, 2 = twice that)."
          + " To stop placing keys on a shard, remove it with withoutShard(\"" + id + "\").");
    }
  }

  static void virtualNodesPerWeight(int perWeight) {
    if (perWeight <= 0) {
      throw new IllegalArgumentException("virtualNodesPerWeight is " + perWeight + "; it must be"
          + " positive (default " + ShardRing.DEFAULT_VIRTUAL_NODES_PER_WEIGHT + ").");
    }
  }

  static void version(long version) {
    if (version < 0) {
      throw new IllegalArgumentException("Ring version is " + version + "; versions start at 0"
          + " or more (default " + ShardRing.INITIAL_VERSION + ") and only grow.");
    }
  }

  static void notEmpty(String[] ids) {
    if (ids.length == 0) {
      throw new IllegalArgumentException("A shard ring needs at least one shard, got none; add"
          + " shards with builder().shard(\"s0\").shard(\"s1\")...");
    }
  }

  static void distinct(String[] ids) {
    for (int i = 0; i < ids.length; i++) {
      for (int j = i + 1; j < ids.length; j++) {
        if (ids[i].equals(ids[j])) {
          throw new IllegalArgumentException("Duplicate shard id \"" + ids[i] + "\" (declared at"
              + " positions " + i + " and " + j + " of " + Arrays.toString(ids) + "); shard ids"
              + " must be unique. To give a shard more keys, raise its weight instead.");
        }
      }
    }
  }

  static void totalVirtualNodes(String[] ids, int[] weights, int perWeight) {
    long total = 0;
    for (int w : weights) {
      total += (long) w * perWeight;
    }
    if (total > ShardRing.MAX_VIRTUAL_NODES) {
      throw new IllegalArgumentException("Ring would have " + total + " virtual nodes (weights "
          + Arrays.toString(weights) + " x " + perWeight + " per weight unit for shards "
          + Arrays.toString(ids) + "), more than the limit of " + ShardRing.MAX_VIRTUAL_NODES
          + ". Weights are ratios: reduce them to their smallest form (e.g. 200:300 -> 2:3) or"
          + " lower virtualNodesPerWeight.");
    }
  }
}
