package dev.junction.reshard;

import dev.junction.shard.ShardedTable;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A sharded table as the resharding tool needs it: its columns in order, its primary key (the copy
 * pages through it, so every table needs one) and the position of the shard-key column.
 */
record TableInfo(ShardedTable table, List<String> columns, List<String> primaryKey, int keyIndex) {

  String name() {
    return table.name();
  }

  String keyColumn() {
    return table.keyColumn();
  }

  /** Reads the table's definition from {@code c}; null when the table does not exist there. */
  static TableInfo read(Connection c, ShardedTable table) throws SQLException {
    DatabaseMetaData md = c.getMetaData();
    String catalog = c.getCatalog();
    String schema = c.getSchema();
    List<String> columns = new ArrayList<>();
    try (ResultSet rs = md.getColumns(catalog, schema, table.name(), null)) {
      Map<Integer, String> ordered = new TreeMap<>();
      while (rs.next()) {
        ordered.put(rs.getInt("ORDINAL_POSITION"), rs.getString("COLUMN_NAME").toLowerCase(Locale.ROOT));
      }
      columns.addAll(ordered.values());
    }
    if (columns.isEmpty()) {
      return null;
    }
    Map<Integer, String> pk = new TreeMap<>();
    try (ResultSet rs = md.getPrimaryKeys(catalog, schema, table.name())) {
      while (rs.next()) {
        pk.put(rs.getInt("KEY_SEQ"), rs.getString("COLUMN_NAME").toLowerCase(Locale.ROOT));
      }
    }
    if (pk.isEmpty()) {
      throw new SQLException("Junction reshard: table " + table.name() + " has no primary key; the copy pages through"
          + " it by primary key and the change capture re-reads rows by it. Add one before resharding.", "0A000");
    }
    int keyIndex = columns.indexOf(table.keyColumn());
    if (keyIndex < 0) {
      throw new SQLException("Junction reshard: table " + table.name() + " has no column " + table.keyColumn()
          + " (its configured shard key); columns: " + columns, "42703");
    }
    return new TableInfo(table, List.copyOf(columns), List.copyOf(pk.values()), keyIndex);
  }

  String columnList() {
    return String.join(", ", columns);
  }

  String pkList() {
    return String.join(", ", primaryKey);
  }

  String placeholders(int n) {
    return String.join(", ", java.util.Collections.nCopies(n, "?"));
  }

  int[] pkIndexes() {
    int[] out = new int[primaryKey.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = columns.indexOf(primaryKey.get(i));
    }
    return out;
  }
}
