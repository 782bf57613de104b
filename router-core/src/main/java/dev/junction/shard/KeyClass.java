package dev.junction.shard;

import java.sql.SQLException;
import java.util.BitSet;
import java.util.List;

/**
 * One equivalence class of sharded table references, with the key restrictions on it prepared
 * for binding: literal keys are hashed once at plan time, parameter keys are looked up by
 * position at bind time.
 *
 * @param description the member tables and key columns, for explanations and errors (the plan keeps
 *     no parse tree)
 * @param pins restrictions that all hold (their shard sets intersect); none means every shard
 */
record KeyClass(String description, List<BoundPin> pins) {

  KeyClass {
    pins = List.copyOf(pins);
  }

  static String describe(List<TableRef> tables) {
    StringBuilder sb = new StringBuilder();
    for (TableRef t : tables) {
      String member = t.name + "(" + t.sharded.keyColumn() + ")";
      if (sb.indexOf(member) < 0) {
        sb.append(sb.length() == 0 ? "" : ", ").append(member);
      }
    }
    return sb.toString();
  }

  /** One restriction: the key is one of these values, each NULL value matching nothing. */
  record BoundPin(ShardedTable table, BitSet literalShards, int[] parameters) {

    BitSet shards(ShardingRules rules, List<Object> values) throws SQLException {
      BitSet out = (BitSet) literalShards.clone();
      for (int p : parameters) {
        Object value = values.get(p);
        if (value != null) {
          out.set(rules.shardOf(table, value));
        }
      }
      return out;
    }

    /** At most one shard whatever the parameters are. */
    boolean singleValued() {
      return literalShards.cardinality() + parameters.length <= 1;
    }
  }

  /** The shards this class's rows can be on, or null when it is not restricted at all. */
  BitSet shards(ShardingRules rules, List<Object> values) throws SQLException {
    BitSet out = null;
    for (BoundPin pin : pins) {
      BitSet s = pin.shards(rules, values);
      if (out == null) {
        out = s;
      } else {
        out.and(s);
      }
    }
    return out;
  }

  boolean pinned() {
    return !pins.isEmpty();
  }

  boolean singleValued() {
    return pins.stream().anyMatch(BoundPin::singleValued);
  }

  String describe() {
    return description;
  }
}
