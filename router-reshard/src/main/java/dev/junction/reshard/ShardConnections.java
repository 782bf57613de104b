package dev.junction.reshard;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.internal.EndpointConnector;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Direct connections to the shard primaries of a configuration: the resharding tool works below
 * the router, on the physical databases. Every connection carries the resharding tool's session
 * ring version ({@link ReshardDialect#TOOL_RING_VERSION}), which the write triggers of a
 * resharding always accept.
 *
 * <p>Connections are opened through {@link EndpointConnector}, never {@code DriverManager.getConnection(url)}:
 * the JDK's "No suitable driver found for &lt;url&gt;" prints the whole URL with its password. Every
 * endpoint's driver is resolved when this is built, so a URL no driver accepts fails before any step
 * runs, with a {@link dev.junction.config.ConfigException} naming its key
 * ({@code junction.shards[0].primary.url}) and its host only.
 */
final class ShardConnections {
  private final Map<String, JunctionConfig.Endpoint> primaries = new LinkedHashMap<>();
  private final Map<String, List<JunctionConfig.Endpoint>> replicas = new LinkedHashMap<>();
  private final Map<JunctionConfig.Endpoint, EndpointConnector> connectors = new java.util.IdentityHashMap<>();
  final ReshardDialect dialect;

  ShardConnections(JunctionConfig config) {
    List<JunctionConfig.Shard> shards = config.shards();
    for (int i = 0; i < shards.size(); i++) {
      JunctionConfig.Shard s = shards.get(i);
      primaries.put(s.name(), s.primary());
      replicas.put(s.name(), s.replicas());
      String key = "junction.shards[" + i + "]";
      connectors.put(s.primary(), EndpointConnector.of(s.primary(), key + ".primary"));
      for (int r = 0; r < s.replicas().size(); r++) {
        connectors.put(s.replicas().get(r), EndpointConnector.of(s.replicas().get(r), key + ".replicas[" + r + "]"));
      }
    }
    this.dialect = ReshardDialect.of(config.dialect());
  }

  boolean has(String shard) {
    return primaries.containsKey(shard);
  }

  List<String> shardIds() {
    return List.copyOf(primaries.keySet());
  }

  List<JunctionConfig.Endpoint> replicas(String shard) {
    return replicas.getOrDefault(shard, List.of());
  }

  /** A new auto-commit connection to {@code shard}'s primary, tagged as the resharding tool. */
  Connection open(String shard) throws SQLException {
    JunctionConfig.Endpoint e = primaries.get(shard);
    if (e == null) {
      throw new SQLException("Junction reshard: the configuration has no shard '" + shard + "'; it lists " + primaries.keySet(),
          "42704");
    }
    Connection c = connect(e);
    try {
      dialect.setSessionRingVersion(c, ReshardDialect.TOOL_RING_VERSION);
      dialect.prepareSession(c);
      return c;
    } catch (SQLException ex) {
      c.close();
      throw ex;
    }
  }

  private final Map<String, Connection> held = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * A connection to {@code shard}'s primary kept open for the life of the job: the cut-over's steps
   * must not pay a connection set-up each (a pause). Closed by {@link #close()}; replaced when closed.
   */
  Connection held(String shard) throws SQLException {
    return held(shard, "");
  }

  /** As {@link #held(String)}, one per {@code channel}, for steps that use a shard from several threads. */
  Connection held(String shard, String channel) throws SQLException {
    String key = shard + "|" + channel;
    Connection c = held.get(key);
    if (c == null || c.isClosed()) {
      c = open(shard);
      held.put(key, c);
    }
    return c;
  }

  /** A held connection to one of {@code shard}'s replicas (no ring version: replicas take no writes). */
  Connection heldReplica(String shard, JunctionConfig.Endpoint replica) throws SQLException {
    String key = shard + "|replica:" + replica.name();
    Connection c = held.get(key);
    if (c == null || c.isClosed()) {
      c = connect(replica);
      held.put(key, c);
    }
    return c;
  }

  /** Drops a held connection that failed, so the next {@link #held} reconnects. */
  void discard(String shard) {
    discardKey(shard + "|");
  }

  void discard(String shard, String channel) {
    discardKey(shard + "|" + channel);
  }

  private void discardKey(String key) {
    Connection c = held.remove(key);
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // already broken
      }
    }
  }

  /** Replaces held connections that no longer answer (a restarted shard), before a step that must not stall. */
  void revalidate() {
    for (java.util.Map.Entry<String, Connection> e : List.copyOf(held.entrySet())) {
      boolean ok;
      try {
        ok = e.getValue().isValid(2);
      } catch (SQLException ex) {
        ok = false;
      }
      if (!ok) {
        discardKey(e.getKey());
      }
    }
  }

  void close() {
    for (String key : List.copyOf(held.keySet())) {
      discardKey(key);
    }
  }

  /** A connection to {@code e}; a failure names its key and host, never its URL or password. */
  Connection connect(JunctionConfig.Endpoint e) throws SQLException {
    EndpointConnector connector = connectors.get(e);
    if (connector == null) {
      throw new SQLException("Junction reshard: endpoint '" + e.name() + "' is not in the configuration", "42704");
    }
    Properties p = new Properties();
    dialect.connectionProperties(p);
    return connector.connect(p);
  }

  Dialect sqlDialect() {
    return dialect.dialect();
  }
}
