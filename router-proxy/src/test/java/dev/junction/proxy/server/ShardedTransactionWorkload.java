package dev.junction.proxy.server;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.LongPredicate;

/**
 * Random transactions over the sharded table {@code ledger (id, v, u)} for {@link ShardedRelayIT}: the
 * same statements go to a proxy connection and to an oracle connection (one unsharded PostgreSQL
 * database), and every statement's outcome (rows, count, or SQLSTATE) must match.
 *
 * <p>Each transaction starts with pgjdbc's own BEGIN (auto-commit off: sent in the same message unit as
 * the first statement) or with an explicit {@code BEGIN} statement, runs 1–7 statements over keys of
 * both shards (single-shard reads and writes, scatter reads with merge, multi-shard UPDATE/DELETE, a
 * multi-row INSERT split between shards, a unique violation, a division by zero, statements after an
 * error), then commits, rolls back, or disconnects mid-transaction.
 */
final class ShardedTransactionWorkload {
  final Random random;
  final long lo;
  final long hi;
  /** Whether a key lives on the second shard in ring order (for the errors aimed at shard 2). */
  final LongPredicate onSecondShard;
  final List<String> mismatches = new ArrayList<>();
  /**
   * Send values as literals in the SQL (for pgjdbc's simple mode, which would inline parameters as
   * {@code '5'::int8}, an expression the shard planner does not evaluate).
   */
  boolean literals;
  int statements;
  int transactions;
  int errors;

  ShardedTransactionWorkload(long seed, long lo, long hi, LongPredicate onSecondShard) {
    this.random = new Random(seed);
    this.lo = lo;
    this.hi = hi;
    this.onSecondShard = onSecondShard;
  }

  interface Connector {
    Connection open() throws SQLException;
  }

  /** Runs {@code count} transactions; returns the mismatches (empty when proxy and oracle agreed on everything). */
  List<String> run(int count, Connector proxySide, Connector oracleSide) throws SQLException {
    Connection p = proxySide.open();
    Connection o = oracleSide.open();
    try {
      for (int t = 0; t < count; t++) {
        transactions++;
        boolean explicit = random.nextBoolean();
        String label = "tx " + t + (explicit ? " (BEGIN)" : " (autocommit off)");
        if (explicit) {
          compare(label, "BEGIN", p, o, c -> update(c, "BEGIN"));
        } else {
          p.setAutoCommit(false);
          o.setAutoCommit(false);
        }
        int n = 1 + random.nextInt(7);
        for (int i = 0; i < n; i++) {
          statement(label, p, o);
        }
        int end = random.nextInt(20);
        if (end < 2) {
          // the client leaves mid-transaction: nothing of it may survive
          p.close();
          o.close();
          p = proxySide.open();
          o = oracleSide.open();
          continue;
        }
        boolean commit = end < 14;
        if (explicit) {
          String sql = commit ? "COMMIT" : "ROLLBACK";
          compare(label, sql, p, o, c -> update(c, sql));
        } else {
          compare(label, commit ? "commit()" : "rollback()", p, o, c -> {
            if (commit) {
              c.commit();
            } else {
              c.rollback();
            }
            return "ok";
          });
          p.setAutoCommit(true);
          o.setAutoCommit(true);
        }
      }
    } finally {
      p.close();
      o.close();
    }
    return mismatches;
  }

  private long key() {
    return lo + random.nextInt((int) (hi - lo + 1));
  }

  private long keyOnSecondShard() {
    for (int i = 0; i < 1000; i++) {
      long k = key();
      if (onSecondShard.test(k)) {
        return k;
      }
    }
    return key();
  }

