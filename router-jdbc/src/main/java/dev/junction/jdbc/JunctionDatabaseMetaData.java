package dev.junction.jdbc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The metadata the application sees: the primary's, answering {@link #getConnection()} with the
 * logical connection. It dies with the logical connection (or with the physical one, if that is
 * replaced): afterwards it and its result sets throw 08003 instead of querying a physical connection
 * that the pool may have lent to someone else. Its result sets' {@code getStatement()} is null.
 */
final class JunctionDatabaseMetaData extends DelegatingDatabaseMetaData {
  private final Connection logical;
  /** The physical connection this metadata queries. */
  final Connection physicalConnection;
  private final int driverMajor;
  private final int driverMinor;
  private final List<JunctionResultSet> results = new ArrayList<>();

  /** @param logical the connection the application sees (answers {@link #getConnection()}) */
  JunctionDatabaseMetaData(Connection logical, Connection physicalConnection) throws SQLException {
    super(physicalConnection.getMetaData());
    this.logical = logical;
    this.physicalConnection = physicalConnection;
    this.driverMajor = delegate.getDriverMajorVersion();
    this.driverMinor = delegate.getDriverMinorVersion();
  }

  @Override
  SQLException closed() {
    return new SQLException("Junction: connection is closed (this metadata belonged to it)", JunctionResultSet.CONNECTION_CLOSED);
  }

  @Override
  ResultSet wrap(ResultSet physical) {
    if (physical == null) {
      return null;
    }
    if (results.size() >= 16) {
      results.removeIf(rs -> rs.physical() == null);
    }
    JunctionResultSet rs = new JunctionResultSet(physical, null);
    results.add(rs);
    return rs;
  }

  /** The logical connection went away (or replaced its primary): this metadata and its results are dead. */
  void invalidate() {
    delegate = null;
    for (JunctionResultSet rs : results) {
      rs.closeQuietly(JunctionResultSet.CONNECTION_CLOSED);
    }
    results.clear();
  }

  @Override
  public Connection getConnection() throws SQLException {
    delegate();
    return logical;
  }

  @Override public int getDriverMajorVersion() { return driverMajor; }
  @Override public int getDriverMinorVersion() { return driverMinor; }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    java.sql.DatabaseMetaData d = delegate();
    return iface.isInstance(d) ? iface.cast(d) : d.unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return true;
    }
    java.sql.DatabaseMetaData d = delegate();
    return iface.isInstance(d) || d.isWrapperFor(iface);
  }
}
