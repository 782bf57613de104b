package dev.junction.jdbc;

/** A point-in-time view of one endpoint, for health indicators, the proxy's /health and explain. */
public record EndpointHealth(String shard, String endpoint, String role, boolean up, boolean inRotation,
                             long lagMillis, long lagBytes, String replayedPosition, int consecutiveFailures, String lastError,
                             int activeConnections, int idleConnections) {
}
