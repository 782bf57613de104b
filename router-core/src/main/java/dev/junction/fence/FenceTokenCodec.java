package dev.junction.fence;

import dev.junction.position.ReplicationPosition;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Turns a fence into an opaque token the client carries (cookie or header) and hands back, so
 * read-your-writes works across stateless servers without any shared store.
 *
 * <p>Format: {@code v1.<base64url(payload)>.<base64url(HMAC-SHA256(payload))>}. The MAC stops a
 * client from forging a far-future fence that would pin all its reads to the primary. A token
 * that fails to verify is rejected rather than trusted; an absent token means no fence.
 */
public final class FenceTokenCodec {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();
  private final byte[] secret;

  /** @param secret at least 16 bytes, the same on every server that must accept the tokens */
  public FenceTokenCodec(byte[] secret) {
    if (secret == null || secret.length < 16) {
      throw new IllegalArgumentException("fence token secret must be at least 16 bytes, got "
          + (secret == null ? "none" : secret.length + " bytes"));
    }
    this.secret = secret.clone();
  }

  public String encode(Fence fence) {
    StringBuilder payload = new StringBuilder();
    fence.positions().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
      if (payload.length() > 0) {
        payload.append(';');
      }
      payload.append(e.getKey()).append('=').append(e.getValue().encode());
    });
    byte[] bytes = payload.toString().getBytes(StandardCharsets.UTF_8);
    return "v1." + B64.encodeToString(bytes) + "." + B64.encodeToString(mac(bytes));
  }

  /** Decodes and verifies a token; null or blank is {@link Fence#NONE}. */
  public Fence decode(String token) {
    if (token == null || token.isBlank()) {
      return Fence.NONE;
    }
    String[] parts = token.trim().split("\\.");
    if (parts.length != 3 || !parts[0].equals("v1")) {
      throw new IllegalArgumentException("malformed fence token: expected 'v1.<payload>.<mac>'");
    }
    byte[] payload;
    byte[] mac;
    try {
      payload = B64D.decode(parts[1]);
      mac = B64D.decode(parts[2]);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("malformed fence token: not base64url", e);
    }
    if (!MessageDigest.isEqual(mac, mac(payload))) {
      throw new IllegalArgumentException("fence token signature does not verify: was it issued with another secret?");
    }
    Map<String, ReplicationPosition> positions = new HashMap<>();
    String text = new String(payload, StandardCharsets.UTF_8);
    if (!text.isEmpty()) {
      for (String entry : text.split(";")) {
        int eq = entry.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException("malformed fence token entry '" + entry + "'");
        }
        positions.put(entry.substring(0, eq), ReplicationPosition.parse(entry.substring(eq + 1)));
      }
    }
    return new Fence(positions);
  }

  private byte[] mac(byte[] payload) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal(payload);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable in this JVM", e);
    }
  }
}
