package dev.junction.jdbc.internal;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The connection factory behind an endpoint's pool and its lag monitor: the JDBC driver that
 * accepts the endpoint's URL, with the configured user and password.
 *
 * <p>Why not HikariCP's {@code jdbcUrl} or its {@code DriverDataSource}: both echo the URL, in the
 * exception when no driver accepts it ("Failed to get driver instance for jdbcUrl=...") and at debug
 * level when one does, masking only a {@code password=} parameter and not a {@code user:pw@} user-info
 * or a password containing {@code &}, {@code ;} or {@code #}. This class never puts the URL in a
 * message or a log; {@link #resolve} fails with a {@link SQLException} that names no URL, and
 * {@link EndpointPool} turns that into a configuration error naming the key.
 */
final class EndpointDriver implements DataSource {
  private final String url;
  private final Driver driver;
  private final Properties properties = new Properties();

  private EndpointDriver(String url, Driver driver, String username, String password) {
    this.url = url;
    this.driver = driver;
    if (username != null) {
      properties.setProperty("user", username);
    }
    if (password != null) {
      properties.setProperty("password", password);
    }
  }

  /** Finds the driver for {@code url}; DriverManager's "No suitable driver" names no URL. */
  static EndpointDriver resolve(String url, String username, String password) throws SQLException {
    return new EndpointDriver(url, DriverManager.getDriver(url), username, password);
  }

  @Override
  public Connection getConnection() throws SQLException {
    return connect(properties);
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    Properties p = (Properties) properties.clone();
    if (username != null) {
      p.setProperty("user", username);
    }
    if (password != null) {
      p.setProperty("password", password);
    }
    return connect(p);
  }

  /** A connection with {@code extra} driver properties on top of the endpoint's (e.g. an application name). */
  Connection getConnection(Properties extra) throws SQLException {
    Properties p = (Properties) properties.clone();
    p.putAll(extra);
    return connect(p);
  }

  private Connection connect(Properties p) throws SQLException {
    Connection c = driver.connect(url, p);
    if (c == null) {
      // the contract for "not my URL"; resolve() checked acceptsURL, so this is a driver quirk
      throw new SQLException("the JDBC driver " + driver.getClass().getName() + " returned no connection for this URL", "08001");
    }
    if (driver.getClass().getName().startsWith("org.postgresql.")) {
      Pg.checkConformingStrings(c);
    }
    return c;
  }

  /** pgjdbc; a separate class so that the driver's types are resolved only when it is in use. */
  private static final class Pg {
    /**
     * Refuses a connection whose server reads {@code '\'} as an escape (standard_conforming_strings off: a
     * server or role default, or {@code options} in the URL), as router-core refuses the SET: Junction reads
     * statement text as the default does. pgjdbc keeps the server's report, so this costs no round trip.
     */
    static void checkConformingStrings(Connection c) throws SQLException {
      if (c.isWrapperFor(org.postgresql.core.BaseConnection.class)
          && !c.unwrap(org.postgresql.core.BaseConnection.class).getStandardConformingStrings()) {
        try {
          c.close();
        } catch (SQLException ignored) {
          // the refusal is the error to report
        }
        throw new SQLException("Junction: this server connection has standard_conforming_strings = off (a server, database"
            + " or role default, or options in the URL); Junction reads string literals as PostgreSQL does with it on and"
            + " would route statements it misreads; turn it on (ALTER ROLE/DATABASE ... RESET standard_conforming_strings)"
            + " and write backslash escapes as E'...'", dev.junction.JunctionSqlState.REFUSED);
      }
    }
  }

  @Override
  public PrintWriter getLogWriter() {
    return null;
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    throw new SQLFeatureNotSupportedException();
  }

  @Override
  public void setLoginTimeout(int seconds) {
    DriverManager.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() {
    return DriverManager.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return driver.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    throw new SQLFeatureNotSupportedException();
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return false;
  }

  /** Never the URL: loggers and debuggers print this. */
  @Override
  public String toString() {
    return "EndpointDriver[" + driver.getClass().getName() + "]";
  }
}
