package dev.junction.proxy.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** PostgreSQL's md5 challenge-response: {@code "md5" + md5hex(md5hex(password + user) + salt)}. */
final class Md5Password {
  private Md5Password() {
  }

  /** The response a client holding {@code innerHex} = md5hex(password + user) must send for {@code salt}. */
  static String expectedResponse(String innerHex, byte[] salt) {
    byte[] inner = innerHex.getBytes(StandardCharsets.US_ASCII);
    byte[] salted = new byte[inner.length + salt.length];
    System.arraycopy(inner, 0, salted, 0, inner.length);
    System.arraycopy(salt, 0, salted, inner.length, salt.length);
    return "md5" + md5Hex(salted);
  }

  static String md5Hex(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks MD5, which md5 authentication requires", e);
    }
  }
}
