package dev.junction.proxy.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * The proxy's side of PostgreSQL authentication when it logs in to a backend server as the
 * endpoint's configured user: cleartext, MD5 and SCRAM-SHA-256 (no channel binding). One instance
 * per login; not thread-safe.
 *
 * <p>The SCRAM exchange verifies the server's signature, so a server that does not know the
 * password cannot pass itself off as the database.
 */
public final class BackendCredentials {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String user;
  private final String password;
  private String clientFirstBare;
  private String nonce;
  private byte[] expectedServerSignature;

  public BackendCredentials(String user, String password) {
    this.user = user;
    this.password = password == null ? "" : password;
  }

  /** The PasswordMessage body for AuthenticationCleartextPassword. */
  public String cleartext() {
    return password;
  }

  /** The PasswordMessage body for AuthenticationMD5Password with {@code salt}. */
  public String md5(byte[] salt) {
    String inner = Md5Password.md5Hex((password + user).getBytes(StandardCharsets.UTF_8));
    return Md5Password.expectedResponse(inner, salt);
  }

  /** The SASLInitialResponse data (client-first-message). */
  public byte[] scramClientFirst() {
    byte[] raw = new byte[18];
    RANDOM.nextBytes(raw);
    nonce = Base64.getEncoder().encodeToString(raw);
    clientFirstBare = "n=,r=" + nonce;
    return ("n,," + clientFirstBare).getBytes(StandardCharsets.UTF_8);
  }

  /** The SASLResponse data (client-final-message) for the server-first-message. */
  public byte[] scramClientFinal(byte[] serverFirstBytes) {
    String serverFirst = new String(serverFirstBytes, StandardCharsets.UTF_8);
    Map<Character, String> attrs = attributes(serverFirst);
    String serverNonce = attrs.get('r');
    if (serverNonce == null || !serverNonce.startsWith(nonce) || attrs.get('s') == null || attrs.get('i') == null) {
      throw new IllegalStateException("malformed SCRAM server-first-message from the backend");
    }
    byte[] salt = Base64.getDecoder().decode(attrs.get('s'));
    int iterations = Integer.parseInt(attrs.get('i'));
    byte[] salted = ScramSha256.hi(SaslPrep.prepareOrRaw(password), salt, iterations);
    byte[] clientKey = ScramSha256.hmac(salted, "Client Key".getBytes(StandardCharsets.US_ASCII));
    byte[] storedKey = ScramSha256.sha256(clientKey);
    String withoutProof = "c=biws,r=" + serverNonce;
    String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
    byte[] clientSignature = ScramSha256.hmac(storedKey, authMessage.getBytes(StandardCharsets.UTF_8));
    byte[] proof = ScramSha256.xor(clientKey, clientSignature);
    byte[] serverKey = ScramSha256.hmac(salted, "Server Key".getBytes(StandardCharsets.US_ASCII));
    expectedServerSignature = ScramSha256.hmac(serverKey, authMessage.getBytes(StandardCharsets.UTF_8));
    return (withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof)).getBytes(StandardCharsets.UTF_8);
  }

  /** True when the server-final-message proves the server knows the password. */
  public boolean verifyServerFinal(byte[] serverFinalBytes) {
    String v = attributes(new String(serverFinalBytes, StandardCharsets.UTF_8)).get('v');
    return v != null && expectedServerSignature != null
        && MessageDigest.isEqual(Base64.getDecoder().decode(v), expectedServerSignature);
  }

  private static Map<Character, String> attributes(String message) {
    Map<Character, String> out = new HashMap<>();
    for (String part : message.split(",")) {
      if (part.length() >= 2 && part.charAt(1) == '=') {
        out.put(part.charAt(0), part.substring(2));
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return "BackendCredentials[user=" + user + ", password=<redacted>]";
  }
}
