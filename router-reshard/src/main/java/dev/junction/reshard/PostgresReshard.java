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

/** PostgreSQL: a PL/pgSQL capture function, catalog-built DDL, snapshot-based waits. */
final class PostgresReshard implements ReshardDialect {

  @Override
  public Dialect dialect() {
    return Dialect.POSTGRESQL;
  }

  @Override
  public void connectionProperties(Properties p) {
    p.setProperty("stringtype", "unspecified"); // keys and page positions travel as text; the server types them
    p.setProperty("reWriteBatchedInserts", "true");
  }

  @Override
  public void setSessionRingVersion(Connection c, long version) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT set_config('junction.ring_version', ?, false)")) {
      ps.setString(1, Long.toString(version));
      ps.execute();
    }
  }

  @Override
  public void installCapture(Connection c, String table, String captureColumn) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS " + CHANGES + " (id bigserial PRIMARY KEY, tbl text NOT NULL, k text)");
      // One function for every table: TG_ARGV[0] names the captured column. The ring-version check
      // reads the latest committed junction_ring row: READ COMMITTED statements see it anyway; other
      // isolation levels lock it (FOR SHARE), so they wait for, or fail on, a concurrent change.
      s.execute("CREATE OR REPLACE FUNCTION junction_reshard_capture() RETURNS trigger LANGUAGE plpgsql AS $f$\n"
          + "DECLARE\n"
          + "  v bigint := coalesce(nullif(current_setting('junction.ring_version', true), '')::bigint, 0);\n"
          + "  m bigint;\n"
          + "  shard text;\n"
          + "BEGIN\n"
          + "  IF current_setting('transaction_isolation') = 'read committed' THEN\n"
          + "    SELECT min_write_version, shard_id INTO m, shard FROM junction_ring WHERE id = 1;\n"
          + "  ELSE\n"
          + "    SELECT min_write_version, shard_id INTO m, shard FROM junction_ring WHERE id = 1 FOR SHARE;\n"
          + "  END IF;\n"
          + "  IF m IS NOT NULL AND v < m THEN\n"
          + "    RAISE EXCEPTION 'Junction: this session routes by ring version %, but shard % accepts writes only from"
          + " ring version % on (a resharding is switching rings); refresh the ring and retry', v, shard, m\n"
          + "      USING ERRCODE = '40001';\n"
          + "  END IF;\n"
          + "  IF TG_OP <> 'INSERT' THEN\n"
          + "    INSERT INTO " + CHANGES + " (tbl, k) VALUES (TG_TABLE_NAME, to_jsonb(OLD) ->> TG_ARGV[0]);\n"
          + "  END IF;\n"
          + "  IF TG_OP <> 'DELETE' THEN\n"
          + "    INSERT INTO " + CHANGES + " (tbl, k) VALUES (TG_TABLE_NAME, to_jsonb(NEW) ->> TG_ARGV[0]);\n"
          + "  END IF;\n"
          + "  RETURN NULL;\n"
          + "END $f$");
      s.execute("CREATE OR REPLACE FUNCTION junction_reshard_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $f$\n"
          + "BEGIN RAISE EXCEPTION 'Junction: TRUNCATE of % is refused while a resharding moves its rows; delete rows"
          + " instead, or roll the resharding back first', TG_TABLE_NAME USING ERRCODE = '0A000'; END $f$");
      s.execute("DROP TRIGGER IF EXISTS junction_reshard ON " + quote(table));
      s.execute("CREATE TRIGGER junction_reshard AFTER INSERT OR UPDATE OR DELETE ON " + quote(table)
          + " FOR EACH ROW EXECUTE FUNCTION junction_reshard_capture('" + captureColumn.replace("'", "''") + "')");
      s.execute("DROP TRIGGER IF EXISTS junction_reshard_truncate ON " + quote(table));
      s.execute("CREATE TRIGGER junction_reshard_truncate BEFORE TRUNCATE ON " + quote(table)
          + " FOR EACH STATEMENT EXECUTE FUNCTION junction_reshard_no_truncate()");
    }
  }

  @Override
  public void removeCapture(Connection c, String table) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("DROP TRIGGER IF EXISTS junction_reshard ON " + quote(table));
      s.execute("DROP TRIGGER IF EXISTS junction_reshard_truncate ON " + quote(table));
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
    List<String> columns = new ArrayList<>();
    List<String> sequences = new ArrayList<>();
    try (PreparedStatement ps = source.prepareStatement(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid),"
            + " a.attidentity, a.attgenerated"
            + " FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
            + " WHERE a.attrelid = ?::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          StringBuilder col = new StringBuilder(quote(rs.getString(1))).append(' ').append(rs.getString(2));
          String def = rs.getString(4);
          String identity = rs.getString(5);
          String generated = rs.getString(6);
          if (generated != null && generated.equals("s")) {
            col.append(" GENERATED ALWAYS AS (").append(def).append(") STORED");
          } else if (identity != null && !identity.isEmpty()) {
            col.append(identity.equals("a") ? " GENERATED ALWAYS AS IDENTITY" : " GENERATED BY DEFAULT AS IDENTITY");
          } else if (def != null) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("nextval\\('([^']+)'").matcher(def);
            if (m.find()) {
              sequences.add("CREATE SEQUENCE IF NOT EXISTS " + m.group(1));
            }
            col.append(" DEFAULT ").append(def);
          }
          if (rs.getBoolean(3)) {
            col.append(" NOT NULL");
          }
          columns.add(col.toString());
        }
      }
    }
    List<String> deferred = new ArrayList<>();
    try (PreparedStatement ps = source.prepareStatement(
        "SELECT pg_get_constraintdef(oid), contype FROM pg_constraint WHERE conrelid = ?::regclass"
            + " AND contype IN ('p', 'u', 'c', 'x') ORDER BY contype = 'p' DESC, conname")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          columns.add(rs.getString(1));
        }
      }
    }
    try (PreparedStatement ps = source.prepareStatement(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = ?::regclass"
            + " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY i.indexrelid")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          deferred.add(rs.getString(1).replaceFirst("^CREATE (UNIQUE )?INDEX ", "CREATE $1INDEX IF NOT EXISTS "));
        }
      }
    }
    List<String> out = new ArrayList<>();
    out.add(String.join(";\n", sequences) + (sequences.isEmpty() ? "" : ";\n")
        + "CREATE TABLE IF NOT EXISTS " + quote(table) + " (" + String.join(", ", columns) + ")");
    out.addAll(deferred);
    return out;
  }

  @Override
  public String insertIgnore(TableInfo t) {
    return "INSERT INTO " + quote(t.name()) + " (" + t.columnList() + ") VALUES (" + t.placeholders(t.columns().size())
        + ") ON CONFLICT DO NOTHING";
  }

  @Override
  public void awaitOpenTransactions(Connection c, Duration timeout) throws SQLException {
    long horizon;
    try (Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")) {
      rs.next();
      horizon = rs.getLong(1);
    }
    // Every transaction with an xid below the horizon, or a snapshot older than it, must end.
    // Every transaction with an xid below the horizon, or a snapshot older than it, must end. age()
    // compares xids modulo 2^32 against the same next-xid, so it is safe across wraparound.
    // Only client sessions write: a walsender's xmin is its standby's hot_standby_feedback, which
    // advances only at the standby's next status message and says nothing about writes here.
    String sql = "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend' AND ("
        + "(backend_xid IS NOT NULL AND age(backend_xid) > age(?::text::xid))"
        + " OR (backend_xmin IS NOT NULL AND age(backend_xmin) > age(?::text::xid)))";
    long deadline = System.nanoTime() + timeout.toNanos();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, Long.toString(horizon & 0xffffffffL));
      ps.setString(2, Long.toString(horizon & 0xffffffffL));
      while (true) {
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (rs.getLong(1) == 0) {
            return;
          }
        }
        if (System.nanoTime() > deadline) {
          throw new SQLException("Junction reshard: transactions that were open when the ring changed are still open after "
              + timeout + "; end them (pg_stat_activity) or retry the step", "55006");
        }
        Reshard.sleep(5);
      }
    }
  }

  @Override
  public void createProgressTable(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS " + PROGRESS + " (source text NOT NULL, tbl text NOT NULL, last_pk text,"
          + " rows_copied bigint NOT NULL DEFAULT 0, bytes_copied bigint NOT NULL DEFAULT 0, done boolean NOT NULL DEFAULT false,"
          + " PRIMARY KEY (source, tbl))");
    }
  }

  @Override
  public String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }
}
