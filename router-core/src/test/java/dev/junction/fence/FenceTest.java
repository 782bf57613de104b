package dev.junction.fence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.position.MariaDbGtidPosition;
import dev.junction.position.PgLsn;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FenceTest {
  static final byte[] SECRET = "0123456789abcdef0123".getBytes(StandardCharsets.UTF_8);

  @Test
  void advanceNeverMovesBackwards() {
    Fence f = Fence.NONE.advance("s0", new PgLsn(100));
    assertThat(f.advance("s0", new PgLsn(50))).isSameAs(f);
    assertThat(f.advance("s0", new PgLsn(150)).of("s0")).isEqualTo(new PgLsn(150));
    assertThat(f.advance("s1", new PgLsn(1)).positions()).containsOnlyKeys("s0", "s1");
    assertThat(f.merge(Fence.NONE.advance("s0", new PgLsn(120))).of("s0")).isEqualTo(new PgLsn(120));
  }

  @Test
  void localStoreMergesConcurrentAdvancesMonotonically() throws Exception {
    LocalFenceStore store = new LocalFenceStore(Duration.ofMinutes(1), 1000);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int offset = t;
      Thread thread = new Thread(() -> {
        for (int i = 0; i < 10_000; i++) {
          store.advance("scope", "s0", new PgLsn(i * 4L + offset));
        }
      });
      thread.start();
      threads.add(thread);
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(store.load("scope").of("s0")).isEqualTo(new PgLsn(9_999 * 4L + 3));
    assertThat(store.load("other")).isEqualTo(Fence.NONE);
  }

  @Test
  void tokensRoundTripAndRejectTampering() {
    FenceTokenCodec codec = new FenceTokenCodec(SECRET);
    Fence fence = new Fence(Map.of("s0", new PgLsn(0x16B374D848L), "s1", MariaDbGtidPosition.parse("0-1-42,1-1-7")));
    String token = codec.encode(fence);
    assertThat(token).startsWith("v2.");
    assertThat(codec.decode(token)).isEqualTo(fence);
    assertThat(codec.decode(null)).isEqualTo(Fence.NONE);
    assertThat(codec.decode(codec.encode(Fence.NONE))).isEqualTo(Fence.NONE);

    String[] parts = token.split("\\.");
    parts[4] = java.util.Base64.getUrlEncoder().withoutPadding()
        .encodeToString("s0=pg:FFFFFFFF/FFFFFFFF".getBytes(StandardCharsets.UTF_8));
    String forged = String.join(".", parts);
    assertThatThrownBy(() -> codec.decode(forged)).hasMessageContaining("signature");
    assertThatThrownBy(() -> new FenceTokenCodec("0123456789abcdef0123".getBytes(StandardCharsets.UTF_8)).decode("v2.x.y"))
        .hasMessageContaining("malformed");
    assertThatThrownBy(() -> new FenceTokenCodec("short".getBytes(StandardCharsets.UTF_8))).hasMessageContaining("16 bytes");
  }
}
