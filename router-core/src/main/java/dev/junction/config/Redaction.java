package dev.junction.config;

import java.util.regex.Pattern;

/**
 * Masks secrets in text that may reach a log, an exception message or a {@code toString}: the
 * user-info part of URIs ({@code redis://:secret@host}, {@code jdbc:postgresql://u:secret@host}), and
 * {@code password=}, {@code secret=}, {@code token=} parameters (JDBC URLs carry them in the query).
 *
 * <p>Why a whole user-info and not only what follows a colon: Redis URIs accept the password alone
 * ({@code redis://secret@host}), so any user-info may be a password.
 */
public final class Redaction {
  public static final String MASK = "***";
  private static final Pattern USER_INFO = Pattern.compile("(//)[^/?#@\\n]*@");
  private static final Pattern SECRET_PARAMETER = Pattern.compile(
      "(?i)\\b((?:[a-z_.-]*password|passwd|pwd|[a-z_.-]*secret|[a-z_.-]*token|sslkey)\\s*(?:=|:\\s))\\s*[^&;,\\s)\\]}]*");

  private Redaction() {}

  /** {@code text} with every URI user-info and secret parameter masked; null stays null. */
  public static String redact(String text) {
    if (text == null) {
      return null;
    }
    String s = USER_INFO.matcher(text).replaceAll("$1" + MASK + "@");
    return SECRET_PARAMETER.matcher(s).replaceAll("$1" + MASK);
  }

  /**
   * {@code text} (e.g. a driver's or a client library's exception message) with {@code source}, a
   * value that holds a secret such as a Redis URI, replaced by its redacted form, then {@link #redact}ed.
   */
  public static String scrub(String text, String source) {
    if (text == null) {
      return null;
    }
    String s = source == null || source.isEmpty() ? text : text.replace(source, redact(source));
    return redact(s);
  }

  /** For a secret value itself: "***" when set, null when not (so a reader still sees whether it is). */
  public static String mask(String secret) {
    return secret == null ? null : MASK;
  }
}
