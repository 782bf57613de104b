package dev.junction.spring.web;

import dev.junction.fence.Fence;
import dev.junction.fence.FenceTokenCodec;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseCookie;

/**
 * Moves fence tokens between HTTP messages and {@link Fence}s: reads the token a client sent
 * (header first, then cookie) and writes the updated one back the same ways.
 */
final class FenceTokenTransport {
  private final FenceTokenCodec codec;
  private final String header;
  private final String cookie;
  private final Duration cookieMaxAge;

  /**
   * @param header request/response header name, or null for none
   * @param cookie cookie name, or null for none
   * @param cookieMaxAge how long the browser keeps the cookie: the fence TTL, past which a fence is moot
   */
  FenceTokenTransport(FenceTokenCodec codec, String header, String cookie, Duration cookieMaxAge) {
    this.codec = codec;
    this.header = blankToNull(header);
    this.cookie = blankToNull(cookie);
    this.cookieMaxAge = cookieMaxAge;
    if (this.header == null && this.cookie == null) {
      throw new IllegalArgumentException("fence tokens need junction.web.token-header or junction.web.token-cookie");
    }
  }

  /** The token the client sent, or null. */
  String read(HttpServletRequest request) {
    if (header != null) {
      String value = request.getHeader(header);
      if (value != null && !value.isBlank()) {
        return value;
      }
    }
    if (cookie != null && request.getCookies() != null) {
      for (Cookie c : request.getCookies()) {
        if (cookie.equals(c.getName()) && !c.getValue().isBlank()) {
          return c.getValue();
        }
      }
    }
    return null;
  }

  /** Verifies and decodes a token; null means no fence. */
  Fence decode(String token) {
    return codec.decode(token);
  }

  /** Sends the fence back to the client; nothing when there is no fence to carry. */
  void write(HttpServletRequest request, HttpServletResponse response, Fence fence) {
    if (fence.isEmpty() || response.isCommitted()) {
      return;
    }
    String token = codec.encode(fence);
    if (header != null) {
      response.setHeader(header, token);
    }
    if (cookie != null) {
      response.addHeader(HttpHeaders.SET_COOKIE, ResponseCookie.from(cookie, token)
          .path("/").maxAge(cookieMaxAge).httpOnly(true).secure(request.isSecure()).sameSite("Lax").build().toString());
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
