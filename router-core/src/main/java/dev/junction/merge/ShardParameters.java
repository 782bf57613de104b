package dev.junction.merge;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Which JDBC parameters each shard statement takes, in order. The rewrite moves and copies
 * expressions (an ORDER BY expression becomes a hidden select column, AVG(x + ?) becomes SUM and
 * COUNT), drops clauses (OFFSET, HAVING) and turns {@code LIMIT ? OFFSET ?} into one computed
 * {@code LIMIT ?}, so the shard's {@code ?} list is no longer the application's.
 *
 * <p>Statements with numbered ({@code $1}, {@code ?1}) or named ({@code :x}) parameters are passed
 * through unchanged: their references survive being moved, and the planner refuses to drop any.
 */
public final class ShardParameters {

  /** Source index meaning "the computed shard row limit: LIMIT + OFFSET". */
  public static final int COMPUTED_LIMIT = 0;

  private static final ShardParameters PASS_THROUGH = new ShardParameters(null);

  private final List<Integer> sources;

  private ShardParameters(List<Integer> sources) {
    this.sources = sources;
  }

  static ShardParameters passThrough() {
    return PASS_THROUGH;
  }

  static ShardParameters positional(List<Integer> sources) {
    return new ShardParameters(Collections.unmodifiableList(new ArrayList<>(sources)));
  }

  /** True when the shard statement takes the application's parameters unchanged. */
  public boolean isPassThrough() {
    return sources == null;
  }

  /**
   * For each {@code ?} of the shard SQL, left to right: the 1-based index of the application
   * parameter it takes, or {@link #COMPUTED_LIMIT}. Empty for pass-through.
   */
  public List<Integer> sources() {
    return sources == null ? List.of() : sources;
  }

  /** The shard statement's parameter values. */
  List<Object> values(List<?> original, long shardLimit) {
    if (sources == null) {
      return Collections.unmodifiableList(new ArrayList<>(original));
    }
    List<Object> out = new ArrayList<>(sources.size());
    for (int source : sources) {
      out.add(source == COMPUTED_LIMIT ? (Object) shardLimit : original.get(source - 1));
    }
    return Collections.unmodifiableList(out);
  }

  @Override
  public String toString() {
    if (sources == null) {
      return "as given";
    }
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < sources.size(); i++) {
      int s = sources.get(i);
      sb.append(i == 0 ? "" : ", ").append(s == COMPUTED_LIMIT ? "limit+offset" : "?" + s);
    }
    return sb.append(']').toString();
  }
}
