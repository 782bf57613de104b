package dev.junction.merge;

/**
 * The merge role of one shard column in an aggregating scatter query.
 *
 * @param combine how partial values of this column are combined
 * @param partner for {@link Combine#AVG}: the absolute index of the hidden column with the
 *     partial counts; -1 otherwise
 */
public record ColumnMerge(Combine combine, int partner) {

  public ColumnMerge {
    if ((combine == Combine.AVG) != (partner >= 0)) {
      throw new IllegalArgumentException("AVG needs a partner count column and nothing else has one");
    }
  }

  public static ColumnMerge of(Combine combine) {
    return new ColumnMerge(combine, -1);
  }

  public static ColumnMerge avg(int countColumn) {
    return new ColumnMerge(Combine.AVG, countColumn);
  }
}
