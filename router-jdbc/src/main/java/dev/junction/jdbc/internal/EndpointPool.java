package dev.junction.jdbc.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.junction.config.ConfigException;
import dev.junction.config.JunctionConfig;
import dev.junction.config.RedactedCause;
import dev.junction.health.EndpointState;
import dev.junction.jdbc.DataSourceSummary;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import javax.sql.DataSource;

/**
 * One HikariCP pool for one endpoint, guarded by the endpoint's circuit: while the circuit is open,
 * {@link #acquire()} fails at once with SQLState 08001 instead of waiting for a connect timeout, so a
 * dead primary fails writes fast and a dead replica costs reads nothing.
 */
final class EndpointPool implements AutoCloseable, ConnectionHolder.Source {
  private static final long MAX_OPEN_MILLIS = 30_000;

  private final EndpointState state;
  private final HikariDataSource pool;
  private final JdbcDialect dialect;
  private final long circuitOpenMillis;
  private final EndpointDriver direct;
  private final int monitorTimeoutMillis;
  /** host:port/database, for failure descriptions (never a user, password or URL parameter). */
  private final String address;
  /** What a driver may echo back from the URL or the configuration and must not reach health output. */
  private final java.util.List<String> secrets;

  /**
   * @param key the endpoint's configuration key, e.g. {@code junction.shards[0].replicas[1]}, named
   *     by the {@link ConfigException} thrown when the URL has no driver or the pool cannot be built
   */
  EndpointPool(EndpointState state, JunctionConfig.Endpoint endpoint, String key, JdbcDialect dialect, long circuitOpenMillis) {
    this.state = state;
    this.dialect = dialect;
    this.circuitOpenMillis = circuitOpenMillis;
    this.address = DataSourceSummary.address(endpoint.url());
    this.secrets = FailureCause.secretsOf(endpoint.url(), endpoint.password());
    try {
      this.direct = EndpointDriver.resolve(endpoint.url(), endpoint.username(), endpoint.password());
    } catch (SQLException | RuntimeException e) {
      throw configError(key + ".url", "no JDBC driver on the classpath accepts this URL ("
          + (address.equals("?") ? "its host cannot be read" : address) + subprotocol(endpoint.url())
          + "): add the driver's dependency (org.postgresql:postgresql, org.mariadb.jdbc:mariadb-java-client or"
          + " com.mysql:mysql-connector-j) or fix the URL's syntax, e.g. jdbc:postgresql://db1:5432/app", e, endpoint.url());
    }
    this.monitorTimeoutMillis = (int) Math.max(2_000, endpoint.pool().connectionTimeout().toMillis());
    try {
      this.pool = new HikariDataSource(hikariConfig(state, endpoint, direct, dialect));
    } catch (RuntimeException e) {
      throw configError(key, "cannot create the connection pool for " + address + ": " + e.getClass().getSimpleName()
          + ": " + scrub(e.getMessage(), endpoint.url()), e, endpoint.url());
    }
  }

  /**
   * The pool reaches the server only through {@code direct} (for a replica, wrapped to sample each
   * new connection): HikariCP never sees the URL, so neither its messages nor its debug log can echo it.
   */
  private static HikariConfig hikariConfig(EndpointState state, JunctionConfig.Endpoint endpoint, DataSource direct, JdbcDialect dialect) {
    HikariConfig hc = new HikariConfig();
    hc.setPoolName("junction-" + state.shard() + "-" + state.name());
    hc.setDataSource(state.role() == EndpointState.Role.REPLICA ? new SampleOnConnect(direct, state, dialect) : direct);
    if (endpoint.username() != null) {
      hc.setUsername(endpoint.username());
    }
    if (endpoint.password() != null) {
      hc.setPassword(endpoint.password());
    }
    hc.setExceptionOverride(KEEP_ON_DRIVER_REFUSAL);
    JunctionConfig.Pool p = endpoint.pool();
    hc.setMaximumPoolSize(p.maximumSize());
    hc.setMinimumIdle(p.minimumIdle());
    hc.setConnectionTimeout(p.connectionTimeout().toMillis());
    hc.setIdleTimeout(p.idleTimeout().toMillis());
    hc.setMaxLifetime(p.maxLifetime().toMillis());
    hc.setValidationTimeout(p.validationTimeout().toMillis());
    // Start even when the server is down: a dead replica must not stop the application booting.
    hc.setInitializationFailTimeout(-1);
    return hc;
  }

