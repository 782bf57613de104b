package dev.junction.spring;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How rows are spread over the {@code junction.shards} ({@code junction.sharding.*}). Setting any
 * key here turns sharding on; without the section the first shard serves every statement. Defaults
 * equal the YAML loader's ({@link dev.junction.config.JunctionConfig.Sharding#of}).
 *
 * <p>{@code multi-shard-transactions} and the tables' {@code key-type} are bound as text and parsed
 * by {@link JunctionConfigMapper}, so a wrong value is reported like every other Junction
 * validation error: with its exact key and the accepted values, as the YAML loader reports it.
 */
public class ShardingProperties {
  /** Ring points per unit of shard weight; more points spread keys more evenly (1024: peak/mean load about 1.05 for 8 shards). */
  private int virtualNodesPerWeight = 1024;

  /** Version of the ring; bump it whenever the shard list or weights change, so every instance can tell which placement it runs. */
  private long ringVersion = 1;

  /** Shard (by name) that holds unsharded tables and statements without a table. Default: the first shard. */
  private String defaultShard;

  /** Relative ring weight per shard name, e.g. weights.s1=2 gives s1 twice the keys of a weight-1 shard. Unlisted shards weigh 1. */
  private Map<String, Integer> weights = new LinkedHashMap<>();

  /**
   * Sharded tables: name (the table), key (its shard-key column) and key-type (long, string or
   * uuid; default long), e.g. tables[0].name=orders, tables[0].key=customer_id.
   */
  private List<ShardedTableProperties> tables = new ArrayList<>();

  /** Reference tables copied to every shard: writes go to all shards, reads to one. */
  private List<String> broadcastTables = new ArrayList<>();

  /** Keys pinned to a shard whatever the ring says (hot-key isolation): key and shard, e.g. overrides[0].key=42, overrides[0].shard=s1. */
  private List<KeyOverrideProperties> overrides = new ArrayList<>();

  /** Whether one transaction may write to several shards: allow (committed shard by shard, not atomically) or reject. */
  private String multiShardTransactions = "allow";

  /** Threads that run the shard parts of one scatter statement in parallel (1 to 1024). */
  private int scatterThreads = 16;

  /** Most groups held in memory while merging GROUP BY and DISTINCT results across shards. */
  private long maxMergeGroups = 1_000_000;

  /** This instance's worker id (0 to 1023) for generated snowflake ids; unique per running instance. */
  private int workerId = 0;

  public int getVirtualNodesPerWeight() {
    return virtualNodesPerWeight;
  }

  public void setVirtualNodesPerWeight(int virtualNodesPerWeight) {
    this.virtualNodesPerWeight = virtualNodesPerWeight;
  }

  public long getRingVersion() {
    return ringVersion;
  }

  public void setRingVersion(long ringVersion) {
    this.ringVersion = ringVersion;
  }

  public String getDefaultShard() {
    return defaultShard;
  }

  public void setDefaultShard(String defaultShard) {
    this.defaultShard = defaultShard;
  }

  public Map<String, Integer> getWeights() {
    return weights;
  }

  public void setWeights(Map<String, Integer> weights) {
    this.weights = weights;
  }

  public List<ShardedTableProperties> getTables() {
    return tables;
  }

  public void setTables(List<ShardedTableProperties> tables) {
    this.tables = tables;
  }

  public List<String> getBroadcastTables() {
    return broadcastTables;
  }

  public void setBroadcastTables(List<String> broadcastTables) {
    this.broadcastTables = broadcastTables;
  }

  public List<KeyOverrideProperties> getOverrides() {
    return overrides;
  }

  public void setOverrides(List<KeyOverrideProperties> overrides) {
    this.overrides = overrides;
  }

  public String getMultiShardTransactions() {
    return multiShardTransactions;
  }

  public void setMultiShardTransactions(String multiShardTransactions) {
    this.multiShardTransactions = multiShardTransactions;
  }

  public int getScatterThreads() {
    return scatterThreads;
  }

  public void setScatterThreads(int scatterThreads) {
    this.scatterThreads = scatterThreads;
  }

  public long getMaxMergeGroups() {
    return maxMergeGroups;
  }

  public void setMaxMergeGroups(long maxMergeGroups) {
    this.maxMergeGroups = maxMergeGroups;
  }

  public int getWorkerId() {
    return workerId;
  }

  public void setWorkerId(int workerId) {
    this.workerId = workerId;
  }
}
