package dev.junction.fence;

import dev.junction.position.ReplicationPosition;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Turns a fence into an opaque token the client carries (cookie or header) and hands back, so
 * read-your-writes works across stateless servers without any shared store.
 *
 * <p>Format: {@code v2.<kid>.<iat>.<exp>.<base64url(payload)>.<base64url(mac)>}, where {@code kid}
 * names the signing key (derived from the secret, so it reveals nothing about it), {@code iat} and
 * {@code exp} are the issue and expiry times in epoch seconds, the payload is
 * {@code shard=position;...}, and the MAC is HMAC-SHA256 over everything before it.
 *
 * <ul>
 *   <li>The MAC stops a client from forging or editing a fence.
 *   <li>The expiry bounds what a valid token can cost: a token is only minted after a commit, so its
 *       positions are ones the primary really reached; once they are older than the fence TTL every
 *       replica has replayed them and the token is moot. Bounding it matters after a primary failover
 *       or rebuild, when positions may restart lower and an old token's positions could be out of
 *       every replica's reach: such a token then costs at most {@code max-fence-wait} per read, for
 *       at most one TTL.
 *   <li>Two keys are accepted at once, the current one (which signs) and the previous one, so a
 *       fleet can rotate its secret without invalidating the tokens in flight: deploy
 *       "current = new, previous = old" everywhere, and drop the old key one TTL later.
 * </ul>
 *
 * <p>A token that is malformed, signed with an unknown key, tampered with or expired is rejected
 * with an {@link InvalidTokenException} carrying the {@link Rejection reason}. Callers treat it as
 * no fence (a client must not be able to choose where its reads go), and count it. Secrets never
 * appear in messages or {@link #toString()}.
 */
public final class FenceTokenCodec {
  /** The fence TTL default, used by {@link #FenceTokenCodec(byte[])}. */
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(30);
  /** Tokens issued up to this far in the future (clock skew between instances) are accepted. */
  public static final Duration MAX_CLOCK_SKEW = Duration.ofSeconds(5);
  /** Longer tokens are rejected unread: a fence is a few positions, not a payload. */
  public static final int MAX_TOKEN_LENGTH = 4096;

  private static final String VERSION = "v2";
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();

  /** Why a token was rejected; {@link #tag()} is the metric tag value. */
  public enum Rejection {
    /** Not a token of this format (including tokens of the older v1 format). */
    MALFORMED,
    /** Signed with a key that is neither the current nor the previous one. */
    UNKNOWN_KEY,
    /** The key is known but the MAC does not verify: the token was edited or forged. */
    BAD_SIGNATURE,
    /** Older than its expiry. */
    EXPIRED,
    /** Issued further in the future than the allowed clock skew. */
    NOT_YET_VALID;

    public String tag() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** A token that must not be trusted; the message never contains the token or a secret. */
  public static final class InvalidTokenException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final Rejection reason;

    InvalidTokenException(Rejection reason, String message) {
      super(message);
      this.reason = reason;
    }

    public Rejection reason() {
      return reason;
    }
  }

  private final Key current;
  private final Key previous;
  private final long ttlSeconds;
  private final Clock clock;

  /** @param secret at least 16 bytes, the same on every server that must accept the tokens; expiry {@link #DEFAULT_TTL} */
  public FenceTokenCodec(byte[] secret) {
    this(secret, null, DEFAULT_TTL, Clock.systemUTC());
  }

  /**
   * @param currentSecret signs new tokens and verifies them; at least 16 bytes
   * @param previousSecret also verifies tokens (key rotation), or null
   * @param ttl how long a token stays valid after it is issued: the fence TTL (at least one second)
   */
  public FenceTokenCodec(byte[] currentSecret, byte[] previousSecret, Duration ttl, Clock clock) {
    this.current = new Key(currentSecret);
    this.previous = previousSecret == null ? null : new Key(previousSecret);
    if (previous != null && previous.id.equals(current.id)) {
      throw new IllegalArgumentException("the previous fence token secret equals the current one");
    }
    if (ttl == null || ttl.getSeconds() < 1) {
      throw new IllegalArgumentException("fence token ttl must be at least 1s, got " + ttl);
    }
    this.ttlSeconds = ttl.getSeconds();
    this.clock = clock;
  }

  /** The id of the key that signs new tokens (safe to log: derived one-way from the secret). */
  public String keyId() {
    return current.id;
  }

  /** The id of the previous key still accepted, or null. */
  public String previousKeyId() {
    return previous == null ? null : previous.id;
  }

  public Duration ttl() {
    return Duration.ofSeconds(ttlSeconds);
  }

  /** A token for {@code fence}, issued now, signed with the current key. */
  public String encode(Fence fence) {
    StringBuilder payload = new StringBuilder();
    fence.positions().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
      if (payload.length() > 0) {
        payload.append(';');
      }
      payload.append(e.getKey()).append('=').append(e.getValue().encode());
    });
    long issuedAt = clock.instant().getEpochSecond();
    String signed = VERSION + "." + current.id + "." + issuedAt + "." + (issuedAt + ttlSeconds) + "."
        + B64.encodeToString(payload.toString().getBytes(StandardCharsets.UTF_8));
    return signed + "." + B64.encodeToString(current.mac(signed));
  }

  /**
   * Verifies and decodes a token; null or blank is {@link Fence#NONE}.
   *
   * @throws InvalidTokenException when the token must not be trusted (see {@link Rejection})
   */
  public Fence decode(String token) {
    if (token == null || token.isBlank()) {
      return Fence.NONE;
    }
    String t = token.trim();
    if (t.length() > MAX_TOKEN_LENGTH) {
      throw new InvalidTokenException(Rejection.MALFORMED, "malformed fence token: longer than " + MAX_TOKEN_LENGTH + " characters");
    }
    String[] parts = t.split("\\.", -1);
    if (parts.length != 6 || !parts[0].equals(VERSION)) {
      throw new InvalidTokenException(Rejection.MALFORMED,
          "malformed fence token: expected 'v2.<kid>.<iat>.<exp>.<payload>.<mac>' (v1 tokens are no longer accepted)");
    }
    Key key = current.id.equals(parts[1]) ? current : previous != null && previous.id.equals(parts[1]) ? previous : null;
    if (key == null) {
      throw new InvalidTokenException(Rejection.UNKNOWN_KEY,
          "fence token signed with an unknown key: was it issued with another junction.fencing.token-secret?");
    }
    byte[] mac;
    try {
      mac = B64D.decode(parts[5]);
    } catch (IllegalArgumentException e) {
      throw new InvalidTokenException(Rejection.MALFORMED, "malformed fence token: signature is not base64url");
    }
    String signed = t.substring(0, t.lastIndexOf('.'));
    if (!MessageDigest.isEqual(mac, key.mac(signed))) {
      throw new InvalidTokenException(Rejection.BAD_SIGNATURE, "fence token signature does not verify: the token was altered");
    }
    long issuedAt;
    long expiresAt;
    try {
      issuedAt = Long.parseLong(parts[2]);
      expiresAt = Long.parseLong(parts[3]);
    } catch (NumberFormatException e) {
      throw new InvalidTokenException(Rejection.MALFORMED, "malformed fence token: issue or expiry time is not a number");
    }
    long now = clock.instant().getEpochSecond();
    if (now >= expiresAt) {
      throw new InvalidTokenException(Rejection.EXPIRED, "fence token expired " + (now - expiresAt) + " s ago");
    }
    if (issuedAt > now + MAX_CLOCK_SKEW.getSeconds()) {
      throw new InvalidTokenException(Rejection.NOT_YET_VALID, "fence token issued " + (issuedAt - now)
          + " s in the future: are the instances' clocks in sync?");
    }
    String text;
    try {
      text = new String(B64D.decode(parts[4]), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new InvalidTokenException(Rejection.MALFORMED, "malformed fence token: payload is not base64url");
    }
    Map<String, ReplicationPosition> positions = new HashMap<>();
    if (!text.isEmpty()) {
      for (String entry : text.split(";")) {
        int eq = entry.indexOf('=');
        if (eq <= 0) {
          throw new InvalidTokenException(Rejection.MALFORMED, "malformed fence token entry");
        }
        try {
          positions.put(entry.substring(0, eq), ReplicationPosition.parse(entry.substring(eq + 1)));
        } catch (RuntimeException e) {
          throw new InvalidTokenException(Rejection.MALFORMED, "malformed fence token position");
        }
      }
    }
    return new Fence(positions);
  }

  @Override
  public String toString() {
    return "FenceTokenCodec[key " + current.id + (previous == null ? "" : ", previous key " + previous.id) + ", ttl "
        + ttlSeconds + " s]";
  }

  /** One HMAC key and its public id. */
  private static final class Key {
    private final SecretKeySpec spec;
    private final String id;

    Key(byte[] secret) {
      if (secret == null || secret.length < 16) {
        throw new IllegalArgumentException("fence token secret must be at least 16 bytes, got "
            + (secret == null ? "none" : secret.length + " bytes"));
      }
      this.spec = new SecretKeySpec(secret.clone(), "HmacSHA256");
      this.id = B64.encodeToString(mac("junction fence token key id")).substring(0, 8);
    }

    byte[] mac(String data) {
      try {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(spec);
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("HmacSHA256 unavailable in this JVM", e);
      }
    }
  }
}
