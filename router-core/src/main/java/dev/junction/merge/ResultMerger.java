package dev.junction.merge;

import java.util.List;

/**
 * Combines the results of one scatter SELECT from k shards into the result a single database
 * would have returned, as described by a bound {@link MergeSpec}.
 *
 * <h2>Design notes</h2>
 *
 * <p>Three strategies, picked from the spec:
 *
 * <ul>
 *   <li><b>ORDER BY, no aggregation</b> — each shard already sorted its rows, so a k-way merge over
 *       the shard heads (a priority queue of k rows) yields the global order while streaming:
 *       memory is O(k) whatever the result size, the first row is available after one row per
 *       shard, and with OFFSET m LIMIT n at most m + n + k rows are pulled in total. Ties are
 *       broken by shard index, so the output is deterministic.
 *   <li><b>Neither ORDER BY nor aggregation</b> — shard results are concatenated in shard order,
 *       also streaming.
 *   <li><b>GROUP BY, aggregates, DISTINCT</b> — one group can have rows on every shard, so nothing
 *       can be emitted before everything is read. Partial rows are combined in a hash map keyed by
 *       the group columns (memory bounded by the number of groups, optionally capped), then HAVING,
 *       DISTINCT, ORDER BY. When ORDER BY fully orders the groups the planner has already pushed
 *       LIMIT + OFFSET to the shards, which bounds the groups to k * (limit + offset). Without
 *       ORDER BY, groups come out in first-seen order, reading the shards one after another in list
 *       order: unspecified by SQL, deterministic for deterministic shard results.
 * </ul>
 *
 * <p>OFFSET and LIMIT are applied last, on the merged stream; hidden columns are stripped on the
 * way out. Nothing is pulled from a shard until the returned cursor's first {@code next()}. When
 * reading fails (a shard's result fails mid-stream), every shard result is closed at once and the
 * merged cursor stays failed.
 *
 * <p>Values are ordered and grouped by {@link SqlValues}; see there for how text collation on the
 * shards must be set up for ORDER BY on text to merge correctly. Thread-safe and stateless apart
 * from the group cap; the returned cursor is for one thread.
 */
public final class ResultMerger {

  private final long maxGroups;

  /** A merger without a cap on the number of groups held in memory. */
  public ResultMerger() {
    this(Long.MAX_VALUE);
  }

  /**
   * @param maxGroups fail a GROUP BY/DISTINCT merge that needs more groups than this in memory,
   *     instead of exhausting the heap
   */
  public ResultMerger(long maxGroups) {
    if (maxGroups < 1) {
      throw new IllegalArgumentException("maxGroups must be positive, got " + maxGroups);
    }
    this.maxGroups = maxGroups;
  }

  /**
   * Merges shard results. Takes ownership of the shard cursors: they are closed when exhausted,
   * when the limit is reached, when reading fails, or when the returned cursor is closed.
   *
   * @param shards one cursor per shard, each over the rows of the plan's shard SQL
   * @param spec a bound spec ({@link MergeSpec#bind} or {@link ScatterPlan#bind})
   * @return the merged rows, visible columns only
   */
  public RowCursor merge(List<? extends RowCursor> shards, MergeSpec spec) {
    if (!spec.isBound()) {
      throw new IllegalArgumentException(
          "the merge spec still has ? parameters (LIMIT/OFFSET/HAVING);"
              + " bind it with ScatterPlan.bind(parameters) first");
    }
    List<? extends RowCursor> inputs = List.copyOf(shards);
    RowCursor merged;
    if (spec.isMaterializing()) {
      merged = new CombiningCursor(inputs, spec, maxGroups);
    } else if (!spec.order().isEmpty()) {
      merged = new SortedMergeCursor(inputs, spec);
    } else {
      merged = new ConcatCursor(inputs, spec);
    }
    long offset = spec.offset().orElse(0);
    long limit = spec.limit().orElse(-1);
    if (offset > 0 || limit >= 0) {
      merged = new LimitCursor(merged, offset, limit);
    }
    if (spec.hiddenColumns() > 0) {
      merged = new StripHiddenCursor(merged, spec.hiddenColumns());
    }
    return new FailClosedCursor(merged);
  }
}
