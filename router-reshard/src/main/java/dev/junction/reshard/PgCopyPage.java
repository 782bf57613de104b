package dev.junction.reshard;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * One page of the PostgreSQL bulk copy through {@code COPY}: the page is read from the source with
 * {@code COPY (SELECT … ORDER BY pk LIMIT n) TO STDOUT}, each text line is routed by its shard key,
 * and each new owner receives its lines with {@code COPY … FROM STDIN} into a session-local staging
 * table, then {@code INSERT … SELECT … ON CONFLICT DO NOTHING} in the same transaction.
 *
 * <p>WHY: the row-by-row path (JDBC values read, bound and sent as multi-row INSERTs) spent its time
 * converting every value to Java and back; COPY moves the server's own text form, and the client
 * only splits lines and decodes the key and primary-key fields. The staging table keeps the
 * semantics of the row path exactly: rows already on the target (a page copied again after a crash
 * or a retry) are skipped, never duplicated or overwritten. Values never pass through Java types,
 * so whatever the server can print it can read back (timestamps, numerics, arrays, json).
 */
final class PgCopyPage {
  private final Resharding r;
  /** Staging tables created per target connection (they live as long as the session). */
  private final Map<Connection, Set<String>> staged = new java.util.IdentityHashMap<>();
  private final Map<String, String> stagingNames = new HashMap<>();

  PgCopyPage(Resharding r) {
    this.r = r;
  }

  /** What one page did: its last primary key, rows read, rows copied and bytes copied. */
  record Result(String[] last, int scanned, int copied, long bytes) {}

  /**
   * Copies the page of {@code table} after primary key {@code last} (null: from the start); returns
   * null when the source has no row after it.
   */
  Result copy(Connection source, String sourceShard, TableInfo table, String[] last, Map<String, Connection> targets)
      throws SQLException {
    String q = r.shards.dialect.quote(table.name());
    StringBuilder select = new StringBuilder("SELECT ").append(table.columnList()).append(" FROM ").append(q);
    if (last != null) {
      select.append(" WHERE (").append(table.pkList()).append(") > (");
      for (int i = 0; i < last.length; i++) {
        select.append(i == 0 ? "" : ", ").append(literal(last[i]));
      }
      select.append(')');
    }
    select.append(" ORDER BY ").append(table.pkList()).append(" LIMIT ").append(r.options.copyPageRows());
    ByteArrayOutputStream page = new ByteArrayOutputStream(64 * 1024);
    CopyManager out = source.unwrap(PGConnection.class).getCopyAPI();
    try {
      out.copyOut("COPY (" + select + ") TO STDOUT", page);
    } catch (java.io.IOException e) {
      throw new SQLException("Junction reshard: reading a page of " + table.name() + ": " + e.getMessage(), "08006", e);
    }
    byte[] bytes = page.toByteArray();
    if (bytes.length == 0) {
      return null;
    }
    int[] pk = table.pkIndexes();
    int keyIndex = table.keyIndex();
    Map<String, ByteArrayOutputStream> byDestination = new HashMap<>();
    Map<String, Integer> counts = new HashMap<>();
    int scanned = 0;
    String[] lastPk = null;
    long copiedBytes = 0;
    int start = 0;
    while (start < bytes.length) {
      int end = start;
      while (end < bytes.length && bytes[end] != '\n') {
        end++;
      }
      String line = new String(bytes, start, end - start, StandardCharsets.UTF_8);
      List<String> fields = fields(line);
      if (fields.size() != table.columns().size()) {
        throw new SQLException("Junction reshard: COPY of " + table.name() + " returned " + fields.size() + " fields for "
            + table.columns().size() + " columns", "XX000");
      }
      scanned++;
      String[] pkText = new String[pk.length];
      for (int i = 0; i < pk.length; i++) {
        pkText[i] = unescape(fields.get(pk[i]));
      }
      lastPk = pkText;
      String keyText = unescape(fields.get(keyIndex));
      String dest = r.destination(Resharding.key(table, keyText), sourceShard);
      if (dest != null) {
        ByteArrayOutputStream lines = byDestination.computeIfAbsent(dest, d -> new ByteArrayOutputStream());
        lines.write(bytes, start, end - start);
        lines.write('\n');
        counts.merge(dest, 1, Integer::sum);
        copiedBytes += end - start;
      }
      start = end + 1;
    }
    int copied = 0;
    for (Map.Entry<String, ByteArrayOutputStream> e : byDestination.entrySet()) {
      Connection t = targets.get(e.getKey());
      if (t == null) {
        t = r.shards.open(e.getKey());
        targets.put(e.getKey(), t);
      }
      load(t, table, e.getValue().toByteArray());
      copied += counts.get(e.getKey());
    }
    return new Result(lastPk, scanned, copied, copiedBytes);
  }

