package dev.junction.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.junction.config.ConfigException;
import dev.junction.config.JunctionConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The proxy parses endpoint URLs itself; a URL it cannot use fails naming the key, and neither the
 * message nor a printed stack trace shows the URL's secret. Before, {@code URI.create} threw
 * "Illegal character in authority at index 17: postgresql://app:Pw word@db1/app", password and all,
 * and a non-PostgreSQL URL was echoed after "got".
 */
class EndpointUrlSecretTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "jdbc:postgresql://app:Pw word-1@db1:5432/app           | Pw word-1 | not a valid URL (db1:5432/app)",
      "jdbc:postgresql://db1:5432/app?password=Pw word&Amp-2  | Amp-2     | not a valid URL (db1:5432/app)",
      "jdbc:mysql://app:Pw&Semi;Colon-3@db1:3306/app          | Semi;Colon-3 | got a URL for db1:3306/app"})
  void anUnusableUrlNamesTheKeyAndNoSecret(String url, String secret, String expected) {
    JunctionConfig.Endpoint e = new JunctionConfig.Endpoint("primary", url, "app", "Pw-Configured-4", 1, JunctionConfig.Pool.defaults());
    Throwable thrown = catchThrowable(() -> new Endpoint("main", e, null, null, false));
    StringWriter printed = new StringWriter();
    thrown.printStackTrace(new PrintWriter(printed, true));
    System.out.println("[EndpointUrlSecretTest] " + thrown);
    assertThat(printed.toString()).doesNotContain(secret, "Pw-Configured-4", url.substring(5, 20));
    assertThat(thrown).isInstanceOf(ConfigException.class).hasNoCause();
    assertThat(((ConfigException) thrown).key()).isEqualTo("junction.shards.main.primary.url");
    assertThat(thrown.getMessage()).contains(expected);
  }
}
