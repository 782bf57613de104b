package dev.junction.reshard;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Copies the moving rows of one table from one source shard to their new owners, a page at a time
 * in primary-key order, and records after each page how far it got (table
 * {@code junction_reshard_progress} on the source). A restarted copy continues from there.
 *
 * <p>WHY pages and not one snapshot: the change capture was installed (and every transaction open
 * at that moment had ended) before the first page was read, so every row changed after its page was
 * read is in the change queue and is copied again from its current state by the catch-up. Pages
 * therefore need no common snapshot, a crash loses at most one page, and no long transaction holds
 * back vacuum or the undo log. Inserts skip rows that are already there (a page copied twice).
 *
 * <p>On PostgreSQL a page moves through {@code COPY} ({@link PgCopyPage}); on MariaDB through
 * batched {@code INSERT IGNORE} (rewritten by the driver into multi-row statements).
 */
final class BulkCopy {
  /**
   * {@code -Djunction.reshard.copy=rows} makes PostgreSQL use the row-by-row path too: for the
   * benchmark's comparison of both paths in one run, and as a way out should COPY misbehave.
   */
  static boolean rowByRow() {
    return "rows".equals(System.getProperty("junction.reshard.copy"));
  }

  private final Resharding r;
  private final Progress progress;

  BulkCopy(Resharding r, Progress progress) {
    this.r = r;
    this.progress = progress;
  }

  /** Copies what is left of {@code table} on {@code source}; returns when it is done. */
  void run(String source, TableInfo table) throws SQLException {
    Checkpoint cp;
    try (Connection s = r.shards.open(source)) {
      cp = Checkpoint.read(s, source, table.name());
    }
    if (cp.done) {
      progress.restored(source, table.name(), cp.rows, cp.bytes);
      return;
    }
    progress.restored(source, table.name(), cp.rows, cp.bytes);
    String[] last = cp.lastPk;
    String after = "SELECT " + table.columnList() + " FROM " + r.shards.dialect.quote(table.name())
        + " WHERE (" + table.pkList() + ") > (" + table.placeholders(table.pkIndexes().length) + ") ORDER BY " + table.pkList() + " LIMIT "
        + r.options.copyPageRows();
    String first = "SELECT " + table.columnList() + " FROM " + r.shards.dialect.quote(table.name()) + " ORDER BY "
        + table.pkList() + " LIMIT " + r.options.copyPageRows();
    Map<String, Connection> targets = new HashMap<>();
    PgCopyPage copyPage = r.shards.sqlDialect() == dev.junction.classify.Dialect.POSTGRESQL && !rowByRow()
        ? new PgCopyPage(r) : null;
    long pageStart = System.nanoTime();
    try (Connection s = r.shards.open(source)) {
      while (true) {
        String[] from = last;
        Checkpoint at = cp;
        // A page that meets a deadlock or lock-wait timeout is copied again from the same position:
        // its inserts skip rows already there, and the checkpoint moves only with a whole page.
        Page done = Retry.onConflict("copy a page of " + table.name() + " from " + source, progress,
            () -> copyPage != null ? copyPage(copyPage, s, source, table, from, at, targets)
                : page(s, source, table, from, at, from == null ? first : after, targets));
        if (done == null) {
          return;
        }
        last = done.last();
        cp = done.checkpoint();
        progress.copied(source, table.name(), done.scanned(), done.copied(), done.bytes());
        pageStart = throttle(pageStart, done.scanned());
      }
    } finally {
      for (Connection t : targets.values()) {
        try {
          t.close();
        } catch (SQLException ignored) {
          // closing
        }
      }
    }
  }

  /** What one page did: rows read, rows copied and their bytes, and the checkpoint after it. */
  private record Page(String[] last, Checkpoint checkpoint, int scanned, int copied, long bytes) {}

  /** As {@link #page}, through COPY on PostgreSQL. */
  private Page copyPage(PgCopyPage copyPage, Connection s, String source, TableInfo table, String[] last, Checkpoint cp,
                        Map<String, Connection> targets) throws SQLException {
    PgCopyPage.Result res = copyPage.copy(s, source, table, last, targets);
    if (res == null) {
      Checkpoint.write(s, source, table.name(), last, cp.rows, cp.bytes, true);
      return null;
    }
    Checkpoint after = new Checkpoint(res.last(), cp.rows + res.copied(), cp.bytes + res.bytes(), false);
    Checkpoint.write(s, source, table.name(), res.last(), after.rows, after.bytes, false);
    return new Page(res.last(), after, res.scanned(), res.copied(), res.bytes());
  }

