package dev.junction.spring;

import dev.junction.config.ConfigException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a {@link ConfigException} buried in a bean-creation stack trace into Spring Boot's
 * "APPLICATION FAILED TO START" report, leading with the offending {@code junction.*} key.
 */
class JunctionConfigFailureAnalyzer extends AbstractFailureAnalyzer<ConfigException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, ConfigException cause) {
    String description = "Invalid Junction configuration: " + cause.getMessage();
    String action = "Fix '" + cause.key() + "' in your application configuration (application.yml or "
        + "application.properties, environment variables, ...). Every junction.* key is described in "
        + "docs/spring-boot.md and in your IDE's completion.";
    return new FailureAnalysis(description, action, cause);
  }
}
