package dev.junction.jdbc.internal;

import dev.junction.config.ConfigException;
import dev.junction.config.JunctionConfig;
import dev.junction.config.RedactedCause;
import dev.junction.jdbc.DataSourceSummary;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Direct, unpooled connections to one configured endpoint, for tools that work below the router
 * (the resharding tool): the same driver resolution and the same scrubbing as the router's pools.
 *
 * <p>Why not {@code DriverManager.getConnection(url, ...)}: when no driver accepts the URL (a missing
 * driver, a typo in the scheme) the JDK answers "No suitable driver found for &lt;url&gt;", the whole
 * URL with its {@code password=} parameter or {@code user:password@} user-info. Here the URL is
 * resolved once, at start-up, by {@link EndpointDriver} (whose messages never hold it), a failure is a
 * {@link ConfigException} naming the key and the host only, and a failed connection's message and
 * cause chain are scrubbed by {@link FailureCause} and {@link RedactedCause}.
 */
public final class EndpointConnector {
  private final EndpointDriver driver;
  private final String key;
  private final String url;
  private final String address;
  private final List<String> secrets;

  private EndpointConnector(EndpointDriver driver, String key, String url, String address, List<String> secrets) {
    this.driver = driver;
    this.key = key;
    this.url = url;
    this.address = address;
    this.secrets = secrets;
  }

  /**
   * Resolves {@code endpoint}'s driver.
   *
   * @param key the endpoint's configuration key, e.g. {@code junction.shards[0].primary}
   * @throws ConfigException naming {@code <key>.url} when no JDBC driver on the class path accepts the URL
   */
  public static EndpointConnector of(JunctionConfig.Endpoint endpoint, String key) {
    String address = DataSourceSummary.address(endpoint.url());
    List<String> secrets = FailureCause.secretsOf(endpoint.url(), endpoint.password());
    try {
      return new EndpointConnector(EndpointDriver.resolve(endpoint.url(), endpoint.username(), endpoint.password()), key,
          endpoint.url(), address, secrets);
    } catch (SQLException | RuntimeException e) {
      ConfigException failure = new ConfigException(key + ".url", "no JDBC driver on the classpath accepts this URL ("
          + (address.equals("?") ? "its host cannot be read" : address) + EndpointPool.subprotocol(endpoint.url())
          + "): add the driver's dependency (org.postgresql:postgresql, org.mariadb.jdbc:mariadb-java-client or"
          + " com.mysql:mysql-connector-j) or fix the URL's syntax, e.g. jdbc:postgresql://db1:5432/app");
      failure.initCause(RedactedCause.of(e, m -> FailureCause.scrub(m, endpoint.url(), address, secrets)));
      throw failure;
    }
  }

  /**
   * A new connection with {@code extra} driver properties on top of the endpoint's user and password.
   * A failure keeps its SQLSTATE, vendor code and connection-failure type (callers retry on them), but
   * its message is {@code "<key> (<host:port/database>): <scrubbed driver message>"} and its cause a
   * scrubbed copy of the driver's chain.
   */
  public Connection connect(Properties extra) throws SQLException {
    try {
      return driver.getConnection(extra);
    } catch (SQLException e) {
      throw scrubbed(e);
    } catch (RuntimeException e) {
      // a driver parsing a malformed URL may throw unchecked exceptions with the URL in the message
      throw new SQLException(key + " (" + address + "): " + e.getClass().getSimpleName() + ": " + scrub(e.getMessage()),
          "08001", RedactedCause.of(e, this::scrub));
    }
  }

  private SQLException scrubbed(SQLException e) {
    String message = key + " (" + address + "): " + scrub(e.getMessage());
    SQLException out;
    if (e instanceof SQLTransientConnectionException) {
      out = new SQLTransientConnectionException(message, e.getSQLState(), e.getErrorCode());
    } else if (e instanceof SQLNonTransientConnectionException) {
      out = new SQLNonTransientConnectionException(message, e.getSQLState(), e.getErrorCode());
    } else if (e instanceof SQLRecoverableException) {
      out = new SQLRecoverableException(message, e.getSQLState(), e.getErrorCode());
    } else {
      out = new SQLException(message, e.getSQLState(), e.getErrorCode());
    }
    out.initCause(RedactedCause.of(e, this::scrub));
    return out;
  }

  private String scrub(String text) {
    return FailureCause.scrub(text, url, address, secrets);
  }

  /** host:port/database only. */
  public String address() {
    return address;
  }

  /**
   * {@code text} with every password, URL user-info and secret URL parameter of every endpoint of
   * {@code config} masked: belt and braces for a command-line tool printing messages that were built
   * (and scrubbed) elsewhere. Only the secrets are replaced, so Junction's own wording stays intact.
   */
  public static String maskSecrets(String text, JunctionConfig config) {
    if (text == null || config == null) {
      return text;
    }
    String out = text;
    for (JunctionConfig.Shard s : config.shards()) {
      List<JunctionConfig.Endpoint> endpoints = new ArrayList<>(s.replicas());
      endpoints.add(0, s.primary());
      for (JunctionConfig.Endpoint e : endpoints) {
        for (String secret : FailureCause.secretsOf(e.url(), e.password())) {
          if (secret.length() >= 3) {
            out = out.replace(secret, dev.junction.config.Redaction.MASK);
          }
        }
      }
    }
    return out;
  }

  /** Never the URL: loggers and debuggers print this. */
  @Override
  public String toString() {
    return "EndpointConnector[" + key + " " + address + "]";
  }
}
