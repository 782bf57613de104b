package dev.junction.jdbc.internal;

import dev.junction.config.Redaction;

/**
 * What an endpoint's health shows as {@code lastError}: the most specific cause of a failure, not
 * the wrapper the user met first. A down server surfaces through HikariCP as "Connection is not
 * available, request timed out after 30000ms", which says nothing about the server; the cause chain
 * (SQLTransientConnectionException → PSQLException → ConnectException) ends in "Connection refused",
 * which does. The endpoint's address is added because a bare socket exception does not name it.
 */
final class FailureCause {
  /** A cycle or a pathological chain must not loop forever. */
  private static final int MAX_DEPTH = 32;

  private FailureCause() {}

  /**
   * {@code "Connection refused (127.0.0.1:5433)"}, followed by {@code " — <outer message>"} when the
   * outer message differs; URLs and secret parameters in any message are redacted.
   */
  static String describe(Throwable e, String address, java.util.Collection<String> secrets) {
    if (e == null) {
      return null;
    }
    String outer = message(e);
    String root = outer;
    Throwable t = e;
    for (int depth = 0; t.getCause() != null && t.getCause() != t && depth < MAX_DEPTH; depth++) {
      t = t.getCause();
      String m = message(t);
      if (m != null) {
        // an UnknownHostException's message is the bare host name: say what it means
        root = t instanceof java.net.UnknownHostException ? "unknown host " + m : m;
      }
    }
    if (root == null) {
      root = e.getClass().getSimpleName();
    }
    StringBuilder sb = new StringBuilder(root);
    if (address != null && !root.contains(hostOf(address))) {
      sb.append(" (").append(address).append(')');
    }
    if (outer != null && !outer.equals(root)) {
      sb.append(" — ").append(outer);
    }
    String out = sb.toString();
    for (String secret : secrets) {
      if (secret != null && secret.length() >= 3) {
        out = out.replace(secret, Redaction.MASK);
      }
    }
    return Redaction.redact(out);
  }

  /**
   * What a driver may echo from {@code url} that must not be shown: the user-info and its password
   * part (PostgreSQL's driver takes {@code user:pw@host} for a host name and names it in
   * "unknown host"), the values of secret parameters ({@code password=}, {@code ;pwd=} ...), each
   * also percent-decoded, and the configured password. Longest first.
   */
  static java.util.List<String> secretsOf(String url, String password) {
    java.util.List<String> secrets = new java.util.ArrayList<>();
    secrets.add(password);
    if (url != null) {
      int scheme = url.indexOf("://");
      String s = scheme < 0 ? url : url.substring(scheme + 3);
      int at = Redaction.userInfoEnd(s);
      if (at > 0) {
        String userInfo = s.substring(0, at);
        secrets.add(userInfo);
        int colon = userInfo.indexOf(':');
        if (colon >= 0) {
          secrets.add(userInfo.substring(colon + 1));
        }
      }
      java.util.regex.Matcher m = SECRET_PARAMETER.matcher(s);
      while (m.find()) {
        secrets.add(m.group(1));
        // password=a&b;c: nobody can tell where the value ends, so the rest of the URL counts as secret too
        secrets.add(s.substring(m.start(1)));
      }
    }
    secrets.removeIf(x -> x == null || x.isEmpty());
    for (String x : java.util.List.copyOf(secrets)) {
      String decoded = decoded(x);
      if (decoded != null && !decoded.equals(x)) {
        secrets.add(decoded);
      }
    }
    // longest first: masking the whole user-info before its password part leaves no fragment behind
    secrets.sort(java.util.Comparator.comparingInt(String::length).reversed());
    return java.util.List.copyOf(new java.util.LinkedHashSet<>(secrets));
  }

  /** The value of a secret-named URL parameter, up to the next separator. */
  private static final java.util.regex.Pattern SECRET_PARAMETER = java.util.regex.Pattern.compile(
      "(?i)[?&;](?:[a-z_.-]*password|passwd|pwd|[a-z_.-]*secret|[a-z_.-]*token|sslkey)=([^&;#]*)");

  private static String decoded(String s) {
    if (s == null || s.indexOf('%') < 0) {
      return null;
    }
    try {
      return java.net.URLDecoder.decode(s, java.nio.charset.StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * {@code text} with every one of {@code secrets} masked, the whole {@code url} and any other
   * {@code jdbc:} URL replaced by {@code address}, then {@link Redaction#redact}ed: for messages of
   * exceptions a driver or pool library built from the URL.
   */
  static String scrub(String text, String url, String address, java.util.Collection<String> secrets) {
    if (text == null) {
      return null;
    }
    String out = url == null || url.isEmpty() ? text : quotedUrlPieces(text.replace(url, address), url, address);
    for (String secret : secrets) {
      if (secret != null && secret.length() >= 3) {
        out = out.replace(secret, Redaction.MASK);
      }
    }
    out = JDBC_URL.matcher(out).replaceAll(java.util.regex.Matcher.quoteReplacement(address));
    return Redaction.redact(out);
  }

  /** Text in single or double quotes, as drivers cite what they could not parse. */
  private static final java.util.regex.Pattern QUOTED = java.util.regex.Pattern.compile("'([^'\\n]{1,500})'|\"([^\"\\n]{1,500})\"");

  /**
   * {@code text} with every quoted piece of {@code url} that is not part of its address masked:
   * Connector/J says "failed to parse the connection string near ';rr'", quoting a piece of a password
   * that contains {@code ;}, which matches none of the whole secrets {@link #secretsOf} knows.
   */
  private static String quotedUrlPieces(String text, String url, String address) {
    java.util.regex.Matcher m = QUOTED.matcher(text);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String piece = m.group(1) != null ? m.group(1) : m.group(2);
      String quote = m.group(1) != null ? "'" : "\"";
      boolean secret = url.contains(piece) && !address.contains(piece);
      m.appendReplacement(sb, java.util.regex.Matcher.quoteReplacement(secret ? quote + Redaction.MASK + quote : m.group()));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  /** A JDBC URL as it appears in a message: up to white space or a closing quote or bracket. */
  private static final java.util.regex.Pattern JDBC_URL = java.util.regex.Pattern.compile("jdbc:[^\\s'\"\\]\\)]*");

  private static String message(Throwable t) {
    String m = t.getMessage();
    if (m == null || m.isBlank()) {
      return null;
    }
    return m.strip();
  }

  /** {@code host:5432/app} → {@code host:5432}: what a driver's own message would already name. */
  private static String hostOf(String address) {
    int slash = address.indexOf('/');
    return slash < 0 ? address : address.substring(0, slash);
  }
}
