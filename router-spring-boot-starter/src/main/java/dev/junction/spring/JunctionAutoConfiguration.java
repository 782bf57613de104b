package dev.junction.spring;

import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.RoutingDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * Makes the application's {@link DataSource} a Junction {@link RoutingDataSource} built from the
 * {@code junction.*} properties, so JdbcTemplate, JPA and Spring Data route reads to replicas
 * without code changes. Runs before Spring Boot's own DataSource auto-configuration (named, not
 * referenced: it moved between Boot 3 and 4; it then backs off) and backs off itself when the application defines a DataSource.
 *
 * <p>Meters go to the application's {@link MeterRegistry} when there is one. Spring closes the
 * data source (pools, lag monitor, fence store) when the context shuts down.
 */
@AutoConfiguration(beforeName = {
    "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",   // Spring Boot 3
    "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration"})  // Spring Boot 4
@ConditionalOnClass({DataSource.class, RoutingDataSource.class})
@ConditionalOnJunctionShards
@ConditionalOnMissingBean(DataSource.class)
@EnableConfigurationProperties(JunctionProperties.class)
public class JunctionAutoConfiguration {
  private static final Logger log = LoggerFactory.getLogger(JunctionAutoConfiguration.class);

  /** The validated router configuration; a bad value fails startup naming its {@code junction.*} key. */
  @Bean
  @ConditionalOnMissingBean
  JunctionConfig junctionConfig(JunctionProperties properties, Environment environment) {
    SpringBootLine.check();
    StrictKeyCheck.check(environment);
    return JunctionConfigMapper.toConfig(properties);
  }

  @Bean(destroyMethod = "close")
  RoutingDataSource dataSource(JunctionConfig config, ObjectProvider<MeterRegistry> meterRegistry) {
    MeterRegistry registry = meterRegistry.getIfUnique();
    log.info(StartupSummary.of(config));
    return registry == null ? RoutingDataSource.create(config) : RoutingDataSource.create(config, registry);
  }
}
