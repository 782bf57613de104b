package dev.junction.jdbc.internal;

import dev.junction.classify.Dialect;
import dev.junction.position.ReplicationPosition;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * The few server-specific queries the router needs: where the primary is, where a replica is, how
 * far behind it is, and how to wait for it. Everything else is plain JDBC.
 */
interface JdbcDialect {

  static JdbcDialect of(Dialect dialect) {
    return switch (dialect) {
      case POSTGRESQL -> new PostgresDialect();
      case MARIADB -> new MariaDbDialect();
      case MYSQL -> new MySqlDialect();
    };
  }

  /** The primary's position now; read after a commit returned, it is at or past that commit. */
  ReplicationPosition primaryPosition(Connection primary) throws SQLException;

  /**
   * Everything the primary has committed, from any session: at or past every commit that returned.
   * (On MariaDB {@link #primaryPosition} is the session's own last GTID, which is not.)
   */
  default ReplicationPosition primaryHead(Connection primary) throws SQLException {
    return primaryPosition(primary);
  }

  /** The position a replica has replayed (applied and made visible). */
  ReplicationPosition replayedPosition(Connection replica) throws SQLException;

  /**
   * Lag of a replica given the primary's latest position (null: unknown): time in ms (-1 unknown,
   * which counts as too far behind) and bytes (-1 unknown), with the server's start time that
   * tells one incarnation from the next.
   */
  LagSample sampleLag(Connection replica, ReplicationPosition primaryNow) throws SQLException;

  /**
   * Waits until the replica has replayed {@code fence} or {@code timeoutMillis} pass. Uses the
   * server's own wait where it has one; otherwise polls. Returns true when the fence is covered.
   */
  boolean awaitReplay(Connection replica, ReplicationPosition fence, long timeoutMillis) throws SQLException;

  /**
   * True when, after {@code e}, the server's transaction cannot commit what it did before: the
   * connection is gone, or the server rolled the transaction back. MariaDB and MySQL roll back only
   * the failing statement, except on a deadlock (1213), which rolls back the whole transaction;
   * PostgreSQL aborts the transaction on any error of its own ({@link PostgresDialect}). Refusals made
   * on the client (Junction's, the driver's) leave the transaction as it was.
   */
  default boolean abortsTransaction(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s && s.getErrorCode() == 1213) {
        return true;
      }
    }
    return isConnectionFailure(e);
  }

  /** True for failures that mean the server or the connection is gone (not a bad statement). */
  default boolean isConnectionFailure(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.sql.SQLTransientConnectionException || t instanceof java.sql.SQLNonTransientConnectionException) {
        return true;
      }
      if (t instanceof SQLException s && s.getSQLState() != null && s.getSQLState().startsWith("08")) {
        return true;
      }
    }
    return false;
  }

  /** Failures of a read on a replica that another server may not have: safe to retry outside a transaction. */
  default boolean isRetryableOnAnotherServer(SQLException e) {
    return isConnectionFailure(e) || isReadOnlyViolation(e);
  }

  /** The replica refused the statement as a write (e.g. a function that writes): it belongs on the primary. */
  default boolean isReadOnlyViolation(SQLException e) {
    return "25006".equals(e.getSQLState()) || e.getErrorCode() == 1290 || e.getErrorCode() == 1792;
  }

  /**
   * @param replayed        the replayed position, null when the server is not a working replica
   * @param startedAtMillis the server's start time in epoch ms (0: unknown), to detect restarts
   */
  record LagSample(ReplicationPosition replayed, long lagMillis, long lagBytes, long startedAtMillis) {}
}
