package dev.junction.reshard;

import dev.junction.shard.KeyHash;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** One row's values as read by JDBC, and what the steps compute from them. */
final class Rows {
  private Rows() {}

  static Object[] read(ResultSet rs, int columns) throws SQLException {
    Object[] row = new Object[columns];
    for (int i = 0; i < columns; i++) {
      row[i] = rs.getObject(i + 1);
    }
    return row;
  }

  static void bind(PreparedStatement ps, Object[] row) throws SQLException {
    for (int i = 0; i < row.length; i++) {
      ps.setObject(i + 1, row[i]);
    }
  }

  /** Approximate size in bytes of a row's values, for progress and throughput figures. */
  static long size(Object[] row) {
    long bytes = 0;
    for (Object v : row) {
      if (v == null) {
        bytes += 1;
      } else if (v instanceof String s) {
        bytes += s.length();
      } else if (v instanceof byte[] b) {
        bytes += b.length;
      } else if (v instanceof Number || v instanceof Boolean) {
        bytes += 8;
      } else {
        bytes += v.toString().length();
      }
    }
    return bytes;
  }

  /**
   * An order-independent fingerprint of a row's content: XXH64 of its columns' text as the driver
   * renders them (getString), separated by a byte no text contains, NULL marked apart from ''.
   */
  static long fingerprint(ResultSet rs, int columns) throws SQLException {
    StringBuilder text = new StringBuilder();
    for (int i = 1; i <= columns; i++) {
      String v = rs.getString(i);
      text.append(v == null ? "\u0000N" : v).append('\u0001');
    }
    byte[] utf8 = text.toString().getBytes(StandardCharsets.UTF_8);
    return KeyHash.ofBytes(utf8);
  }

  /** The primary-key values of a row as text, for messages and checkpoints. */
  static String[] pkText(Object[] row, int[] pkIndexes) {
    String[] out = new String[pkIndexes.length];
    for (int i = 0; i < pkIndexes.length; i++) {
      Object v = row[pkIndexes[i]];
      out[i] = v == null ? null : v.toString();
    }
    return out;
  }
}
