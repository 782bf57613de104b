package dev.junction.fence.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.junction.config.JunctionConfig;
import dev.junction.fence.FenceStores;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A Redis URI the client library cannot parse: its error echoes the URI; the password must not reach the message. */
class RedisUriSecretTest {
  @Test
  void malformedUriErrorShowsNoPassword() {
    for (String uri : new String[] {"redis://:pw S3cr3t@cache:6379", "redis://:pw%zzS3cr3t@cache:6379"}) {
      Throwable e = catchThrowable(() -> FenceStores.open(new JunctionConfig.Fencing(JunctionConfig.FenceStoreKind.REDIS,
          Duration.ofSeconds(1), 1, uri, Duration.ofMillis(100), "t:", null)).close());
      assertThat(e).isNotNull();
      for (Throwable t = e; t != null; t = t.getCause()) {
        assertThat(String.valueOf(t.getMessage())).doesNotContain("S3cr3t");
      }
    }
  }
}
