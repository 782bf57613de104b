package dev.junction.jdbc.internal;

import dev.junction.merge.Combine;
import dev.junction.merge.MergeDialect;
import dev.junction.merge.MergeSpec;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;

/**
 * Column metadata copied from the first shard's result, limited to the columns the application
 * sees (the merger's hidden trailing columns are left out). Copied because shard results are
 * closed as soon as the merge has drained them, while the merged result stays open.
 */
final class SnapshotMetaData implements ResultSetMetaData {
  private record Column(String label, String name, int type, String typeName, String className, int precision,
                        int scale, int nullable, boolean signed, int displaySize, String table, String schema,
                        String catalog, boolean autoIncrement, boolean caseSensitive, boolean currency) {}

  private final Column[] columns;

  private SnapshotMetaData(Column[] columns) {
    this.columns = columns;
  }

  /**
   * The first {@code visible} columns of {@code md}, with labels overridden where the plan knows
   * better, and AVG columns typed as the database types AVG: each shard ran SUM in their place.
   */
  static SnapshotMetaData of(ResultSetMetaData md, int visible, MergeSpec spec) throws SQLException {
    java.util.List<String> labels = spec.labels();
    boolean pg = spec.dialect() == MergeDialect.POSTGRESQL;
    Column[] cols = new Column[visible];
    for (int i = 1; i <= visible; i++) {
      String label = labels.size() >= i && labels.get(i - 1) != null ? labels.get(i - 1) : md.getColumnLabel(i);
      boolean avg = spec.aggregation().size() >= i && spec.aggregation().get(i - 1).combine() == Combine.AVG;
      cols[i - 1] = avg
          ? column(md, i, label, pg ? Types.NUMERIC : Types.DECIMAL, pg ? "numeric" : "DECIMAL", java.math.BigDecimal.class.getName())
          : column(md, i, label, md.getColumnType(i), md.getColumnTypeName(i), md.getColumnClassName(i));
    }
    return new SnapshotMetaData(cols);
  }

  /** All columns of {@code md} as they are (concatenated RETURNING rows, generated keys). */
  static SnapshotMetaData of(ResultSetMetaData md) throws SQLException {
    Column[] cols = new Column[md.getColumnCount()];
    for (int i = 1; i <= cols.length; i++) {
      cols[i - 1] = column(md, i, md.getColumnLabel(i), md.getColumnType(i), md.getColumnTypeName(i), md.getColumnClassName(i));
    }
    return new SnapshotMetaData(cols);
  }

  private static Column column(ResultSetMetaData md, int i, String label, int type, String typeName, String className)
      throws SQLException {
    return new Column(label, md.getColumnName(i), type, typeName, className, md.getPrecision(i), md.getScale(i),
        md.isNullable(i), md.isSigned(i), md.getColumnDisplaySize(i), md.getTableName(i), md.getSchemaName(i),
        md.getCatalogName(i), md.isAutoIncrement(i), md.isCaseSensitive(i), md.isCurrency(i));
  }

  private Column col(int column) throws SQLException {
    if (column < 1 || column > columns.length) {
      throw new SQLException("column index " + column + " is out of range 1.." + columns.length, "22023");
    }
    return columns[column - 1];
  }

  @Override public int getColumnCount() { return columns.length; }
  @Override public boolean isAutoIncrement(int column) throws SQLException { return col(column).autoIncrement(); }
  @Override public boolean isCaseSensitive(int column) throws SQLException { return col(column).caseSensitive(); }
  @Override public boolean isSearchable(int column) throws SQLException { col(column); return true; }
  @Override public boolean isCurrency(int column) throws SQLException { return col(column).currency(); }
  @Override public int isNullable(int column) throws SQLException { return col(column).nullable(); }
  @Override public boolean isSigned(int column) throws SQLException { return col(column).signed(); }
  @Override public int getColumnDisplaySize(int column) throws SQLException { return col(column).displaySize(); }
  @Override public String getColumnLabel(int column) throws SQLException { return col(column).label(); }
  @Override public String getColumnName(int column) throws SQLException { return col(column).name(); }
  @Override public String getSchemaName(int column) throws SQLException { return col(column).schema(); }
  @Override public int getPrecision(int column) throws SQLException { return col(column).precision(); }
  @Override public int getScale(int column) throws SQLException { return col(column).scale(); }
  @Override public String getTableName(int column) throws SQLException { return col(column).table(); }
  @Override public String getCatalogName(int column) throws SQLException { return col(column).catalog(); }
  @Override public int getColumnType(int column) throws SQLException { return col(column).type(); }
  @Override public String getColumnTypeName(int column) throws SQLException { return col(column).typeName(); }
  @Override public boolean isReadOnly(int column) throws SQLException { col(column); return true; }
  @Override public boolean isWritable(int column) throws SQLException { col(column); return false; }
  @Override public boolean isDefinitelyWritable(int column) throws SQLException { col(column); return false; }
  @Override public String getColumnClassName(int column) throws SQLException { return col(column).className(); }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    throw new SQLException("SnapshotMetaData does not wrap " + iface.getName());
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return iface.isInstance(this);
  }
}
