package dev.junction.spring.health;

import dev.junction.jdbc.RoutingDataSource;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/** {@link FenceStoreHealthReport} as a Spring Boot 4 health indicator ({@code org.springframework.boot.health}). */
final class Boot4FenceStoreHealthIndicator implements HealthIndicator {
  private final RoutingDataSource dataSource;

  Boot4FenceStoreHealthIndicator(RoutingDataSource dataSource) {
    this.dataSource = dataSource;
  }

  @Override
  public Health health() {
    FenceStoreHealthReport report = FenceStoreHealthReport.of(dataSource);
    return (report.up() ? Health.up() : Health.down()).withDetails(report.details()).build();
  }
}