  /** Copies the page after {@code last} and records the checkpoint; null when no row is left (recorded as done). */
  private Page page(Connection s, String source, TableInfo table, String[] last, Checkpoint cp, String sql,
                    Map<String, Connection> targets) throws SQLException {
    int[] pk = table.pkIndexes();
    List<Object[]> rows = new ArrayList<>();
    try (PreparedStatement ps = s.prepareStatement(sql)) {
      if (last != null) {
        for (int i = 0; i < last.length; i++) {
          ps.setString(i + 1, last[i]);
        }
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(Rows.read(rs, table.columns().size()));
        }
      }
    }
    if (rows.isEmpty()) {
      Checkpoint.write(s, source, table.name(), last, cp.rows, cp.bytes, true);
      return null;
    }
    Map<String, List<Object[]>> byDestination = new HashMap<>();
    for (Object[] row : rows) {
      Object key = Resharding.key(table, row[table.keyIndex()]);
      String dest = r.destination(key, source);
      if (dest != null) {
        byDestination.computeIfAbsent(dest, d -> new ArrayList<>()).add(row);
      }
    }
    long bytes = 0;
    int copied = 0;
    for (Map.Entry<String, List<Object[]>> e : byDestination.entrySet()) {
      Connection t = targets.get(e.getKey());
      if (t == null) {
        t = r.shards.open(e.getKey());
        targets.put(e.getKey(), t);
      }
      try (PreparedStatement ins = t.prepareStatement(r.shards.dialect.insertIgnore(table))) {
        for (Object[] row : e.getValue()) {
          Rows.bind(ins, row);
          ins.addBatch();
          bytes += Rows.size(row);
          copied++;
        }
        ins.executeBatch();
      }
    }
    String[] next = Rows.pkText(rows.get(rows.size() - 1), pk);
    Checkpoint after = new Checkpoint(next, cp.rows + copied, cp.bytes + bytes, false);
    Checkpoint.write(s, source, table.name(), next, after.rows, after.bytes, false);
    return new Page(next, after, rows.size(), copied, bytes);
  }

  /** Sleeps so that pages average at most maxRowsPerSecond; returns the next page's start. */
  private long throttle(long pageStart, int rowsRead) {
    long rate = r.options.maxRowsPerSecond();
    if (rate > 0) {
      long minNanos = rowsRead * 1_000_000_000L / rate;
      long spent = System.nanoTime() - pageStart;
      if (spent < minNanos) {
        Reshard.sleep((minNanos - spent) / 1_000_000);
      }
    }
    return System.nanoTime();
  }

  /** Where the copy of one table from one source stands. */
  record Checkpoint(String[] lastPk, long rows, long bytes, boolean done) {
    static Checkpoint read(Connection s, String source, String table) throws SQLException {
      try (PreparedStatement ps = s.prepareStatement("SELECT last_pk, rows_copied, bytes_copied, done FROM "
          + ReshardDialect.PROGRESS + " WHERE source = ? AND tbl = ?")) {
        ps.setString(1, source);
        ps.setString(2, table);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            return new Checkpoint(null, 0, 0, false);
          }
          String pk = rs.getString(1);
          return new Checkpoint(pk == null ? null : PkText.decode(pk), rs.getLong(2), rs.getLong(3), rs.getBoolean(4));
        }
      }
    }

    static void write(Connection s, String source, String table, String[] lastPk, long rows, long bytes, boolean done)
        throws SQLException {
      try (PreparedStatement del = s.prepareStatement("DELETE FROM " + ReshardDialect.PROGRESS + " WHERE source = ? AND tbl = ?");
           PreparedStatement ins = s.prepareStatement("INSERT INTO " + ReshardDialect.PROGRESS
               + " (source, tbl, last_pk, rows_copied, bytes_copied, done) VALUES (?, ?, ?, ?, ?, ?)")) {
        boolean autoCommit = s.getAutoCommit();
        s.setAutoCommit(false);
        try {
          del.setString(1, source);
          del.setString(2, table);
          del.executeUpdate();
          ins.setString(1, source);
          ins.setString(2, table);
          ins.setString(3, lastPk == null ? null : PkText.encode(lastPk));
          ins.setLong(4, rows);
          ins.setLong(5, bytes);
          ins.setBoolean(6, done);
          ins.executeUpdate();
          s.commit();
        } catch (SQLException e) {
          s.rollback();
          throw e;
        } finally {
          s.setAutoCommit(autoCommit);
        }
      }
    }
  }
}
