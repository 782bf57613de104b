package dev.junction.config;

import dev.junction.classify.Dialect;
import dev.junction.classify.UnknownFunctions;
import dev.junction.health.ReplicaSelector;
import dev.junction.shard.KeyType;
import dev.junction.shard.ShardedTable;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Reads a {@link JunctionConfig} from YAML (the format shared by the library, the proxy and the docs).
 *
 * <p>Strict by design: an unknown key is an error that lists the accepted keys, because a misspelt
 * {@code max-lag} silently ignored would route reads to a replica the operator meant to exclude.
 * Values may reference environment variables as {@code ${NAME}} or {@code ${NAME:default}}.
 */
public final class YamlConfigLoader {
  private YamlConfigLoader() {}

  public static JunctionConfig load(Path file) {
    try (Reader reader = Files.newBufferedReader(file)) {
      return load(reader, file.toString());
    } catch (IOException e) {
      throw new ConfigException("file " + file, "cannot read: " + e.getMessage());
    }
  }

  public static JunctionConfig load(InputStream in, String source) {
    return load(new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8), source);
  }

  public static JunctionConfig parse(String yaml) {
    return load(new StringReader(yaml), "<string>");
  }

  private static JunctionConfig load(Reader reader, String source) {
    Object root;
    try {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
    } catch (RuntimeException e) {
      throw new ConfigException("file " + source, "not valid YAML: " + e.getMessage());
    }
    Node top = Node.map("", root);
    Node junction = top.has("junction") ? top.child("junction") : top;
    return fromNode(junction.prefixed("junction"));
  }

  /** Builds the config from an already-parsed tree of maps and lists (also used by the Spring starter). */
  public static JunctionConfig fromMap(Map<String, Object> junction) {
    return fromNode(Node.map("junction", junction));
  }

  private static JunctionConfig fromNode(Node j) {
    j.allow("dialect", "shards", "routing", "fencing", "sharding", "proxy");
    Dialect dialect = j.has("dialect") ? ConfigValues.enumValue(j.key("dialect"), j.raw("dialect"), Dialect.class) : null;
    List<JunctionConfig.Shard> shards = new ArrayList<>();
    List<Node> shardNodes = j.list("shards");
    for (int i = 0; i < shardNodes.size(); i++) {
      Node s = shardNodes.get(i);
      s.allow("name", "primary", "replicas");
      List<JunctionConfig.Endpoint> replicas = new ArrayList<>();
      List<Node> replicaNodes = s.has("replicas") ? s.list("replicas") : List.of();
      for (int r = 0; r < replicaNodes.size(); r++) {
        replicas.add(endpoint(replicaNodes.get(r), "replica" + (r + 1)));
      }
      String name = s.has("name") ? s.string("name") : "shard" + i;
      shards.add(new JunctionConfig.Shard(name, s.has("primary") ? endpoint(s.child("primary"), "primary") : null, replicas));
    }
    JunctionConfig.Routing rd = JunctionConfig.Routing.defaults();
    JunctionConfig.Routing routing = rd;
    if (j.has("routing")) {
      Node r = j.child("routing");
      r.allow("replica-selection", "max-lag", "max-lag-bytes", "readmit-lag", "lag-poll-interval", "max-fence-wait",
          "circuit-open", "parse-cache-size", "side-effect-functions", "parse-budget", "unknown-functions", "read-only-functions");
      var maxLag = r.has("max-lag") ? ConfigValues.duration(r.key("max-lag"), r.raw("max-lag")) : rd.maxLag();
      routing = new JunctionConfig.Routing(
          r.has("replica-selection") ? ConfigValues.enumValue(r.key("replica-selection"), r.raw("replica-selection"), ReplicaSelector.Strategy.class) : rd.replicaSelection(),
          maxLag,
          r.has("max-lag-bytes") ? ConfigValues.bytes(r.key("max-lag-bytes"), r.raw("max-lag-bytes")) : rd.maxLagBytes(),
          r.has("readmit-lag") ? ConfigValues.duration(r.key("readmit-lag"), r.raw("readmit-lag")) : maxLag.dividedBy(2),
          r.has("lag-poll-interval") ? ConfigValues.duration(r.key("lag-poll-interval"), r.raw("lag-poll-interval")) : rd.lagPollInterval(),
          r.has("max-fence-wait") ? ConfigValues.duration(r.key("max-fence-wait"), r.raw("max-fence-wait")) : rd.maxFenceWait(),
          r.has("circuit-open") ? ConfigValues.duration(r.key("circuit-open"), r.raw("circuit-open")) : rd.circuitOpen(),
          r.has("parse-cache-size") ? ConfigValues.integer(r.key("parse-cache-size"), r.raw("parse-cache-size")) : rd.parseCacheSize(),
          r.has("side-effect-functions") ? stringList(r.key("side-effect-functions"), r.raw("side-effect-functions"), "function names") : rd.sideEffectFunctions(),
          r.has("parse-budget") ? ConfigValues.duration(r.key("parse-budget"), r.raw("parse-budget")) : rd.parseBudget(),
          r.has("unknown-functions") ? ConfigValues.enumValue(r.key("unknown-functions"), r.raw("unknown-functions"), UnknownFunctions.class) : rd.unknownFunctions(),
          r.has("read-only-functions") ? stringList(r.key("read-only-functions"), r.raw("read-only-functions"), "function names") : rd.readOnlyFunctions());
    }
    JunctionConfig.Fencing fd = JunctionConfig.Fencing.defaults();
    JunctionConfig.Fencing fencing = fd;
    if (j.has("fencing")) {
      Node f = j.child("fencing");
      f.allow("store", "ttl", "local-maximum-scopes", "redis-uri", "redis-timeout", "redis-key-prefix", "token-secret",
          "token-secret-previous");
      fencing = new JunctionConfig.Fencing(
          f.has("store") ? ConfigValues.enumValue(f.key("store"), f.raw("store"), JunctionConfig.FenceStoreKind.class) : fd.store(),
          f.has("ttl") ? ConfigValues.duration(f.key("ttl"), f.raw("ttl")) : fd.ttl(),
          f.has("local-maximum-scopes") ? ConfigValues.integer(f.key("local-maximum-scopes"), f.raw("local-maximum-scopes")) : fd.localMaximumScopes(),
          f.has("redis-uri") ? f.string("redis-uri") : fd.redisUri(),
          f.has("redis-timeout") ? ConfigValues.duration(f.key("redis-timeout"), f.raw("redis-timeout")) : fd.redisTimeout(),
          f.has("redis-key-prefix") ? f.string("redis-key-prefix") : fd.redisKeyPrefix(),
          f.has("token-secret") ? f.string("token-secret") : fd.tokenSecret(),
          f.has("token-secret-previous") ? f.string("token-secret-previous") : fd.tokenSecretPrevious());
    }
    JunctionConfig.Sharding sharding = j.has("sharding") ? sharding(j.child("sharding")) : null;
    return new JunctionConfig(dialect, shards, routing, fencing, sharding).validate();
  }

  /**
   * A YAML list of strings; a comma-separated string is accepted too, so {@code ${APP_FUNCTIONS}} can supply
   * the list from one environment variable.
   */
  private static List<String> stringList(String key, Object raw, String what) {
    List<String> out = new ArrayList<>();
    if (raw instanceof String text) {
      for (String part : Env.expand(key, text).split(",")) {
        if (!part.isBlank()) {
          out.add(part.trim());
        }
      }
      return out;
    }
    if (!(raw instanceof List<?> items)) {
      throw new ConfigException(key, "expected a list of " + what + ", got: " + Redaction.redact(String.valueOf(raw)));
    }
    for (Object item : items) {
      if (item == null || item instanceof Map || item instanceof List) {
        throw new ConfigException(key, "expected a list of " + what + ", got an item: " + Redaction.redact(String.valueOf(item)));
      }
      out.add(item instanceof String t ? Env.expand(key, t).trim() : String.valueOf(item));
    }
    return out;
  }

  private static JunctionConfig.Sharding sharding(Node s) {
    s.allow("virtual-nodes-per-weight", "ring-version", "default-shard", "weights", "tables", "broadcast-tables", "overrides",
        "multi-shard-transactions", "scatter-threads", "max-merge-groups", "worker-id");
    JunctionConfig.Sharding d = JunctionConfig.Sharding.of(List.of(), List.of());
    Map<String, Integer> weights = new java.util.LinkedHashMap<>();
    if (s.has("weights")) {
      Node w = s.child("weights");
      for (String shard : w.map().keySet()) {
        weights.put(shard, ConfigValues.integer(w.key(shard), w.raw(shard)));
      }
    }
    List<ShardedTable> tables = new ArrayList<>();
    if (s.has("tables")) {
      for (Node t : s.list("tables")) {
        t.allow("name", "key", "key-type");
        if (!t.has("name")) {
          throw new ConfigException(t.key("name"), "required: the table name");
        }
        if (!t.has("key")) {
          throw new ConfigException(t.key("key"), "required: the shard-key column of table " + t.string("name"));
        }
        KeyType type = t.has("key-type") ? ConfigValues.enumValue(t.key("key-type"), t.raw("key-type"), KeyType.class) : KeyType.LONG;
        tables.add(new ShardedTable(t.string("name"), t.string("key"), type));
      }
    }
    List<String> broadcast = new ArrayList<>();
    if (s.has("broadcast-tables")) {
      Object raw = s.map().get("broadcast-tables");
      if (!(raw instanceof List<?> items)) {
        throw new ConfigException(s.key("broadcast-tables"), "expected a list of table names, got: " + Redaction.redact(String.valueOf(raw)));
      }
      for (Object item : items) {
        broadcast.add(String.valueOf(item));
      }
    }
    List<JunctionConfig.KeyOverride> overrides = new ArrayList<>();
    if (s.has("overrides")) {
      for (Node o : s.list("overrides")) {
        o.allow("key", "shard");
        Object key = o.raw("key");
        overrides.add(new JunctionConfig.KeyOverride(key instanceof Integer i ? Long.valueOf(i) : key, o.string("shard")));
      }
    }
    return new JunctionConfig.Sharding(
        s.has("virtual-nodes-per-weight") ? ConfigValues.integer(s.key("virtual-nodes-per-weight"), s.raw("virtual-nodes-per-weight")) : d.virtualNodesPerWeight(),
        s.has("ring-version") ? ConfigValues.integer(s.key("ring-version"), s.raw("ring-version")) : d.ringVersion(),
        s.has("default-shard") ? s.string("default-shard") : null,
        weights, tables, broadcast, overrides,
        s.has("multi-shard-transactions") ? ConfigValues.enumValue(s.key("multi-shard-transactions"), s.raw("multi-shard-transactions"), JunctionConfig.MultiShardTransactions.class) : d.multiShardTransactions(),
        s.has("scatter-threads") ? ConfigValues.integer(s.key("scatter-threads"), s.raw("scatter-threads")) : d.scatterThreads(),
        s.has("max-merge-groups") ? ConfigValues.integer(s.key("max-merge-groups"), s.raw("max-merge-groups")) : d.maxMergeGroups(),
        s.has("worker-id") ? ConfigValues.integer(s.key("worker-id"), s.raw("worker-id")) : d.workerId());
  }

  private static JunctionConfig.Endpoint endpoint(Node e, String defaultName) {
    e.allow("name", "url", "username", "password", "weight", "pool");
    JunctionConfig.Pool pd = JunctionConfig.Pool.defaults();
    JunctionConfig.Pool pool = pd;
    if (e.has("pool")) {
      Node p = e.child("pool");
      p.allow("maximum-size", "minimum-idle", "connection-timeout", "idle-timeout", "max-lifetime", "validation-timeout");
      pool = new JunctionConfig.Pool(
          p.has("maximum-size") ? ConfigValues.integer(p.key("maximum-size"), p.raw("maximum-size")) : pd.maximumSize(),
          p.has("minimum-idle") ? ConfigValues.integer(p.key("minimum-idle"), p.raw("minimum-idle")) : pd.minimumIdle(),
          p.has("connection-timeout") ? ConfigValues.duration(p.key("connection-timeout"), p.raw("connection-timeout")) : pd.connectionTimeout(),
          p.has("idle-timeout") ? ConfigValues.duration(p.key("idle-timeout"), p.raw("idle-timeout")) : pd.idleTimeout(),
          p.has("max-lifetime") ? ConfigValues.duration(p.key("max-lifetime"), p.raw("max-lifetime")) : pd.maxLifetime(),
          p.has("validation-timeout") ? ConfigValues.duration(p.key("validation-timeout"), p.raw("validation-timeout")) : pd.validationTimeout());
    }
    return new JunctionConfig.Endpoint(
        e.has("name") ? e.string("name") : defaultName,
        e.has("url") ? e.string("url") : null,
        e.has("username") ? e.string("username") : null,
        e.has("password") ? e.string("password") : null,
        e.has("weight") ? ConfigValues.integer(e.key("weight"), e.raw("weight")) : 1,
        pool);
  }

  /** A position in the YAML tree that knows its own dotted key, for error messages. */
  private record Node(String path, Map<String, Object> map) {
    @SuppressWarnings("unchecked")
    static Node map(String path, Object value) {
      if (value == null) {
        return new Node(path, Map.of());
      }
      if (!(value instanceof Map)) {
        throw new ConfigException(path.isEmpty() ? "<root>" : path, "expected a mapping of keys, got: " + Redaction.redact(String.valueOf(value)));
      }
      return new Node(path, (Map<String, Object>) value);
    }

    Node prefixed(String newPath) {
      return new Node(newPath, map);
    }

    String key(String name) {
      return path.isEmpty() ? name : path + "." + name;
    }

    boolean has(String name) {
      return map.get(name) != null;
    }

    Object raw(String name) {
      Object v = map.get(name);
      return v instanceof String s ? Env.expand(key(name), s) : v;
    }

    String string(String name) {
      Object v = raw(name);
      return v == null ? null : String.valueOf(v);
    }

    Node child(String name) {
      return Node.map(key(name), map.get(name));
    }

    List<Node> list(String name) {
      Object v = map.get(name);
      if (!(v instanceof List<?> items)) {
        throw new ConfigException(key(name), v == null ? "required: a list" : "expected a list, got: " + Redaction.redact(String.valueOf(v)));
      }
      List<Node> nodes = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        nodes.add(Node.map(key(name) + "[" + i + "]", items.get(i)));
      }
      return nodes;
    }

    void allow(String... keys) {
      Set<String> accepted = Set.of(keys);
      for (String k : map.keySet()) {
        if (!accepted.contains(k)) {
          throw new ConfigException(key(k), "unknown key; accepted keys here: " + String.join(", ", new TreeSet<>(accepted)));
        }
      }
    }
  }

  /** Expands {@code ${NAME}} and {@code ${NAME:default}} from the environment. */
  static final class Env {
    private static final java.util.regex.Pattern REF = java.util.regex.Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?}");

    static String expand(String key, String text) {
      java.util.regex.Matcher m = REF.matcher(text);
      StringBuilder out = new StringBuilder();
      while (m.find()) {
        String value = System.getenv(m.group(1));
        if (value == null) {
          value = m.group(2);
        }
        if (value == null) {
          throw new ConfigException(key, "environment variable " + m.group(1) + " is not set and no default was given (use ${"
              + m.group(1) + ":default})");
        }
        m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(value));
      }
      m.appendTail(out);
      return out.toString();
    }
  }
}
