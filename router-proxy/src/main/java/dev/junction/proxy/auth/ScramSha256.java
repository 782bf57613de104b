package dev.junction.proxy.auth;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/** The SCRAM-SHA-256 primitives of RFC 5802 / RFC 7677, on the JDK's own HMAC, PBKDF2 and SHA-256. */
final class ScramSha256 {
  static final String MECHANISM = "SCRAM-SHA-256";
  static final int KEY_LENGTH = 32;

  private ScramSha256() {
  }

  /** Hi(password, salt, i), which is PBKDF2 with HMAC-SHA-256 and one output block. */
  static byte[] hi(String preparedPassword, byte[] salt, int iterations) {
    char[] chars = preparedPassword.toCharArray();
    try {
      // SunJCE's PBKDF2 encodes the characters as UTF-8, which is what SCRAM specifies.
      PBEKeySpec spec = new PBEKeySpec(chars, salt, iterations, KEY_LENGTH * 8);
      try {
        return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
      } finally {
        spec.clearPassword();
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks PBKDF2WithHmacSHA256, which SCRAM-SHA-256 requires", e);
    } finally {
      Arrays.fill(chars, '\0');
    }
  }

  static byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks HmacSHA256, which SCRAM-SHA-256 requires", e);
    }
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256, which SCRAM-SHA-256 requires", e);
    }
  }

  static byte[] xor(byte[] a, byte[] b) {
    byte[] out = new byte[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = (byte) (a[i] ^ b[i]);
    }
    return out;
  }
}
