package dev.junction.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;

/** What an operator sees when the configuration is wrong: Spring Boot's failure report naming the key. */
@ExtendWith(OutputCaptureExtension.class)
class StartupFailureReportTest {

  @Test
  void theReportLeadsWithTheOffendingKey(CapturedOutput output) {
    assertThatThrownBy(() -> new SpringApplicationBuilder(App.class)
        .properties("spring.main.web-application-type=none", "spring.main.banner-mode=off",
            "junction.dialect=postgresql",
            "junction.shards[0].primary.url=jdbc:postgresql://127.0.0.1:1/app",
            "junction.routing.max-lag=1s", "junction.routing.readmit-lag=3s")
        .run().close()).rootCause().hasMessageStartingWith("junction.routing.readmit-lag:");
    assertThat(output.getOut() + output.getErr())
        .contains("APPLICATION FAILED TO START")
        .contains("Invalid Junction configuration: junction.routing.readmit-lag: must be between 0 and max-lag (PT1S), got PT3S")
        .contains("Fix 'junction.routing.readmit-lag'");
  }

  @Test
  void aWrongShardKeyTypeIsReportedWithItsKeyAndTheAcceptedValues(CapturedOutput output) {
    assertThatThrownBy(() -> new SpringApplicationBuilder(App.class)
        .properties("spring.main.web-application-type=none", "spring.main.banner-mode=off",
            "junction.dialect=postgresql",
            "junction.shards[0].primary.url=jdbc:postgresql://127.0.0.1:1/app",
            "junction.sharding.tables[0].name=orders", "junction.sharding.tables[0].key=customer_id",
            "junction.sharding.tables[0].key-type=int")
        .run().close()).rootCause().hasMessageStartingWith("junction.sharding.tables[0].key-type:");
    assertThat(output.getOut() + output.getErr())
        .contains("APPLICATION FAILED TO START")
        .contains("Invalid Junction configuration: junction.sharding.tables[0].key-type: unknown value 'int'; "
            + "accepted values: long, string, uuid")
        .contains("Fix 'junction.sharding.tables[0].key-type'");
  }

  /**
   * A URL no driver accepts, with a password in it three ways: the report names the URL's key and the
   * endpoint's address, and neither the console nor the thrown exception's stack trace shows a secret
   * (before, HikariCP's "Failed to get driver instance for jdbcUrl=..." carried the user-info).
   */
  @Test
  void aUrlWithoutADriverIsReportedWithItsKeyAndNoSecret(CapturedOutput output) {
    Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> new SpringApplicationBuilder(App.class)
        .properties("spring.main.web-application-type=none", "spring.main.banner-mode=off",
            "junction.dialect=postgresql",
            "junction.shards[0].primary.url=jdbc:postgresql://127.0.0.1:1/app",
            "junction.shards[0].replicas[0].url=jdbc:oracle:thin://app:Pw-Userinfo&;=%-1@db9:1521/orcl?password=Pw-Param-2",
            "junction.shards[0].replicas[0].password=Pw-Property-3")
        .run().close());
    java.io.StringWriter trace = new java.io.StringWriter();
    thrown.printStackTrace(new java.io.PrintWriter(trace, true));
    String everything = output.getOut() + output.getErr() + trace;
    assertThat(everything).contains("APPLICATION FAILED TO START")
        .contains("Invalid Junction configuration: junction.shards[0].replicas[0].url: no JDBC driver on the classpath"
            + " accepts this URL (db9:1521/orcl, subprotocol 'oracle')")
        .contains("Fix 'junction.shards[0].replicas[0].url'")
        .doesNotContain("Pw-Userinfo", "&;=%-1", "Pw-Param-2", "Pw-Property-3", "oracle:thin://");
  }

  @Configuration(proxyBeanMethods = false)
  @ImportAutoConfiguration(JunctionAutoConfiguration.class)
  static class App {}
}
