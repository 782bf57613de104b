package dev.junction.spring.health;

import dev.junction.jdbc.EndpointHealth;
import java.util.List;
import java.util.function.Supplier;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * The health of one database endpoint, as Junction's router sees it. It reads the state the lag
 * monitor keeps up to date and never touches the database itself, so a health probe can neither
 * stall on a dead server nor add load to a live one.
 *
 * <p>DOWN when the endpoint's circuit is open or its latest contact failed; UP otherwise. A replica
 * that is reachable but too far behind stays UP with {@code inRotation: false}: the router already
 * keeps reads away from it, and it is still catching up on its own.
 */
final class EndpointHealthIndicator implements HealthIndicator {
  private final String shard;
  private final String endpoint;
  private final Supplier<List<EndpointHealth>> snapshot;

  EndpointHealthIndicator(String shard, String endpoint, Supplier<List<EndpointHealth>> snapshot) {
    this.shard = shard;
    this.endpoint = endpoint;
    this.snapshot = snapshot;
  }

  @Override
  public Health health() {
    EndpointHealth h = snapshot.get().stream()
        .filter(e -> e.shard().equals(shard) && e.endpoint().equals(endpoint))
        .findFirst().orElse(null);
    if (h == null) {
      return Health.unknown().withDetail("error", "endpoint " + shard + "/" + endpoint + " is no longer configured").build();
    }
    boolean reachable = h.up() && h.consecutiveFailures() == 0;
    Health.Builder b = reachable ? Health.up() : Health.down();
    b.withDetail("shard", h.shard())
        .withDetail("role", h.role())
        .withDetail("up", reachable)
        .withDetail("inRotation", h.inRotation())
        .withDetail("lagMillis", h.lagMillis())
        .withDetail("lagBytes", h.lagBytes())
        .withDetail("consecutiveFailures", h.consecutiveFailures())
        .withDetail("activeConnections", h.activeConnections())
        .withDetail("idleConnections", h.idleConnections());
    if (h.replayedPosition() != null) {
      b.withDetail("replayedPosition", h.replayedPosition());
    }
    if (h.lastError() != null) {
      b.withDetail("lastError", h.lastError());
    }
    return b.build();
  }
}
