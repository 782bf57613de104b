package dev.junction.spring.health;

import dev.junction.jdbc.RoutingDataSource;
import dev.junction.spring.JunctionAutoConfiguration;
import java.util.Map;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Adds the {@code junction} health contributor (one indicator per endpoint) when Spring Boot 3
 * Actuator is present ({@link JunctionBoot4HealthAutoConfiguration} does the same on Boot 4, whose
 * health API moved to {@code org.springframework.boot.health}). Disable it with {@code management.health.junction.enabled=false}
 * (which also disables {@code junctionFenceStore}).
 */
@AutoConfiguration(after = JunctionAutoConfiguration.class,
    beforeName = "org.springframework.boot.actuate.autoconfigure.health.HealthContributorAutoConfiguration")
@ConditionalOnClass(name = {"org.springframework.boot.actuate.health.HealthContributor",
    "org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator", "dev.junction.jdbc.RoutingDataSource"})
@ConditionalOnBean(RoutingDataSource.class)
@ConditionalOnEnabledHealthIndicator("junction")
public class JunctionHealthAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean(name = "junctionHealthContributor")
  HealthContributor junctionHealthContributor(Map<String, RoutingDataSource> dataSources) {
    return JunctionHealthContributors.of(dataSources);
  }

  /**
   * {@code junctionFenceStore}: whether the fence store answers (see {@link FenceStoreHealthReport}
   * for why it is {@code DOWN}, not "degraded", when Redis is down). A contributor of its own, not a
   * branch of {@code junction}, so that a health group can include {@code junction} without it.
   * Disable it alone with {@code management.health.junction-fence-store.enabled=false}.
   */
  @Bean
  @ConditionalOnMissingBean(name = "junctionFenceStoreHealthContributor")
  @ConditionalOnEnabledHealthIndicator("junction-fence-store")
  HealthContributor junctionFenceStoreHealthContributor(Map<String, RoutingDataSource> dataSources) {
    return JunctionHealthContributors.fenceStores(dataSources);
  }
}
