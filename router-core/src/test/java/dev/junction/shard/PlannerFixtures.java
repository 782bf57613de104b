package dev.junction.shard;

import dev.junction.classify.Dialect;
import java.util.List;
import java.util.Set;

/** The rules the planner tests run against: three shards, two co-located tables, one string-keyed. */
final class PlannerFixtures {

  static final ShardRing RING = ShardRing.of("s0", "s1", "s2");

  static final ShardingRules RULES = ShardingRules.of(RING,
      List.of(new ShardedTable("orders", "customer_id", KeyType.LONG),
          new ShardedTable("order_items", "customer_id", KeyType.LONG),
          new ShardedTable("sessions", "token", KeyType.STRING)),
      Set.of("countries"), "s0");

  private PlannerFixtures() {}

  static ShardStatementPlanner planner(Dialect dialect) {
    return new ShardStatementPlanner(RULES, dialect);
  }

  /** Some integer keys hashing to the given shard of {@link #RING}, smallest first. */
  static long keyOn(int shard, int skip) {
    int seen = 0;
    for (long k = 1; ; k++) {
      if (RING.shardIndexFor(k) == shard && seen++ == skip) {
        return k;
      }
    }
  }
}
