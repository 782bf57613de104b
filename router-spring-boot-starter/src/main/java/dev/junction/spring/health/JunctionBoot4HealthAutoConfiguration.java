package dev.junction.spring.health;

import dev.junction.jdbc.RoutingDataSource;
import dev.junction.spring.JunctionAutoConfiguration;
import java.util.Map;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.context.annotation.Bean;

/**
 * The {@code junction} health contributor on Spring Boot 4, where the health API lives in
 * {@code org.springframework.boot.health} (module spring-boot-health). Classes are named, not
 * referenced, in the conditions, so that on Boot 3 this class is skipped without being loaded.
 * Disable it with {@code management.health.junction.enabled=false}
 * (which also disables {@code junctionFenceStore}).
 */
@AutoConfiguration(after = JunctionAutoConfiguration.class,
    beforeName = "org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration")
@ConditionalOnClass(name = {"org.springframework.boot.health.contributor.HealthContributor",
    "org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator",
    "dev.junction.jdbc.RoutingDataSource"})
@ConditionalOnBean(RoutingDataSource.class)
@ConditionalOnEnabledHealthIndicator("junction")
public class JunctionBoot4HealthAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean(name = "junctionHealthContributor")
  HealthContributor junctionHealthContributor(Map<String, RoutingDataSource> dataSources) {
    return Boot4HealthContributors.of(dataSources);
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
    return Boot4HealthContributors.fenceStores(dataSources);
  }
}
