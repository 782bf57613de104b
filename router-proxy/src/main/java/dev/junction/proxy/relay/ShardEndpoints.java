package dev.junction.proxy.relay;

import dev.junction.health.EndpointState;
import dev.junction.health.ReplicaSelector;
import dev.junction.route.ReplicaSet;

/**
 * One replica set the relay pools connections to: a shard's primary and replicas. Unsharded
 * configurations have one; sharded ones one per configured shard, each with its own pools, lag-aware
 * replica choice and fence (see {@link RelaySession}).
 */
final class ShardEndpoints {
  /** Index in {@link RelayRuntime#shards} (configuration order). */
  final int index;
  final String name;
  final Endpoint primary;
  final Endpoint[] replicas;
  /** The replica set as the routing decision sees it (shared by every session's {@link dev.junction.route.RouteSession}). */
  final ReplicaSet replicaSet;

  ShardEndpoints(int index, String name, Endpoint primary, Endpoint[] replicas, ReplicaSelector selector, long maxFenceWaitMillis) {
    this.index = index;
    this.name = name;
    this.primary = primary;
    this.replicas = replicas;
    EndpointState[] replicaStates = new EndpointState[replicas.length];
    for (int i = 0; i < replicas.length; i++) {
      replicaStates[i] = replicas[i].state;
    }
    this.replicaSet = new ReplicaSet(name, primary.state, replicaStates, selector, maxFenceWaitMillis);
    primary.group = this;
    for (Endpoint r : replicas) {
      r.group = this;
    }
  }

  Endpoint endpointOf(EndpointState state) {
    for (Endpoint r : replicas) {
      if (r.state == state) {
        return r;
      }
    }
    return primary;
  }

  @Override
  public String toString() {
    return name;
  }
}
