package dev.junction.merge;

import java.sql.SQLDataException;
import java.sql.SQLException;

/** Checks shared by the merge cursors: row shape and turning value errors into SQL errors. */
final class ShardRows {

  private ShardRows() {}

  /** Verifies a shard row has the width the plan expects ({@code expected} -1: anything above {@code hidden}). */
  static Object[] check(Object[] row, int expected, int hidden, int shard) throws SQLException {
    if (row == null) {
      throw new SQLException(
          "shard result " + shard + " returned a null row array; RowCursor.row() must return the current row");
    }
    if (expected >= 0 ? row.length != expected : row.length <= hidden) {
      throw new SQLException(
          "shard result " + shard + " has " + row.length + " columns but the scatter plan expects "
              + (expected >= 0 ? expected : "more than " + hidden)
              + "; every shard must run the planned shard SQL against the same schema", "42804");
    }
    return row;
  }

  static SQLException dataError(IllegalArgumentException e) {
    if (e instanceof UnmergeableValueException u) {
      return u.refusal();
    }
    return new SQLDataException(e.getMessage(), "22000", e);
  }

  static int expectedWidth(MergeSpec spec) {
    return spec.visibleColumns() < 0 ? -1 : spec.visibleColumns() + spec.hiddenColumns();
  }
}
