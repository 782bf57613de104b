package dev.junction.jdbc.internal;

import dev.junction.config.JunctionConfig;
import dev.junction.health.EndpointState;
import dev.junction.health.ReplicaSelector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The live state of one replica set: its pools, endpoint states and replica selector. */
final class ShardRuntime implements AutoCloseable {
  final String name;
  final EndpointPool primary;
  final EndpointPool[] replicas;
  final EndpointState[] replicaStates;
  final ReplicaSelector selector;
  /** The replica set as the routing decision sees it (shared by every logical connection; interns routes). */
  final dev.junction.route.ReplicaSet replicaSet;
  private final Map<EndpointState, EndpointPool> byState = new HashMap<>();

  /** The last fence found ahead of the primary (see FenceTracker#unlessLost): logged once, not per read. */
  volatile dev.junction.position.ReplicationPosition lastLostFence;
  /** What every logical connection of the data source to this shard shares ({@link RoutingConnection.Env#of}). */
  volatile RoutingConnection.Env.Shared sharedEnv;

  /**
   * @param key the shard's configuration key, e.g. {@code junction.shards[0]}. When one endpoint's
   *     pool cannot be built, the pools already built are closed before the error propagates.
   */
  ShardRuntime(JunctionConfig.Shard shard, String key, JunctionConfig config, JdbcDialect dialect) {
    this.name = shard.name();
    long circuitMillis = config.routing().circuitOpen().toMillis();
    this.primary = new EndpointPool(new EndpointState(name, shard.primary().name(), EndpointState.Role.PRIMARY, 1),
        shard.primary(), key + ".primary", dialect, circuitMillis);
    List<EndpointPool> pools = new ArrayList<>();
    try {
      for (int i = 0; i < shard.replicas().size(); i++) {
        JunctionConfig.Endpoint e = shard.replicas().get(i);
        pools.add(new EndpointPool(new EndpointState(name, e.name(), EndpointState.Role.REPLICA, e.weight()), e,
            key + ".replicas[" + i + "]", dialect, circuitMillis));
      }
    } catch (RuntimeException e) {
      pools.forEach(EndpointPool::close);
      primary.close();
      throw e;
    }
    this.replicas = pools.toArray(EndpointPool[]::new);
    this.replicaStates = pools.stream().map(EndpointPool::state).toArray(EndpointState[]::new);
    this.selector = new ReplicaSelector(config.routing().replicaSelection());
    this.replicaSet = new dev.junction.route.ReplicaSet(name, primary.state(), replicaStates, selector,
        config.routing().maxFenceWait().toMillis());
    byState.put(primary.state(), primary);
    for (EndpointPool p : replicas) {
      byState.put(p.state(), p);
    }
  }

  EndpointPool pool(EndpointState state) {
    return byState.get(state);
  }

  @Override
  public void close() {
    primary.close();
    for (EndpointPool p : replicas) {
      p.close();
    }
  }
}
