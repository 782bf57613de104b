package dev.junction.proxy.auth;

import java.security.SecureRandom;

/** The one SecureRandom for salts and nonces; SecureRandom is thread-safe and costly to seed. */
final class AuthRandom {
  static final SecureRandom SECURE = new SecureRandom();

  private AuthRandom() {
  }

  static byte[] bytes(int n) {
    byte[] b = new byte[n];
    SECURE.nextBytes(b);
    return b;
  }
}
