package dev.junction.reshard;

import dev.junction.config.JunctionConfig;
import dev.junction.ring.RingRecord;
import dev.junction.shard.KeyHash;
import dev.junction.shard.ShardRing;
import dev.junction.shard.ShardedTable;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What every step of one resharding shares: the two rings, the arcs that move, the shards that give
 * rows away (sources) and receive them (targets), the sharded tables' definitions, and connections.
 */
final class Resharding {
  final JunctionConfig config;
  final ShardConnections shards;
  final ShardRing from;
  final ShardRing to;
  final MovingArcs arcs;
  final List<String> sources;
  final List<String> targets;
  final List<String> newShards;
  final Map<String, TableInfo> tables = new LinkedHashMap<>();
  final ReshardOptions options;

  Resharding(JunctionConfig config, ShardRing from, ShardRing to, ReshardOptions options) {
    this.config = config;
    this.shards = new ShardConnections(config);
    this.from = from;
    this.to = to;
    this.arcs = new MovingArcs(from, to);
    this.options = options;
    Set<String> s = new LinkedHashSet<>();
    Set<String> t = new LinkedHashSet<>();
    for (MovingArcs.Arc arc : arcs.arcs()) {
      s.add(arc.from());
      t.add(arc.to());
    }
    for (String[] pin : arcs.pinsMoving().values()) {
      s.add(pin[0]);
      t.add(pin[1]);
    }
    this.sources = List.copyOf(s);
    this.targets = List.copyOf(t);
    List<String> fresh = new ArrayList<>(to.shardIds());
    fresh.removeAll(from.shardIds());
    this.newShards = List.copyOf(fresh);
    for (String id : allShards()) {
      if (!shards.has(id)) {
        throw new ReshardException("the configuration has no endpoints for shard '" + id + "' of " + from + " or " + to
            + "; list every shard of both rings under junction.shards");
      }
    }
  }

  /** Every shard of either ring. */
  List<String> allShards() {
    Set<String> all = new LinkedHashSet<>(from.shardIds());
    all.addAll(to.shardIds());
    return List.copyOf(all);
  }

  /** Reads the sharded tables' definitions from the first source (tables missing there are skipped). */
  void loadTables() throws SQLException {
    if (!tables.isEmpty() || sources.isEmpty()) {
      return;
    }
    try (Connection c = shards.open(sources.get(0))) {
      for (ShardedTable t : config.sharding().tables()) {
        TableInfo info = TableInfo.read(c, t);
        if (info != null) {
          tables.put(t.name(), info);
        }
      }
    }
  }

  /** The canonical key of a row value of {@code table}'s shard key. */
  static Object key(TableInfo table, Object value) throws SQLException {
    return table.table().keyType().coerce(value);
  }

  /** The shard a key moves to, or null when it stays on {@code source}. */
  String destination(Object key, String source) {
    String dest = to.shardFor(key);
    return dest.equals(source) || !from.shardFor(key).equals(source) ? null : dest;
  }

  /** Arc index of a key for verification groups: its arc, or -2 for a pinned key. */
  int arcOf(Object key) {
    int arc = arcs.arcOf(KeyHash.hash(key));
    return arc >= 0 ? arc : -2;
  }

  /** The records every shard gets in a phase (sources carry the fence). */
  RingRecord record(String shard, dev.junction.ring.RingPhase phase, long minWriteVersion) {
    return new RingRecord(shard, from.version(), dev.junction.ring.RingLayout.of(from), phase, to.version(),
        dev.junction.ring.RingLayout.of(to), minWriteVersion);
  }
}
