package dev.junction.it.shard;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Inserts a table's rows as multi-row INSERTs, alternating plain statements with literals and
 * prepared statements with {@code ?} parameters, in seeded chunks of 1..60 rows. Each chunk mixes
 * customers, so through Junction most chunks must be split across shards.
 *
 * <p>{@link #plan} fixes the chunks once; the same plan is then run on Junction and the oracle.
 */
public final class Loader {

  /** One INSERT: its rows and whether it binds them as parameters. */
  public record Chunk(TableRows table, List<Object[]> rows, boolean parameters) {
    String sql() {
      StringBuilder sb = new StringBuilder("INSERT INTO ").append(table.table()).append(" (")
          .append(String.join(", ", table.columns())).append(") VALUES ");
      for (int r = 0; r < rows.size(); r++) {
        sb.append(r == 0 ? "(" : ", (");
        for (int c = 0; c < table.columns().size(); c++) {
          if (c > 0) {
            sb.append(", ");
          }
          sb.append(parameters ? "?" : SqlText.literal(rows.get(r)[c]));
        }
        sb.append(')');
      }
      return sb.toString();
    }
  }

  private Loader() {}

  public static List<Chunk> plan(List<TableRows> tables, long seed) {
    Random rnd = new Random(seed);
    List<Chunk> chunks = new ArrayList<>();
    for (TableRows t : tables) {
      List<Object[]> rows = new ArrayList<>(t.rows());
      Collections.shuffle(rows, rnd);
      int i = 0;
      while (i < rows.size()) {
        int n = Math.min(rows.size() - i, rnd.nextInt(8) == 0 ? 1 : 2 + rnd.nextInt(59));
        chunks.add(new Chunk(t, rows.subList(i, i + n), rnd.nextBoolean()));
        i += n;
      }
    }
    return chunks;
  }

  /** Runs every chunk; returns the total update count reported by the connection. */
  public static long run(Connection c, List<Chunk> chunks) throws SQLException {
    long total = 0;
    for (Chunk chunk : chunks) {
      total += run(c, chunk);
    }
    return total;
  }

  public static int run(Connection c, Chunk chunk) throws SQLException {
    String sql = chunk.sql();
    try {
      if (!chunk.parameters()) {
        try (Statement s = c.createStatement()) {
          return s.executeUpdate(sql);
        }
      }
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        int index = 1;
        for (Object[] row : chunk.rows()) {
          for (int col = 0; col < row.length; col++) {
            SqlText.bind(ps, index++, row[col], chunk.table().sqlTypes()[col]);
          }
        }
        return ps.executeUpdate();
      }
    } catch (SQLException e) {
      throw new SQLException("insert failed (" + chunk.rows().size() + " rows, parameters=" + chunk.parameters() + "): "
          + e.getMessage() + "\n  " + abbreviate(sql), e.getSQLState(), e);
    }
  }

  static String abbreviate(String sql) {
    return sql.length() <= 400 ? sql : sql.substring(0, 400) + "...";
  }
}
