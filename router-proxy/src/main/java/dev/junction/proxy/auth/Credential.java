package dev.junction.proxy.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What the proxy knows about a user's password: the password itself, or one of the verifiers
 * PostgreSQL keeps in {@code pg_authid.rolpassword}, so operators can copy users over from a
 * PostgreSQL server without ever handling cleartext passwords.
 */
public sealed interface Credential {

  /** The iteration count PostgreSQL uses by default (scram_iterations). */
  int DEFAULT_SCRAM_ITERATIONS = 4096;

  /**
   * A credential from its configured text, read the way PostgreSQL reads {@code rolpassword}: a
   * {@code SCRAM-SHA-256$...} verifier, an {@code md5} followed by 32 hex digits, else a plain
   * password.
   */
  static Credential parse(String configured) {
    Objects.requireNonNull(configured, "configured");
    if (configured.startsWith(ScramSecret.PREFIX)) {
      return ScramSecret.parse(configured);
    }
    if (Md5Secret.looksLikeMd5(configured)) {
      return new Md5Secret(configured);
    }
    return plain(configured);
  }

  /**
   * A plain password; its SCRAM verifier is derived once, here, with a random salt, so a SCRAM login
   * costs the server no key stretching.
   */
  static PlainPassword plain(String password) {
    return new PlainPassword(password, ScramSecret.derive(password, ScramSecret.randomSalt(), DEFAULT_SCRAM_ITERATIONS));
  }

  /** A plain password with the SCRAM verifier derived from it. */
  record PlainPassword(String password, ScramSecret scramSecret) implements Credential {
    public PlainPassword {
      if (password == null || password.isEmpty()) {
        throw new IllegalArgumentException("empty passwords are not allowed (PostgreSQL rejects them too); "
            + "use trust authentication for password-less users");
      }
      Objects.requireNonNull(scramSecret, "scramSecret");
    }

    @Override
    public String toString() {
      return "PlainPassword[<redacted>]";
    }
  }

  /** A SCRAM-SHA-256 verifier: {@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>}. */
  record ScramSecret(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) implements Credential {
    static final String PREFIX = "SCRAM-SHA-256$";
    private static final Pattern FORMAT = Pattern.compile(
        "SCRAM-SHA-256\\$(\\d{1,10}):([A-Za-z0-9+/=]+)\\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)");

    public ScramSecret {
      if (iterations < 1) {
        throw new IllegalArgumentException("SCRAM iterations must be positive, got " + iterations);
      }
      if (salt.length == 0) {
        throw new IllegalArgumentException("SCRAM salt must not be empty");
      }
      if (storedKey.length != ScramSha256.KEY_LENGTH || serverKey.length != ScramSha256.KEY_LENGTH) {
        throw new IllegalArgumentException("SCRAM-SHA-256 StoredKey and ServerKey must be 32 bytes each");
      }
      salt = salt.clone();
      storedKey = storedKey.clone();
      serverKey = serverKey.clone();
    }

    /** Parses a verifier as PostgreSQL stores it. */
    public static ScramSecret parse(String verifier) {
      var m = FORMAT.matcher(verifier);
      String expected = "expected SCRAM-SHA-256$<iterations>:<salt base64>$<StoredKey base64>:<ServerKey base64>"
          + " as in pg_authid.rolpassword";
      if (!m.matches()) {
        throw new IllegalArgumentException("not a SCRAM-SHA-256 verifier; " + expected);
      }
      try {
        Base64.Decoder b64 = Base64.getDecoder();
        return new ScramSecret(Integer.parseInt(m.group(1)), b64.decode(m.group(2)), b64.decode(m.group(3)),
            b64.decode(m.group(4)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("invalid SCRAM-SHA-256 verifier (" + e.getMessage() + "); " + expected, e);
      }
    }

    /** Derives the verifier of a password, applying SASLprep as PostgreSQL does. */
    public static ScramSecret derive(String password, byte[] salt, int iterations) {
      byte[] salted = ScramSha256.hi(SaslPrep.prepareOrRaw(password), salt, iterations);
      byte[] clientKey = ScramSha256.hmac(salted, "Client Key".getBytes(StandardCharsets.US_ASCII));
      byte[] serverKey = ScramSha256.hmac(salted, "Server Key".getBytes(StandardCharsets.US_ASCII));
      return new ScramSecret(iterations, salt, ScramSha256.sha256(clientKey), serverKey);
    }

    static byte[] randomSalt() {
      byte[] salt = new byte[16]; // PostgreSQL's SCRAM_DEFAULT_SALT_LEN
      AuthRandom.SECURE.nextBytes(salt);
      return salt;
    }

    /** Whether a cleartext password matches this verifier (for password authentication). */
    public boolean matches(String password) {
      ScramSecret candidate = derive(password, salt, iterations);
      return MessageDigest.isEqual(candidate.storedKey, storedKey)
          & MessageDigest.isEqual(candidate.serverKey, serverKey);
    }

    /** The {@code rolpassword} form. */
    public String toPgFormat() {
      Base64.Encoder b64 = Base64.getEncoder();
      return PREFIX + iterations + ":" + b64.encodeToString(salt) + "$" + b64.encodeToString(storedKey) + ":"
          + b64.encodeToString(serverKey);
    }

    @Override
    public byte[] salt() {
      return salt.clone();
    }

    @Override
    public byte[] storedKey() {
      return storedKey.clone();
    }

    @Override
    public byte[] serverKey() {
      return serverKey.clone();
    }

    byte[] saltRef() {
      return salt;
    }

    byte[] storedKeyRef() {
      return storedKey;
    }

    byte[] serverKeyRef() {
      return serverKey;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof ScramSecret s && iterations == s.iterations && Arrays.equals(salt, s.salt)
          && Arrays.equals(storedKey, s.storedKey) && Arrays.equals(serverKey, s.serverKey);
    }

    @Override
    public int hashCode() {
      return 31 * iterations + Arrays.hashCode(salt);
    }

    @Override
    public String toString() {
      return "ScramSecret[iterations=" + iterations + ", <keys redacted>]";
    }
  }

  /**
   * PostgreSQL's MD5 verifier: {@code "md5" + md5hex(password + user)}. It is tied to the user name,
   * so it only verifies logins of the user it was made for.
   */
  record Md5Secret(String hash) implements Credential {
    public Md5Secret {
      if (!looksLikeMd5(hash)) {
        throw new IllegalArgumentException("an MD5 verifier is \"md5\" followed by 32 hex digits");
      }
      hash = hash.toLowerCase(Locale.ROOT);
    }

    public static Md5Secret of(String user, String password) {
      return new Md5Secret("md5" + Md5Password.md5Hex((password + user).getBytes(StandardCharsets.UTF_8)));
    }

    static boolean looksLikeMd5(String s) {
      if (s.length() != 35 || !s.startsWith("md5")) {
        return false;
      }
      for (int i = 3; i < 35; i++) {
        if (Character.digit(s.charAt(i), 16) < 0) {
          return false;
        }
      }
      return true;
    }

    /** The 32 hex digits without the "md5" prefix. */
    String hexDigest() {
      return hash.substring(3);
    }

    @Override
    public String toString() {
      return "Md5Secret[<redacted>]";
    }
  }
}
