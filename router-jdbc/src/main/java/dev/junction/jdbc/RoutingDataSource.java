package dev.junction.jdbc;

import dev.junction.Junction;
import dev.junction.Scope;
import dev.junction.classify.Classification;
import dev.junction.classify.Dialect;
import dev.junction.classify.StatementClassifier;
import dev.junction.config.ConfigException;
import dev.junction.config.JunctionConfig;
import dev.junction.config.YamlConfigLoader;
import dev.junction.fence.Fence;
import dev.junction.fence.FenceStore;
import dev.junction.fence.FenceTokenCodec;
import dev.junction.fence.FenceStores;
import dev.junction.health.LagPolicy;
import dev.junction.shard.ShardRing;
import dev.junction.shard.ShardRoute;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayList;
import java.util.List;
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
  final JunctionConfig config;
  final JdbcDialect dialect;
  final StatementClassifier classifier;
  final FenceStore fenceStore;
  final RoutingMetrics metrics;
  final long maxFenceWaitMillis;
  private final FenceTokenCodec tokenCodec;
  private final List<ShardRuntime> shards = new ArrayList<>();
  /**
   * With sharding: the routing state for the ring the shards record, swapped by {@link #ringWatcher}
   * when a resharding changes it (connections pick it up between transactions).
   */
  volatile ShardingRuntime sharding;
  /** The ring state could not be routed by (e.g. it names a shard this configuration lacks): why. */
  volatile String ringProblem;
  final RingWatcher ringWatcher;
  private final LagMonitor lagMonitor;
  private final MeterRegistry registry;
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
  private volatile PrintWriter logWriter;
  private int loginTimeout;

  private RoutingDataSource(JunctionConfig config, MeterRegistry registry) {
    this.config = config.validate();
    this.registry = registry;
    if (config.dialect() == Dialect.MYSQL && config.shards().stream().anyMatch(s -> !s.replicas().isEmpty())) {
      throw new ConfigException("junction.dialect", MySqlDialect.UNSUPPORTED);
    }
    this.dialect = JdbcDialect.of(config.dialect());
    this.classifier = new StatementClassifier(config.dialect(), config.routing().classifierSettings());
    this.classifier.bindTo(registry);
    JunctionConfig.Fencing f = config.fencing();
    this.fenceStore = FenceStores.open(f);
    this.tokenCodec = f.tokenCodec();
    this.maxFenceWaitMillis = config.routing().maxFenceWait().toMillis();
    try {
      for (int i = 0; i < config.shards().size(); i++) {
        shards.add(new ShardRuntime(config.shards().get(i), "junction.shards[" + i + "]", config, dialect));
      }
    } catch (RuntimeException e) {
      // e.g. a URL without a driver: release what was opened (pool threads, the Redis client) before failing
      shards.forEach(ShardRuntime::close);
      fenceStore.close();
      throw e;
    }
    this.metrics = new RoutingMetrics(registry, shards);
    io.micrometer.core.instrument.Gauge.builder("junction.fence.store.up", this, d -> d.fenceStoreStatus().up() ? 1 : 0)
        .tag("store", fenceStore.kind())
        .description("1 when the fence store answers; 0 while fenced reads in keyed scopes go to the primary").register(registry);
    if (config.isSharded()) {
      ShardRing configured = config.sharding().ring(config.shards());
      dev.junction.ring.RingRecord record;
      try {
        record = RingCheck.agree(config, configured, shards);
        this.sharding = ShardingRuntime.first(config, registry, shards, record, configured, record != null ? null
            : () -> RingRouting.requireSameRing(RingCheck.agree(config, configured, shards), configured), this::ringRecordRead);
      } catch (RuntimeException e) {
        shards.forEach(ShardRuntime::close);
        fenceStore.close();
        throw e;
      }
      String defaultName = sharding.shardNames().get(sharding.rules.defaultShard());
      this.ringWatcher = new RingWatcher(this, shards, shards.stream().filter(s -> s.name.equals(defaultName)).findFirst()
          .orElse(shards.get(0)));
    } else {
      this.sharding = null;
      this.ringWatcher = null;
    }
    JunctionConfig.Routing r = config.routing();
    long readmitMillis = r.readmitLag().toMillis();
    LagPolicy policy = new LagPolicy(r.maxLag().toMillis(), r.maxLagBytes(), readmitMillis,
        r.maxLagBytes() == 0 ? 0 : r.maxLagBytes() / 2);
    this.lagMonitor = new LagMonitor(shards, dialect, policy, r.circuitOpen().toMillis());
    lagMonitor.pollOnce();
    lagMonitor.start(r.lagPollInterval().toMillis());
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
    return config;
  }

  public MeterRegistry meterRegistry() {
    return registry;
  }

  ShardRuntime defaultShard() {
    return shards.get(0);
  }

  List<ShardRuntime> shards() {
    return shards;
  }

  @Override
  public Connection getConnection() throws SQLException {
    if (closed.get()) {
      throw new SQLException("Junction: this RoutingDataSource is closed; create a new one", "08003");
    }
    return sharding != null ? new ShardedConnection(this) : new RoutingConnection(this, defaultShard());
  }

  /** True when {@code junction.sharding} is configured. */
  public boolean isSharded() {
    return sharding != null;
  }

  /**
   * How {@code sql} with these parameter values would be routed across shards: opcode, target
   * shards, per-shard statements. For explain output and tests; the router uses the same cached plan.
   *
   * @throws java.sql.SQLFeatureNotSupportedException (0A000) for statements sharding cannot run
   * @throws IllegalStateException without sharding
   */
  public ShardRoute shardRoute(String sql, List<Object> parameters) throws SQLException {
    if (sharding == null) {
      throw new IllegalStateException("sharding is not configured (junction.sharding)");
    }
    return sharding.plan(sql).bind(parameters);
  }

  /**
   * The ring watcher read {@code record}: when it describes another ring state than the one routed
   * by, build that state and swap it in; a state this configuration cannot route by (a shard without
   * endpoints) makes every sharded statement refuse with the reason.
   */
  synchronized void ringRecordRead(dev.junction.ring.RingRecord record) {
    ShardingRuntime current = sharding;
    if (current.unconfirmed() || current.record != null && current.record.sameRings(record)) {
      return; // unconfirmed: only the full startup check (shard ids, agreement) may confirm a ring
    }
    try {
      sharding = current.next(config, registry, shards, record);
      ringProblem = null;
      org.slf4j.LoggerFactory.getLogger(RoutingDataSource.class).info("Junction: now routing by {}", record.describe());
    } catch (RuntimeException e) {
      ringProblem = "the shards now record " + record.describe() + ", which this router cannot route by: " + e.getMessage();
    }
  }

  /** The ring the data source routes by (null without sharding). */
  public ShardRing ring() {
    return sharding == null ? null : sharding.rules.ring();
  }

  /**
   * A new globally unique, time-ordered 64-bit id for rows of sharded tables (Snowflake layout,
   * worker id {@code junction.sharding.worker-id}). Per-shard sequences would collide across shards.
   */
  public long nextId() {
    if (sharding == null) {
      throw new IllegalStateException("id generation needs sharding (junction.sharding.worker-id)");
    }
    return sharding.ids.nextId();
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
    return Junction.scope(requireCodec().decode(token));
  }

  /** The token to hand to the client so its next request, on any server, reads its own writes. */
  public String token(Scope scope) {
    return requireCodec().encode(scope.fence());
  }

  private FenceTokenCodec requireCodec() {
    if (tokenCodec == null) {
      throw new IllegalStateException("fence tokens need junction.fencing.token-secret (at least 16 characters)");
    }
    return tokenCodec;
  }

  /** The cached classification of {@code sql} (what the router itself uses). */
  public Classification classify(String sql) {
    return classifier.classify(sql);
  }

  public Dialect dialect() {
    return config.dialect();
  }

  /** Explains how {@code sql} would be routed now, from the classifier and the live endpoint states. */
  public RouteExplanation explain(String sql) {
    Classification c = classifier.classify(sql);
    ShardRuntime shard = defaultShard();
    String shards = null;
    if (sharding != null) {
      try {
        dev.junction.shard.ShardPlan plan = sharding.plan(sql);
        ShardRoute route = sql.indexOf('?') >= 0 ? null : plan.bind(List.of());
        if (route == null) {
          shards = plan.opcode().name().toLowerCase(java.util.Locale.ROOT) + " at most (the targets depend on parameter values)";
        } else {
          List<String> names = route.statements().stream().map(s -> sharding.shardNames().get(s.shard())).toList();
          shards = route.opcode().name().toLowerCase(java.util.Locale.ROOT) + " " + names + ": " + route.explanation();
          shard = sharding.ringOrder[route.statements().get(0).shard()];
        }
      } catch (SQLException e) {
        shards = "refused (" + e.getSQLState() + "): " + e.getMessage();
      }
    }
    Scope scope = Junction.currentScope();
    Fence fence = scope == null ? Fence.NONE : scope.fence();
    RouteExplanation explanation = RouteExplanation.of(sql, c, shard, fence.of(shard.name), config.routing());
    return shards == null ? explanation : explanation.withShards(shards);
  }

  /** Whether the fence store can serve fences now (see {@link FenceStore#status()}). */
  public FenceStore.Status fenceStoreStatus() {
    return fenceStore.status();
  }

  /** The fence store's kind: {@code local} or {@code redis}. */
  public String fenceStoreKind() {
    return fenceStore.kind();
  }

  /** A snapshot of every endpoint's health, for health checks and dashboards. */
  public List<EndpointHealth> health() {
    List<EndpointHealth> out = new ArrayList<>();
    for (ShardRuntime shard : shards) {
      out.add(EndpointHealth.of(shard.primary));
      for (EndpointPool r : shard.replicas) {
        out.add(EndpointHealth.of(r));
      }
    }
    return out;
  }

  /**
   * The live state of every endpoint of {@code shard}, the primary first, as the lag monitor keeps
   * it: for front-ends that run their own connections (the proxy) but share health, lag and circuits.
   */
  public List<dev.junction.health.EndpointState> endpointStates(String shard) {
    for (ShardRuntime s : shards) {
      if (s.name.equals(shard)) {
        List<dev.junction.health.EndpointState> states = new ArrayList<>();
        states.add(s.primary.state());
        states.addAll(List.of(s.replicaStates));
        return states;
      }
    }
    throw new IllegalArgumentException("unknown shard " + shard);
  }

  /** How many statements went to {@code reason} on the default shard (for tests and explain). */
  public double routedCount(dev.junction.route.RouteReason reason) {
    return metrics.routed(defaultShard().name, reason);
  }

  /** How many statements went to {@code reason} on the named shard. */
  public double routedCount(String shard, dev.junction.route.RouteReason reason) {
    return metrics.routed(shard, reason);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    lagMonitor.close();
    if (ringWatcher != null) {
      ringWatcher.close();
    }
    if (sharding != null) {
      sharding.close();
    }
    for (ShardRuntime shard : shards) {
      shard.close();
    }
    fenceStore.close();
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
    return DataSourceSummary.of(config) + (closed.get() ? " (closed)" : "");
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
