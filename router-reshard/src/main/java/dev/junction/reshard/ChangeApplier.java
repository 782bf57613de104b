package dev.junction.reshard;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The catch-up: takes batches of changed keys from a source's {@code junction_reshard_changes}
 * queue, copies the current rows of those that move (delete the key's rows on the target, insert
 * the source's), commits on the target, and only then removes the batch from the queue.
 *
 * <p>WHY re-read instead of replaying each change: the result for a key is its state on the source
 * now, whatever happened to it in between and in whatever order; applying a batch twice (after a
 * crash between the target's commit and the queue delete) changes nothing. Entries of keys that do
 * not move are dropped. Entries become visible when their writer commits, so a batch always starts
 * from the lowest id present rather than after the last one taken.
 *
 * <p>Retries: a batch that fails with a deadlock, serialization failure or lock-wait timeout (see
 * {@link Retry}) is run again whole. That is exact because the queue entries of a batch are
 * deleted, by id, only after every key of the batch was copied and committed on its target: a
 * failed batch leaves all its entries queued (no change lost), and copying a key again writes the
 * source's current rows over the same rows (no change applied twice). The queue delete names ids,
 * never a range: a range would also remove entries of writers still open, whose rows this batch
 * never read.
 *
 * <p>Locks: each target transaction deletes and inserts its keys in ascending key order, so two
 * drains writing one target (the cut-over drains every source at once) take row locks in the same
 * order; on MariaDB the tool's sessions run READ COMMITTED where the binlog allows it
 * ({@link ReshardDialect#prepareSession}), so deleting a key the target lacks takes no gap lock
 * that another drain's insert would wait for: that pair was the deadlock seen in CI.
 */
final class ChangeApplier {
  private final Resharding r;
  private final Progress progress;

  ChangeApplier(Resharding r, Progress progress) {
    this.r = r;
    this.progress = progress;
  }

  /** The highest queue id on {@code source} now (0 when empty). */
  long horizon(String source) throws SQLException {
    try (Statement st = r.shards.held(source).createStatement();
         ResultSet rs = st.executeQuery("SELECT coalesce(max(id), 0) FROM " + ReshardDialect.CHANGES)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Entries waiting on {@code source}. */
  long backlog(String source) throws SQLException {
    try (Connection s = r.shards.open(source); Statement st = s.createStatement();
         ResultSet rs = st.executeQuery("SELECT count(*) FROM " + ReshardDialect.CHANGES)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * Applies batches until no entry with an id at or below {@code upTo} is left (Long.MAX_VALUE:
   * until the queue is empty when looked at). Returns the number of moving keys copied.
   */
  long drain(String source, long upTo) throws SQLException {
    long applied = 0;
    Map<String, Connection> targets = new HashMap<>();
    try {
      Connection s = r.shards.held(source);
      while (true) {
        // A batch that meets a deadlock or lock-wait timeout is rolled back on the target and run
        // again from the queue, which still holds all its entries (they are deleted last).
        int n = Retry.onConflict("drain a batch of " + source, progress, () -> applyBatch(s, source, upTo, targets));
        if (n < 0) {
          return applied;
        }
        applied += n;
      }
    } catch (SQLException e) {
      if (Retry.classify(e) != Retry.Kind.CONFLICT) { // after a conflict the connections are rolled back and sound
        r.shards.discard(source);
        for (String t : targets.keySet()) {
          r.shards.discard(t, "from-" + source);
        }
      }
      throw e;
    }
  }

  /** One batch; returns the moving keys copied, or -1 when nothing at or below {@code upTo} is left. */
  private int applyBatch(Connection s, String source, long upTo, Map<String, Connection> targets) throws SQLException {
    List<Long> ids = new ArrayList<>();
    Map<String, Set<String>> keysByTable = new LinkedHashMap<>();
    try (PreparedStatement ps = s.prepareStatement("SELECT id, tbl, k FROM " + ReshardDialect.CHANGES
        + " WHERE id <= ? ORDER BY id LIMIT " + r.options.chunkRows())) {
      ps.setLong(1, upTo);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ids.add(rs.getLong(1));
          if (rs.getString(3) != null) {
            keysByTable.computeIfAbsent(rs.getString(2), t -> new LinkedHashSet<>()).add(rs.getString(3));
          }
        }
      }
    }
    if (ids.isEmpty()) {
      return -1;
    }
    int copied = 0;
    for (Map.Entry<String, Set<String>> e : keysByTable.entrySet()) {
      TableInfo table = r.tables.get(e.getKey());
      if (table == null) {
        continue; // a table the configuration does not shard: nothing moves
      }
      Map<String, List<String>> byDestination = new HashMap<>();
      for (String text : e.getValue()) {
        Object key = Resharding.key(table, text);
        String dest = r.destination(key, source);
        if (dest != null) {
          byDestination.computeIfAbsent(dest, d -> new ArrayList<>()).add(text);
        }
      }
      for (Map.Entry<String, List<String>> d : byDestination.entrySet()) {
        copyKeys(s, source, table, d.getValue(), targets, d.getKey());
        copied += d.getValue().size();
      }
    }
    StringBuilder delete = new StringBuilder("DELETE FROM " + ReshardDialect.CHANGES + " WHERE id IN (");
    for (int i = 0; i < ids.size(); i++) {
      delete.append(i == 0 ? "" : ",").append(ids.get(i));
    }
    try (Statement st = s.createStatement()) {
      st.executeUpdate(delete.append(')').toString());
    }
    progress.caughtUp(source, ids.size(), copied);
    return copied;
  }

  /** Makes {@code keys}' rows on the destination equal to the source's, in one target transaction. */
  void copyKeys(Connection s, String source, TableInfo table, List<String> keys, Map<String, Connection> targets,
                String destination) throws SQLException {
    keys = sortedByKey(table, keys);
    String in = table.keyColumn() + " IN (" + table.placeholders(keys.size()) + ")";
    List<Object[]> rows = new ArrayList<>();
    try (PreparedStatement ps = s.prepareStatement("SELECT " + table.columnList() + " FROM "
        + r.shards.dialect.quote(table.name()) + " WHERE " + in)) {
      for (int i = 0; i < keys.size(); i++) {
        ps.setString(i + 1, keys.get(i));
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(Rows.read(rs, table.columns().size()));
        }
      }
    }
    sortRowsByKey(table, rows);
    Connection t = r.shards.held(destination, "from-" + source); // drains of several sources run in parallel
    targets.put(destination, t);
    try {
      t.setAutoCommit(false);
      try (PreparedStatement del = t.prepareStatement("DELETE FROM " + r.shards.dialect.quote(table.name()) + " WHERE " + in);
           PreparedStatement ins = t.prepareStatement(r.shards.dialect.insertIgnore(table))) {
        for (int i = 0; i < keys.size(); i++) {
          del.setString(i + 1, keys.get(i));
        }
        del.executeUpdate();
        for (Object[] row : rows) {
          Rows.bind(ins, row);
          ins.addBatch();
        }
        if (!rows.isEmpty()) {
          ins.executeBatch();
        }
      }
      t.commit();
      t.setAutoCommit(true);
    } catch (SQLException e) {
      // Roll back explicitly: after an InnoDB lock-wait timeout the transaction is still open
      // (only the statement was undone) and would keep its locks and half its work.
      boolean clean = false;
      if (Retry.classify(e) == Retry.Kind.CONFLICT) {
        try {
          t.rollback();
          t.setAutoCommit(true);
          clean = true;
        } catch (SQLException rollbackFailed) {
          e.addSuppressed(rollbackFailed);
        }
      }
      if (!clean) {
        r.shards.discard(destination, "from-" + source); // closing rolls back
      }
      throw e;
    }
  }

  /** Keys in ascending order of their canonical value (numbers as numbers), so every drain locks in one order. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static List<String> sortedByKey(TableInfo table, List<String> keys) throws SQLException {
    List<Object[]> pairs = new ArrayList<>(keys.size());
    for (String k : keys) {
      pairs.add(new Object[] {Resharding.key(table, k), k});
    }
    pairs.sort((a, b) -> a[0] instanceof Comparable ca && a[0].getClass() == b[0].getClass()
        ? ca.compareTo(b[0]) : String.valueOf(a[0]).compareTo(String.valueOf(b[0])));
    List<String> out = new ArrayList<>(keys.size());
    for (Object[] p : pairs) {
      out.add((String) p[1]);
    }
    return out;
  }

  /** Rows in ascending order of their shard key, then primary key text: the insert order of every drain. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static void sortRowsByKey(TableInfo table, List<Object[]> rows) {
    int k = table.keyIndex();
    int[] pk = table.pkIndexes();
    rows.sort((a, b) -> {
      int c = a[k] instanceof Comparable ca && b[k] != null && a[k].getClass() == b[k].getClass()
          ? ca.compareTo(b[k]) : String.valueOf(a[k]).compareTo(String.valueOf(b[k]));
      return c != 0 ? c : String.join("\u0001", Rows.pkText(a, pk)).compareTo(String.join("\u0001", Rows.pkText(b, pk)));
    });
  }
}
