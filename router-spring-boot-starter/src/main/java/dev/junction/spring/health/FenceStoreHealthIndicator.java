package dev.junction.spring.health;

import dev.junction.jdbc.RoutingDataSource;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/** {@link FenceStoreHealthReport} as a Spring Boot 3 health indicator. */
final class FenceStoreHealthIndicator implements HealthIndicator {
  private final RoutingDataSource dataSource;

  FenceStoreHealthIndicator(RoutingDataSource dataSource) {
    this.dataSource = dataSource;
  }

  @Override
  public Health health() {
    FenceStoreHealthReport report = FenceStoreHealthReport.of(dataSource);
    return (report.up() ? Health.up() : Health.down()).withDetails(report.details()).build();
  }
}
