package dev.junction.shard;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Where each table lives: sharded tables by key through the ring, broadcast (reference) tables
 * copied to every shard, every other table on the default shard. Shard indexes are positions in
 * {@link ShardRing#shardIds()}.
 *
 * @param ring the versioned consistent-hash ring
 * @param tables sharded tables, by lower-case name
 * @param broadcastTables lower-case names of tables written to every shard and read from any
 * @param defaultShard index of the shard holding unsharded tables and table-less statements
 */
public record ShardingRules(ShardRing ring, Map<String, ShardedTable> tables, Set<String> broadcastTables, int defaultShard) {

  public ShardingRules {
    Objects.requireNonNull(ring, "ring");
    tables = Map.copyOf(tables);
    broadcastTables = broadcastTables.stream().map(t -> t.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    if (defaultShard < 0 || defaultShard >= ring.shardCount()) {
      throw new IllegalArgumentException("defaultShard " + defaultShard + " is not a shard index (0.." + (ring.shardCount() - 1) + ")");
    }
  }

  public static ShardingRules of(ShardRing ring, List<ShardedTable> tables, Set<String> broadcastTables, String defaultShard) {
    return new ShardingRules(ring, tables.stream().collect(Collectors.toMap(ShardedTable::name, Function.identity())),
        broadcastTables, ring.indexOf(defaultShard));
  }

  /** The sharded table with this (unquoted, any case) name, or null. */
  public ShardedTable sharded(String table) {
    return tables.get(table.toLowerCase(Locale.ROOT));
  }

  public boolean isBroadcast(String table) {
    return broadcastTables.contains(table.toLowerCase(Locale.ROOT));
  }

  public int shardCount() {
    return ring.shardCount();
  }

  /** The shard index a key value of {@code table} maps to (value coerced to the key type first). */
  public int shardOf(ShardedTable table, Object keyValue) throws java.sql.SQLDataException {
    return ring.shardIndexFor(table.keyType().coerce(keyValue));
  }
}
