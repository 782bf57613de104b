package dev.junction.shard;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Union-find over table references: references joined on their shard keys must be looked up on
 * the same shard, so they are routed as one unit.
 */
final class EquivalenceClasses {

  private final int[] parent;

  EquivalenceClasses(int size) {
    parent = new int[size];
    for (int i = 0; i < size; i++) {
      parent[i] = i;
    }
  }

  void union(TableRef a, TableRef b) {
    int ra = find(a.id);
    int rb = find(b.id);
    if (ra != rb) {
      parent[Math.max(ra, rb)] = Math.min(ra, rb);
    }
  }

  int find(int id) {
    while (parent[id] != id) {
      parent[id] = parent[parent[id]];
      id = parent[id];
    }
    return id;
  }

  /** The given references grouped by class, classes in order of their first member. */
  List<List<TableRef>> groups(List<TableRef> refs) {
    Map<Integer, List<TableRef>> byRoot = new LinkedHashMap<>();
    for (TableRef ref : refs) {
      byRoot.computeIfAbsent(find(ref.id), k -> new ArrayList<>()).add(ref);
    }
    return new ArrayList<>(byRoot.values());
  }
}
