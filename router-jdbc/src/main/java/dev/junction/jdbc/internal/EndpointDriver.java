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
    String driverClass = driver.getClass().getName();
    if (driverClass.startsWith("org.postgresql.")) {
      Pg.checkConformingStrings(c);
    } else if (driverClass.startsWith("com.mysql.")) {
      MySql.checkTextModes(c);
    }
    return c;
  }

  private static void refuse(Connection c, String message) throws SQLException {
    try {
      c.close();
    } catch (SQLException ignored) {
      // the refusal is the error to report
    }
    throw new SQLException(message, dev.junction.JunctionSqlState.REFUSED);
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
        refuse(c, "Junction: this server connection has standard_conforming_strings = off (a server, database"
            + " or role default, or options in the URL); Junction reads string literals as PostgreSQL does with it on and"
            + " would route statements it misreads; turn it on (ALTER ROLE/DATABASE ... RESET standard_conforming_strings)"
            + " and write backslash escapes as E'...'");
      }
    }
  }

  /** MySQL Connector/J (also for MariaDB); a separate class for the same reason. */
  private static final class MySql {
    /**
     * Refuses a connection whose sql_mode makes the server read statement text differently from Junction
     * (NO_BACKSLASH_ESCAPES: {@code '\'} ends a literal; ANSI_QUOTES, also in ANSI and ORACLE: {@code "x"} is a
     * name), as router-core refuses the SET: a global or user default, or {@code sessionVariables} in the URL.
     * Connector/J reads the connection's sql_mode when it opens, so this costs no round trip.
     */
    static void checkTextModes(Connection c) throws SQLException {
      if (!c.isWrapperFor(com.mysql.cj.jdbc.JdbcConnection.class)) {
        return;
      }
      com.mysql.cj.protocol.ServerSession server = c.unwrap(com.mysql.cj.jdbc.JdbcConnection.class).getSession().getServerSession();
      String mode = server.isNoBackslashEscapesSet() ? "NO_BACKSLASH_ESCAPES" : server.useAnsiQuotedIdentifiers() ? "ANSI_QUOTES" : null;
      if (mode != null) {
        refuse(c, "Junction: this server connection's sql_mode includes " + mode + " (a global or user default, or"
            + " sessionVariables in the URL); Junction reads string literals and quoted names as MariaDB and MySQL do without"
            + " it and would route statements it misreads; remove it from the server's sql_mode (SET GLOBAL sql_mode = ...,"
            + " or sql_mode in the server's configuration) or from the URL");
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
