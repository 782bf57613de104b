package dev.junction.spring;

import java.util.ArrayList;
import java.util.List;

/** One replica set ({@code junction.shards[i]}): a primary and the replicas that stream from it. */
public class ShardProperties {
  /** Shard name, used in metrics, health paths and fences. Default: shard0, shard1, ... by position. */
  private String name;

  /** The primary: every write and every read-write transaction runs here. Required. */
  private EndpointProperties primary;

  /** Streaming replicas that serve reads and read-only transactions. Optional. */
  private List<EndpointProperties> replicas = new ArrayList<>();

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public EndpointProperties getPrimary() {
    return primary;
  }

  public void setPrimary(EndpointProperties primary) {
    this.primary = primary;
  }

  public List<EndpointProperties> getReplicas() {
    return replicas;
  }

  public void setReplicas(List<EndpointProperties> replicas) {
    this.replicas = replicas;
  }
}
