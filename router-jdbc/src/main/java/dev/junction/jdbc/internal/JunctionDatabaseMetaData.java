package dev.junction.jdbc.internal;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The metadata the application sees: the primary's, answering {@link #getConnection()} with the
 * logical connection. It follows the logical connection, not one physical connection: each call
 * asks the logical connection for its primary, so after the pool evicted the primary (HikariCP
 * evicts on SQLSTATE 0A000, which drivers raise for unimplemented metadata methods) the next call
 * runs on the replacement, as statements do. It dies with the logical connection: afterwards it and
 * its result sets throw 08003 instead of querying a physical connection the pool may have lent to
 * someone else. Its result sets' {@code getStatement()} is null, as JDBC allows.
 */
final class JunctionDatabaseMetaData extends DelegatingDatabaseMetaData {
  /** The logical connection's primary (acquired if none is held); throws 08003 once it is closed. */
  @FunctionalInterface
  interface Primary {
    Connection get() throws SQLException;
  }

  private final Connection logical;
  private final Primary primary;
  /** The physical connection {@code delegate} belongs to. */
  private Connection physicalConnection;
  private boolean closed;
  private final List<JunctionResultSet> results = new ArrayList<>();

  /** @param logical the connection the application sees (answers {@link #getConnection()}) */
  JunctionDatabaseMetaData(Connection logical, Primary primary) {
    super(null);
    this.logical = logical;
    this.primary = primary;
  }

  @Override
  DatabaseMetaData delegate() throws SQLException {
    if (closed) {
      throw closed();
    }
    Connection p = primary.get();
    if (p != physicalConnection || delegate == null) {
      delegate = p.getMetaData();
      physicalConnection = p;
    }
    return delegate;
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

  /** True while a result set this metadata handed out is open on {@code c} (issue #12: {@code c} is then kept). */
  boolean readingFrom(Connection c) {
    if (c == null || c != physicalConnection) {
      return false;
    }
    for (JunctionResultSet rs : results) {
      try {
        if (!rs.isClosed()) {
          return true;
        }
      } catch (SQLException ignored) {
        // a failed result reads nothing
      }
    }
    return false;
  }

  /** The logical connection closed: this metadata and its result sets are dead. */
  void invalidate() {
    closed = true;
    delegate = null;
    physicalConnection = null;
    for (JunctionResultSet rs : results) {
      try {
        rs.close(JunctionResultSet.CONNECTION_CLOSED);
      } catch (SQLException ignored) {
        // the connection is going away
      }
    }
    results.clear();
  }

  @Override
  public Connection getConnection() throws SQLException {
    if (closed) {
      throw closed();
    }
    return logical;
  }

  /** JDBC gives these no SQLException: a closed metadata answers 0 rather than reach a connection. */
  @Override
  public int getDriverMajorVersion() {
    try {
      return closed ? 0 : delegate().getDriverMajorVersion();
    } catch (SQLException e) {
      return 0;
    }
  }

  @Override
  public int getDriverMinorVersion() {
    try {
      return closed ? 0 : delegate().getDriverMinorVersion();
    } catch (SQLException e) {
      return 0;
    }
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    DatabaseMetaData d = delegate();
    return iface.isInstance(d) ? iface.cast(d) : d.unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return true;
    }
    DatabaseMetaData d = delegate();
    return iface.isInstance(d) || d.isWrapperFor(iface);
  }
}
