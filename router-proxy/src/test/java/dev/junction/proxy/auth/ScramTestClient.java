package dev.junction.proxy.auth;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/** A minimal SCRAM-SHA-256 client for driving the authenticator in unit tests. */
final class ScramTestClient {
  final String gs2Header;
  final String clientFirstBare;
  private final String password;
  private final String clientNonce;
  String expectedServerFinal;

  ScramTestClient(String password, String clientNonce, String gs2Header, String user) {
    this.password = password;
    this.clientNonce = clientNonce;
    this.gs2Header = gs2Header;
    this.clientFirstBare = "n=" + user + ",r=" + clientNonce;
  }

  ScramTestClient(String password, String clientNonce) {
    this(password, clientNonce, "n,,", "*");
  }

  static byte[] initialResponse(String mechanism, String clientFirst) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(mechanism.getBytes(StandardCharsets.UTF_8));
    out.write(0);
    if (clientFirst == null) {
      out.writeBytes(ByteBuffer.allocate(4).putInt(-1).array());
    } else {
      byte[] data = clientFirst.getBytes(StandardCharsets.UTF_8);
      out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
      out.writeBytes(data);
    }
    return out.toByteArray();
  }

  byte[] initialResponse() {
    return initialResponse("SCRAM-SHA-256", gs2Header + clientFirstBare);
  }

  static Map<Character, String> attributes(String message) {
    Map<Character, String> attrs = new HashMap<>();
    for (String part : message.split(",")) {
      attrs.put(part.charAt(0), part.substring(2));
    }
    return attrs;
  }

  /** The client-final-message for a server-first-message; remembers the expected server signature. */
  String clientFinal(String serverFirst) {
    Map<Character, String> attrs = attributes(serverFirst);
    String nonce = attrs.get('r');
    if (!nonce.startsWith(clientNonce)) {
      throw new AssertionError("server nonce does not extend the client nonce");
    }
    byte[] salt = Base64.getDecoder().decode(attrs.get('s'));
    int iterations = Integer.parseInt(attrs.get('i'));
    byte[] salted = ScramSha256.hi(SaslPrep.prepareOrRaw(password), salt, iterations);
    byte[] clientKey = ScramSha256.hmac(salted, "Client Key".getBytes(StandardCharsets.US_ASCII));
    byte[] storedKey = ScramSha256.sha256(clientKey);
    byte[] serverKey = ScramSha256.hmac(salted, "Server Key".getBytes(StandardCharsets.US_ASCII));
    String withoutProof = "c=" + Base64.getEncoder().encodeToString(gs2Header.getBytes(StandardCharsets.UTF_8))
        + ",r=" + nonce;
    byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
    byte[] proof = ScramSha256.xor(clientKey, ScramSha256.hmac(storedKey, authMessage));
    expectedServerFinal = "v=" + Base64.getEncoder().encodeToString(ScramSha256.hmac(serverKey, authMessage));
    return withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof);
  }
}
