package dev.junction.jdbc;

import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * A stored-procedure call as the application sees it. Calls are not classified: they run where
 * {@link RoutingConnection#prepareCall} placed them when prepared (the primary, or the open
 * transaction's target), on that physical statement. {@link #getConnection()} answers with the
 * logical connection and result sets are Junction's. The statement dies when its logical
 * connection closes or gives its physical connection up; afterwards it throws instead of reaching
 * a physical statement whose connection may serve another logical connection.
 */
final class JunctionCallableStatement extends DelegatingCallableStatement {
  private final RoutingConnection conn;
  /** The physical connection the call was prepared on. */
  final Connection physicalConnection;
  private final StatementResults results = new StatementResults();

  JunctionCallableStatement(RoutingConnection conn, Connection physicalConnection, CallableStatement physical) {
    super(physical);
    this.conn = conn;
    this.physicalConnection = physicalConnection;
  }

  @Override
  SQLException closed() {
    return RoutingStatement.closedStatement(connectionClosed());
  }

  boolean connectionClosed() {
    return conn.isClosed();
  }

  @Override
  void beforeExecute() {
    results.closeAll();
  }

  @Override
  ResultSet wrap(ResultSet physical) {
    return results.query(physical, this); // executeQuery: the new current result
  }

  @Override
  public ResultSet getResultSet() throws SQLException {
    return results.current(delegate(), this);
  }

  @Override
  public ResultSet getGeneratedKeys() throws SQLException {
    return results.keys(delegate(), this);
  }

  @Override
  public boolean getMoreResults() throws SQLException {
    return getMoreResults(CLOSE_CURRENT_RESULT);
  }

  @Override
  public boolean getMoreResults(int current) throws SQLException {
    CallableStatement d = delegate();
    results.beforeMoreResults(current);
    return d.getMoreResults(current);
  }

  @Override
  public Connection getConnection() throws SQLException {
    delegate();
    return conn.facade;
  }

  @Override
  public void close() throws SQLException {
    CallableStatement d = detach();
    if (d != null) {
      conn.unregister(this);
      d.close();
    }
  }

  /** Closed with its connection, or its physical connection went away (the connection drops it from its list). */
  void closeQuietly() {
    CallableStatement d = detach();
    if (d != null) {
      try {
        d.close();
      } catch (SQLException ignored) {
        // the physical connection may be going away too
      }
    }
  }

  /** Marks this call closed (08003 is derived from the connection) and closes its results; returns the physical one. */
  private CallableStatement detach() {
    CallableStatement d = delegate;
    if (d != null) {
      delegate = null;
      results.closeAll();
    }
    return d;
  }

  @Override
  public boolean isClosed() throws SQLException {
    CallableStatement d = delegate;
    return d == null || d.isClosed();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    CallableStatement d = delegate();
    return iface.isInstance(d) ? iface.cast(d) : d.unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return true;
    }
    CallableStatement d = delegate();
    return iface.isInstance(d) || d.isWrapperFor(iface);
  }
}
