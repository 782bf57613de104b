package dev.junction.spring;

import dev.junction.config.ConfigException;
import dev.junction.config.JunctionConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns bound {@link JunctionProperties} into a validated {@link JunctionConfig}, applying the same
 * default names as the YAML loader (shard0..., primary, replica1...) so health paths, metrics tags
 * and error messages read the same whichever way the configuration arrived. Without a
 * {@code junction.sharding} section the configuration is not sharded, as in YAML.
 */
public final class JunctionConfigMapper {
  private JunctionConfigMapper() {}

  /** @throws ConfigException naming the offending {@code junction.*} key */
  public static JunctionConfig toConfig(JunctionProperties p) {
    List<JunctionConfig.Shard> shards = new ArrayList<>();
    List<ShardProperties> shardProperties = p.getShards() == null ? List.of() : p.getShards();
    for (int i = 0; i < shardProperties.size(); i++) {
      ShardProperties s = shardProperties.get(i);
      String key = "junction.shards[" + i + "]";
      List<JunctionConfig.Endpoint> replicas = new ArrayList<>();
      List<EndpointProperties> replicaProperties = s.getReplicas() == null ? List.of() : s.getReplicas();
      for (int r = 0; r < replicaProperties.size(); r++) {
        replicas.add(endpoint(replicaProperties.get(r), "replica" + (r + 1), key + ".replicas[" + r + "]"));
      }
      JunctionConfig.Endpoint primary = s.getPrimary() == null ? null : endpoint(s.getPrimary(), "primary", key + ".primary");
      shards.add(new JunctionConfig.Shard(s.getName() == null ? "shard" + i : s.getName(), primary, replicas));
    }
    return new JunctionConfig(p.getDialect(), shards, routing(p.getRouting()), fencing(p.getFencing()),
        ShardingMapper.toSharding(p.getSharding())).validate();
  }

  private static JunctionConfig.Endpoint endpoint(EndpointProperties e, String defaultName, String key) {
    PoolProperties pool = e.getPool() == null ? new PoolProperties() : e.getPool();
    String poolKey = key + ".pool";
    return new JunctionConfig.Endpoint(e.getName() == null ? defaultName : e.getName(), e.getUrl(), e.getUsername(),
        e.getPassword(), e.getWeight(), new JunctionConfig.Pool(pool.getMaximumSize(), pool.getMinimumIdle(),
            required(pool.getConnectionTimeout(), poolKey + ".connection-timeout"),
            required(pool.getIdleTimeout(), poolKey + ".idle-timeout"),
            required(pool.getMaxLifetime(), poolKey + ".max-lifetime"),
            required(pool.getValidationTimeout(), poolKey + ".validation-timeout")));
  }

  private static JunctionConfig.Routing routing(RoutingProperties r) {
    Duration maxLag = required(r.getMaxLag(), "junction.routing.max-lag");
    return new JunctionConfig.Routing(
        required(r.getReplicaSelection(), "junction.routing.replica-selection"),
        maxLag,
        r.getMaxLagBytes() == null ? 0 : r.getMaxLagBytes().toBytes(),
        r.getReadmitLag() != null ? r.getReadmitLag() : maxLag.dividedBy(2),
        required(r.getLagPollInterval(), "junction.routing.lag-poll-interval"),
        required(r.getMaxFenceWait(), "junction.routing.max-fence-wait"),
        required(r.getCircuitOpen(), "junction.routing.circuit-open"),
        r.getParseCacheSize(),
        r.getSideEffectFunctions() == null ? List.of() : r.getSideEffectFunctions().stream().map(String::trim).toList(),
        required(r.getParseBudget(), "junction.routing.parse-budget"),
        required(r.getUnknownFunctions(), "junction.routing.unknown-functions"),
        r.getReadOnlyFunctions() == null ? List.of() : r.getReadOnlyFunctions().stream().map(String::trim).toList());
  }

  private static JunctionConfig.Fencing fencing(FencingProperties f) {
    return new JunctionConfig.Fencing(
        required(f.getStore(), "junction.fencing.store"),
        required(f.getTtl(), "junction.fencing.ttl"),
        f.getLocalMaximumScopes(),
        blankToNull(f.getRedisUri()),
        required(f.getRedisTimeout(), "junction.fencing.redis-timeout"),
        required(f.getRedisKeyPrefix(), "junction.fencing.redis-key-prefix"),
        blankToNull(f.getTokenSecret()),
        blankToNull(f.getTokenSecretPrevious()));
  }

  /** A key explicitly set to an empty value binds to null; say so instead of failing later with an NPE. */
  private static <T> T required(T value, String key) {
    if (value == null) {
      throw new ConfigException(key, "must not be empty; remove the key to use the default");
    }
    return value;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
