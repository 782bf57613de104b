package dev.junction.shard;

import java.util.List;
import java.util.Objects;

/**
 * Where one execution of a statement goes, as a value: an opcode (as in Vitess' vtgate) and one
 * {@link ShardStatement} per target shard, in ascending shard order. Produced by
 * {@link ShardStatementPlanner} from the SQL text and the bound parameters.
 *
 * @param opcode how the targets were chosen
 * @param statements what each target shard runs; the same SQL and parameters for every opcode but
 *     {@link Opcode#INSERT_SPLIT}
 * @param explanation one line saying why, for explain output and errors
 */
public record ShardRoute(Opcode opcode, List<ShardStatement> statements, String explanation) {

  public ShardRoute {
    Objects.requireNonNull(opcode, "opcode");
    statements = List.copyOf(statements);
    if (statements.isEmpty()) {
      throw new IllegalArgumentException("a route needs at least one target shard");
    }
  }

  /** How a route's targets were chosen, from the cheapest to the most expensive. */
  public enum Opcode {
    /** The shard-key value(s) all map to one shard. */
    SINGLE,
    /** Only tables living on the default shard (unsharded tables) or no table at all. */
    DEFAULT,
    /** A read of broadcast tables only: any shard has the rows; the default shard is named. */
    ANY,
    /** Shard-key values (an IN list, several keys) map to a subset of the shards. */
    MULTI,
    /** A multi-row INSERT whose rows map to several shards: each shard gets its own rows. */
    INSERT_SPLIT,
    /** No usable shard-key predicate: every shard. Reads are merged. */
    SCATTER,
    /** A write (or DDL) on broadcast tables, or DDL on a sharded table: every shard. */
    BROADCAST
  }

  /** What one shard runs. */
  public record ShardStatement(int shard, String sql, List<Object> parameters) {
    public ShardStatement {
      Objects.requireNonNull(sql, "sql");
      parameters = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(parameters)); // may hold nulls
    }
  }

  public boolean isSingleShard() {
    return statements.size() == 1;
  }
}
