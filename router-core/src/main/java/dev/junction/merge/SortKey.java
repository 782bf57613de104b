package dev.junction.merge;

/**
 * One ORDER BY item as the merger sees it: a column of the shard row, a direction, and where NULL
 * goes. NULL placement is always explicit here — the planner has already applied the dialect's
 * default — so the merger needs no dialect knowledge to order rows.
 *
 * @param column index among the visible columns, or among the hidden columns when {@code hidden}
 * @param hidden whether {@code column} counts from the first hidden (trailing) column; hidden
 *     columns exist only so the merger can sort or combine, and are stripped from merged rows
 * @param descending DESC
 * @param nullsFirst NULL sorts before every value (regardless of direction)
 */
public record SortKey(int column, boolean hidden, boolean descending, boolean nullsFirst) {

  public SortKey {
    if (column < 0) {
      throw new IllegalArgumentException("sort column must be >= 0, got " + column);
    }
  }

  /** Index in a shard row of {@code width} columns whose last {@code hiddenColumns} are hidden. */
  int resolve(int width, int hiddenColumns) {
    return hidden ? width - hiddenColumns + column : column;
  }

  String describe(String columnName) {
    return columnName + (descending ? " DESC" : " ASC") + (nullsFirst ? " NULLS FIRST" : " NULLS LAST");
  }
}
