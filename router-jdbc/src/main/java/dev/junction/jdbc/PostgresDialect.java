package dev.junction.jdbc;

import dev.junction.position.PgLsn;
import dev.junction.position.ReplicationPosition;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * PostgreSQL: positions are WAL LSNs. The primary's is {@code pg_current_wal_lsn()}, a replica's
 * {@code pg_last_wal_replay_lsn()}. There is no server-side wait before PostgreSQL 19, so waits poll.
 * Time lag is zero when the replica has replayed everything the primary has (an idle primary would
 * otherwise look ever more behind through {@code pg_last_xact_replay_timestamp()}).
 */
final class PostgresDialect implements JdbcDialect {
  private static final long POLL_MILLIS = 2;

  @Override
  public ReplicationPosition primaryPosition(Connection primary) throws SQLException {
    try (Statement s = primary.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
      rs.next();
      return PgLsn.parse(rs.getString(1));
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
            + " (EXTRACT(EPOCH FROM (clock_timestamp() - pg_last_xact_replay_timestamp())) * 1000)::bigint")) {
      rs.next();
      String replayText = rs.getString(1);
      if (!rs.getBoolean(2) || replayText == null) {
        return new LagSample(null, -1, -1); // promoted or not a standby: never a safe replica
      }
      PgLsn replayed = PgLsn.parse(replayText);
      if (primaryNow == null) {
        return new LagSample(replayed, -1, -1);
      }
      long bytes = Math.max(0, ((PgLsn) primaryNow).minus(replayed));
      long millis = rs.getLong(3);
      if (rs.wasNull() || bytes == 0) {
        millis = bytes == 0 ? 0 : -1;
      }
      return new LagSample(replayed, Math.max(0, millis), bytes);
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
