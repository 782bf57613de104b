package dev.junction.jdbc.internal;

import dev.junction.health.EndpointState;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The connection factory of a replica's pool: every new physical connection first samples the
 * replica's replayed position and start time into its {@link EndpointState}, before the pool hands
 * the connection to anyone.
 *
 * <p>Why: a replica that restarted between two lag-monitor polls accepts connections while still
 * replaying, behind the position cached before the restart. The pool replaces its dead connections
 * silently, so without this a read could run on the new incarnation while the router still trusts
 * the old one's position. With it, the first connection to a new incarnation resets the cache (the
 * sample went backwards or the start time changed) and the router, which checks the fence again
 * after acquiring a connection, sees a replica that does not cover it. Costs one query per new
 * physical connection, none per statement.
 */
final class SampleOnConnect implements DataSource {
  private final DataSource driver;
  private final EndpointState state;
  private final JdbcDialect dialect;

  SampleOnConnect(DataSource driver, EndpointState state, JdbcDialect dialect) {
    this.driver = driver;
    this.state = state;
    this.dialect = dialect;
  }

  @Override
  public Connection getConnection() throws SQLException {
    return sampled(driver.getConnection());
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    return sampled(driver.getConnection(username, password));
  }

  private Connection sampled(Connection c) throws SQLException {
    try {
      long generation = state.generation();
      JdbcDialect.LagSample sample = dialect.sampleLag(c, null);
      state.observeSample(generation, sample.startedAtMillis(), sample.replayed());
      return c;
    } catch (SQLException | RuntimeException e) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // the sample's failure is the one to report
      }
      throw e;
    }
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return driver.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    driver.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    driver.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return driver.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return driver.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> type) throws SQLException {
    if (type.isInstance(this)) {
      return type.cast(this);
    }
    throw new SQLException("not a wrapper for " + type.getName());
  }

  @Override
  public boolean isWrapperFor(Class<?> type) {
    return type.isInstance(this);
  }
}