  /** Loads COPY text lines into {@code table} on {@code t}, skipping rows already there, in one transaction. */
  private void load(Connection t, TableInfo table, byte[] lines) throws SQLException {
    String staging = stagingNames.computeIfAbsent(table.name(), n -> "junction_copy_" + stagingNames.size());
    Set<String> have = staged.computeIfAbsent(t, c -> new HashSet<>());
    t.setAutoCommit(false);
    try {
      try (Statement s = t.createStatement()) {
        if (!have.contains(staging)) {
          // Session-local, emptied at every commit: nothing to clean up, invisible to other sessions.
          s.execute("CREATE TEMP TABLE IF NOT EXISTS " + staging + " (LIKE " + r.shards.dialect.quote(table.name())
              + ") ON COMMIT DELETE ROWS");
        }
        CopyManager in = t.unwrap(PGConnection.class).getCopyAPI();
        in.copyIn("COPY " + staging + " (" + table.columnList() + ") FROM STDIN", new java.io.ByteArrayInputStream(lines));
        s.execute("INSERT INTO " + r.shards.dialect.quote(table.name()) + " (" + table.columnList() + ") SELECT "
            + table.columnList() + " FROM " + staging + " ON CONFLICT DO NOTHING");
      }
      t.commit();
      have.add(staging);
    } catch (SQLException | java.io.IOException e) {
      try {
        t.rollback();
      } catch (SQLException ignored) {
        // the connection is gone; the caller retries on a new one
      }
      if (e instanceof SQLException s) {
        throw s;
      }
      throw new SQLException("Junction reshard: writing a page of " + table.name() + ": " + e.getMessage(), "08006", e);
    } finally {
      try {
        t.setAutoCommit(true);
      } catch (SQLException ignored) {
        // broken connection: reported by the failure above
      }
    }
  }

  /** A SQL string literal of {@code text} that reads the same whatever standard_conforming_strings says. */
  static String literal(String text) {
    if (text == null) {
      return "NULL";
    }
    return "E'" + text.replace("\\", "\\\\").replace("'", "''") + "'";
  }

  /** The fields of one COPY text line, still escaped (a data tab is always written as \t, so a raw tab separates). */
  static List<String> fields(String line) {
    List<String> out = new ArrayList<>();
    int from = 0;
    for (int i = 0; i < line.length(); i++) {
      if (line.charAt(i) == '\t') {
        out.add(line.substring(from, i));
        from = i + 1;
      }
    }
    out.add(line.substring(from));
    return out;
  }

  /** Decodes one COPY text field: {@code \N} is NULL; backslash escapes as PostgreSQL documents them. */
  static String unescape(String field) {
    if (field.equals("\\N")) {
      return null;
    }
    if (field.indexOf('\\') < 0) {
      return field;
    }
    StringBuilder out = new StringBuilder(field.length());
    java.io.ByteArrayOutputStream raw = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c != '\\' || i + 1 == field.length()) {
        flush(raw, out);
        out.append(c);
        continue;
      }
      char n = field.charAt(++i);
      switch (n) {
        case 'b' -> { flush(raw, out); out.append('\b'); }
        case 'f' -> { flush(raw, out); out.append('\f'); }
        case 'n' -> { flush(raw, out); out.append('\n'); }
        case 'r' -> { flush(raw, out); out.append('\r'); }
        case 't' -> { flush(raw, out); out.append('\t'); }
        case 'v' -> { flush(raw, out); out.append('\u000b'); }
        case 'x' -> {
          int j = i + 1;
          int v = 0;
          while (j < field.length() && j < i + 3 && Character.digit(field.charAt(j), 16) >= 0) {
            v = v * 16 + Character.digit(field.charAt(j), 16);
            j++;
          }
          raw.write(v);
          i = j - 1;
        }
        default -> {
          if (n >= '0' && n <= '7') {
            int j = i;
            int v = 0;
            while (j < field.length() && j < i + 3 && field.charAt(j) >= '0' && field.charAt(j) <= '7') {
              v = v * 8 + (field.charAt(j) - '0');
              j++;
            }
            raw.write(v);
            i = j - 1;
          } else {
            flush(raw, out);
            out.append(n); // \\ and any other character stand for themselves
          }
        }
      }
    }
    flush(raw, out);
    return out.toString();
  }

  /** Octal and hex escapes are bytes of the server encoding (UTF-8 here): decode them together. */
  private static void flush(java.io.ByteArrayOutputStream raw, StringBuilder out) {
    if (raw.size() > 0) {
      out.append(raw.toString(StandardCharsets.UTF_8));
      raw.reset();
    }
  }
}