  private void statement(String label, Connection p, Connection o) throws SQLException {
    long a = key();
    long b = key();
    long d = 1 + random.nextInt(9);
    switch (random.nextInt(12)) {
      case 0, 1 -> compare(label, "insert " + a, p, o, c -> update(c, "INSERT INTO ledger (id, v) VALUES (?, ?)", a, d));
      case 2 -> compare(label, "update " + a, p, o, c -> update(c, "UPDATE ledger SET v = v + ? WHERE id = ?", d, a));
      case 3 -> compare(label, "delete " + a, p, o, c -> update(c, "DELETE FROM ledger WHERE id = ?", a));
      case 4 -> compare(label, "select " + a, p, o, c -> query(c, "SELECT v FROM ledger WHERE id = ?", a));
      case 5 -> compare(label, "scatter aggregate", p, o,
          c -> query(c, "SELECT count(*), coalesce(sum(v), 0) FROM ledger WHERE id BETWEEN ? AND ?", lo, hi));
      case 6 -> compare(label, "scatter rows", p, o,
          c -> query(c, "SELECT id, v FROM ledger WHERE id BETWEEN ? AND ? ORDER BY id", lo, hi));
      case 7 -> compare(label, "update two " + a + "," + b, p, o,
          c -> update(c, "UPDATE ledger SET v = v + 1 WHERE id IN (?, ?)", a, b));
      case 8 -> compare(label, "insert two " + a + "," + b, p, o,
          c -> a == b ? "skip" : update(c, "INSERT INTO ledger (id, v) VALUES (?, 1), (?, 2)", a, b));
      case 9 -> {
        // a unique violation aimed at shard 2 when the key exists there (the table is seeded)
        long k = keyOnSecondShard();
        compare(label, "insert on shard 2 " + k, p, o, c -> update(c, "INSERT INTO ledger (id, v) VALUES (?, 1)", k));
      }
      case 10 -> compare(label, "division by zero " + a, p, o, c -> update(c, "UPDATE ledger SET v = v / (v - v) WHERE id = ?", a));
      default -> compare(label, "delete two " + a + "," + b, p, o, c -> update(c, "DELETE FROM ledger WHERE id IN (?, ?)", a, b));
    }
  }

  interface Step {
    String apply(Connection c) throws SQLException;
  }

  private void compare(String label, String what, Connection p, Connection o, Step step) {
    statements++;
    String proxied = outcome(p, step);
    String oracle = outcome(o, step);
    if (proxied.startsWith("E:")) {
      errors++;
    }
    if (!proxied.equals(oracle)) {
      mismatches.add(label + ", " + what + ": proxy " + proxied + " / oracle " + oracle);
    }
  }

  private static String outcome(Connection c, Step step) {
    try {
      return step.apply(c);
    } catch (SQLException e) {
      return "E:" + e.getSQLState() + (e.getSQLState() == null || e.getSQLState().startsWith("0A") ? " " + e.getMessage() : "");
    }
  }

  private String update(Connection c, String sql, Object... params) throws SQLException {
    if (literals) {
      try (Statement s = c.createStatement()) {
        return "n=" + s.executeUpdate(inline(sql, params));
      }
    }
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      return "n=" + ps.executeUpdate();
    }
  }

  private static String inline(String sql, Object... params) {
    StringBuilder out = new StringBuilder();
    int k = 0;
    for (char ch : sql.toCharArray()) {
      out.append(ch == '?' ? String.valueOf(params[k++]) : String.valueOf(ch));
    }
    return out.toString();
  }

  private String query(Connection c, String sql, Object... params) throws SQLException {
    if (literals) {
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(inline(sql, params))) {
        return text(rs);
      }
    }
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        return text(rs);
      }
    }
  }

  private static String text(ResultSet rs) throws SQLException {
    StringBuilder out = new StringBuilder();
    int width = rs.getMetaData().getColumnCount();
    while (rs.next()) {
      for (int i = 1; i <= width; i++) {
        out.append(i == 1 ? "" : "|").append(rs.getString(i));
      }
      out.append(';');
    }
    return out.toString();
  }


  /** The table's rows in {@code [lo, hi]} as "id=v" text, ordered by id. */
  static List<String> rows(Connection c, long lo, long hi) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT id, v, u FROM ledger WHERE id BETWEEN " + lo + " AND " + hi + " ORDER BY id")) {
      while (rs.next()) {
        out.add(rs.getLong(1) + "=" + rs.getLong(2) + "/" + rs.getString(3));
      }
    }
    return out;
  }
}
