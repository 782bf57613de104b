package dev.junction.jdbc.internal;

import dev.junction.position.ReplicationPosition;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * MySQL. Its GTIDs are sets of {@code uuid:interval} ranges, a different model from MariaDB's
 * per-domain sequences; fencing on MySQL is not implemented yet, so it is refused at startup rather
 * than silently unfenced.
 */
final class MySqlDialect implements JdbcDialect {
  static final String UNSUPPORTED = "read-your-writes fencing on MySQL (GTID sets) is not implemented yet;"
      + " use dialect: mariadb for MariaDB, or run MySQL without replicas configured";

  @Override
  public ReplicationPosition primaryPosition(Connection primary) throws SQLException {
    throw new java.sql.SQLFeatureNotSupportedException(UNSUPPORTED, "0A000");
  }

  @Override
  public ReplicationPosition replayedPosition(Connection replica) throws SQLException {
    throw new java.sql.SQLFeatureNotSupportedException(UNSUPPORTED, "0A000");
  }

  @Override
  public LagSample sampleLag(Connection replica, ReplicationPosition primaryNow) throws SQLException {
    throw new java.sql.SQLFeatureNotSupportedException(UNSUPPORTED, "0A000");
  }

  @Override
  public boolean awaitReplay(Connection replica, ReplicationPosition fence, long timeoutMillis) throws SQLException {
    throw new java.sql.SQLFeatureNotSupportedException(UNSUPPORTED, "0A000");
  }
}
