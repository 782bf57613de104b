package dev.junction.jdbc;

import dev.junction.route.RouteReason;
import java.sql.Connection;

/**
 * What a routed connection knows beyond JDBC; reach it with
 * {@code connection.unwrap(JunctionConnection.class)}. The proxy uses it to report transaction status,
 * and applications can log where their last statement ran and why.
 */
public interface JunctionConnection extends Connection {

  /** True while an explicit transaction (auto-commit off, or SQL BEGIN) is open. */
  boolean inTransaction();

  /** Why the last statement went where it went, or null before the first statement. */
  RouteReason lastRouteReason();

  /** {@code shard/endpoint} of the last statement's target, e.g. {@code main/replica2}, or null. */
  String lastRouteEndpoint();

  /**
   * With sharding, the route of the last statement: its opcode, target shards and why; null without
   * sharding or before the first statement.
   */
  default dev.junction.shard.ShardRoute lastShardRoute() {
    return null;
  }
}
