package dev.junction.spring.health;

import dev.junction.jdbc.EndpointHealth;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The health of one database endpoint, as Junction's router sees it, independent of the Actuator
 * API (Spring Boot 3 and 4 have the same health types in different packages; each line's indicator
 * only translates this). It reads the state the lag monitor keeps up to date and never touches the
 * database itself, so a health probe can neither stall on a dead server nor add load to a live one.
 *
 * <p>DOWN when the endpoint's circuit is open or its latest contact failed; UP otherwise. A replica
 * that is reachable but too far behind stays UP with {@code inRotation: false}: the router already
 * keeps reads away from it, and it is still catching up on its own.
 */
record EndpointHealthReport(Status status, Map<String, Object> details) {
  enum Status { UP, DOWN, UNKNOWN }

  static EndpointHealthReport of(String shard, String endpoint, List<EndpointHealth> snapshot) {
    EndpointHealth h = snapshot.stream()
        .filter(e -> e.shard().equals(shard) && e.endpoint().equals(endpoint))
        .findFirst().orElse(null);
    Map<String, Object> details = new LinkedHashMap<>();
    if (h == null) {
      details.put("error", "endpoint " + shard + "/" + endpoint + " is no longer configured");
      return new EndpointHealthReport(Status.UNKNOWN, details);
    }
    boolean reachable = h.up() && h.consecutiveFailures() == 0;
    details.put("shard", h.shard());
    details.put("role", h.role());
    details.put("up", reachable);
    details.put("inRotation", h.inRotation());
    details.put("lagMillis", h.lagMillis());
    details.put("lagBytes", h.lagBytes());
    details.put("consecutiveFailures", h.consecutiveFailures());
    details.put("activeConnections", h.activeConnections());
    details.put("idleConnections", h.idleConnections());
    if (h.replayedPosition() != null) {
      details.put("replayedPosition", h.replayedPosition());
    }
    if (h.lastError() != null) {
      details.put("lastError", h.lastError());
    }
    return new EndpointHealthReport(reachable ? Status.UP : Status.DOWN, details);
  }
}
