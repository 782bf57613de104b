package dev.junction.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.config.ConfigException;
import dev.junction.config.RedactedCause;
import dev.junction.config.YamlConfigLoader;
import dev.junction.jdbc.DataSourceSummary;
import dev.junction.jdbc.RoutingDataSource;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A URL that no JDBC driver accepts (unknown subprotocol, or a known one with broken syntax) fails at
 * startup naming the endpoint's key, and no secret of that URL appears in the message, in any cause's
 * message, or in the stack trace a logger prints. Before the fix, HikariCP's "Failed to get driver
 * instance for jdbcUrl=..." carried the URL (it masks only a password= parameter up to the next
 * &amp;, ; or #), user-info and all.
 *
 * <p>The PostgreSQL and MySQL drivers are on this module's test classpath, so "unknown subprotocol"
 * is real DriverManager behaviour, not a mock.
 */
class EndpointUrlSecretTest {
  private static final String GOOD = "jdbc:postgresql://127.0.0.1:1/app";

  @ParameterizedTest(name = "{0} at {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      // url                                                             | where                  | secret            | address
      "jdbc:nosuchdb://db1:5432/app?password=Pw-Param-1                     | primary                | Pw-Param-1        | db1:5432/app",
      "jdbc:nosuchdb://app:Pw-Userinfo-2@db1:5432/app                       | primary                | Pw-Userinfo-2     | db1:5432/app",
      "jdbc:postgresql://db1:notaport/app?password=Pw-Malformed-3           | replica                | Pw-Malformed-3    | ?",
      "jdbc:postgresql://app:Pw-Malformed-4@db1:notaport/app                | replica                | Pw-Malformed-4    | ?",
      "jdbc:nosuchdb://app:Pw&Amp;Semi=Eq%Pct-5@db1:5432/app                | primary                | Pw&Amp;Semi=Eq%Pct-5 | db1:5432/app",
      "jdbc:nosuchdb://db1:5432/app?user=u&password=Pw&Amp-6&ssl=true      | second-shard           | Amp-6             | db1:5432/app",
      "jdbc:nosuchdb://db1:5432/app?password=Pw%26Enc%3B%3D-7&ssl=true     | replica                | Pw%26Enc%3B%3D-7  | db1:5432/app",
      "jdbc:nosuchdb://db1:5432/app;password=Pw@Semi;Param-8               | primary                | Pw@Semi           | db1:5432/app",
      "jdbc:nosuchdb://db1:5432/app?password=Pw#Hash-9                      | primary                | Hash-9            | db1:5432/app",
      "jdbc:nosuchdb://db1:5432/app?password=Pw;Semi-10                      | primary                | Semi-10           | db1:5432/app"})
  void anUnusableUrlFailsAtStartupNamingTheKeyAndNoSecret(String url, String where, String secret, String address) {
    String key = switch (where) {
      case "primary" -> "junction.shards[0].primary.url";
      case "replica" -> "junction.shards[0].replicas[1].url";
      case "second-shard" -> "junction.shards[1].primary.url";
      default -> throw new IllegalArgumentException(where);
    };
    String primary = where.equals("primary") ? url : GOOD;
    String replica = where.equals("replica") ? url : GOOD;
    String second = where.equals("second-shard") ? url : GOOD;
    String yaml = """
        junction:
          dialect: postgresql
          shards:
            - name: main
              primary:
                url: '%s'
                password: 'Pw&;=%%-Configured-0'
              replicas:
                - name: r1
                  url: '%s'
                - name: r2
                  url: '%s'
            - name: second
              primary:
                url: '%s'
        """.formatted(primary, GOOD, replica, second);

    Throwable thrown = null;
    try (RoutingDataSource ds = RoutingDataSource.create(YamlConfigLoader.parse(yaml))) {
      // reaching here is a failure too: the assertions below say what was expected
    } catch (Throwable t) {
      thrown = t;
    }
    assertThat(thrown).as("startup must fail for %s", key).isNotNull();

    StringWriter printed = new StringWriter();
    thrown.printStackTrace(new PrintWriter(printed, true));
    System.out.println("[EndpointUrlSecretTest] " + printed.toString().lines().filter(l -> !l.startsWith("\tat ")).toList());
    for (String s : new String[] {secret, URLDecoder.decode(secret.replace("%Pct", "%25Pct"), StandardCharsets.UTF_8),
        "Pw&;=%-Configured-0"}) {
      assertThat(printed.toString()).as("printed stack trace").doesNotContain(s);
      for (Throwable t = thrown; t != null; t = t.getCause()) {
        assertThat(String.valueOf(t.getMessage())).as("message of %s", t.getClass().getName()).doesNotContain(s);
        assertThat(t.toString()).doesNotContain(s);
        for (Throwable suppressed : t.getSuppressed()) {
          assertThat(String.valueOf(suppressed.getMessage())).doesNotContain(s);
        }
      }
    }
    assertThat(printed.toString()).as("the URL is not echoed at all").doesNotContain(url, "nosuchdb://", "postgresql://db1:notaport");

    assertThat(thrown).isInstanceOf(ConfigException.class);
    assertThat(((ConfigException) thrown).key()).isEqualTo(key);
    assertThat(thrown.getMessage()).startsWith(key + ": no JDBC driver on the classpath accepts this URL ("
            + (address.equals("?") ? "its host cannot be read" : address))
        .contains("add the driver's dependency");
    assertThat(thrown.getCause()).as("the driver's own failure is kept, redacted, for its stack trace").isNotNull();
  }

  /**
   * The scrubbing behind the startup error, on the very exception HikariCP throws for such a URL
   * (the path the pool took before the fix), wrapped and with a suppressed twin, as a library might:
   * the copy keeps class names and stack frames, and no message anywhere in it has the secret.
   */
  @Test
  void aLibraryMessageEchoingTheUrlIsScrubbedThroughTheWholeChain() {
    String url = "jdbc:nosuchdb://app:Pw&Chain;=%-11@db1:5432/app?sslpassword=Pw-Ssl-12&ssl=true";
    RuntimeException hikari;
    try {
      new com.zaxxer.hikari.util.DriverDataSource(url, null, new Properties(), "app", "Pw-Prop-13");
      throw new AssertionError("HikariCP accepted " + url);
    } catch (RuntimeException e) {
      hikari = e;
    }
    assertThat(hikari.getMessage()).as("the leak being fixed").contains("Pw&Chain;=%-11");
    IllegalStateException outer = new IllegalStateException("pool init failed for " + url, hikari);
    outer.addSuppressed(new RuntimeException("also: " + url));
    String address = DataSourceSummary.address(url);
    var secrets = FailureCause.secretsOf(url, "Pw-Prop-13");
    RedactedCause copy = RedactedCause.of(outer, m -> FailureCause.scrub(m, url, address, secrets));

    StringWriter printed = new StringWriter();
    copy.printStackTrace(new PrintWriter(printed, true));
    System.out.println("[EndpointUrlSecretTest] " + printed.toString().lines().filter(l -> !l.startsWith("\tat ")).toList());
    assertThat(printed.toString()).doesNotContain("Pw&Chain;=%-11", "Pw-Ssl-12", "Pw-Prop-13", "Pw&Chain", ";=%-11", "nosuchdb://")
        .contains("java.lang.IllegalStateException: pool init failed for db1:5432/app",
            "Caused by: java.lang.RuntimeException: Failed to get driver instance for jdbcUrl=db1:5432/app",
            "Caused by: java.sql.SQLException: No suitable driver", "Suppressed: java.lang.RuntimeException: also: db1:5432/app",
            "at com.zaxxer.hikari.util.DriverDataSource.<init>");
    assertThat(copy.getCause().getCause().getStackTrace()).isEqualTo(hikari.getCause().getStackTrace());
  }
}
