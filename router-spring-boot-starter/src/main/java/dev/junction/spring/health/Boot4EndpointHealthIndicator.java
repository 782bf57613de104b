package dev.junction.spring.health;

import dev.junction.jdbc.EndpointHealth;
import java.util.List;
import java.util.function.Supplier;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/** {@link EndpointHealthReport} as a Spring Boot 4 health indicator ({@code org.springframework.boot.health}). */
final class Boot4EndpointHealthIndicator implements HealthIndicator {
  private final String shard;
  private final String endpoint;
  private final Supplier<List<EndpointHealth>> snapshot;

  Boot4EndpointHealthIndicator(String shard, String endpoint, Supplier<List<EndpointHealth>> snapshot) {
    this.shard = shard;
    this.endpoint = endpoint;
    this.snapshot = snapshot;
  }

  @Override
  public Health health() {
    EndpointHealthReport report = EndpointHealthReport.of(shard, endpoint, snapshot.get());
    Health.Builder b = switch (report.status()) {
      case UP -> Health.up();
      case DOWN -> Health.down();
      case UNKNOWN -> Health.unknown();
    };
    return b.withDetails(report.details()).build();
  }
}
