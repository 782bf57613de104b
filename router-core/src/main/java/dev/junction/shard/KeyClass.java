package dev.junction.shard;

import java.sql.SQLException;
import java.util.BitSet;
import java.util.List;

/**
 * One equivalence class of sharded table references, with the key restrictions on it prepared
 * for binding: literal keys are hashed once at plan time, parameter keys are looked up by
 * position at bind time.
 *
 * @param tables the references, for explanations and errors
 * @param pins restrictions that all hold (their shard sets intersect); none means every shard
 */
record KeyClass(List<TableRef> tables, List<BoundPin> pins) {

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
    StringBuilder sb = new StringBuilder();
    for (TableRef t : tables) {
      if (sb.length() > 0) {
        sb.append(", ");
      }
      sb.append(t.name).append('(').append(t.sharded.keyColumn()).append(')');
    }
    return sb.toString();
  }
}