  /**
   * The startup failure for {@code key}: a message with the endpoint's address only, and as cause a
   * {@link RedactedCause} copy of {@code e}'s chain (stack traces kept, every message scrubbed), so
   * neither the message, nor any {@code getCause()}, nor a logged stack trace shows a secret.
   */
  private ConfigException configError(String key, String problem, Throwable e, String url) {
    // problem is Junction's own text (the address, and a third-party message already scrubbed): not scrubbed again,
    // which would take the example URL for a leak; ConfigException still masks secret parameters
    ConfigException failure = new ConfigException(key, problem);
    failure.initCause(RedactedCause.of(e, m -> scrub(m, url)));
    return failure;
  }

  private String scrub(String text, String url) {
    return FailureCause.scrub(text, url, address, secrets);
  }

  /** {@code ", subprotocol 'mysql'"} for {@code jdbc:mysql://...}; empty when it is not a plain word. */
  static String subprotocol(String url) {
    if (url == null || !url.startsWith("jdbc:")) {
      return "";
    }
    int end = url.indexOf(':', 5);
    String sub = end < 0 ? "" : url.substring(5, end);
    return sub.matches("[A-Za-z][A-Za-z0-9-]{0,31}") ? ", subprotocol '" + sub + "'" : "";
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

  /**
   * A connection outside the pool with no timeout set, for callers that set their own (the ring
   * watcher's long poll). The pool holds no URL (see {@link #hikariConfig}), so this is the way to
   * reach the server directly.
   */
  Connection openDirectConnection() throws SQLException {
    return direct.getConnection();
  }

  /** {@link #openDirectConnection()} with extra driver properties (the ring watcher's application name). */
  Connection openDirectConnection(java.util.Properties extra) throws SQLException {
    return direct.getConnection(extra);
  }

  @Override
  public EndpointState state() {
    return state;
  }

  HikariDataSource dataSource() {
    return pool;
  }

  /** A pooled connection, or a fast failure while the circuit is open. */
  @Override
  public Connection acquire() throws SQLException {
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
  @Override
  public void recordFailure(SQLException e) {
    if (dialect.isConnectionFailure(e) || e instanceof SQLTransientConnectionException) {
      state.recordFailure(describeFailure(e), circuitOpenMillis, MAX_OPEN_MILLIS);
    }
  }

  /** The failure's most specific cause, with this endpoint's address, redacted (see {@link FailureCause}). */
  String describeFailure(Throwable e) {
    return FailureCause.describe(e, address, secrets);
  }

  /** Drops a connection that failed instead of returning it to the pool. */
  @Override
  public void evict(Connection c) {
    try {
      pool.evictConnection(c);
    } catch (RuntimeException ignored) {
      // already closed or not ours
    }
    refillForWaiters();
  }

  /**
   * WHY: HikariCP opens connections beyond minimum-idle (0 by default here) only for a thread that
   * starts to wait while the pool has room. A thread that started to wait while the pool was full is
   * not served when a connection is evicted instead of returned (one that held session state or a pin):
   * it waited its whole connection-timeout although a slot was free (with a pool of 1, every time).
   * After an eviction with waiters, a borrow on a thread of its own makes HikariCP open a connection;
   * the borrower hands it straight back, to the first waiter.
   */
  private void refillForWaiters() {
    var mx = pool.getHikariPoolMXBean();
    if (mx == null || mx.getThreadsAwaitingConnection() == 0) {
      return;
    }
    try {
      REFILL.execute(() -> {
        try (Connection handedOn = pool.getConnection()) {
          // returned at once: HikariCP hands it to a waiting thread
        } catch (SQLException | RuntimeException serverDownOrClosing) {
          // the waiters get the same failure themselves
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // not expected: the executor is unbounded
    }
  }

  /**
   * WHY: a driver's own {@link java.sql.SQLFeatureNotSupportedException} (pgjdbc's {@code createBlob},
   * Connector/J's {@code createArrayOf}) is raised without touching the server and says nothing about
   * the connection, but its SQLState 0A000 is on HikariCP's list of fatal ones: the pool evicted the
   * connection, and inside a transaction the next statement failed with "Connection is closed" (the
   * transaction's work gone). Every other SQLException keeps HikariCP's judgement.
   */
  static final com.zaxxer.hikari.SQLExceptionOverride KEEP_ON_DRIVER_REFUSAL = new com.zaxxer.hikari.SQLExceptionOverride() {
    @java.lang.Override
    public com.zaxxer.hikari.SQLExceptionOverride.Override adjudicate(SQLException e) {
      return e instanceof java.sql.SQLFeatureNotSupportedException ? com.zaxxer.hikari.SQLExceptionOverride.Override.DO_NOT_EVICT
          : com.zaxxer.hikari.SQLExceptionOverride.Override.CONTINUE_EVICT;
    }
  };

  /** Threads of {@link #refillForWaiters}: daemon, created on demand, gone after a minute idle. */
  private static final java.util.concurrent.ExecutorService REFILL = java.util.concurrent.Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "junction-pool-refill");
    t.setDaemon(true);
    return t;
  });

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
