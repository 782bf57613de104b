package dev.junction.jdbc.internal;

import dev.junction.position.MariaDbGtidPosition;
import dev.junction.position.ReplicationPosition;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * MariaDB: positions are GTID positions. After a commit the session's {@code @@last_gtid} names the
 * transaction just written (falling back to the global {@code @@gtid_binlog_pos}, which is later
 * still); a replica's applied position is {@code @@gtid_slave_pos}; {@code MASTER_GTID_WAIT} waits
 * on the server. Time lag is {@code Seconds_Behind_Master}, NULL (replication stopped) meaning unknown.
 */
class MariaDbDialect implements JdbcDialect {

  @Override
  public ReplicationPosition primaryPosition(Connection primary) throws SQLException {
    try (Statement s = primary.createStatement(); ResultSet rs = s.executeQuery("SELECT @@last_gtid, @@gtid_binlog_pos")) {
      rs.next();
      String last = rs.getString(1);
      return MariaDbGtidPosition.parse(last == null || last.isEmpty() ? rs.getString(2) : last);
    }
  }

  @Override
  public ReplicationPosition primaryHead(Connection primary) throws SQLException {
    try (Statement s = primary.createStatement(); ResultSet rs = s.executeQuery("SELECT @@gtid_binlog_pos")) {
      rs.next();
      return MariaDbGtidPosition.parse(rs.getString(1));
    }
  }

  @Override
  public ReplicationPosition replayedPosition(Connection replica) throws SQLException {
    try (Statement s = replica.createStatement(); ResultSet rs = s.executeQuery("SELECT @@gtid_slave_pos")) {
      rs.next();
      return MariaDbGtidPosition.parse(rs.getString(1));
    }
  }

  @Override
  public LagSample sampleLag(Connection replica, ReplicationPosition primaryNow) throws SQLException {
    ReplicationPosition replayed;
    long startedAt;
    try (Statement s = replica.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT @@gtid_slave_pos, (UNIX_TIMESTAMP() - VARIABLE_VALUE) * 1000"
            + " FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'UPTIME'")) {
      rs.next();
      replayed = MariaDbGtidPosition.parse(rs.getString(1));
      startedAt = rs.getLong(2);
    }
    long millis = -1;
    try (Statement s = replica.createStatement(); ResultSet rs = s.executeQuery("SHOW SLAVE STATUS")) {
      if (rs.next()) {
        long seconds = rs.getLong("Seconds_Behind_Master");
        boolean running = "Yes".equalsIgnoreCase(rs.getString("Slave_SQL_Running"))
            && "Yes".equalsIgnoreCase(rs.getString("Slave_IO_Running"));
        if (!rs.wasNull() && running) {
          millis = seconds * 1000;
        }
      }
    }
    if (millis > 0 && primaryNow != null && replayed.covers(primaryNow)) {
      millis = 0;
    }
    return new LagSample(replayed, millis, -1, startedAt);
  }

  @Override
  public boolean awaitReplay(Connection replica, ReplicationPosition fence, long timeoutMillis) throws SQLException {
    try (PreparedStatement ps = replica.prepareStatement("SELECT MASTER_GTID_WAIT(?, ?)")) {
      ps.setString(1, fence.toString());
      ps.setBigDecimal(2, java.math.BigDecimal.valueOf(Math.max(timeoutMillis, 1), 3));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1) == 0;
      }
    }
  }
}
