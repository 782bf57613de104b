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
        int n = applyBatch(s, source, upTo, targets);
        if (n < 0) {
          return applied;
        }
        applied += n;
      }
    } catch (SQLException e) {
      r.shards.discard(source);
      for (String t : targets.keySet()) {
        r.shards.discard(t, "from-" + source);
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
      r.shards.discard(destination, "from-" + source);
      throw e;
    }
  }
}
