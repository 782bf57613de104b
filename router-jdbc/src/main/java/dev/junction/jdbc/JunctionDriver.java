package dev.junction.jdbc;

import dev.junction.config.YamlConfigLoader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * A JDBC driver for tools that only accept a URL (migration tools, SQL consoles, frameworks):
 * {@code jdbc:junction:/etc/app/junction.yaml} or {@code jdbc:junction:classpath:junction.yaml}.
 *
 * <p>Each distinct URL builds one {@link RoutingDataSource} (pools, lag monitor, caches) on first use
 * and keeps it for the life of the JVM; every {@code connect} returns a routed logical connection.
 * Applications that can hold a DataSource should use {@link RoutingDataSource} directly.
 */
public final class JunctionDriver implements Driver {
  public static final String PREFIX = "jdbc:junction:";
  private static final Map<String, RoutingDataSource> DATA_SOURCES = new ConcurrentHashMap<>();

  static {
    try {
      DriverManager.registerDriver(new JunctionDriver());
    } catch (SQLException e) {
      throw new ExceptionInInitializerError(e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> DATA_SOURCES.values().forEach(RoutingDataSource::close),
        "junction-driver-shutdown"));
  }

  @Override
  public Connection connect(String url, Properties info) throws SQLException {
    if (!acceptsURL(url)) {
      return null; // JDBC: not ours, let DriverManager try the next driver
    }
    RoutingDataSource ds;
    try {
      ds = DATA_SOURCES.computeIfAbsent(url, JunctionDriver::open);
    } catch (RuntimeException e) {
      throw new SQLException("Junction: cannot start from " + url + ": " + e.getMessage(), "08001", e);
    }
    return ds.getConnection();
  }

  private static RoutingDataSource open(String url) {
    String location = url.substring(PREFIX.length());
    if (location.startsWith("classpath:")) {
      String resource = location.substring("classpath:".length());
      try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalArgumentException("no classpath resource '" + resource + "'");
        }
        return RoutingDataSource.create(YamlConfigLoader.load(in, location));
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read classpath resource '" + resource + "': " + e.getMessage(), e);
      }
    }
    return RoutingDataSource.create(YamlConfigLoader.load(Path.of(location)));
  }

  @Override
  public boolean acceptsURL(String url) {
    return url != null && url.startsWith(PREFIX) && url.length() > PREFIX.length();
  }

  @Override
  public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
    return new DriverPropertyInfo[0];
  }

  @Override public int getMajorVersion() { return 0; }
  @Override public int getMinorVersion() { return 1; }
  @Override public boolean jdbcCompliant() { return false; }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException("Junction logs through SLF4J");
  }
}
