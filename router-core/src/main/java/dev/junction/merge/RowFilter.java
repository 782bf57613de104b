package dev.junction.merge;

import java.sql.SQLException;
import java.util.List;
import java.util.function.IntFunction;

/**
 * A HAVING condition evaluated on merged rows. A shard sees only part of each group, so a
 * condition over aggregates cannot run on the shards; the planner removes it from the shard SQL
 * and compiles it into one of these, evaluated after the partial aggregates are combined.
 *
 * <p>Evaluation uses SQL three-valued logic: comparisons with NULL are UNKNOWN, and only rows for
 * which the condition is TRUE are kept.
 */
public interface RowFilter {

  /** {@code TRUE}, {@code FALSE}, or {@code null} for UNKNOWN, for one merged row. */
  Boolean evaluate(Object[] row);

  /** This filter with its {@code ?} parameters replaced by an execution's values. */
  RowFilter bind(List<?> parameters) throws SQLException;

  /** False while a {@code ?} parameter is unbound. */
  boolean isBound();

  /** A compact rendering, naming columns with {@code columnNames} (absolute shard-row index). */
  String describe(IntFunction<String> columnNames);
}
