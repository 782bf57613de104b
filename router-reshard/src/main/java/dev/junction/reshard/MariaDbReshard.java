package dev.junction.reshard;

import dev.junction.classify.Dialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * MariaDB: three row triggers per table, SHOW CREATE TABLE, waits on information_schema.innodb_trx.
 *
 * <p>The triggers read {@code junction_ring} with a locking read (LOCK IN SHARE MODE): InnoDB's
 * default isolation is REPEATABLE READ, whose plain reads would see the transaction's old snapshot
 * of {@code min_write_version}. The shared lock also makes the tool's update of that row wait for
 * every transaction that already passed the check.
 */
final class MariaDbReshard implements ReshardDialect {
  private static final String[] EVENTS = {"INSERT", "UPDATE", "DELETE"};

  @Override
  public Dialect dialect() {
    return Dialect.MARIADB;
  }

  @Override
  public void connectionProperties(Properties p) {
    p.setProperty("rewriteBatchedStatements", "true");
  }

  @Override
  public void setSessionRingVersion(Connection c, long version) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SET @junction_ring_version = ?")) {
      ps.setLong(1, version);
      ps.execute();
    }
  }

  /**
   * READ COMMITTED where the binlog allows it (row or mixed format, or no binlog). WHY: under
   * InnoDB's default REPEATABLE READ, deleting a key that is not there locks the gap where it would
   * be, and an insert into a locked gap waits; two transactions that each delete absent keys and
   * then insert into the same gap (two drains filling one new shard with interleaved keys, in the
   * cut-over) deadlock. READ COMMITTED takes no gap locks for searches. Nothing the tool does relies
   * on a snapshot that spans statements. With STATEMENT binlogging InnoDB refuses writes under READ
   * COMMITTED, so the session keeps REPEATABLE READ and relies on retries ({@link Retry}).
   */
  @Override
  public void prepareSession(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT @@log_bin, @@binlog_format")) {
      if (rs.next() && rs.getInt(1) == 1 && "STATEMENT".equalsIgnoreCase(rs.getString(2))) {
        return;
      }
    }
    c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
  }

  @Override
  public void installCapture(Connection c, String table, String captureColumn) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS " + CHANGES + " (id bigint AUTO_INCREMENT PRIMARY KEY,"
          + " tbl varchar(255) NOT NULL, k varchar(1024)) ENGINE=InnoDB");
      for (String event : EVENTS) {
        String name = triggerName(table, event);
        s.execute("DROP TRIGGER IF EXISTS " + quote(name));
        StringBuilder body = new StringBuilder("CREATE TRIGGER ").append(quote(name)).append(" AFTER ").append(event)
            .append(" ON ").append(quote(table)).append(" FOR EACH ROW BEGIN\n")
            .append("  DECLARE m bigint;\n")
            .append("  SELECT min_write_version INTO m FROM junction_ring WHERE id = 1 LOCK IN SHARE MODE;\n")
            .append("  IF m IS NOT NULL AND m > coalesce(@junction_ring_version, 0) THEN\n")
            .append("    SIGNAL SQLSTATE '40001' SET MESSAGE_TEXT = 'Junction: this session routes by an older ring"
                + " version than this shard accepts (a resharding is switching rings); refresh the ring and retry';\n")
            .append("  END IF;\n");
        if (!event.equals("INSERT")) {
          body.append("  INSERT INTO ").append(CHANGES).append(" (tbl, k) VALUES ('").append(table).append("', OLD.")
              .append(quote(captureColumn)).append(");\n");
        }
        if (!event.equals("DELETE")) {
          body.append("  INSERT INTO ").append(CHANGES).append(" (tbl, k) VALUES ('").append(table).append("', NEW.")
              .append(quote(captureColumn)).append(");\n");
        }
        body.append("END");
        s.execute(body.toString());
      }
    }
  }

  private static String triggerName(String table, String event) {
    return "junction_reshard_" + event.toLowerCase(java.util.Locale.ROOT) + "_" + table;
  }

  @Override
  public void removeCapture(Connection c, String table) throws SQLException {
    try (Statement s = c.createStatement()) {
      for (String event : EVENTS) {
        s.execute("DROP TRIGGER IF EXISTS " + quote(triggerName(table, event)));
      }
    }
  }

  @Override
  public void dropQueue(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS " + CHANGES);
      s.execute("DROP TABLE IF EXISTS " + PROGRESS);
    }
  }

  @Override
  public List<String> tableDefinition(Connection source, String table) throws SQLException {
    String ddl;
    try (Statement s = source.createStatement(); ResultSet rs = s.executeQuery("SHOW CREATE TABLE " + quote(table))) {
      rs.next();
      ddl = rs.getString(2);
    }
    // Secondary (non-unique) indexes are built after the copy: cheaper than maintaining them row by row.
    List<String> deferred = new ArrayList<>();
    StringBuilder kept = new StringBuilder();
    for (String line : ddl.split("\n")) {
      String trimmed = line.trim();
      if (trimmed.startsWith("KEY ") || trimmed.startsWith("FULLTEXT KEY ") || trimmed.startsWith("SPATIAL KEY ")) {
        deferred.add("ALTER TABLE " + quote(table) + " ADD " + trimmed.replaceAll(",$", ""));
        continue;
      }
      kept.append(line).append('\n');
    }
    String create = kept.toString().replaceAll(",\n\\)", "\n)").replaceFirst("^CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ");
    List<String> out = new ArrayList<>();
    out.add(create);
    out.addAll(deferred);
    return out;
  }

  @Override
  public String insertIgnore(TableInfo t) {
    return "INSERT IGNORE INTO " + quote(t.name()) + " (" + t.columnList() + ") VALUES ("
        + t.placeholders(t.columns().size()) + ")";
  }

  /**
   * InnoDB serves {@code information_schema.innodb_trx} from a cache that it refreshes only when
   * nobody has read it for 100 ms ({@code CACHE_MIN_IDLE_TIME_US} in trx0i_s.cc). WHY the pauses:
   * polled every few milliseconds, the cache never refreshes and keeps showing transactions that
   * ended long ago (seen: autocommit writers "open" for a minute while committing hundreds of
   * statements), so every read here follows at least {@link #I_S_IDLE_MILLIS} without one.
   * Transactions that wrote a table before its triggers existed are also covered by the triggers'
   * DDL, which waits for every transaction holding the table's metadata lock.
   */
  @Override
  public void awaitOpenTransactions(Connection c, Duration timeout) throws SQLException {
    Set<String> open = new java.util.HashSet<>();
    Reshard.sleep(I_S_IDLE_MILLIS);
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT trx_id FROM information_schema.innodb_trx WHERE trx_mysql_thread_id <> CONNECTION_ID()")) {
      while (rs.next()) {
        open.add(rs.getString(1));
      }
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!open.isEmpty()) {
      Reshard.sleep(I_S_IDLE_MILLIS);
      Set<String> still = new java.util.HashSet<>();
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT trx_id FROM information_schema.innodb_trx")) {
        while (rs.next()) {
          if (open.contains(rs.getString(1))) {
            still.add(rs.getString(1));
          }
        }
      }
      open = still;
      if (open.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        Reshard.sleep(I_S_IDLE_MILLIS);
        throw new SQLException("Junction reshard: transactions " + describe(c, open) + " that were open when the ring"
            + " changed are still open after " + timeout + "; end them (information_schema.innodb_trx) or retry the step",
            "HY000");
      }
    }
  }

  /** Longer than InnoDB's 100 ms information_schema cache idle time (see {@link #awaitOpenTransactions}). */
  static final long I_S_IDLE_MILLIS = 150;

  /** Who holds each transaction, so the operator can end it: thread id, user, database, state and age. */
  private static String describe(Connection c, Set<String> trxIds) {
    StringBuilder out = new StringBuilder();
    String sql = "SELECT t.trx_id, t.trx_mysql_thread_id, p.user, p.db, p.command, t.trx_started, t.trx_rows_modified,"
        + " t.trx_rows_locked, t.trx_is_read_only FROM information_schema.innodb_trx t"
        + " LEFT JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id";
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        if (trxIds.contains(rs.getString(1))) {
          out.append(out.length() == 0 ? "" : ", ").append(rs.getString(1)).append(" (thread ").append(rs.getLong(2))
              .append(", user ").append(rs.getString(3)).append(", database ").append(rs.getString(4)).append(", ")
              .append(rs.getString(5)).append(", started ").append(rs.getString(6)).append(", rows modified ")
              .append(rs.getLong(7)).append(", rows locked ").append(rs.getLong(8))
              .append(rs.getInt(9) == 1 ? ", read-only" : "").append(')');
        }
      }
    } catch (SQLException e) {
      return trxIds.toString();
    }
    return out.length() == 0 ? trxIds.toString() : "[" + out + "]";
  }

  @Override
  public void createProgressTable(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS " + PROGRESS + " (source varchar(255) NOT NULL, tbl varchar(255) NOT NULL,"
          + " last_pk mediumtext, rows_copied bigint NOT NULL DEFAULT 0, bytes_copied bigint NOT NULL DEFAULT 0,"
          + " done boolean NOT NULL DEFAULT false, PRIMARY KEY (source, tbl)) ENGINE=InnoDB");
    }
  }

  @Override
  public String quote(String identifier) {
    return "`" + identifier.replace("`", "``") + "`";
  }
}
