package dev.junction.jdbc;

import dev.junction.Junction;
import dev.junction.Scope;
import dev.junction.classify.Classification;
import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.config.YamlConfigLoader;
import dev.junction.fence.FenceStore;
import dev.junction.jdbc.internal.DataSourceRuntime;
import dev.junction.shard.ShardRing;
import dev.junction.shard.ShardRoute;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The application's {@link DataSource}: each {@link #getConnection()} returns a logical connection
 * that routes every statement to the primary or a replica, and fences reads that follow writes.
 *
 * <pre>{@code
 * RoutingDataSource ds = RoutingDataSource.fromYaml(Path.of("junction.yaml"));
 * try (Connection c = ds.getConnection()) { ... }   // plain JDBC, routed
 * }</pre>
 *
 * <p>It owns one HikariCP pool per endpoint, the lag monitor, the statement classifier (with its
 * parse cache) and the fence store; {@link #close()} releases all of them.
 */
public final class RoutingDataSource implements DataSource, AutoCloseable {
  static {
    DataSourceRuntime.exposeRuntimes(ds -> ds.runtime);
  }

  /** Everything this data source runs (internal: not exported); this class is its public face. */
  private final DataSourceRuntime runtime;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile PrintWriter logWriter;
  private int loginTimeout;

  private RoutingDataSource(JunctionConfig config, MeterRegistry registry) {
    this.runtime = new DataSourceRuntime(config, registry);
  }

  /** Builds a data source; meters go to a private registry (see {@link #create(JunctionConfig, MeterRegistry)}). */
  public static RoutingDataSource create(JunctionConfig config) {
    return new RoutingDataSource(config, new SimpleMeterRegistry());
  }

  public static RoutingDataSource create(JunctionConfig config, MeterRegistry registry) {
    return new RoutingDataSource(config, registry);
  }

  public static RoutingDataSource fromYaml(Path file) {
    return create(YamlConfigLoader.load(file));
  }

  public JunctionConfig config() {
    return runtime.config();
  }

  public MeterRegistry meterRegistry() {
    return runtime.meterRegistry();
  }

  @Override
  public Connection getConnection() throws SQLException {
    if (closed.get()) {
      throw new SQLException("Junction: this RoutingDataSource is closed; create a new one", "08003");
    }
    return runtime.connect();
  }

  /** True when {@code junction.sharding} is configured. */
  public boolean isSharded() {
    return runtime.isSharded();
  }

  /**
   * How {@code sql} with these parameter values would be routed across shards: opcode, target
   * shards, per-shard statements. For explain output and tests; the router uses the same cached plan.
   *
   * @throws java.sql.SQLFeatureNotSupportedException (0A000) for statements sharding cannot run
   * @throws IllegalStateException without sharding
   */
  public ShardRoute shardRoute(String sql, List<Object> parameters) throws SQLException {
    return runtime.shardRoute(sql, parameters);
  }

  /** The ring the data source routes by (null without sharding). */
  public ShardRing ring() {
    return runtime.ring();
  }

  /**
   * A new globally unique, time-ordered 64-bit id for rows of sharded tables (Snowflake layout,
   * worker id {@code junction.sharding.worker-id}). Per-shard sequences would collide across shards.
   */
  public long nextId() {
    return runtime.nextId();
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    throw new SQLFeatureNotSupportedException("Junction: credentials are configured per endpoint"
        + " (junction.shards[*].primary.username / replicas[*].username); call getConnection()", "0A000");
  }

  /**
   * Opens a consistency scope from a client-carried fence token (null or blank: no fence yet).
   * After the work, send {@link #token(Scope)} back to the client.
   */
  public Scope tokenScope(String token) {
    return Junction.scope(runtime.tokenCodec().decode(token));
  }

  /** The token to hand to the client so its next request, on any server, reads its own writes. */
  public String token(Scope scope) {
    return runtime.tokenCodec().encode(scope.fence());
  }

  /** The cached classification of {@code sql} (what the router itself uses). */
  public Classification classify(String sql) {
    return runtime.classify(sql);
  }

  public Dialect dialect() {
    return runtime.config().dialect();
  }

  /** Explains how {@code sql} would be routed now, from the classifier and the live endpoint states. */
  public RouteExplanation explain(String sql) {
    return runtime.explain(sql);
  }

  /** Whether the fence store can serve fences now (see {@link FenceStore#status()}). */
  public FenceStore.Status fenceStoreStatus() {
    return runtime.fenceStoreStatus();
  }

  /** The fence store's kind: {@code local} or {@code redis}. */
  public String fenceStoreKind() {
    return runtime.fenceStoreKind();
  }

  /** A snapshot of every endpoint's health, for health checks and dashboards. */
  public List<EndpointHealth> health() {
    return runtime.health();
  }

  /**
   * The live state of every endpoint of {@code shard}, the primary first, as the lag monitor keeps
   * it: for front-ends that run their own connections (the proxy) but share health, lag and circuits.
   */
  public List<dev.junction.health.EndpointState> endpointStates(String shard) {
    return runtime.endpointStates(shard);
  }

  /** How many statements went to {@code reason} on the default shard (for tests and explain). */
  public double routedCount(dev.junction.route.RouteReason reason) {
    return runtime.routedCount(reason);
  }

  /** How many statements went to {@code reason} on the named shard. */
  public double routedCount(String shard, dev.junction.route.RouteReason reason) {
    return runtime.routedCount(shard, reason);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    runtime.close();
  }

  @Override public PrintWriter getLogWriter() { return logWriter; }
  @Override public void setLogWriter(PrintWriter out) { this.logWriter = out; }
  @Override public void setLoginTimeout(int seconds) { this.loginTimeout = seconds; }
  @Override public int getLoginTimeout() { return loginTimeout; }
  @Override public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException("Junction logs through SLF4J");
  }

  /**
   * Dialect, shards, endpoints as host:port/database (never a user, password or URL parameter), fence
   * store and max fence wait: what Hibernate's "Database info" line and logs show. Same text as the
   * Spring Boot starter's startup line ({@link DataSourceSummary}).
   */
  @Override
  public String toString() {
    return DataSourceSummary.of(runtime.config()) + (closed.get() ? " (closed)" : "");
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    throw new SQLException("RoutingDataSource does not wrap " + iface.getName()
        + "; physical pools are per endpoint and not exposed");
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return iface.isInstance(this);
  }
}
