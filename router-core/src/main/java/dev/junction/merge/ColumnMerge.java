package dev.junction.merge;

/**
 * The merge role of one shard column in an aggregating scatter query.
 *
 * @param combine how partial values of this column are combined
 * @param partner for {@link Combine#AVG} and coalesced columns: the absolute index of the hidden
 *     column with the partial counts; -1 otherwise
 * @param coalesced the column is {@code COALESCE(aggregate, literal)} computed by each shard: a
 *     partial whose count (in {@code partner}) is 0 carries the literal, not an aggregate, and is
 *     left out of the combination; a group whose counts are all 0 keeps that literal, as the
 *     shard typed it ({@link CoalescedAggregate})
 * @param expression an arithmetic expression over aggregates ({@link AggregateExpression}): the
 *     shards return a NULL of the expression's type here, and the merger computes the value from
 *     the aggregates' merged columns; null otherwise
 * @param length for a {@link Combine#CONCAT} of MariaDB/MySQL {@code group_concat}: the absolute index
 *     of the hidden column with each partial's {@code LENGTH()} (summed); -1 otherwise
 * @param maxLength with {@code length}: the hidden column with the shards' {@code group_concat_max_len}
 *     (the smallest kept); -1 otherwise
 */
public record ColumnMerge(Combine combine, int partner, boolean coalesced, AggregateExpression expression, int length,
                          int maxLength) {

  public ColumnMerge(Combine combine, int partner, boolean coalesced) {
    this(combine, partner, coalesced, null);
  }

  public ColumnMerge(Combine combine, int partner, boolean coalesced, AggregateExpression expression) {
    this(combine, partner, coalesced, expression, -1, -1);
  }

  public ColumnMerge {
    if ((length >= 0 || maxLength >= 0) && (combine != Combine.CONCAT || length < 0 || maxLength < 0)) {
      throw new IllegalArgumentException("only a CONCAT column has length and maxLength columns, and both");
    }
    if (expression != null && (combine != Combine.FIRST || partner >= 0 || coalesced)) {
      throw new IllegalArgumentException("an expression column is a FIRST column without partner");
    }
    if ((combine == Combine.AVG || coalesced || combine == Combine.CONCAT) != (partner >= 0)) {
      throw new IllegalArgumentException(
          "AVG and coalesced columns need a partner count column, CONCAT a separator column, and nothing else has one");
    }
    if (coalesced && combine != Combine.SUM && combine != Combine.MIN && combine != Combine.MAX) {
      throw new IllegalArgumentException("only SUM, MIN and MAX can be coalesced, not " + combine);
    }
  }

  public static ColumnMerge of(Combine combine) {
    return new ColumnMerge(combine, -1, false);
  }

  public static ColumnMerge avg(int countColumn) {
    return new ColumnMerge(Combine.AVG, countColumn, false);
  }

  /** A column the merger computes from merged aggregate columns ({@link AggregateExpression}). */
  static ColumnMerge expression(AggregateExpression expression) {
    return new ColumnMerge(Combine.FIRST, -1, false, expression);
  }

  /**
   * {@code string_agg}/{@code group_concat}: partials joined by the value of the hidden column
   * {@code separator} ({@link Multisets}); {@code length} and {@code maxLength} are -1, or the hidden
   * columns of the group_concat_max_len check.
   */
  public static ColumnMerge concat(int separator, int length, int maxLength) {
    return new ColumnMerge(Combine.CONCAT, separator, false, null, length, maxLength);
  }

  /** {@code COALESCE(agg, literal)} with agg combined by {@code combine}; see {@link #coalesced()}. */
  public static ColumnMerge coalesced(Combine combine, int countColumn) {
    return new ColumnMerge(combine, countColumn, true);
  }
}
