package dev.junction.spring;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
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

  @Override
  public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
    for (ConfigurationPropertySource source : ConfigurationPropertySources.get(context.getEnvironment())) {
      if (source.containsDescendantOf(SHARDS) == ConfigurationPropertyState.PRESENT || source.getConfigurationProperty(SHARDS) != null) {
        return ConditionOutcome.match("junction.shards is set");
      }
    }
    return ConditionOutcome.noMatch("junction.shards is not set");
  }
}
