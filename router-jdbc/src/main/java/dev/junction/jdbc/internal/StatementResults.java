package dev.junction.jdbc.internal;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The open result sets of one Junction statement: the current result and the generated keys of the
 * last execution, plus results kept by {@code getMoreResults(KEEP_CURRENT_RESULT)}. Each is wrapped
 * once, so {@code getResultSet()} returns the very object {@code executeQuery()} did; an execution,
 * {@code getMoreResults} and closing the statement close them as JDBC says.
 */
final class StatementResults {
  private JunctionResultSet current;
  private JunctionResultSet keys;
  private List<JunctionResultSet> kept;
  /** Where the last execution ran (see {@link JunctionResultSet}); null until the owner reports it. */
  private RoutingConnection conn;
  private RoutingConnection.Placement placement;

  /** The owner's last execution ran on {@code placement} of {@code conn}: its results are leased to that connection. */
  void ranOn(RoutingConnection conn, RoutingConnection.Placement placement) {
    this.conn = conn;
    this.placement = placement;
  }

  /**
   * While the physical connection of the owner's last execution is still its logical connection's: for
   * values copied out of a physical result (a scatter leg's rows). Read when checked, as the execution
   * records where it ran (after a replica retry, perhaps elsewhere than first routed) only once it succeeded.
   */
  Lease lease() {
    return () -> {
      RoutingConnection c = conn;
      return c != null && c.lease(placement.connection()).valid();
    };
  }

    /** The result of {@code executeQuery}: becomes the current result. */
  ResultSet query(ResultSet physical, Statement owner) {
    if (physical == null) {
      return null;
    }
    JunctionResultSet rs = new JunctionResultSet(physical, owner, conn, placement);
    current = rs;
    return rs;
  }

  /** {@code getResultSet()}: the current result, wrapped on first request. */
  ResultSet current(Statement physical, Statement owner) throws SQLException {
    if (current == null) {
      return query(physical.getResultSet(), owner);
    }
    return current;
  }

  /** {@code getGeneratedKeys()}: wrapped on first request. */
  ResultSet keys(Statement physical, Statement owner) throws SQLException {
    if (keys == null) {
      ResultSet k = physical.getGeneratedKeys();
      keys = k == null ? null : new JunctionResultSet(k, owner, conn, placement);
    }
    return keys;
  }

  /** Before the physical {@code getMoreResults(mode)}: the current result is closed or kept, as asked. */
  void beforeMoreResults(int mode) {
    JunctionResultSet rs = current;
    current = null;
    if (mode == Statement.CLOSE_ALL_RESULTS) {
      closeKept();
    }
    if (rs == null) {
      return;
    }
    if (mode == Statement.KEEP_CURRENT_RESULT) {
      if (kept == null) {
        kept = new ArrayList<>(2);
      }
      kept.add(rs);
    } else {
      rs.closeQuietly();
    }
  }

  /** Closes every result (execution, statement close, or its physical statement went away). */
  void closeAll() {
    if (current != null) {
      current.closeQuietly();
      current = null;
    }
    if (keys != null) {
      keys.closeQuietly();
      keys = null;
    }
    closeKept();
  }

  private void closeKept() {
    if (kept != null) {
      for (JunctionResultSet rs : kept) {
        rs.closeQuietly();
      }
      kept = null;
    }
  }
}
