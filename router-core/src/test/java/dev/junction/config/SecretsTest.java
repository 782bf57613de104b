package dev.junction.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.junction.classify.Dialect;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * No secret (endpoint password, password in a JDBC URL, Redis URI password, token secret) may appear
 * in a configuration's {@code toString} or in a validation or loading error message (issue #16).
 * Every secret below contains "S3cr3t"; the test scans every text a config can produce for it.
 */
class SecretsTest {
  static final String SECRET = "S3cr3t";

  static JunctionConfig.Endpoint endpoint(String name, String url, String password) {
    return new JunctionConfig.Endpoint(name, url, "app", password, 1, JunctionConfig.Pool.defaults());
  }

  static JunctionConfig config(String primaryUrl, String redisUri) {
    return new JunctionConfig(Dialect.POSTGRESQL, List.of(new JunctionConfig.Shard("main",
        endpoint("primary", primaryUrl, "pw-S3cr3t-1"),
        List.of(endpoint("r1", "jdbc:postgresql://db2/app?user=app&password=pw-S3cr3t-2&ssl=true", null),
            endpoint("r2", "jdbc:mysql://app:pw-S3cr3t-3@db3/app", "pw-S3cr3t-4")))),
        JunctionConfig.Routing.defaults(),
        new JunctionConfig.Fencing(JunctionConfig.FenceStoreKind.REDIS, Duration.ofSeconds(30), 1000, redisUri,
            Duration.ofMillis(200), "junction:", "token-S3cr3t-0123456789", "token-S3cr3t-previous-0123"));
  }

  @Test
  void toStringShowsNoSecret() {
    JunctionConfig c = config("jdbc:postgresql://db1/app", "redis://:pw-S3cr3t-5@cache:6379/0");
    List<String> texts = new ArrayList<>(List.of(c.toString(), c.fencing().toString(), c.shards().toString()));
    for (JunctionConfig.Shard s : c.shards()) {
      texts.add(s.primary().toString());
      s.replicas().forEach(r -> texts.add(r.toString()));
    }
    for (String uri : List.of("redis://pw-S3cr3t@cache", "rediss://user:pw-S3cr3t@cache:6380?timeout=1s",
        "redis-sentinel://:pw-S3cr3t@s1:26379,s2:26379/0#mymaster", "redis://cache:6379?password=pw-S3cr3t")) {
      texts.add(new JunctionConfig.Fencing(JunctionConfig.FenceStoreKind.REDIS, Duration.ofSeconds(1), 1, uri,
          Duration.ofMillis(1), "p", null).toString());
    }
    assertThat(texts).allSatisfy(t -> assertThat(t).doesNotContain(SECRET));
    // still useful for a reader: where it points, and that a password is set
    assertThat(c.toString()).contains("cache:6379", "db1/app", "password=***", "tokenSecret=***", "tokenSecretPrevious=***");
  }

  @Test
  void validationMessagesShowNoSecret() {
    List<Throwable> errors = new ArrayList<>();
    errors.add(catchThrowable(() -> config("jdbc:postgresql://db1/app", "http://:pw-S3cr3t@cache:6379").validate()));
    errors.add(catchThrowable(() -> config("postgresql://app:pw-S3cr3t@db1/app", "redis://cache").validate()));
    errors.add(catchThrowable(() -> config("postgres://db1/app?password=pw-S3cr3t", "redis://cache").validate()));
    errors.add(catchThrowable(() -> YamlConfigLoader.parse("""
        junction:
          dialect: postgresql
          shards:
            - name: main
              primary: { url: "jdbc:postgresql://db1/app", password: pw-S3cr3t }
          fencing: "redis://:pw-S3cr3t@cache:6379"
        """)));
    errors.add(catchThrowable(() -> YamlConfigLoader.parse("""
        junction:
          dialect: postgresql
          shards:
            - name: main
              primary: { url: "jdbc:postgresql://db1/app", password: "pw-S3cr3t }
        """)));
    errors.add(catchThrowable(() -> YamlConfigLoader.parse("""
        junction:
          dialect: postgresql
          shards: "jdbc:postgresql://app:pw-S3cr3t@db1/app"
        """)));
    assertThat(errors).allSatisfy(e -> {
      assertThat(e).isNotNull();
      for (Throwable t = e; t != null; t = t.getCause()) {
        assertThat(String.valueOf(t.getMessage())).as("message of %s", t.getClass().getSimpleName()).doesNotContain(SECRET);
        assertThat(t.toString()).doesNotContain(SECRET);
      }
    });
  }

  @Test
  void redactionKeepsWhatIsNotSecret() {
    assertThat(Redaction.redact("redis://:pw@cache:6379/0")).isEqualTo("redis://***@cache:6379/0");
    assertThat(Redaction.redact("jdbc:postgresql://db1:5432/app?user=app&password=pw&ssl=true"))
        .isEqualTo("jdbc:postgresql://db1:5432/app?user=app&password=***"); // what follows may be part of the password
    assertThat(Redaction.redact("redis://127.0.0.1:6379")).isEqualTo("redis://127.0.0.1:6379");
    assertThat(Redaction.redact(null)).isNull();
  }
}
