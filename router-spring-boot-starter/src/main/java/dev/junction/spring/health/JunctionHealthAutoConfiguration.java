package dev.junction.spring.health;

import dev.junction.jdbc.RoutingDataSource;
import dev.junction.spring.JunctionAutoConfiguration;
import java.util.Map;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.autoconfigure.health.HealthContributorAutoConfiguration;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Adds the {@code junction} health contributor (one indicator per endpoint) when Spring Boot
 * Actuator is present. Disable it with {@code management.health.junction.enabled=false}.
 */
@AutoConfiguration(after = JunctionAutoConfiguration.class, before = HealthContributorAutoConfiguration.class)
@ConditionalOnClass({HealthContributor.class, ConditionalOnEnabledHealthIndicator.class, RoutingDataSource.class})
@ConditionalOnBean(RoutingDataSource.class)
@ConditionalOnEnabledHealthIndicator("junction")
public class JunctionHealthAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean(name = "junctionHealthContributor")
  HealthContributor junctionHealthContributor(Map<String, RoutingDataSource> dataSources) {
    return JunctionHealthContributors.of(dataSources);
  }
}
