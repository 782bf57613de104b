package dev.junction.jdbc.internal;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The result set the application sees for a physical one: {@link #getStatement()} answers with the
 * Junction statement that produced it (null for a {@link java.sql.DatabaseMetaData} result, as JDBC
 * allows), and once closed (by itself, its statement or its connection) it throws instead of
 * reaching a physical object whose connection may already serve another logical connection.
 */
final class JunctionResultSet extends GuardedResultSet {
  /** SQLSTATE of a result set closed by itself or its statement: invalid cursor state. */
  static final String CLOSED = "24000";
  /** SQLSTATE of a result set closed with its connection: connection does not exist. */
  static final String CONNECTION_CLOSED = "08003";

  private final Statement statement;
  private String closedState = CLOSED;
  /**
   * The logical connection and the placement of the execution that produced this result (null for
   * metadata results): arrays and LOBs read from it are leased to that physical connection, and a
   * row written through it (an updatable result set) is reported to the connection as a write.
   */
  private final RoutingConnection conn;
  private final RoutingConnection.Placement placement;
  private Lease lease;

  JunctionResultSet(ResultSet physical, Statement statement) {
    this(physical, statement, null, null);
  }

  JunctionResultSet(ResultSet physical, Statement statement, RoutingConnection conn, RoutingConnection.Placement placement) {
    super(physical);
    this.statement = statement;
    this.conn = conn;
    this.placement = placement;
  }

  /**
   * Arrays and LOBs read from a statement's result may use its physical connection while the logical
   * connection still holds it; a metadata result's, while the result set is open (its connection is
   * kept for it then).
   */
  @Override
  Lease lease() {
    Lease l = lease;
    if (l == null) {
      l = conn != null ? conn.lease(placement.connection()) : () -> delegate != null;
      lease = l;
    }
    return l;
  }

  /** A streamed result failing on the server fails a multi-shard transaction on every shard ({@link ShardedStatement#readFailed}). */
  @Override
  public boolean next() throws SQLException {
    ResultSet d = delegate();
    try {
      return d.next();
    } catch (SQLException e) {
      ShardedStatement.readFailed(statement, e);
      throw e;
    }
  }

  // A row written through an updatable result set is a write: fence and transaction bookkeeping (issue #12).
  @Override
  public void updateRow() throws SQLException {
    delegate().updateRow();
    rowWritten();
  }

  @Override
  public void insertRow() throws SQLException {
    delegate().insertRow();
    rowWritten();
  }

  @Override
  public void deleteRow() throws SQLException {
    delegate().deleteRow();
    rowWritten();
  }

  private void rowWritten() throws SQLException {
    if (conn != null) {
      conn.rowWritten(placement);
    }
  }

  /** The physical result set (for tests and for callers that checked it is open), or null once closed. */
  ResultSet physical() {
    return delegate;
  }

  @Override
  SQLException closed() {
    return CONNECTION_CLOSED.equals(closedState) ? connectionClosed() : closedResult(statement);
  }

  /** A closed result set of {@code statement}: 08003 when its connection was closed (the cause), else 24000. */
  static SQLException closedResult(Statement statement) {
    return connectionClosed(statement) ? connectionClosed() : new SQLException("Junction: result set is closed", CLOSED);
  }

  /** Whether the logical connection of Junction statement {@code statement} is closed. */
  static boolean connectionClosed(Statement statement) {
    return statement instanceof RoutingStatement rs && rs.conn.isClosed()
        || statement instanceof ShardedStatement ss && ss.conn.isClosed()
        || statement instanceof JunctionCallableStatement cs && cs.connectionClosed();
  }

  private static SQLException connectionClosed() {
    return new SQLException("Junction: connection is closed (this result set belonged to it)", CONNECTION_CLOSED);
  }

  @Override
  public Statement getStatement() throws SQLException {
    delegate();
    return statement;
  }

  @Override
  Statement owner() {
    return statement;
  }

  @Override
  public void close() throws SQLException {
    close(CLOSED);
  }

  /**
   * Closes the physical result set; later calls throw {@code state} (a statement's result derives
   * 08003 from its statement's connection by itself; a metadata result has no statement to ask).
   */
  void close(String state) throws SQLException {
    ResultSet d = delegate;
    if (d == null) {
      return;
    }
    delegate = null;
    closedState = state;
    d.close();
  }

  void closeQuietly() {
    try {
      close(CLOSED);
    } catch (SQLException ignored) {
      // its statement or connection is going away too
    }
  }

  @Override
  public boolean isClosed() throws SQLException {
    ResultSet d = delegate;
    return d == null || d.isClosed();
  }

  @Override
  public String toString() {
    return "JunctionResultSet wrapping " + delegate;
  }
}
