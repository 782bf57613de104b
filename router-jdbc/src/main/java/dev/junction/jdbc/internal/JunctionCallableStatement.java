package dev.junction.jdbc.internal;

import dev.junction.route.RouteSession;
import java.sql.Array;
import java.sql.Blob;
import java.sql.CallableStatement;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.NClob;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;

/**
 * A stored-procedure call as the application sees it. Calls are not classified: they run where
 * {@link RoutingConnection#prepareCall} placed them when prepared (the primary, or the open
 * transaction's target), on that physical statement. {@link #getConnection()} answers with the
 * logical connection and result sets are Junction's. The statement dies when its logical
 * connection closes or gives its physical connection up; afterwards it throws instead of reaching
 * a physical statement whose connection may serve another logical connection.
 *
 * <p>Each execution is routed again as a write ({@link RoutingConnection#routeCall}) and reported like a
 * statement's ({@code succeeded}/{@code failed}), so a procedure or function that writes records the
 * read-your-writes fence and counts in the transaction (issue #12). Arrays and LOBs read from OUT
 * parameters and results are leased to the call's physical connection ({@link JunctionLobs}).
 */
final class JunctionCallableStatement extends DelegatingCallableStatement {
  private final RoutingConnection conn;
  /** The physical connection the call was prepared on. */
  final Connection physicalConnection;
  private final StatementResults results = new StatementResults();
  private Lease lease;

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

  // ---------------------------------------------------------------- executions: routed and reported as writes

  private interface Execution<T> {
    T run(CallableStatement physical) throws SQLException;
  }

  private <T> T routed(Execution<T> execution) throws SQLException {
    CallableStatement d = delegate();
    results.closeAll();
    RoutingConnection.Placement p = conn.routeCall(physicalConnection);
    T result;
    try {
      result = execution.run(d);
    } catch (SQLException e) {
      try {
        conn.failed(p, RouteSession.CALL, null, e); // bookkeeping only: a call is never retried
      } catch (SQLException f) {
        e.addSuppressed(f);
      }
      throw e;
    }
    results.ranOn(conn, p);
    conn.succeeded(p, RouteSession.CALL);
    return result;
  }

  @Override public boolean execute() throws SQLException { return routed(CallableStatement::execute); }
  @Override public ResultSet executeQuery() throws SQLException { return wrap(routed(CallableStatement::executeQuery)); }
  @Override public int executeUpdate() throws SQLException { return routed(CallableStatement::executeUpdate); }
  @Override public long executeLargeUpdate() throws SQLException { return routed(CallableStatement::executeLargeUpdate); }
  @Override public int[] executeBatch() throws SQLException { return routed(CallableStatement::executeBatch); }
  @Override public long[] executeLargeBatch() throws SQLException { return routed(CallableStatement::executeLargeBatch); }

  // ---------------------------------------------------------------- OUT parameters: arrays and LOBs leased

  private Lease lease() {
    Lease l = lease;
    if (l == null) {
      l = conn.lease(physicalConnection);
      lease = l;
    }
    return l;
  }

  @Override public Array getArray(int i) throws SQLException { return JunctionLobs.array(delegate().getArray(i), lease()); }
  @Override public Array getArray(String p) throws SQLException { return JunctionLobs.array(delegate().getArray(p), lease()); }
  @Override public Blob getBlob(int i) throws SQLException { return JunctionLobs.blob(delegate().getBlob(i), lease()); }
  @Override public Blob getBlob(String p) throws SQLException { return JunctionLobs.blob(delegate().getBlob(p), lease()); }
  @Override public Clob getClob(int i) throws SQLException { return JunctionLobs.clob(delegate().getClob(i), lease()); }
  @Override public Clob getClob(String p) throws SQLException { return JunctionLobs.clob(delegate().getClob(p), lease()); }
  @Override public NClob getNClob(int i) throws SQLException { return JunctionLobs.nclob(delegate().getNClob(i), lease()); }
  @Override public NClob getNClob(String p) throws SQLException { return JunctionLobs.nclob(delegate().getNClob(p), lease()); }
  @Override public Object getObject(int i) throws SQLException { return JunctionLobs.object(delegate().getObject(i), lease(), this); }
  @Override public Object getObject(String p) throws SQLException { return JunctionLobs.object(delegate().getObject(p), lease(), this); }
  @Override public Object getObject(int i, Map<String, Class<?>> map) throws SQLException {
    return JunctionLobs.object(delegate().getObject(i, map), lease(), this);
  }
  @Override public Object getObject(String p, Map<String, Class<?>> map) throws SQLException {
    return JunctionLobs.object(delegate().getObject(p, map), lease(), this);
  }
  @Override public <T> T getObject(int i, Class<T> type) throws SQLException {
    return JunctionLobs.object(delegate().getObject(i, type), type, lease(), this);
  }
  @Override public <T> T getObject(String p, Class<T> type) throws SQLException {
    return JunctionLobs.object(delegate().getObject(p, type), type, lease(), this);
  }

  // Metadata: leased to the call's physical connection (pgjdbc's looks columns and types up through it lazily).
  @Override public java.sql.ResultSetMetaData getMetaData() throws SQLException {
    return LeasedMetaData.of(delegate().getMetaData(), lease());
  }
  @Override public java.sql.ParameterMetaData getParameterMetaData() throws SQLException {
    return LeasedMetaData.of(delegate().getParameterMetaData(), lease());
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
