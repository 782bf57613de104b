package dev.junction.jdbc.internal;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The result set of a {@link JunctionArray}'s {@code getResultSet()}: the driver's, usable while the
 * array's {@link Lease} holds (pgjdbc builds it in memory, but its metadata and nested arrays still
 * look types up through the physical connection), failing with {@link Lease#EXPIRED} afterwards.
 * {@link #getStatement()} is null: no Junction statement produced it, and the driver's statement
 * would hand out the physical connection.
 */
final class LeasedResultSet extends GuardedResultSet {
  private final Lease lease;

  private LeasedResultSet(ResultSet physical, Lease lease) {
    super(physical);
    this.lease = lease;
  }

  static ResultSet of(ResultSet physical, Lease lease) {
    return physical == null ? null : new LeasedResultSet(physical, lease);
  }

  @Override
  ResultSet delegate() throws SQLException {
    ResultSet d = delegate;
    if (d == null) {
      throw closed();
    }
    lease.check("Array's result set");
    return d;
  }

  @Override
  SQLException closed() {
    return new SQLException("Junction: result set is closed", JunctionResultSet.CLOSED);
  }

  @Override
  Lease lease() {
    return lease;
  }

  @Override
  Statement owner() {
    return null;
  }

  @Override
  public Statement getStatement() throws SQLException {
    delegate();
    return null;
  }

  @Override
  public void close() throws SQLException {
    ResultSet d = delegate;
    delegate = null;
    if (d != null && lease.valid()) {
      d.close();
    }
  }

  @Override
  public boolean isClosed() {
    return delegate == null;
  }
}
