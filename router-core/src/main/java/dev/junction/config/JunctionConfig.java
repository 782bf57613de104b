package dev.junction.config;

import dev.junction.classify.ClassifierSettings;

import dev.junction.classify.Dialect;
import dev.junction.classify.UnknownFunctions;
import dev.junction.fence.FenceTokenCodec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import dev.junction.health.ReplicaSelector;
import java.time.Duration;
import java.util.HashSet;
import dev.junction.shard.KeyHash;
import dev.junction.shard.ShardRing;
import dev.junction.shard.ShardedTable;
import dev.junction.shard.ShardingRules;
import dev.junction.shard.SnowflakeIdGenerator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The whole router configuration, shared by the library, the Spring Boot starter and the proxy.
 * Build it in code with the records' constructors or load it with {@link YamlConfigLoader};
 * {@link #validate()} runs either way and names the offending key.
 */
public record JunctionConfig(Dialect dialect, List<Shard> shards, Routing routing, Fencing fencing, Sharding sharding) {

  /** A configuration without sharding: the first (usually only) shard serves every statement. */
  public JunctionConfig(Dialect dialect, List<Shard> shards, Routing routing, Fencing fencing) {
    this(dialect, shards, routing, fencing, null);
  }

  /** True when {@code junction.sharding} is configured: statements are routed to shards by key. */
  public boolean isSharded() {
    return sharding != null;
  }

  /** One replica set: a primary and its replicas. With sharding, one per shard. */
  public record Shard(String name, Endpoint primary, List<Endpoint> replicas) {}

  /** One database server and the HikariCP pool Junction keeps for it. */
  public record Endpoint(String name, String url, String username, String password, int weight, Pool pool) {
    /** Without the password; of the URL only scheme, hosts and database (see {@link Redaction#summary}). */
    @Override
    public String toString() {
      return "Endpoint[name=" + name + ", url=" + Redaction.summary(url) + ", username=" + username + ", password="
          + Redaction.mask(password) + ", weight=" + weight + ", pool=" + pool + "]";
    }
  }

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
   * @param sideEffectFunctions application functions that send a statement calling them to the primary, in
   *     addition to {@link ClassifierSettings#DEFAULT_SIDE_EFFECT_FUNCTIONS} (an addition, never a replacement, so a
   *     configuration cannot silently send {@code nextval} to a replica)
   * @param parseBudget CPU time one statement's parse may take before it goes to the primary unparsed
   *     ({@link ClassifierSettings#parseBudget()})
   * @param unknownFunctions where a statement calling a function neither listed as a side effect nor known to be
   *     read-only goes ({@link UnknownFunctions}; default replica)
   * @param readOnlyFunctions application functions known to be read-only, in addition to
   *     {@link ClassifierSettings#DEFAULT_READ_ONLY_FUNCTIONS}; consulted only with {@code unknownFunctions: primary}
   */
  public record Routing(ReplicaSelector.Strategy replicaSelection, Duration maxLag, long maxLagBytes, Duration readmitLag,
                        Duration lagPollInterval, Duration maxFenceWait, Duration circuitOpen, int parseCacheSize,
                        List<String> sideEffectFunctions, Duration parseBudget, UnknownFunctions unknownFunctions,
                        List<String> readOnlyFunctions) {
    public Routing {
      sideEffectFunctions = sideEffectFunctions == null ? List.of() : List.copyOf(sideEffectFunctions);
      readOnlyFunctions = readOnlyFunctions == null ? List.of() : List.copyOf(readOnlyFunctions);
    }

    /** Routing with no application side-effect functions and the default parse budget. */
    public Routing(ReplicaSelector.Strategy replicaSelection, Duration maxLag, long maxLagBytes, Duration readmitLag,
                   Duration lagPollInterval, Duration maxFenceWait, Duration circuitOpen, int parseCacheSize) {
      this(replicaSelection, maxLag, maxLagBytes, readmitLag, lagPollInterval, maxFenceWait, circuitOpen, parseCacheSize,
          List.of(), ClassifierSettings.DEFAULT_PARSE_BUDGET, UnknownFunctions.REPLICA, List.of());
    }

    public static Routing defaults() {
      return new Routing(ReplicaSelector.Strategy.ROUND_ROBIN, Duration.ofSeconds(5), 0, Duration.ofMillis(2500),
          Duration.ofMillis(250), Duration.ofMillis(50), Duration.ofSeconds(1), 10_000);
    }

    /**
     * The classifier settings these routing settings describe: the built-in side-effect list plus
     * {@link #sideEffectFunctions()}, the cache size and the parse budget.
     *
     * @throws IllegalArgumentException for a value {@link ClassifierSettings} rejects
     */
    public ClassifierSettings classifierSettings() {
      return ClassifierSettings.defaults()
          .withCacheMaximumSize(parseCacheSize)
          .withParseBudget(parseBudget)
          .withAdditionalSideEffectFunctions(sideEffectFunctions)
          .withUnknownFunctions(unknownFunctions)
          .withAdditionalReadOnlyFunctions(readOnlyFunctions);
    }
  }

  public enum FenceStoreKind { LOCAL, REDIS }

  /**
   * @param store where keyed scopes keep their fences
   * @param ttl how long a fence outlives its write: longer than any plausible replica lag
   * @param redisUri for {@code store: redis}
   * @param tokenSecret HMAC secret for client-carried fence tokens (optional; tokens are disabled without it)
   * @param tokenSecretPrevious the secret before a rotation, still accepted for verification (optional)
   */
  public record Fencing(FenceStoreKind store, Duration ttl, long localMaximumScopes, String redisUri, Duration redisTimeout,
                        String redisKeyPrefix, String tokenSecret, String tokenSecretPrevious) {
    /** Fencing without a previous token secret (no key rotation in progress). */
    public Fencing(FenceStoreKind store, Duration ttl, long localMaximumScopes, String redisUri, Duration redisTimeout,
                   String redisKeyPrefix, String tokenSecret) {
      this(store, ttl, localMaximumScopes, redisUri, redisTimeout, redisKeyPrefix, tokenSecret, null);
    }

    /** Without the token secrets; of the Redis URI only scheme, host and database (see {@link Redaction#summary}). */
    @Override
    public String toString() {
      return "Fencing[store=" + store + ", ttl=" + ttl + ", localMaximumScopes=" + localMaximumScopes + ", redisUri="
          + Redaction.summary(redisUri) + ", redisTimeout=" + redisTimeout + ", redisKeyPrefix=" + redisKeyPrefix
          + ", tokenSecret=" + Redaction.mask(tokenSecret) + ", tokenSecretPrevious=" + Redaction.mask(tokenSecretPrevious) + "]";
    }

    /**
     * The codec for client-carried fence tokens, or null without a token secret: tokens expire after
     * {@link #ttl()} (a token outliving its fence would only cost primary reads) and the previous secret is
     * still accepted during a key rotation. Shared by the library, the proxy and the Spring starter so the three
     * accept the same tokens.
     */
    public FenceTokenCodec tokenCodec() {
      if (tokenSecret == null) {
        return null;
      }
      return new FenceTokenCodec(tokenSecret.getBytes(StandardCharsets.UTF_8),
          tokenSecretPrevious == null ? null : tokenSecretPrevious.getBytes(StandardCharsets.UTF_8), ttl, Clock.systemUTC());
    }

    public static Fencing defaults() {
      return new Fencing(FenceStoreKind.LOCAL, Duration.ofSeconds(30), 1_000_000, null, Duration.ofMillis(200), "junction:fence:", null);
    }
  }

  /** Whether a transaction may write to more than one shard (it then commits shard by shard, not atomically). */
  public enum MultiShardTransactions { ALLOW, REJECT }

  /** Pins one shard-key value to a shard, whatever the ring says (hot-key isolation). */
  public record KeyOverride(Object key, String shard) {}

  /**
   * How rows are spread over {@link #shards()}.
   *
   * @param virtualNodesPerWeight ring points per unit of weight (default 1024: peak/mean load about 1.05 for 8 shards)
   * @param ringVersion the ring's version, bumped by operators whenever the shard list changes
   * @param defaultShard the shard holding unsharded tables; default: the first shard
   * @param weights relative ring weight per shard name (default 1)
   * @param tables sharded tables and their key columns
   * @param broadcastTables reference tables copied to every shard: writes go to all, reads to one
   * @param overrides keys pinned to a shard
   * @param multiShardTransactions whether one transaction may write to several shards
   * @param scatterThreads threads that run a statement's shard parts in parallel
   * @param maxMergeGroups cap on groups held in memory while merging GROUP BY/DISTINCT
   * @param workerId this process' worker id for {@link dev.junction.shard.SnowflakeIdGenerator} ids (0..1023)
   */
  public record Sharding(int virtualNodesPerWeight, long ringVersion, String defaultShard, Map<String, Integer> weights,
                         List<ShardedTable> tables, List<String> broadcastTables, List<KeyOverride> overrides,
                         MultiShardTransactions multiShardTransactions, int scatterThreads, long maxMergeGroups, int workerId) {
    public static Sharding of(List<ShardedTable> tables, List<String> broadcastTables) {
      return new Sharding(ShardRing.DEFAULT_VIRTUAL_NODES_PER_WEIGHT, ShardRing.INITIAL_VERSION, null, Map.of(), tables,
          broadcastTables, List.of(), MultiShardTransactions.ALLOW, 16, 1_000_000, 0);
    }

    public Sharding withMultiShardTransactions(MultiShardTransactions policy) {
      return new Sharding(virtualNodesPerWeight, ringVersion, defaultShard, weights, tables, broadcastTables, overrides,
          policy, scatterThreads, maxMergeGroups, workerId);
    }

    /**
     * An override's key in the canonical type of every sharded table's key column it can be: a
     * configured {@code 42} pins the integer 42 for {@code long} keys and the text "42" for
     * {@code string} keys, because configuration files carry no column types.
     */
    java.util.Set<Object> overrideKeys(Object key) {
      java.util.Set<Object> keys = new java.util.LinkedHashSet<>();
      for (ShardedTable t : tables) {
        try {
          keys.add(t.keyType().coerce(key));
        } catch (java.sql.SQLDataException notThisType) {
          // e.g. "abc" cannot pin a long key; it may still pin a string key
        }
      }
      if (keys.isEmpty()) {
        keys.add(key);
      }
      return keys;
    }

    /** The ring and table placement for these shards; assumes {@link JunctionConfig#validate()} passed. */
    public ShardingRules rules(List<Shard> shards) {
      return rules(shards, ring(shards));
    }

    /**
     * Table placement over {@code ring}, which may differ from the configured one: a router routes
     * by the ring the shards record ({@code junction_ring}), e.g. during a resharding.
     */
    public ShardingRules rules(List<Shard> shards, ShardRing ring) {
      return ShardingRules.of(ring, tables, new HashSet<>(broadcastTables),
          defaultShard == null ? shards.get(0).name() : defaultShard);
    }

    /** The ring this configuration describes. */
    public ShardRing ring(List<Shard> shards) {
      ShardRing.Builder ring = ShardRing.builder().version(ringVersion).virtualNodesPerWeight(virtualNodesPerWeight);
      for (Shard s : shards) {
        ring.shard(s.name(), weights.getOrDefault(s.name(), 1));
      }
      for (KeyOverride o : overrides) {
        for (Object key : overrideKeys(o.key())) {
          ring.override(key, o.shard());
        }
      }
      return ring.build();
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
    positive(r.parseBudget(), "junction.routing.parse-budget");
    require(r.unknownFunctions() != null, "junction.routing.unknown-functions", "accepted values: replica, primary");
    functionNames(r.sideEffectFunctions(), "junction.routing.side-effect-functions");
    functionNames(r.readOnlyFunctions(), "junction.routing.read-only-functions");
    Fencing f = fencing;
    positive(f.ttl(), "junction.fencing.ttl");
    if (f.store() == FenceStoreKind.REDIS) {
      require(f.redisUri() != null && f.redisUri().startsWith("redis"), "junction.fencing.redis-uri",
          "required when junction.fencing.store is redis; e.g. redis://127.0.0.1:6379, got "
              + (f.redisUri() == null ? "none" : Redaction.summary(f.redisUri()) + " (parameters and user-info not shown)"));
      positive(f.redisTimeout(), "junction.fencing.redis-timeout");
    }
    if (f.tokenSecret() != null) {
      require(f.tokenSecret().length() >= 16, "junction.fencing.token-secret", "must be at least 16 characters");
    }
    if (f.tokenSecretPrevious() != null) {
      require(f.tokenSecret() != null, "junction.fencing.token-secret-previous",
          "needs junction.fencing.token-secret (the new secret); the previous one is only accepted, never used to sign");
      require(f.tokenSecretPrevious().length() >= 16, "junction.fencing.token-secret-previous", "must be at least 16 characters");
      require(!f.tokenSecretPrevious().equals(f.tokenSecret()), "junction.fencing.token-secret-previous",
          "equals junction.fencing.token-secret; remove it once the rotation is over");
    }
    if (sharding != null) {
      validateSharding(shardNames);
    }
    return this;
  }

  private void validateSharding(Set<String> shardNames) {
    Sharding s = sharding;
    String names = String.join(", ", shards.stream().map(Shard::name).toList());
    require(s.virtualNodesPerWeight() >= 1 && s.virtualNodesPerWeight() <= ShardRing.MAX_VIRTUAL_NODES,
        "junction.sharding.virtual-nodes-per-weight", "must be between 1 and " + ShardRing.MAX_VIRTUAL_NODES + ", got " + s.virtualNodesPerWeight());
    require(s.ringVersion() >= 1, "junction.sharding.ring-version", "must be >= 1, got " + s.ringVersion());
    require(s.defaultShard() == null || shardNames.contains(s.defaultShard()), "junction.sharding.default-shard",
        "unknown shard '" + s.defaultShard() + "'; accepted values: " + names);
    for (Map.Entry<String, Integer> w : s.weights().entrySet()) {
      require(shardNames.contains(w.getKey()), "junction.sharding.weights." + w.getKey(), "unknown shard; accepted values: " + names);
      require(w.getValue() != null && w.getValue() > 0, "junction.sharding.weights." + w.getKey(), "must be > 0, got " + w.getValue());
    }
    Set<String> tableNames = new HashSet<>();
    for (int i = 0; i < s.tables().size(); i++) {
      ShardedTable t = s.tables().get(i);
      require(tableNames.add(t.name()), "junction.sharding.tables[" + i + "].name", "duplicate table '" + t.name() + "'");
    }
    for (int i = 0; i < s.broadcastTables().size(); i++) {
      String t = s.broadcastTables().get(i).toLowerCase(java.util.Locale.ROOT);
      require(tableNames.add(t), "junction.sharding.broadcast-tables[" + i + "]",
          "table '" + t + "' is already listed (as sharded or broadcast); a table is either sharded or broadcast");
    }
    for (int i = 0; i < s.overrides().size(); i++) {
      KeyOverride o = s.overrides().get(i);
      require(o.key() != null && KeyHash.isSupportedType(o.key()), "junction.sharding.overrides[" + i + "].key",
          "required: an integer, string or UUID key value, got " + o.key());
      require(shardNames.contains(o.shard()), "junction.sharding.overrides[" + i + "].shard",
          "unknown shard '" + o.shard() + "'; accepted values: " + names);
    }
    require(s.scatterThreads() >= 1 && s.scatterThreads() <= 1024, "junction.sharding.scatter-threads",
        "must be between 1 and 1024, got " + s.scatterThreads());
    require(s.maxMergeGroups() >= 1, "junction.sharding.max-merge-groups", "must be >= 1, got " + s.maxMergeGroups());
    require(s.workerId() >= 0 && s.workerId() <= SnowflakeIdGenerator.MAX_WORKER_ID, "junction.sharding.worker-id",
        "must be between 0 and " + SnowflakeIdGenerator.MAX_WORKER_ID + ", got " + s.workerId());
    try {
      s.rules(shards);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("junction.sharding", "the ring cannot be built: " + e.getMessage());
    }
  }

  private static void validateEndpoint(Endpoint e, String key, Set<String> names) {
    require(e.name() != null && !e.name().isBlank(), key + ".name", "required");
    require(names.add(e.name()), key + ".name", "duplicate endpoint name '" + e.name() + "' in this shard");
    require(e.url() != null && e.url().startsWith("jdbc:"), key + ".url",
        "required JDBC URL starting with 'jdbc:', e.g. jdbc:postgresql://db1:5432/app, got "
            + (e.url() == null ? "none" : Redaction.summary(e.url()) + " (parameters and user-info not shown)"));
    require(e.weight() > 0, key + ".weight", "must be > 0, got " + e.weight());
    Pool p = e.pool();
    require(p.maximumSize() > 0, key + ".pool.maximum-size", "must be > 0, got " + p.maximumSize());
    require(p.minimumIdle() >= 0 && p.minimumIdle() <= p.maximumSize(), key + ".pool.minimum-idle",
        "must be between 0 and maximum-size (" + p.maximumSize() + "), got " + p.minimumIdle());
    require(p.connectionTimeout().toMillis() >= 250, key + ".pool.connection-timeout", "must be >= 250ms (HikariCP's minimum), got " + p.connectionTimeout());
  }

  private static void functionNames(List<String> names, String key) {
    for (String fn : names) {
      require(fn != null && !fn.isBlank() && fn.chars().noneMatch(Character::isWhitespace) && !fn.contains("("),
          key, "'" + fn + "' is not a function name; give bare names like my_audit_fn or qualified ones like app.bump_counter");
    }
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
