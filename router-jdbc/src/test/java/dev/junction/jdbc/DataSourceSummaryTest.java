package dev.junction.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.config.JunctionConfig;
import dev.junction.config.YamlConfigLoader;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link RoutingDataSource#toString()} is what Hibernate's "Database info" line and logs print: it
 * names shards, endpoints, fence store and fence wait, and never a secret however it is configured.
 */
class DataSourceSummaryTest {
  static final List<String> SECRETS = List.of("pw-in-query-1", "pw-in-props-2", "pw-in-userinfo-3", "pw-with/slash-4",
      "token-secret-value-5", "pw-redis-6", "pw-mysql-param-7", "sa-user-8");

  /** Ports 1-3 on loopback refuse at once: the data source starts (endpoints down) without servers. */
  static final String YAML = """
      junction:
        dialect: postgresql
        shards:
          - name: main
            primary:
              url: "jdbc:postgresql://127.0.0.1:1/app?user=sa-user-8&password=pw-in-query-1&ssl=false"
              username: sa-user-8
              password: pw-in-props-2
            replicas:
              - name: r1
                url: "jdbc:postgresql://sa-user-8:pw-in-userinfo-3@127.0.0.1:2/app"
                password: pw-in-userinfo-3
        fencing:
          token-secret: token-secret-value-5
        routing:
          max-fence-wait: 75ms
      """;

  @Test
  void toStringNamesShardsEndpointsFenceStoreAndWaitButNoSecret() {
    try (RoutingDataSource ds = RoutingDataSource.create(YamlConfigLoader.parse(YAML))) {
      String text = ds.toString();
      System.out.println("[DataSourceSummaryTest] " + text);
      assertThat(text).contains("postgresql", "1 shard: main", "primary 127.0.0.1:1/app", "r1 127.0.0.1:2/app", "fence store local", "max-fence-wait 75 ms");
      assertNoSecret(text);
      // the endpoints are down: their health (actuator, admin status) is no place for secrets either
      ds.health().forEach(h -> {
        System.out.println("[DataSourceSummaryTest] " + h.endpoint() + " lastError: " + h.lastError());
        assertNoSecret(String.valueOf(h.lastError()));
      });
      assertThat(ds.health().get(0).lastError()).startsWith("Connection refused (127.0.0.1:1/app)");
    }
  }

  @Test
  void aRedisFenceStoreShowsItsAddressWithoutItsPassword() {
    JunctionConfig config = YamlConfigLoader.parse(YAML.replace("token-secret: token-secret-value-5",
        "store: redis\n    redis-uri: \"redis://default:pw-redis-6@127.0.0.1:6380/0?timeout=2s\"\n    token-secret: token-secret-value-5"));
    String text = DataSourceSummary.of(config);
    assertThat(text).contains("fence store redis 127.0.0.1:6380/0");
    assertNoSecret(text);
  }

  /**
   * A URL the driver rejects fails at startup (see {@link EndpointUrlSecretTest}), so this one is
   * checked on the summary alone: a password with an unencoded slash, and a ;password= parameter.
   */
  @Test
  void aMalformedUrlLeaksNoSecretEither() {
    JunctionConfig config = YamlConfigLoader.parse(YAML.replace("      replicas:\n", "      replicas:\n"
        + "        - name: r2\n"
        + "          url: \"jdbc:postgresql://sa-user-8:pw-with/slash-4@127.0.0.1:3/app;password=pw-mysql-param-7\"\n"));
    String text = DataSourceSummary.of(config);
    System.out.println("[DataSourceSummaryTest] " + text);
    assertThat(text).contains("r2 127.0.0.1:3/app");
    assertNoSecret(text);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "jdbc:postgresql://db1:5432,db2:5432/app?targetServerType=primary&password=x | db1:5432,db2:5432/app",
      "jdbc:mysql://u:p@w@127.0.0.1:3306/app?user=a@b.c                         | 127.0.0.1:3306/app",
      "jdbc:mysql://127.0.0.1:3306/app?user=a@b.c&password=x@y                  | 127.0.0.1:3306/app",
      "jdbc:sqlserver://h:1433;databaseName=x;password=y                        | h:1433",
      "redis://secret-only@h:6379                                               | h:6379",
      "rediss://:pw@h                                                           | h",
      "jdbc:postgresql://h/app&password=x                                       | h/app",
      "jdbc:mysql://u:pw&a;b=c%@127.0.0.1:3306/app                              | 127.0.0.1:3306/app",
      "jdbc:sqlserver://h:1433;databaseName=x;password=pw@fragment              | h:1433",
      "jdbc:postgresql://u:pw-digits/1234@h/app?x=1                             | h/app",
      "jdbc:postgresql://h:notaport/app                                         | ?",
      "jdbc:postgresql:///app                                                   | /app"})
  void addressKeepsHostPortAndDatabaseOnly(String url, String expected) {
    assertThat(DataSourceSummary.address(url)).isEqualTo(expected);
  }

  static void assertNoSecret(String text) {
    for (String secret : SECRETS) {
      assertThat(text).doesNotContain(secret);
    }
    assertThat(text).doesNotContainIgnoringCase("password");
  }
}
