package dev.junction.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.fence.FenceTokenCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code junction.fencing.token-secret-previous} and the ttl reach the token codec the library and the proxy use. */
class FenceTokenConfigTest {
  private static String yaml(String fencing) {
    return """
        junction:
          dialect: postgresql
          shards:
            - primary: { url: "jdbc:postgresql://db1:5432/app" }
          fencing:
        """ + fencing.indent(4);
  }

  @Test
  void codecUsesTheTtlAndAcceptsThePreviousSecret() {
    JunctionConfig c = YamlConfigLoader.parse(yaml("""
        ttl: 2m
        token-secret: new-secret-0123456789
        token-secret-previous: old-secret-0123456789
        """));
    assertThat(c.fencing().tokenSecretPrevious()).isEqualTo("old-secret-0123456789");
    FenceTokenCodec codec = c.fencing().tokenCodec();
    assertThat(codec.ttl()).isEqualTo(Duration.ofMinutes(2));
    FenceTokenCodec old = new FenceTokenCodec("old-secret-0123456789".getBytes(StandardCharsets.UTF_8));
    assertThat(codec.previousKeyId()).isEqualTo(old.keyId());
    assertThat(c.fencing().toString()).doesNotContain("secret-0123456789");
  }

  @Test
  void withoutASecretThereIsNoCodec() {
    assertThat(JunctionConfig.Fencing.defaults().tokenCodec()).isNull();
  }

  @Test
  void invalidPreviousSecretFailsNamingTheKey() {
    for (String fencing : new String[] {
        "token-secret-previous: old-secret-0123456789\n",
        "token-secret: new-secret-0123456789\ntoken-secret-previous: short\n",
        "token-secret: new-secret-0123456789\ntoken-secret-previous: new-secret-0123456789\n"}) {
      assertThatThrownBy(() -> YamlConfigLoader.parse(yaml(fencing)))
          .isInstanceOf(ConfigException.class)
          .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("junction.fencing.token-secret-previous"))
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret-0123456789"));
    }
  }
}
