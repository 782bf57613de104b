package dev.junction.jdbc.internal;

import dev.junction.classify.Classification;
import dev.junction.classify.Dialect;
import dev.junction.classify.StatementClassifier;
import dev.junction.config.ConfigException;
import dev.junction.config.JunctionConfig;
import dev.junction.fence.FenceStore;
import dev.junction.fence.FenceStores;
import dev.junction.fence.FenceTokenCodec;
import dev.junction.health.EndpointState;
import dev.junction.health.LagPolicy;
import dev.junction.jdbc.EndpointHealth;
import dev.junction.jdbc.RouteExplanation;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.position.ReplicationPosition;
import dev.junction.route.RouteReason;
import dev.junction.shard.ShardRing;
import dev.junction.shard.ShardRoute;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * What a {@link RoutingDataSource} runs: one pool per endpoint (in {@link ShardRuntime}s), the lag
 * monitor, the statement classifier (with its parse cache), the fence store and, with sharding, the
 * routing state and the ring watcher that swaps it. Connections, statements and the proxy's
 * {@link ShardRouter} route with this state.
 *
 * <p>Why apart from the data source: that state is read by classes of this package, which is not
 * exported, and the data source is the public API. Kept here, none of it is reachable by an
 * application; the data source only delegates.
 */
public final class DataSourceRuntime implements AutoCloseable {
  /**
   * How internal code reaches the runtime of a data source (the proxy's {@link ShardRouter} shares it):
   * set once by {@link RoutingDataSource}'s class initializer, so the data source needs no public
   * accessor.
   */
  private static volatile Function<RoutingDataSource, DataSourceRuntime> runtimes;

  final JunctionConfig config;
  final JdbcDialect dialect;
  final StatementClassifier classifier;
  final FenceStore fenceStore;
  final RoutingMetrics metrics;
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

  public DataSourceRuntime(JunctionConfig config, MeterRegistry registry) {
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

  /** Called once, by {@link RoutingDataSource}'s class initializer. */
  public static void exposeRuntimes(Function<RoutingDataSource, DataSourceRuntime> access) {
    if (runtimes != null) {
      throw new IllegalStateException("the runtime accessor is already set");
    }
    runtimes = access;
  }

  /** The runtime behind {@code ds} (the data source's class is initialized: {@code ds} exists). */
  public static DataSourceRuntime of(RoutingDataSource ds) {
    return runtimes.apply(ds);
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

  /** A new logical connection: sharded, or on the one shard. */
  public Connection connect() {
    return sharding != null ? new ShardedConnection(this) : new RoutingConnection(this, defaultShard());
  }

  public boolean isSharded() {
    return sharding != null;
  }

  /** See {@link RoutingDataSource#shardRoute}. */
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

  /** The ring routed by (null without sharding). */
  public ShardRing ring() {
    return sharding == null ? null : sharding.rules.ring();
  }

  /** See {@link RoutingDataSource#nextId}. */
  public long nextId() {
    if (sharding == null) {
      throw new IllegalStateException("id generation needs sharding (junction.sharding.worker-id)");
    }
    return sharding.ids.nextId();
  }

  /** The fence token codec; fails without {@code junction.fencing.token-secret}. */
  public FenceTokenCodec tokenCodec() {
    if (tokenCodec == null) {
      throw new IllegalStateException("fence tokens need junction.fencing.token-secret (at least 16 characters)");
    }
    return tokenCodec;
  }

  public Classification classify(String sql) {
    return classifier.classify(sql);
  }

  /** See {@link RoutingDataSource#explain}. */
  public RouteExplanation explain(String sql) {
    return RouteExplainer.explain(this, sql);
  }

  public FenceStore.Status fenceStoreStatus() {
    return fenceStore.status();
  }

  public String fenceStoreKind() {
    return fenceStore.kind();
  }

  /** A snapshot of every endpoint's health, the primary of each shard first. */
  public List<EndpointHealth> health() {
    List<EndpointHealth> out = new ArrayList<>();
    for (ShardRuntime shard : shards) {
      out.add(health(shard.primary));
      for (EndpointPool r : shard.replicas) {
        out.add(health(r));
      }
    }
    return out;
  }

  private static EndpointHealth health(EndpointPool pool) {
    EndpointState s = pool.state();
    ReplicationPosition p = s.replayed();
    var mx = pool.dataSource().getHikariPoolMXBean();
    return new EndpointHealth(s.shard(), s.name(), s.role().name().toLowerCase(), s.circuitClosed(),
        s.role() == EndpointState.Role.PRIMARY || s.inRotation(), s.lagMillis(), s.lagBytes(),
        p == null ? null : p.toString(), s.consecutiveFailures(), s.lastError(),
        mx == null ? 0 : mx.getActiveConnections(), mx == null ? 0 : mx.getIdleConnections());
  }

  /** See {@link RoutingDataSource#endpointStates}. */
  public List<EndpointState> endpointStates(String shard) {
    for (ShardRuntime s : shards) {
      if (s.name.equals(shard)) {
        List<EndpointState> states = new ArrayList<>();
        states.add(s.primary.state());
        states.addAll(List.of(s.replicaStates));
        return states;
      }
    }
    throw new IllegalArgumentException("unknown shard " + shard);
  }

  /** How many statements went to {@code reason} on the default shard. */
  public double routedCount(RouteReason reason) {
    return metrics.routed(defaultShard().name, reason);
  }

  public double routedCount(String shard, RouteReason reason) {
    return metrics.routed(shard, reason);
  }

  /** Stops the lag monitor and the ring watcher, then closes the pools and the fence store. */
  @Override
  public void close() {
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
}
