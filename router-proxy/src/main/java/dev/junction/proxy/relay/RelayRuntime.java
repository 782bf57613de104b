package dev.junction.proxy.relay;

import dev.junction.classify.Classification;
import dev.junction.config.JunctionConfig;
import dev.junction.fence.FenceTokenCodec;
import dev.junction.health.EndpointState;
import dev.junction.health.ReplicaSelector;
import dev.junction.jdbc.internal.ShardRouter;
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
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RelayRuntime.class);
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
  /** Per event loop (by {@link #loopIndex}): the memo in front of {@link #classifier}, used only on that loop. */
  final ClassificationMemo[] memos;
  final PreparedStatements statements;
  final String shardName;
  final Endpoint primary;
  final Endpoint[] replicas;
  final FenceTokenCodec tokens;
  final String database;
  /** Per configured shard (configuration order); an unsharded configuration has one. */
  final ShardEndpoints[] shards;
  /** The sharded routing decision, or null without {@code junction.sharding}. */
  final ShardRouter sharding;
  private final Map<String, ShardEndpoints> shardByRingName;
  private final List<EnumMap<RouteReason, Counter>> routes = new ArrayList<>();
  /** The library's {@code junction.fence.clamped} (the same meter when the registry is shared). */
  private final Counter fencesClamped;
  /** The last fence logged as ahead of its primary: logged once, not per read (as the library does). */
  private volatile dev.junction.position.ReplicationPosition lastClampLogged;
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
    this(config, shard -> states, classifier, group, registry, poolMode, queryWaitTimeout, maxPreparedStatements, null);
  }

  /**
   * @param states the router's endpoint states of each configured shard, primary first (see
   *     {@code RoutingDataSource.endpointStates})
   * @param sharding the sharded routing decision ({@code junction.sharding}), or null: then the
   *     configuration has one replica set
   */
  public RelayRuntime(JunctionConfig config, Function<String, List<EndpointState>> states,
                      Function<String, Classification> classifier, EventLoopGroup group, MeterRegistry registry,
                      PoolMode poolMode, Duration queryWaitTimeout, int maxPreparedStatements, ShardRouter sharding) {
    List<EventLoop> list = new ArrayList<>();
    for (EventExecutor e : group) {
      loopIndex.put(e, list.size());
      list.add((EventLoop) e);
    }
    this.loops = list.toArray(EventLoop[]::new);
    this.memos = new ClassificationMemo[loops.length];
    for (int i = 0; i < memos.length; i++) {
      memos[i] = new ClassificationMemo(classifier);
    }
    this.queryWaitTimeout = queryWaitTimeout;
    this.maxPreparedStatements = maxPreparedStatements;
    this.maxBackendMessage = Integer.MAX_VALUE - 8;
    this.circuitOpenMillis = config.routing().circuitOpen().toMillis();
    this.poolMode = poolMode;
    this.classifier = classifier;
    this.statements = new PreparedStatements(100_000, classifier);
    this.sharding = sharding;
    if (sharding == null && config.shards().size() != 1) {
      throw new IllegalArgumentException("an unsharded relay serves one replica set, got " + config.shards().size());
    }
    ReplicaSelector selector = new ReplicaSelector(config.routing().replicaSelection());
    long maxFenceWaitMillis = config.routing().maxFenceWait().toMillis();
    this.shards = new ShardEndpoints[config.shards().size()];
    for (int s = 0; s < shards.length; s++) {
      JunctionConfig.Shard shard = config.shards().get(s);
      List<EndpointState> st = states.apply(shard.name());
      Endpoint p = new Endpoint(shard.name(), shard.primary(), st.get(0), this);
      Endpoint[] rs = new Endpoint[shard.replicas().size()];
      for (int i = 0; i < rs.length; i++) {
        rs[i] = new Endpoint(shard.name(), shard.replicas().get(i), st.get(i + 1), this);
      }
      shards[s] = new ShardEndpoints(s, shard.name(), p, rs, selector, maxFenceWaitMillis);
    }
    this.shardName = shards[0].name;
    this.primary = shards[0].primary;
    this.replicas = shards[0].replicas;
    this.tokens = config.fencing().tokenCodec();
    this.database = primary.database;
    for (ShardEndpoints sh : shards) {
      EnumMap<RouteReason, Counter> byReason = new EnumMap<>(RouteReason.class);
      for (RouteReason reason : RouteReason.values()) {
        byReason.put(reason, Counter.builder("junction.route").description("Statements routed, by target and reason")
            .tag("shard", sh.name).tag("target", reason.isReplica() ? "replica" : "primary").tag("reason", reason.tag())
            .register(registry));
      }
      routes.add(byReason);
    }
    this.fencesClamped = Counter.builder("junction.fence.clamped")
        .description("Fences found ahead of their primary (history lost by a failover or rebuild) and clamped to its head")
        .register(registry);
    this.shardByRingName = new ConcurrentHashMap<>();
    for (ShardEndpoints sh : shards) {
      shardByRingName.put(sh.name, sh);
    }
    for (EventLoop loop : loops) {
      loop.scheduleWithFixedDelay(this::reap, 5, 5, TimeUnit.SECONDS);
    }
  }

  /** The replica set of the ring shard named {@code name}, or null when this configuration has none. */
  ShardEndpoints shard(String name) {
    return shardByRingName.get(name);
  }

  int loopIndex(EventExecutor loop) {
    Integer i = loopIndex.get(loop);
    if (i == null) {
      throw new IllegalStateException("not a relay event loop: " + loop);
    }
    return i;
  }

  void routed(RouteReason reason) {
    routes.get(0).get(reason).increment();
  }

  void routed(ShardEndpoints shard, RouteReason reason) {
    routes.get(shard.index).get(reason).increment();
  }

  /** A fence of {@code shard} was found ahead of its primary's fresh {@code head} and clamped (see RelaySession#clampIfLost). */
  void fenceClamped(ShardEndpoints shard, dev.junction.position.ReplicationPosition fence,
                    dev.junction.position.ReplicationPosition head) {
    fencesClamped.increment();
    if (!fence.equals(lastClampLogged)) {
      lastClampLogged = fence;
      log.warn("fence {} on shard {} is ahead of its primary ({}): the history it refers to was lost (failover or rebuild);"
          + " reads wait for the primary's head instead", fence, shard.name, head);
    }
  }

  List<Endpoint> endpoints() {
    List<Endpoint> all = new ArrayList<>();
    for (ShardEndpoints s : shards) {
      all.add(s.primary);
      all.addAll(List.of(s.replicas));
    }
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
    if (config.shards().size() != shards.length) {
      throw new IllegalStateException("the shard or endpoint list changed; that needs a restart of the proxy. Nothing was changed");
    }
    List<JunctionConfig.Endpoint> next = new ArrayList<>();
    for (int s = 0; s < shards.length; s++) {
      JunctionConfig.Shard shard = config.shards().get(s);
      if (!shard.name().equals(shards[s].name) || shard.replicas().size() != shards[s].replicas.length) {
        throw new IllegalStateException("the shard or endpoint list changed; that needs a restart of the proxy. Nothing was changed");
      }
      next.add(shard.primary());
      next.addAll(shard.replicas());
    }
    List<Endpoint> current = endpoints();
    for (int i = 0; i < next.size(); i++) {
      Endpoint e = current.get(i);
      JunctionConfig.Endpoint n = next.get(i);
      Endpoint probe = new Endpoint(e.shard, n, e.state, this, false);
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
