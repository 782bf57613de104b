package dev.junction.reshard;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import java.sql.Connection;
import java.sql.DriverManager;
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
 */
final class ShardConnections {
  private final Map<String, JunctionConfig.Endpoint> primaries = new LinkedHashMap<>();
  private final Map<String, List<JunctionConfig.Endpoint>> replicas = new LinkedHashMap<>();
  final ReshardDialect dialect;

  ShardConnections(JunctionConfig config) {
    for (JunctionConfig.Shard s : config.shards()) {
      primaries.put(s.name(), s.primary());
      replicas.put(s.name(), s.replicas());
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
      return c;
    } catch (SQLException ex) {
      c.close();
      throw ex;
    }
  }

  Connection connect(JunctionConfig.Endpoint e) throws SQLException {
    Properties p = new Properties();
    if (e.username() != null) {
      p.setProperty("user", e.username());
    }
    if (e.password() != null) {
      p.setProperty("password", e.password());
    }
    dialect.connectionProperties(p);
    return DriverManager.getConnection(e.url(), p);
  }

  Dialect sqlDialect() {
    return dialect.dialect();
  }
}
