package dev.junction.jdbc;

import dev.junction.health.EndpointState;
import dev.junction.position.ReplicationPosition;

/** A point-in-time view of one endpoint, for health indicators, the proxy's /health and explain. */
public record EndpointHealth(String shard, String endpoint, String role, boolean up, boolean inRotation,
                             long lagMillis, long lagBytes, String replayedPosition, int consecutiveFailures, String lastError,
                             int activeConnections, int idleConnections) {
  static EndpointHealth of(EndpointPool pool) {
    EndpointState s = pool.state();
    ReplicationPosition p = s.replayed();
    var mx = pool.dataSource().getHikariPoolMXBean();
    return new EndpointHealth(s.shard(), s.name(), s.role().name().toLowerCase(), s.circuitClosed(),
        s.role() == EndpointState.Role.PRIMARY || s.inRotation(), s.lagMillis(), s.lagBytes(),
        p == null ? null : p.toString(), s.consecutiveFailures(), s.lastError(),
        mx == null ? 0 : mx.getActiveConnections(), mx == null ? 0 : mx.getIdleConnections());
  }
}
