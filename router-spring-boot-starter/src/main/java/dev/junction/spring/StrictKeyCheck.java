package dev.junction.spring;

import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Fails startup on an unknown {@code junction.*} key in the application's configuration files,
 * as the YAML loader does: a misspelt {@code max-lag} silently ignored would keep a lagging replica
 * in rotation. Environment variables and JVM system properties are exempt, because unrelated
 * settings such as {@code JUNCTION_PG_BIN} or {@code -Djunction.local.keep} share the prefix.
 */
final class StrictKeyCheck {
  private StrictKeyCheck() {}

  /** @throws org.springframework.boot.context.properties.bind.BindException listing the unknown keys */
  static void check(Environment environment) {
    BindHandler handler = new NoUnboundElementsBindHandler(BindHandler.DEFAULT, StrictKeyCheck::isApplicationSource);
    Binder.get(environment).bind(JunctionProperties.PREFIX, Bindable.of(JunctionProperties.class), handler);
  }

  private static boolean isApplicationSource(ConfigurationPropertySource source) {
    Object underlying = source.getUnderlyingSource();
    if (underlying instanceof SystemEnvironmentPropertySource) {
      return false;
    }
    return !(underlying instanceof PropertySource<?> ps
        && (StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME.equals(ps.getName())
            || StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME.equals(ps.getName())));
  }
}
