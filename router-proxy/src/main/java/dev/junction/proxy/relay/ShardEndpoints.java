package dev.junction.proxy.relay;

import dev.junction.health.EndpointState;

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
  final EndpointState[] replicaStates;

  ShardEndpoints(int index, String name, Endpoint primary, Endpoint[] replicas) {
    this.index = index;
    this.name = name;
    this.primary = primary;
    this.replicas = replicas;
    this.replicaStates = new EndpointState[replicas.length];
    for (int i = 0; i < replicas.length; i++) {
      replicaStates[i] = replicas[i].state;
    }
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
