package dev.junction.proxy.relay;

import dev.junction.classify.Classification;
import dev.junction.config.JunctionConfig;
import dev.junction.fence.FenceTokenCodec;
import dev.junction.health.EndpointState;
import dev.junction.health.ReplicaSelector;
import dev.junction.route.RouteReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * What every relay session shares: the endpoints and their pools, the classifier, the prepared
 * statement registry, the routing metrics, the fence token codec and the pool settings. Built once
 * per proxy from the router configuration; the endpoint health ({@link EndpointState}) is the
 * router's own, kept current by its lag monitor.
 */
public final class RelayRuntime implements AutoCloseable {
  /** Which unit of work a backend connection is lent for. */
  public enum PoolMode { TRANSACTION, SESSION }

  final EventLoop[] loops;
  private final Map<EventExecutor, Integer> loopIndex = new IdentityHashMap<>();
  final Duration queryWaitTimeout;
  final int maxPreparedStatements;
  final int maxBackendMessage;
  final long circuitOpenMillis;
  final PoolMode poolMode;
  final Function<String, Classification> classifier;
  final PreparedStatements statements;
  final String shardName;
  final Endpoint primary;
  final Endpoint[] replicas;
  final EndpointState[] replicaStates;
  final ReplicaSelector selector;
  final long maxFenceWaitMillis;
  final FenceTokenCodec tokens;
  final String database;
  private final EnumMap<RouteReason, Counter> routes = new EnumMap<>(RouteReason.class);
  private final Map<Settings, Map<String, String>> knownParameters = new ConcurrentHashMap<>();
  volatile Map<String, String> serverParameters;
  volatile boolean paused;

  public boolean paused() {
    return paused;
  }
  volatile boolean closing;

  /**
   * @param states the router's endpoint states for the shard, primary first (see
   *     {@code RoutingDataSource.endpointStates})
   */
  public RelayRuntime(JunctionConfig config, List<EndpointState> states, Function<String, Classification> classifier,
                      EventLoopGroup group, MeterRegistry registry, PoolMode poolMode, Duration queryWaitTimeout,
                      int maxPreparedStatements) {
    List<EventLoop> list = new ArrayList<>();
    for (EventExecutor e : group) {
      loopIndex.put(e, list.size());
      list.add((EventLoop) e);
    }
    this.loops = list.toArray(EventLoop[]::new);
    this.queryWaitTimeout = queryWaitTimeout;
    this.maxPreparedStatements = maxPreparedStatements;
    this.maxBackendMessage = Integer.MAX_VALUE - 8;
    this.circuitOpenMillis = config.routing().circuitOpen().toMillis();
    this.poolMode = poolMode;
    this.classifier = classifier;
    this.statements = new PreparedStatements(100_000, classifier);
    JunctionConfig.Shard shard = config.shards().get(0);
    this.shardName = shard.name();
    this.primary = new Endpoint(shard.name(), shard.primary(), states.get(0), this);
    this.replicas = new Endpoint[shard.replicas().size()];
    this.replicaStates = new EndpointState[replicas.length];
    for (int i = 0; i < replicas.length; i++) {
      replicas[i] = new Endpoint(shard.name(), shard.replicas().get(i), states.get(i + 1), this);
      replicaStates[i] = replicas[i].state;
    }
    this.selector = new ReplicaSelector(config.routing().replicaSelection());
    this.maxFenceWaitMillis = config.routing().maxFenceWait().toMillis();
    this.tokens = config.fencing().tokenCodec();
    this.database = primary.database;
    for (RouteReason reason : RouteReason.values()) {
      routes.put(reason, Counter.builder("junction.route").description("Statements routed, by target and reason")
          .tag("shard", shardName).tag("target", reason.isReplica() ? "replica" : "primary").tag("reason", reason.tag())
          .register(registry));
    }
    for (EventLoop loop : loops) {
      loop.scheduleWithFixedDelay(this::reap, 5, 5, TimeUnit.SECONDS);
    }
  }

  int loopIndex(EventExecutor loop) {
    Integer i = loopIndex.get(loop);
    if (i == null) {
      throw new IllegalStateException("not a relay event loop: " + loop);
    }
    return i;
  }

  void routed(RouteReason reason) {
    routes.get(reason).increment();
  }

  List<Endpoint> endpoints() {
    List<Endpoint> all = new ArrayList<>();
    all.add(primary);
    all.addAll(List.of(replicas));
    return all;
  }

  Endpoint endpointOf(EndpointState state) {
    for (Endpoint r : replicas) {
      if (r.state == state) {
        return r;
      }
    }
    return primary;
  }

