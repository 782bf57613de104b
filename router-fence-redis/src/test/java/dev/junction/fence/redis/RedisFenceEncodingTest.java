package dev.junction.fence.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.fence.Fence;
import dev.junction.position.MariaDbGtidPosition;
import dev.junction.position.PgLsn;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedisFenceEncodingTest {
  @Test
  void redisEncodingKeepsStringOrderEqualToPositionOrder() {
    List<String> low = new ArrayList<>();
    List<String> high = new ArrayList<>();
    RedisFenceStore.encode("s0", new PgLsn(0x9L), low);
    RedisFenceStore.encode("s0", new PgLsn(0x10L), high);
    assertThat(low.get(1).compareTo(high.get(1))).isNegative(); // "9" > "10" as text, but not once padded
    List<String> maria = new ArrayList<>();
    RedisFenceStore.encode("s1", MariaDbGtidPosition.parse("0-1-9,3-2-100"), maria);
    assertThat(maria).containsExactly("s1#0", "maria:00000000000000000009-1", "s1#3", "maria:00000000000000000100-2");
    Map<String, String> stored = Map.of(low.get(0), high.get(1), maria.get(0), maria.get(1), maria.get(2), maria.get(3));
    Fence decoded = RedisFenceStore.decode(stored);
    assertThat(decoded.of("s0")).isEqualTo(new PgLsn(0x10L));
    assertThat(decoded.of("s1")).isEqualTo(MariaDbGtidPosition.parse("0-1-9,3-2-100"));
  }
}
