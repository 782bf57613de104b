package dev.junction.jdbc.internal;

import dev.junction.classify.Dialect;
import dev.junction.ring.RingLayout;
import dev.junction.ring.RingPhase;
import dev.junction.ring.RingRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The {@code junction_ring} table: one row per shard database saying which shard it is and which
 * ring its rows were placed by ({@link RingRecord}). Routers read it at startup and while a
 * resharding runs; only the resharding tool (and a router's first start) writes it.
 *
 * <p>The row lives in the shard's own database, so it is copied by the shard's replication, backed
 * up and restored with the rows it describes, and cannot drift from them the way a separate
 * registry could. Its {@code min_write_version} column is what the write triggers of a resharding
 * compare the session's ring version with.
 */
public final class RingTable {
  public static final String TABLE = "junction_ring";

  private static final String COLUMNS =
      "shard_id, ring_version, ring_layout, phase, target_version, target_layout, min_write_version";

  private RingTable() {}

  /** DDL creating the table if it is missing. */
  public static String createSql(Dialect dialect) {
    return switch (dialect) {
      case POSTGRESQL -> "CREATE TABLE IF NOT EXISTS " + TABLE + " (id int PRIMARY KEY CHECK (id = 1),"
          + " shard_id text NOT NULL, ring_version bigint NOT NULL, ring_layout text NOT NULL, phase text NOT NULL,"
          + " target_version bigint NOT NULL DEFAULT 0, target_layout text, min_write_version bigint NOT NULL DEFAULT 0,"
          + " updated_at timestamptz NOT NULL DEFAULT now())";
      case MYSQL, MARIADB -> "CREATE TABLE IF NOT EXISTS " + TABLE + " (id int PRIMARY KEY CHECK (id = 1),"
          + " shard_id varchar(255) NOT NULL, ring_version bigint NOT NULL, ring_layout mediumtext NOT NULL,"
          + " phase varchar(32) NOT NULL, target_version bigint NOT NULL DEFAULT 0, target_layout mediumtext,"
          + " min_write_version bigint NOT NULL DEFAULT 0,"
          + " updated_at timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB";
    };
  }

  /**
   * This database's record, or null when it has none (no table, or an empty one).
   *
   * @throws SQLException for anything but a missing table, and for a row that cannot be parsed
   */
  public static RingRecord read(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT " + COLUMNS + " FROM " + TABLE + " WHERE id = 1")) {
      if (!rs.next()) {
        return null;
      }
      try {
        String target = rs.getString(6);
        return new RingRecord(rs.getString(1), rs.getLong(2), new RingLayout(rs.getString(3)),
            RingPhase.valueOf(rs.getString(4)), rs.getLong(5), target == null ? null : new RingLayout(target), rs.getLong(7));
      } catch (IllegalArgumentException e) {
        throw new SQLException("Junction: the " + TABLE + " row of this database cannot be read (" + e.getMessage()
            + "); it is written only by Junction. Restore it from a shard that has a good one (./junction.sh reshard"
            + " status shows them all).", "XX000", e);
      }
    } catch (SQLException e) {
      if (isMissingTable(e)) {
        return null;
      }
      throw e;
    }
  }

  /**
   * Records {@code record} unless the database already has a record (a concurrent first start by
   * another router wins; the caller reads again and compares). Commits.
   */
  public static void stampIfAbsent(Connection c, Dialect dialect, RingRecord record) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(true);
    try (Statement s = c.createStatement()) {
      s.execute(createSql(dialect));
    }
    String insert = dialect == Dialect.POSTGRESQL
        ? "INSERT INTO " + TABLE + " (id, " + COLUMNS + ") VALUES (1, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"
        : "INSERT IGNORE INTO " + TABLE + " (id, " + COLUMNS + ") VALUES (1, ?, ?, ?, ?, ?, ?, ?)";
    try (PreparedStatement ps = c.prepareStatement(insert)) {
      bind(ps, record);
      ps.executeUpdate();
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  /** Overwrites this database's record (the resharding tool's write). Runs in the caller's transaction. */
  public static void write(Connection c, Dialect dialect, RingRecord record) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(createSql(dialect));
    }
    String upsert = dialect == Dialect.POSTGRESQL
        ? "INSERT INTO " + TABLE + " (id, " + COLUMNS + ") VALUES (1, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
            + " shard_id = EXCLUDED.shard_id, ring_version = EXCLUDED.ring_version, ring_layout = EXCLUDED.ring_layout,"
            + " phase = EXCLUDED.phase, target_version = EXCLUDED.target_version, target_layout = EXCLUDED.target_layout,"
            + " min_write_version = EXCLUDED.min_write_version, updated_at = now()"
        : "REPLACE INTO " + TABLE + " (id, " + COLUMNS + ") VALUES (1, ?, ?, ?, ?, ?, ?, ?)";
    try (PreparedStatement ps = c.prepareStatement(upsert)) {
      bind(ps, record);
      ps.executeUpdate();
    }
  }

  private static void bind(PreparedStatement ps, RingRecord r) throws SQLException {
    ps.setString(1, r.shardId());
    ps.setLong(2, r.version());
    ps.setString(3, r.layout().text());
    ps.setString(4, r.phase().name());
    ps.setLong(5, r.targetVersion());
    ps.setString(6, r.targetLayout() == null ? null : r.targetLayout().text());
    ps.setLong(7, r.minWriteVersion());
  }

  /** PostgreSQL 42P01, MySQL/MariaDB 1146 (42S02): the table does not exist. */
  static boolean isMissingTable(SQLException e) {
    return "42P01".equals(e.getSQLState()) || e.getErrorCode() == 1146 || "42S02".equals(e.getSQLState());
  }
}