  /** The ParameterStatus set a client with these settings sees at login, once a backend has shown it. */
  Map<String, String> knownParameters(Settings settings) {
    return knownParameters.get(settings);
  }

  void knownParameters(Settings settings, Map<String, String> parameters) {
    if (knownParameters.size() > 10_000) {
      knownParameters.clear();
    }
    knownParameters.put(settings, Map.copyOf(parameters));
  }

  void rememberServerParameters(Map<String, String> parameters) {
    if (serverParameters == null) {
      serverParameters = Map.copyOf(parameters);
    }
  }

  /** Pauses handing out connections (PgBouncer's PAUSE); acquisitions queue until {@link #resume()}. */
  public void pause() {
    paused = true;
  }

  public void resume() {
    paused = false;
    for (Endpoint e : endpoints()) {
      for (Pool p : e.partitions) {
        p.loop.execute(p::serveWaiters);
      }
    }
  }

  /** Connections lent to clients right now, over all endpoints. */
  public int activeConnections() {
    int n = 0;
    for (Endpoint e : endpoints()) {
      n += e.active();
    }
    return n;
  }

  private void reap() {
    for (Endpoint e : endpoints()) {
      for (Pool p : e.partitions) {
        if (p.loop.inEventLoop()) {
          p.reap();
        }
      }
    }
  }

  /** One line per endpoint pool: shard, endpoint, role, active, idle, waiting, max. */
  public List<String[]> poolRows() {
    List<String[]> rows = new ArrayList<>();
    for (Endpoint e : endpoints()) {
      rows.add(new String[] {e.shard, e.name, e.isPrimary() ? "primary" : "replica", Integer.toString(e.active()),
          Integer.toString(e.idle()), Integer.toString(e.waiting()), Integer.toString(e.maxSize), poolMode.name().toLowerCase()});
    }
    return rows;
  }

  /** One line per backend connection: endpoint, state, backend pid, uses. Reads racy snapshots; for operators. */
  public List<String[]> serverRows() {
    List<String[]> rows = new ArrayList<>();
    for (Endpoint e : endpoints()) {
      for (Pool p : e.partitions) {
        for (BackendConnection b : List.copyOf(p.connections())) {
          rows.add(new String[] {e.toString(), b.session == null ? "idle" : "active", Integer.toString(b.processId),
              Long.toString(b.useCount), String.valueOf(b.status), Integer.toString(b.prepared.size())});
        }
      }
    }
    return rows;
  }

  public int preparedStatementCount() {
    return statements.size();
  }

  /**
   * Applies a re-read routing configuration: endpoint pool sizes change in place (connections above a
   * smaller size close as they are released). Endpoint addresses, credentials or the endpoint list
   * cannot change while clients are connected; such a configuration is refused, naming the endpoint.
   */
  public List<String> reload(JunctionConfig config) {
    JunctionConfig.Shard shard = config.shards().get(0);
    if (config.shards().size() != 1 || !shard.name().equals(shardName) || shard.replicas().size() != replicas.length) {
      throw new IllegalStateException("the shard or endpoint list changed; that needs a restart of the proxy. Nothing was changed");
    }
    List<JunctionConfig.Endpoint> next = new ArrayList<>();
    next.add(shard.primary());
    next.addAll(shard.replicas());
    List<Endpoint> current = endpoints();
    for (int i = 0; i < next.size(); i++) {
      Endpoint e = current.get(i);
      JunctionConfig.Endpoint n = next.get(i);
      Endpoint probe = new Endpoint(shardName, n, e.state, this, false);
      if (!probe.name.equals(e.name) || !probe.host.equals(e.host) || probe.port != e.port || !probe.database.equals(e.database)
          || !probe.user.equals(e.user) || !java.util.Objects.equals(probe.password, e.password)) {
        throw new IllegalStateException("endpoint " + e + " changed its address or credentials; that needs a restart of the proxy."
            + " Nothing was changed");
      }
    }
    List<String> changes = new ArrayList<>();
    for (int i = 0; i < next.size(); i++) {
      Endpoint e = current.get(i);
      int size = next.get(i).pool().maximumSize();
      if (size != e.maxSize) {
        changes.add(e + " pool size " + e.maxSize + " -> " + size);
        e.maxSize = size;
        for (Pool p : e.partitions) {
          p.loop.execute(p::serveWaiters);
        }
      }
    }
    return changes;
  }

  @Override
  public void close() {
    closing = true;
    for (Endpoint e : endpoints()) {
      for (Pool p : e.partitions) {
        if (!p.loop.isShuttingDown()) {
          p.loop.execute(p::closeAll);
        }
      }
    }
  }
}
