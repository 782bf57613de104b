package dev.junction.config;

import dev.junction.classify.Dialect;
import dev.junction.health.ReplicaSelector;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The whole router configuration, shared by the library, the Spring Boot starter and the proxy.
 * Build it in code with the records' constructors or load it with {@link YamlConfigLoader};
 * {@link #validate()} runs either way and names the offending key.
 */
public record JunctionConfig(Dialect dialect, List<Shard> shards, Routing routing, Fencing fencing) {

  /** One replica set: a primary and its replicas. With sharding, one per shard. */
  public record Shard(String name, Endpoint primary, List<Endpoint> replicas) {}

  /** One database server and the HikariCP pool Junction keeps for it. */
  public record Endpoint(String name, String url, String username, String password, int weight, Pool pool) {}

  public record Pool(int maximumSize, int minimumIdle, Duration connectionTimeout, Duration idleTimeout,
                     Duration maxLifetime, Duration validationTimeout) {
    public static Pool defaults() {
      return new Pool(10, 0, Duration.ofSeconds(2), Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofSeconds(1));
    }
  }

  /**
   * @param maxLag replicas lagging more leave the read rotation
   * @param maxLagBytes optional byte threshold (0: unused); with it, a replica within either threshold stays
   * @param readmitLag a replica out of rotation returns only below this (hysteresis); default maxLag / 2
   * @param lagPollInterval how often each replica's position and lag are polled
   * @param maxFenceWait how long a fenced read waits for a replica to catch up before using the primary
   * @param circuitOpen how long an endpoint is skipped after a connection failure (doubles per repeat, max 30 s)
   */
  public record Routing(ReplicaSelector.Strategy replicaSelection, Duration maxLag, long maxLagBytes, Duration readmitLag,
                        Duration lagPollInterval, Duration maxFenceWait, Duration circuitOpen, int parseCacheSize) {
    public static Routing defaults() {
      return new Routing(ReplicaSelector.Strategy.ROUND_ROBIN, Duration.ofSeconds(5), 0, Duration.ofMillis(2500),
          Duration.ofMillis(250), Duration.ofMillis(50), Duration.ofSeconds(1), 10_000);
    }
  }

  public enum FenceStoreKind { LOCAL, REDIS }

  /**
   * @param store where keyed scopes keep their fences
   * @param ttl how long a fence outlives its write: longer than any plausible replica lag
   * @param redisUri for {@code store: redis}
   * @param tokenSecret HMAC secret for client-carried fence tokens (optional; tokens are disabled without it)
   */
  public record Fencing(FenceStoreKind store, Duration ttl, long localMaximumScopes, String redisUri, Duration redisTimeout,
                        String redisKeyPrefix, String tokenSecret) {
    public static Fencing defaults() {
      return new Fencing(FenceStoreKind.LOCAL, Duration.ofSeconds(30), 1_000_000, null, Duration.ofMillis(200), "junction:fence:", null);
    }
  }

  /** Checks cross-field rules; throws {@link ConfigException} naming the key. */
  public JunctionConfig validate() {
    require(dialect != null, "junction.dialect", "required; accepted values: postgresql, mysql, mariadb");
    require(shards != null && !shards.isEmpty(), "junction.shards", "at least one shard (a primary and optional replicas) is required");
    Set<String> shardNames = new HashSet<>();
    for (int i = 0; i < shards.size(); i++) {
      Shard s = shards.get(i);
      String key = "junction.shards[" + i + "]";
      require(s.name() != null && !s.name().isBlank(), key + ".name", "required");
      require(shardNames.add(s.name()), key + ".name", "duplicate shard name '" + s.name() + "'");
      require(s.primary() != null, key + ".primary", "required");
      Set<String> endpointNames = new HashSet<>();
      validateEndpoint(s.primary(), key + ".primary", endpointNames);
      for (int r = 0; r < s.replicas().size(); r++) {
        validateEndpoint(s.replicas().get(r), key + ".replicas[" + r + "]", endpointNames);
      }
    }
    Routing r = routing;
    positive(r.maxLag(), "junction.routing.max-lag");
    positive(r.lagPollInterval(), "junction.routing.lag-poll-interval");
    positive(r.circuitOpen(), "junction.routing.circuit-open");
    require(!r.maxFenceWait().isNegative(), "junction.routing.max-fence-wait", "must be >= 0, got " + r.maxFenceWait());
    require(!r.readmitLag().isNegative() && r.readmitLag().compareTo(r.maxLag()) <= 0, "junction.routing.readmit-lag",
        "must be between 0 and max-lag (" + r.maxLag() + "), got " + r.readmitLag());
    require(r.maxLagBytes() >= 0, "junction.routing.max-lag-bytes", "must be >= 0 (0 disables it), got " + r.maxLagBytes());
    require(r.parseCacheSize() >= 0, "junction.routing.parse-cache-size", "must be >= 0, got " + r.parseCacheSize());
    Fencing f = fencing;
    positive(f.ttl(), "junction.fencing.ttl");
    if (f.store() == FenceStoreKind.REDIS) {
      require(f.redisUri() != null && f.redisUri().startsWith("redis"), "junction.fencing.redis-uri",
          "required when junction.fencing.store is redis; e.g. redis://127.0.0.1:6379, got " + f.redisUri());
      positive(f.redisTimeout(), "junction.fencing.redis-timeout");
    }
    if (f.tokenSecret() != null) {
      require(f.tokenSecret().length() >= 16, "junction.fencing.token-secret", "must be at least 16 characters");
    }
    return this;
  }

  private static void validateEndpoint(Endpoint e, String key, Set<String> names) {
    require(e.name() != null && !e.name().isBlank(), key + ".name", "required");
    require(names.add(e.name()), key + ".name", "duplicate endpoint name '" + e.name() + "' in this shard");
    require(e.url() != null && e.url().startsWith("jdbc:"), key + ".url",
        "required JDBC URL starting with 'jdbc:', e.g. jdbc:postgresql://db1:5432/app, got " + e.url());
    require(e.weight() > 0, key + ".weight", "must be > 0, got " + e.weight());
    Pool p = e.pool();
    require(p.maximumSize() > 0, key + ".pool.maximum-size", "must be > 0, got " + p.maximumSize());
    require(p.minimumIdle() >= 0 && p.minimumIdle() <= p.maximumSize(), key + ".pool.minimum-idle",
        "must be between 0 and maximum-size (" + p.maximumSize() + "), got " + p.minimumIdle());
    require(p.connectionTimeout().toMillis() >= 250, key + ".pool.connection-timeout", "must be >= 250ms (HikariCP's minimum), got " + p.connectionTimeout());
  }

  private static void positive(Duration d, String key) {
    require(d != null && !d.isNegative() && !d.isZero(), key, "must be a positive duration such as 250ms, 5s or 1m, got " + d);
  }

  private static void require(boolean ok, String key, String problem) {
    if (!ok) {
      throw new ConfigException(key, problem);
    }
  }
}
