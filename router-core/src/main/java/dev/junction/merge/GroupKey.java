package dev.junction.merge;

import java.util.Arrays;

/** The GROUP BY or DISTINCT key of a row, with SQL equality (see {@link SqlValues#groupingKey}). */
final class GroupKey {

  static final GroupKey EMPTY = new GroupKey(new Object[0]);

  private final Object[] values;
  private final int hash;

  private GroupKey(Object[] values) {
    this.values = values;
    this.hash = Arrays.hashCode(values);
  }

  static GroupKey of(Object[] row, int[] columns) {
    Object[] values = new Object[columns.length];
    for (int i = 0; i < columns.length; i++) {
      values[i] = SqlValues.groupingKey(row[columns[i]]);
    }
    return new GroupKey(values);
  }

  /** Key over the first {@code count} columns. */
  static GroupKey ofPrefix(Object[] row, int count) {
    Object[] values = new Object[count];
    for (int i = 0; i < count; i++) {
      values[i] = SqlValues.groupingKey(row[i]);
    }
    return new GroupKey(values);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GroupKey k && hash == k.hash && Arrays.equals(values, k.values);
  }

  @Override
  public int hashCode() {
    return hash;
  }
}
