package dev.junction.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.junction.config.JunctionConfig;
import dev.junction.health.EndpointState;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Properties;
import javax.sql.DataSource;
import com.zaxxer.hikari.util.DriverDataSource;

/**
 * One HikariCP pool for one endpoint, guarded by the endpoint's circuit: while the circuit is open,
 * {@link #acquire()} fails at once with SQLState 08001 instead of waiting for a connect timeout, so a
 * dead primary fails writes fast and a dead replica costs reads nothing.
 */
final class EndpointPool implements AutoCloseable {
  private static final long MAX_OPEN_MILLIS = 30_000;

  private final EndpointState state;
  private final HikariDataSource pool;
  private final JdbcDialect dialect;
  private final long circuitOpenMillis;
  private final DataSource direct;
  private final int monitorTimeoutMillis;
  /** host:port/database, for failure descriptions (never a user, password or URL parameter). */
  private final String address;
  /** What a driver may echo back from the URL or the configuration and must not reach health output. */
  private final java.util.List<String> secrets;

  EndpointPool(EndpointState state, JunctionConfig.Endpoint endpoint, JdbcDialect dialect, long circuitOpenMillis) {
    this.state = state;
    this.dialect = dialect;
    this.circuitOpenMillis = circuitOpenMillis;
    this.address = DataSourceSummary.address(endpoint.url());
    this.secrets = FailureCause.secretsOf(endpoint.url(), endpoint.password());
    this.direct = new DriverDataSource(endpoint.url(), null, new Properties(), endpoint.username(), endpoint.password());
    this.monitorTimeoutMillis = (int) Math.max(2_000, endpoint.pool().connectionTimeout().toMillis());
    HikariConfig hc = new HikariConfig();
    hc.setPoolName("junction-" + state.shard() + "-" + state.name());
    if (state.role() == EndpointState.Role.REPLICA) {
      hc.setDataSource(new SampleOnConnect(direct, state, dialect));
    } else {
      hc.setJdbcUrl(endpoint.url());
    }
    if (endpoint.username() != null) {
      hc.setUsername(endpoint.username());
    }
    if (endpoint.password() != null) {
      hc.setPassword(endpoint.password());
    }
    JunctionConfig.Pool p = endpoint.pool();
    hc.setMaximumPoolSize(p.maximumSize());
    hc.setMinimumIdle(p.minimumIdle());
    hc.setConnectionTimeout(p.connectionTimeout().toMillis());
    hc.setIdleTimeout(p.idleTimeout().toMillis());
    hc.setMaxLifetime(p.maxLifetime().toMillis());
    hc.setValidationTimeout(p.validationTimeout().toMillis());
    // Start even when the server is down: a dead replica must not stop the application booting.
    hc.setInitializationFailTimeout(-1);
    this.pool = new HikariDataSource(hc);
  }

  /**
   * A connection outside the pool, for the lag monitor: its polls must not queue behind the
   * application when the pool is saturated. Statements on it time out after the pool's connection
   * timeout (at least 2 s), so a hung server delays only its own observations.
   */
  Connection openMonitorConnection() throws SQLException {
    Connection c = direct.getConnection();
    try {
      c.setNetworkTimeout(Runnable::run, monitorTimeoutMillis);
    } catch (SQLException | RuntimeException e) {
      // a driver without network timeouts: the connect timeout still bounds reconnects
    }
    return c;
  }

  EndpointState state() {
    return state;
  }

  HikariDataSource dataSource() {
    return pool;
  }

  /** A pooled connection, or a fast failure while the circuit is open. */
  Connection acquire() throws SQLException {
    if (!state.circuitClosed()) {
      throw unavailable(null);
    }
    try {
      Connection c = pool.getConnection();
      state.recordSuccess();
      return c;
    } catch (SQLException e) {
      if (isPoolExhausted(e)) {
        throw exhausted(e); // the server is fine, we are just busy: never open the circuit for this
      }
      recordFailure(e);
      throw unavailable(e);
    }
  }

  /**
   * HikariCP's timeout when every connection is in use carries no cause; when connecting failed, the
   * connect error is the cause. Only the latter says anything about the server's health.
   */
  static boolean isPoolExhausted(SQLException e) {
    return e instanceof SQLTransientConnectionException && e.getCause() == null;
  }

  private SQLException exhausted(SQLException e) {
    var mx = pool.getHikariPoolMXBean();
    String counts = mx == null ? "" : " (" + mx.getActiveConnections() + " active, " + mx.getThreadsAwaitingConnection()
        + " waiting, maximum-size " + pool.getMaximumPoolSize() + ")";
    return new SQLTransientConnectionException("Junction: no free connection to " + state + counts + " within "
        + pool.getConnectionTimeout() + " ms; raise its pool.maximum-size (and the server's max_connections) or lower"
        + " the concurrency", "53300", e);
  }

  /** Called when a statement on this endpoint failed; opens the circuit for connection failures. */
  void recordFailure(SQLException e) {
    if (dialect.isConnectionFailure(e) || e instanceof SQLTransientConnectionException) {
      state.recordFailure(describeFailure(e), circuitOpenMillis, MAX_OPEN_MILLIS);
    }
  }

  /** The failure's most specific cause, with this endpoint's address, redacted (see {@link FailureCause}). */
  String describeFailure(Throwable e) {
    return FailureCause.describe(e, address, secrets);
  }

  /** Drops a connection that failed instead of returning it to the pool. */
  void evict(Connection c) {
    try {
      pool.evictConnection(c);
    } catch (RuntimeException ignored) {
      // already closed or not ours
    }
  }

  private SQLException unavailable(SQLException cause) {
    String role = state.role() == EndpointState.Role.PRIMARY ? "primary" : "replica";
    return new SQLTransientConnectionException("Junction: " + role + " " + state + " is unavailable ("
        + state.consecutiveFailures() + " consecutive connection failures; last: " + state.lastError()
        + "). Junction retries it in the background; writes cannot be redirected elsewhere.", "08001", cause);
  }

  @Override
  public void close() {
    pool.close();
  }
}
