/**
 * Where shard keys live, and ids that stay unique across shards.
 *
 * <ul>
 *   <li>{@link dev.junction.shard.KeyHash} — the fixed hash (XXH64, seed 0) of a key's canonical
 *       bytes; it never changes, because rows are physically placed by it.</li>
 *   <li>{@link dev.junction.shard.ShardRing} — an immutable, versioned consistent-hash ring of
 *       weighted shards with pinned-key overrides: key to shard in a few nanoseconds, and adding
 *       a shard moves only about 1/(N+1) of keys, all to the new shard.</li>
 *   <li>{@link dev.junction.shard.ShardStatementPlanner} — which shards a statement runs on: from
 *       its tables, shard-key predicates and hints to a cached {@link dev.junction.shard.ShardPlan}
 *       that binds parameter values to a {@link dev.junction.shard.ShardRoute}.</li>
 *   <li>{@link dev.junction.shard.SnowflakeIdGenerator} — lock-free, time-ordered 64-bit ids
 *       that do not collide across shards the way per-shard sequences do.</li>
 * </ul>
 *
 * See docs/sharding-ring.md for the encodings, measured balance and movement, and diagrams.
 */
package dev.junction.shard;
