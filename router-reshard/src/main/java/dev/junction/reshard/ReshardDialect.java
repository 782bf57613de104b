package dev.junction.reshard;

import dev.junction.classify.Dialect;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

/**
 * The SQL a resharding needs that differs between PostgreSQL and MariaDB: the change-capture and
 * ring-version triggers, copying a table's definition, idempotent inserts, and waiting for the
 * transactions that were open when a trigger or a ring version changed.
 *
 * <p>Change capture is a trigger per table that appends the changed row's shard key (for a
 * broadcast table: its primary key) to {@code junction_reshard_changes} in the writer's own
 * transaction; the catch-up re-reads those keys and copies their current rows. The same trigger
 * compares the session's ring version with {@code junction_ring.min_write_version} and rejects a
 * stale router's write with SQLSTATE 40001, so the database, not the routers' goodwill, keeps moved
 * keys off their old owners.
 */
interface ReshardDialect {
  /** The session ring version of the resharding tool itself: accepted by every trigger. */
  long TOOL_RING_VERSION = Long.MAX_VALUE;
  /** {@code min_write_version} of a target shard before the switch: no router may write there yet. */
  long CLOSED = Long.MAX_VALUE;
  String CHANGES = "junction_reshard_changes";
  String PROGRESS = "junction_reshard_progress";

  static ReshardDialect of(Dialect dialect) {
    return switch (dialect) {
      case POSTGRESQL -> new PostgresReshard();
      case MARIADB -> new MariaDbReshard();
      case MYSQL -> throw new IllegalArgumentException("Junction reshard supports PostgreSQL and MariaDB; MySQL is not"
          + " supported yet (its triggers would work, but it is untested)");
    };
  }

  Dialect dialect();

  /** Driver properties for the tool's connections (e.g. untyped string parameters on PostgreSQL). */
  void connectionProperties(Properties p);

  void setSessionRingVersion(Connection c, long version) throws SQLException;

  /**
   * Session settings of every tool connection to a primary that make its transactions less likely
   * to deadlock with the applications' (and with each other). Default: none.
   */
  default void prepareSession(Connection c) throws SQLException {}

  /**
   * Creates the change queue, the progress table and the capture trigger on {@code table}, capturing
   * column {@code captureColumn}. Idempotent. Waits (as DDL does) for transactions writing the table.
   */
  void installCapture(Connection c, String table, String captureColumn) throws SQLException;

  /** Drops the capture trigger of {@code table}. Idempotent. */
  void removeCapture(Connection c, String table) throws SQLException;

  /** Drops the change queue (after the resharding). */
  void dropQueue(Connection c) throws SQLException;

  /** DDL statements creating {@code table} as it is on {@code source}: [0] table with keys, then deferred indexes. */
  List<String> tableDefinition(Connection source, String table) throws SQLException;

  /** An INSERT of every column that leaves an existing row (same primary key) alone. */
  String insertIgnore(TableInfo table);

  /** Waits until every transaction that was open on this server when called has ended. */
  void awaitOpenTransactions(Connection c, Duration timeout) throws SQLException;

  /** Creates the progress table if missing (on a target shard). */
  void createProgressTable(Connection c) throws SQLException;

  /** Quotes an identifier. */
  String quote(String identifier);
}
