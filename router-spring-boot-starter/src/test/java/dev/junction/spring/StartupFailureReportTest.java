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

  @Configuration(proxyBeanMethods = false)
  @ImportAutoConfiguration(JunctionAutoConfiguration.class)
  static class App {}
}
