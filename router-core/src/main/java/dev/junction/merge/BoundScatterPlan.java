package dev.junction.merge;

import java.util.List;

/**
 * One execution of a {@link ScatterPlan}: send {@code shardSql} with {@code shardParameters} to
 * every target shard, then hand the results and {@code spec} to {@link ResultMerger}.
 */
public record BoundScatterPlan(String shardSql, List<Object> shardParameters, MergeSpec spec) {

  public BoundScatterPlan {
    shardParameters = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(shardParameters));
  }
}
