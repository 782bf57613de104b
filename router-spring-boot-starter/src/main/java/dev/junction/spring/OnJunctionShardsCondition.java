package dev.junction.spring;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.springframework.boot.autoconfigure.condition.ConditionEvaluationReport;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.ConfigurationPropertyState;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when any {@code junction.shards...} property is set. A plain
 * {@code @ConditionalOnProperty} cannot express this because the shards are an indexed list
 * ({@code junction.shards[0].primary.url}), so there is no single key to test.
 */
class OnJunctionShardsCondition extends SpringBootCondition {
  private static final ConfigurationPropertyName SHARDS = ConfigurationPropertyName.of("junction.shards");

  /** Spring Boot's DataSource auto-configuration, on Boot 3 and on Boot 4. */
  static final List<String> DATA_SOURCE_AUTO_CONFIGURATIONS = List.of(
      "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
      "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration");

  @Override
  public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
    if ("false".equalsIgnoreCase(String.valueOf(context.getEnvironment().getProperty("junction.enabled")).trim())) {
      return ConditionOutcome.noMatch("junction.enabled is false");
    }
    String excluded = excludedDataSourceAutoConfiguration(context);
    if (excluded != null) {
      return ConditionOutcome.noMatch(excluded + " is excluded: the application declares that it has no database");
    }
    for (ConfigurationPropertySource source : ConfigurationPropertySources.get(context.getEnvironment())) {
      if (source.containsDescendantOf(SHARDS) == ConfigurationPropertyState.PRESENT || source.getConfigurationProperty(SHARDS) != null) {
        return ConditionOutcome.match("junction.shards is set");
      }
    }
    return ConditionOutcome.noMatch("junction.shards is not set");
  }

  /**
   * The DataSource auto-configuration the application excluded (exclude attribute of
   * {@code @SpringBootApplication} / {@code @EnableAutoConfiguration}, or
   * {@code spring.autoconfigure.exclude}), or null. Tests that declare "no database" do exactly this;
   * Junction then backs off like Boot's own DataSource does.
   */
  private static String excludedDataSourceAutoConfiguration(ConditionContext context) {
    Set<String> excluded = new HashSet<>();
    if (context.getBeanFactory() != null) {
      excluded.addAll(ConditionEvaluationReport.get(context.getBeanFactory()).getExclusions());
    }
    String[] property = Binder.get(context.getEnvironment()).bind("spring.autoconfigure.exclude", String[].class).orElse(new String[0]);
    for (String p : property) {
      excluded.add(p.trim());
    }
    for (String name : DATA_SOURCE_AUTO_CONFIGURATIONS) {
      if (excluded.contains(name)) {
        return name;
      }
    }
    return null;
  }
}
