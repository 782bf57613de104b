package dev.junction.jdbc.internal;

import dev.junction.position.PgLsn;
import dev.junction.position.ReplicationPosition;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * PostgreSQL: positions are WAL LSNs. The primary's is {@code pg_current_wal_insert_lsn()}, a
 * replica's {@code pg_last_wal_replay_lsn()}.
 *
 * <p>Why the <em>insert</em> position: read after a commit returned, it is at or past the end of that
 * commit's record in every commit mode. The WAL <em>write</em> position ({@code pg_current_wal_lsn()})
 * is not: with {@code synchronous_commit = off} (server-wide or {@code SET LOCAL} in the writing
 * transaction) the commit returns before its record is written, so the write position can be below
 * it and a replica reaches the fence before it has applied the commit (issue #16: 1,833 of 4,000
 * scoped pairs read stale data with the write position). There is no server-side wait before PostgreSQL 19, so waits poll.
 * Time lag is zero when the replica has replayed everything the primary has (an idle primary would
 * otherwise look ever more behind through {@code pg_last_xact_replay_timestamp()}).
 */
final class PostgresDialect implements JdbcDialect {

  /**
   * Any error the server itself raised aborts a PostgreSQL transaction (25P02 until it ends; COMMIT
   * then rolls back). pgjdbc marks those with a server message; its own client-side errors (a missing
   * parameter, a closed statement) have none. Read by reflection, so no pgjdbc class is linked here.
   */
  @Override
  public boolean abortsTransaction(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      try {
        if (t.getClass().getMethod("getServerErrorMessage").invoke(t) != null) {
          return true;
        }
      } catch (ReflectiveOperationException | RuntimeException notFromTheServer) {
        // not a pgjdbc exception, or it carries no server message
      }
    }
    return isConnectionFailure(e);
  }

  private static final long POLL_MILLIS = 2;


  private volatile long walBlockSize;
  private volatile long walSegmentSize;

  @Override
  public ReplicationPosition primaryPosition(Connection primary) throws SQLException {
    if (walBlockSize == 0) {
      readWalGeometry(primary);
    }
    try (Statement s = primary.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
      rs.next();
      return PgLsn.recordBoundary(PgLsn.parse(rs.getString(1)), walBlockSize, walSegmentSize);
    }
  }

  private void readWalGeometry(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT current_setting('wal_block_size')::bigint,"
        + " (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size')")) {
      rs.next();
      walSegmentSize = rs.getLong(2);
      walBlockSize = rs.getLong(1);
    }
  }

  @Override
  public ReplicationPosition replayedPosition(Connection replica) throws SQLException {
    try (Statement s = replica.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_last_wal_replay_lsn()::text")) {
      rs.next();
      String lsn = rs.getString(1);
      return lsn == null ? null : PgLsn.parse(lsn);
    }
  }

  @Override
  public LagSample sampleLag(Connection replica, ReplicationPosition primaryNow) throws SQLException {
    try (Statement s = replica.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT pg_last_wal_replay_lsn()::text, pg_is_in_recovery(),"
            + " (EXTRACT(EPOCH FROM (clock_timestamp() - pg_last_xact_replay_timestamp())) * 1000)::bigint,"
            + " (EXTRACT(EPOCH FROM pg_postmaster_start_time()) * 1000)::bigint")) {
      rs.next();
      String replayText = rs.getString(1);
      long startedAt = rs.getLong(4);
      if (!rs.getBoolean(2) || replayText == null) {
        return new LagSample(null, -1, -1, startedAt); // promoted or not a standby: never a safe replica
      }
      PgLsn replayed = PgLsn.parse(replayText);
      if (primaryNow == null) {
        return new LagSample(replayed, -1, -1, startedAt);
      }
      long bytes = Math.max(0, ((PgLsn) primaryNow).minus(replayed));
      long millis = rs.getLong(3);
      if (bytes == 0) {
        millis = 0; // replayed all the primary has: an old replay timestamp only means an idle primary
      } else if (rs.wasNull()) {
        millis = -1; // behind, and no transaction replayed since the start: unknown, i.e. too far behind
      } else {
        millis = Math.max(0, millis);
      }
      return new LagSample(replayed, millis, bytes, startedAt);
    }
  }

  @Override
  public boolean awaitReplay(Connection replica, ReplicationPosition fence, long timeoutMillis) throws SQLException {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
    while (true) {
      ReplicationPosition replayed = replayedPosition(replica);
      if (replayed != null && replayed.covers(fence)) {
        return true;
      }
      if (System.nanoTime() - deadline >= 0) {
        return false;
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  @Override
  public boolean isRetryableOnAnotherServer(SQLException e) {
    String state = e.getSQLState();
    // 40001 on a standby is "canceling statement due to conflict with recovery"; 57P0x: shutdown.
    return isConnectionFailure(e) || isReadOnlyViolation(e) || "40001".equals(state) || (state != null && state.startsWith("57P0"));
  }
}
