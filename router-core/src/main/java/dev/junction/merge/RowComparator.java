package dev.junction.merge;

import java.sql.SQLException;
import java.util.Comparator;
import java.util.List;

/** Orders rows by resolved sort keys; the comparator of both the k-way merge and the in-memory sort. */
final class RowComparator implements Comparator<Object[]> {

  private final int[] columns;
  private final boolean[] descending;
  private final boolean[] nullsFirst;

  private RowComparator(int[] columns, boolean[] descending, boolean[] nullsFirst) {
    this.columns = columns;
    this.descending = descending;
    this.nullsFirst = nullsFirst;
  }

  /** Resolves the keys against rows of {@code width} columns whose last {@code hidden} are hidden. */
  static RowComparator of(List<SortKey> keys, int width, int hidden) throws SQLException {
    int n = keys.size();
    int[] columns = new int[n];
    boolean[] descending = new boolean[n];
    boolean[] nullsFirst = new boolean[n];
    for (int i = 0; i < n; i++) {
      SortKey k = keys.get(i);
      columns[i] = k.resolve(width, hidden);
      if (columns[i] < 0 || columns[i] >= width || (!k.hidden() && columns[i] >= width - hidden)) {
        throw new SQLException(
            "ORDER BY refers to column " + (k.column() + 1) + (k.hidden() ? " of the hidden columns" : "")
                + " but the shard rows have " + (width - hidden) + " visible columns", "42P10");
      }
      descending[i] = k.descending();
      nullsFirst[i] = k.nullsFirst();
    }
    return new RowComparator(columns, descending, nullsFirst);
  }

  @Override
  public int compare(Object[] a, Object[] b) {
    for (int i = 0; i < columns.length; i++) {
      Object x = a[columns[i]];
      Object y = b[columns[i]];
      if (x == y) {
        continue;
      }
      if (x == null) {
        return nullsFirst[i] ? -1 : 1;
      }
      if (y == null) {
        return nullsFirst[i] ? 1 : -1;
      }
      int c = SqlValues.compare(x, y);
      if (c != 0) {
        return descending[i] ? -c : c;
      }
    }
    return 0;
  }
}
