package dev.junction.spring;

import dev.junction.spring.SpringBootLine.UnsupportedSpringBootException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** "APPLICATION FAILED TO START" naming the Spring Boot lines the starter supports. */
class UnsupportedSpringBootFailureAnalyzer extends AbstractFailureAnalyzer<UnsupportedSpringBootException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, UnsupportedSpringBootException cause) {
    return new FailureAnalysis("Junction's Spring Boot starter does not support Spring Boot " + cause.version() + ".",
        "Use Spring Boot " + SpringBootLine.SUPPORTED + " (see docs/spring-boot.md, \"Supported Spring Boot lines\"), "
            + "or set junction.enabled=false to start without Junction.", cause);
  }
}
