package dev.junction.fence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.fence.FenceTokenCodec.InvalidTokenException;
import dev.junction.fence.FenceTokenCodec.Rejection;
import dev.junction.position.PgLsn;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Fence tokens v2 (issue #16): issued-at, expiry, key ids with rotation, and why a token is rejected. */
class FenceTokenCodecTest {
  private static final byte[] OLD = "old-secret-0123456789".getBytes(StandardCharsets.UTF_8);
  private static final byte[] NEW = "new-secret-0123456789".getBytes(StandardCharsets.UTF_8);
  private static final Duration TTL = Duration.ofSeconds(30);
  private static final Fence FENCE = new Fence(Map.of("main", new PgLsn(0x16B374D848L), "other", new PgLsn(7)));

  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-04T20:00:00Z"));

  private FenceTokenCodec codec(byte[] current, byte[] previous) {
    return new FenceTokenCodec(current, previous, TTL, clock);
  }

  private static Rejection rejection(FenceTokenCodec codec, String token) {
    try {
      codec.decode(token);
    } catch (InvalidTokenException e) {
      assertThat(e.getMessage()).doesNotContain("secret-0123456789").doesNotContain(token);
      return e.reason();
    }
    throw new AssertionError("accepted: " + token);
  }

  @Test
  void aTokenCarriesIssueAndExpiryTimesAndTheKeyId() {
    FenceTokenCodec codec = codec(NEW, null);
    String token = codec.encode(FENCE);
    String[] parts = token.split("\\.");
    assertThat(parts).hasSize(6);
    assertThat(parts[0]).isEqualTo("v2");
    assertThat(parts[1]).isEqualTo(codec.keyId()).hasSize(8);
    assertThat(Long.parseLong(parts[2])).isEqualTo(clock.instant().getEpochSecond());
    assertThat(Long.parseLong(parts[3])).isEqualTo(clock.instant().getEpochSecond() + 30);
    assertThat(codec.decode(token)).isEqualTo(FENCE);
  }

  @Test
  void expiresAfterItsTtl() {
    FenceTokenCodec codec = codec(NEW, null);
    String token = codec.encode(FENCE);
    clock.advance(Duration.ofSeconds(29));
    assertThat(codec.decode(token)).isEqualTo(FENCE);
    clock.advance(Duration.ofSeconds(1));
    assertThat(rejection(codec, token)).isEqualTo(Rejection.EXPIRED);
  }

  @Test
  void aTokenFromTheFutureBeyondTheClockSkewIsRejected() {
    String token = codec(NEW, null).encode(FENCE);
    clock.advance(Duration.ofSeconds(-5));
    assertThat(codec(NEW, null).decode(token)).isEqualTo(FENCE);
    clock.advance(Duration.ofSeconds(-1));
    assertThat(rejection(codec(NEW, null), token)).isEqualTo(Rejection.NOT_YET_VALID);
  }

  @Test
  void rotationAcceptsTheCurrentAndThePreviousKeyAndNothingElse() {
    String byOld = codec(OLD, null).encode(FENCE);
    FenceTokenCodec rotated = codec(NEW, OLD);
    assertThat(rotated.decode(byOld)).as("in-flight token of the previous key").isEqualTo(FENCE);
    String byNew = rotated.encode(FENCE);
    assertThat(byNew.split("\\.")[1]).isEqualTo(rotated.keyId()).isNotEqualTo(rotated.previousKeyId());
    assertThat(codec(OLD, null).decode(byOld)).isEqualTo(FENCE);
    // the old key dropped one TTL later: its tokens are unknown
    assertThat(rejection(codec(NEW, null), byOld)).isEqualTo(Rejection.UNKNOWN_KEY);
    // an instance not yet rotated accepts the new tokens only if it already knows the new key
    assertThat(rejection(codec(OLD, null), byNew)).isEqualTo(Rejection.UNKNOWN_KEY);
    assertThat(codec(OLD, NEW).decode(byNew)).isEqualTo(FENCE);
  }

  @Test
  void anyEditBreaksTheSignature() {
    FenceTokenCodec codec = codec(NEW, null);
    String[] parts = codec.encode(FENCE).split("\\.");
    String farFuture = Base64.getUrlEncoder().withoutPadding().encodeToString("main=pg:FFFFFFFF/FFFFFFFF".getBytes(StandardCharsets.UTF_8));
    String[] forged = parts.clone();
    forged[4] = farFuture;
    assertThat(rejection(codec, String.join(".", forged))).isEqualTo(Rejection.BAD_SIGNATURE);
    String[] extended = parts.clone();
    extended[3] = Long.toString(Long.parseLong(parts[3]) + 3600);
    assertThat(rejection(codec, String.join(".", extended))).isEqualTo(Rejection.BAD_SIGNATURE);
  }

  @Test
  void malformedTokensAreRejectedAsMalformed() {
    FenceTokenCodec codec = codec(NEW, null);
    String kid = codec.keyId();
    assertThat(rejection(codec, "garbage")).isEqualTo(Rejection.MALFORMED);
    assertThat(rejection(codec, "v1.czA9cGc6MS8y.AAAA")).isEqualTo(Rejection.MALFORMED);
    assertThat(rejection(codec, "v2." + kid + ".1.2.AAAA.!!!")).isEqualTo(Rejection.MALFORMED);
    assertThat(rejection(codec, "v2." + kid + ".1.2.AAAA.AAAA.extra")).isEqualTo(Rejection.MALFORMED);
    assertThat(rejection(codec, "x".repeat(FenceTokenCodec.MAX_TOKEN_LENGTH + 1))).isEqualTo(Rejection.MALFORMED);
    assertThat(codec.decode("  ")).isEqualTo(Fence.NONE);
  }

  @Test
  void secretsAreCheckedAndNeverShown() {
    assertThatThrownBy(() -> codec("short".getBytes(StandardCharsets.UTF_8), null)).hasMessageContaining("16 bytes");
    assertThatThrownBy(() -> codec(NEW, NEW)).hasMessageContaining("equals the current one");
    assertThatThrownBy(() -> new FenceTokenCodec(NEW, null, Duration.ZERO, clock)).hasMessageContaining("ttl");
    FenceTokenCodec codec = codec(NEW, OLD);
    assertThat(codec.toString()).contains(codec.keyId()).contains(codec.previousKeyId()).doesNotContain("secret");
    assertThat(Rejection.NOT_YET_VALID.tag()).isEqualTo("not-yet-valid");
  }

  /** A clock the test moves by hand: no sleeping, no timing. */
  private static final class MutableClock extends Clock {
    private Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
