package dev.junction.it.shard;

import java.util.List;

/**
 * Rows to insert into one table, with each column's {@link java.sql.Types} code so that NULL
 * parameters can be bound with a type.
 */
public record TableRows(String table, List<String> columns, int[] sqlTypes, List<Object[]> rows) {

  public int keyColumn(String column) {
    return columns.indexOf(column);
  }
}
