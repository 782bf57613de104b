package dev.junction.shard;

import java.sql.SQLException;
import java.util.BitSet;
import java.util.List;

/**
 * A statement on sharded tables whose targets follow from shard-key values: SINGLE, MULTI or
 * SCATTER for one equivalence class; for several classes (tables not joined on their keys, or
 * subqueries), SINGLE only when every class resolves to the same shard. Binding hashes the bound
 * key parameters; it never parses.
 */
final class KeyedPlan implements ShardPlan {

  private final ShardingRules rules;
  private final String sql;
  private final int parameterCount;
  private final List<KeyClass> classes;
  /** Unsharded tables in the statement, which exist only on the default shard; null if none. */
  private final String unsharded;
  private final ShardRoute.Opcode opcode;

  KeyedPlan(ShardingRules rules, String sql, int parameterCount, List<KeyClass> classes, String unsharded) {
    this.rules = rules;
    this.sql = sql;
    this.parameterCount = parameterCount;
    this.classes = List.copyOf(classes);
    this.unsharded = unsharded;
    if (classes.size() > 1 || unsharded != null) {
      opcode = ShardRoute.Opcode.SINGLE;
    } else if (!classes.get(0).pinned()) {
      opcode = ShardRoute.Opcode.SCATTER;
    } else {
      opcode = classes.get(0).singleValued() ? ShardRoute.Opcode.SINGLE : ShardRoute.Opcode.MULTI;
    }
  }

  /** Rejects at plan time what no parameter values could make routable. */
  KeyedPlan checked() throws SQLException {
    for (KeyClass c : classes) {
      if (classes.size() > 1 && !c.pinned()) {
        throw notColocated("is not restricted by its shard key", c);
      }
    }
    if (unsharded != null && classes.size() == 1 && !classes.get(0).pinned()) {
      throw mixed("every shard (no shard-key predicate on " + classes.get(0).describe() + ")");
    }
    return this;
  }

  @Override
  public ShardRoute.Opcode opcode() {
    return opcode;
  }

  @Override
  public ShardRoute bind(List<Object> parameters) throws SQLException {
    FixedPlan.checkCount(parameterCount, parameters);
    List<Object> values = parameters == null ? List.of() : parameters;
    int count = rules.shardCount();
    if (classes.size() == 1) {
      KeyClass only = classes.get(0);
      BitSet shards = only.shards(rules, values);
      if (shards == null) {
        return FixedPlan.route(ShardRoute.Opcode.SCATTER, FixedPlan.allShards(count), sql, values,
            "no shard-key predicate on " + only.describe() + ": every shard");
      }
      if (shards.isEmpty()) {
        return checkedSingle(rules.defaultShard(), values, "the key of " + only.describe()
            + " matches no value (NULL): no rows anywhere, default shard " + name(rules.defaultShard()));
      }
      if (shards.cardinality() == 1) {
        return checkedSingle(shards.nextSetBit(0), values,
            only.describe() + " pinned by key to " + name(shards.nextSetBit(0)));
      }
      if (unsharded != null) {
        throw mixed(describe(shards));
      }
      return FixedPlan.route(ShardRoute.Opcode.MULTI, shards.stream().toArray(), sql, values,
          only.describe() + " pinned by key to " + describe(shards));
    }
    int shard = -1;
    for (KeyClass c : classes) {
      BitSet shards = c.shards(rules, values);
      if (shards == null || shards.cardinality() > 1) {
        throw notColocated(shards == null ? "is not restricted by its shard key" : "has keys on " + describe(shards), c);
      }
      if (shards.isEmpty()) {
        continue; // matches no row anywhere: agrees with any shard
      }
      int s = shards.nextSetBit(0);
      if (shard >= 0 && s != shard) {
        throw notColocated("is on " + name(s) + " while other tables are on " + name(shard), c);
      }
      shard = s;
    }
    int target = shard < 0 ? rules.defaultShard() : shard;
    return checkedSingle(target, values, "every table pinned by key to " + name(target));
  }

  private ShardRoute checkedSingle(int shard, List<Object> values, String explanation) throws SQLException {
    if (unsharded != null && shard != rules.defaultShard()) {
      throw mixed(name(shard));
    }
    return FixedPlan.route(ShardRoute.Opcode.SINGLE, new int[] {shard}, sql, values, explanation);
  }

  private SQLException mixed(String where) {
    return PlannerErrors.unsupported(
        "unsharded table(s) " + unsharded + " live only on the default shard " + name(rules.defaultShard())
            + ", but the sharded rows are on " + where,
        "Query the unsharded tables separately, pin the sharded tables to the default shard with a"
            + " shard-key predicate, " + PlannerErrors.HINT_ADVICE);
  }

  private SQLException notColocated(String problem, KeyClass c) {
    String all = classes.stream().map(KeyClass::describe).distinct().collect(java.util.stream.Collectors.joining(" and "));
    return PlannerErrors.unsupported(
        "the tables " + all + " are not joined on their shard keys within one query block (tables in a subquery"
            + " count separately), and " + c.describe() + " " + problem,
        "Join the tables on the shard key (e.g. a.key = b.key), or add shard-key predicates that pin"
            + " every table, including those in subqueries, to the same shard, " + PlannerErrors.HINT_ADVICE);
  }

  private String describe(BitSet shards) {
    StringBuilder sb = new StringBuilder();
    shards.stream().forEach(s -> sb.append(sb.length() == 0 ? "" : ", ").append(name(s)));
    return sb.toString();
  }

  private String name(int shard) {
    return rules.ring().shardId(shard);
  }
}
