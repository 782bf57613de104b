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
  /**
   * Everything from {@code //} to the last {@code @} of the same word: a password may hold an unencoded
   * {@code / ? # @}, so the first of those is not where the user-info ends.
   */
  private static final Pattern USER_INFO = Pattern.compile("(//)\\S*@");
  /**
   * A secret parameter's value runs to the end of the word (white space), not to the next {@code &},
   * {@code ;} or {@code #}: in {@code password=a&b} nobody can tell whether {@code &b} is a parameter or
   * part of the password, so what follows a secret parameter is masked too.
   */
  private static final Pattern SECRET_PARAMETER = Pattern.compile(
      "(?i)\\b((?:[a-z_.-]*password|passwd|pwd|[a-z_.-]*secret|[a-z_.-]*token|sslkey)\\s*(?:=|:\\s))\\s*\\S*");
  /** A URL scheme worth naming: {@code jdbc:postgresql}, {@code redis}, {@code postgres}; never a free-form word. */
  private static final Pattern SCHEME = Pattern.compile("((?:jdbc:)?[a-z][a-z0-9+.-]{0,19}):.*", Pattern.DOTALL);

  private Redaction() {}

  /** {@code text} with every URI user-info and secret parameter masked; null stays null. */
  public static String redact(String text) {
    if (text == null) {
      return null;
    }
    // secret parameters first: a password=a@b must not be taken for the end of a user-info
    String s = SECRET_PARAMETER.matcher(text).replaceAll("$1" + MASK);
    return USER_INFO.matcher(s).replaceAll("$1" + MASK + "@");
  }

  /**
   * What a message may say about a URL that holds or may hold a secret: its scheme and
   * {@link #address} only, e.g. {@code jdbc:postgresql://db1:5432/app} for
   * {@code jdbc:postgresql://u:pw@db1:5432/app?password=a&b}; {@code <unreadable URL>} when not even a
   * scheme can be read. Never the user-info, the parameters or any part that cannot be parsed.
   *
   * <p>Why not {@link #redact}: a parameter value may contain {@code &}, {@code ;} or {@code #}, and a
   * user-info {@code /}, {@code ?} or {@code @}, so no masking rule knows where a password ends; leaving
   * out everything but the parts that are known to be plain is the only safe rule.
   */
  public static String summary(String url) {
    if (url == null) {
      return null;
    }
    java.util.regex.Matcher m = SCHEME.matcher(url);
    if (!m.matches()) {
      return "<unreadable URL>";
    }
    return m.group(1) + "://" + address(url);
  }

  /**
   * {@code jdbc:postgresql://user:pw@host:5432/app?password=x} → {@code host:5432/app}; the same for
   * {@code redis://:pw@host:6379/0}. Everything up to the last {@code @} is user-info (see
   * {@link #userInfoEnd}), so a password with an unencoded {@code /}, {@code ?}, {@code #}, {@code @},
   * {@code ;} or {@code &} is dropped too, unless that {@code @} follows a {@code ;password=} style parameter.
   * Of the rest, only the host list, ports and the database name before the first {@code ?;&#} are
   * kept; when what is left does not look like {@code host[:port][,host[:port]...][/database]}, the
   * answer is {@code ?} rather than a fragment that might be part of a secret.
   */
  public static String address(String url) {
    if (url == null) {
      return "?";
    }
    String s = url;
    int scheme = s.indexOf("://");
    if (scheme >= 0) {
      s = s.substring(scheme + 3);
    }
    int at = userInfoEnd(s);
    if (at >= 0) {
      s = s.substring(at + 1);
    }
    int authorityEnd = firstOf(s, "/?#;", 0);
    String out = s.substring(0, authorityEnd);
    if (authorityEnd < s.length() && s.charAt(authorityEnd) == '/') {
      out += s.substring(authorityEnd, firstOf(s, "?;&#", authorityEnd));
    }
    return ADDRESS.matcher(out).matches() ? out : "?";
  }

  /** host or [v6], optional port; a comma-separated list (may be empty); an optional /database of plain characters. */
  private static final Pattern ADDRESS = Pattern.compile(
      "(?:(?:[A-Za-z0-9._-]+|\\[[0-9A-Fa-f:.%a-z]+])(?::\\d{1,5})?(?:,(?:[A-Za-z0-9._-]+|\\[[0-9A-Fa-f:.%a-z]+])(?::\\d{1,5})?)*)?"
          + "(?:/[A-Za-z0-9._$-]*)?");

  /** A {@code @} after a secret parameter ({@code ;password=a@b}, {@code ?password=a&b@c}) is not the end of a user-info. */
  private static final Pattern IN_SECRET_PARAMETER = Pattern.compile(
      "(?is).*[;&?](?:[a-z_.-]*password|passwd|pwd|[a-z_.-]*secret|[a-z_.-]*token)\\s*=.*");

  /**
   * The index of the {@code @} that ends the user-info in {@code s} (a URL without its scheme), or -1.
   * An {@code @} that follows a secret parameter never counts. Of the others, the last one, unless it
   * comes after a {@code ?} or {@code #} that is followed by a {@code name=} before it: then it is in a
   * query parameter's value ({@code ?user=me@corp}) and the user-info ends at the last {@code @}
   * before the query. Why not always the latter: a password may hold {@code ?} or {@code #}
   * ({@code u:a?b@c#d@host}), and taking the first {@code @} would show {@code c} as the host.
   */
  public static int userInfoEnd(String s) {
    int query = firstOf(s, "?#", 0);
    int last = -1;
    for (int at = s.lastIndexOf('@'); at > 0; at = s.lastIndexOf('@', at - 1)) {
      if (!IN_SECRET_PARAMETER.matcher(s.substring(0, at)).matches()) {
        last = at;
        break;
      }
    }
    if (last < query) {
      return last;
    }
    if (s.substring(query, last).indexOf('=') < 0) {
      return last; // "?qu#ha@host": no parameter between the ? and the @, so the ? belongs to the password
    }
    int beforeQuery = query == 0 ? -1 : s.lastIndexOf('@', query - 1);
    return beforeQuery > 0 && IN_SECRET_PARAMETER.matcher(s.substring(0, beforeQuery)).matches() ? -1 : beforeQuery;
  }

  private static int firstOf(String s, String chars, int from) {
    for (int i = from; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return s.length();
  }

  /**
   * {@code text} (e.g. a driver's or a client library's exception message) with {@code source}, a
   * value that holds a secret such as a Redis URI, replaced by its {@link #summary} (scheme and
   * address only: a masking rule cannot know where a password with a space or {@code &} ends), then
   * {@link #redact}ed.
   */
  public static String scrub(String text, String source) {
    if (text == null) {
      return null;
    }
    String s = source == null || source.isEmpty() ? text : text.replace(source, summary(source));
    return redact(s);
  }

  /** For a secret value itself: "***" when set, null when not (so a reader still sees whether it is). */
  public static String mask(String secret) {
    return secret == null ? null : MASK;
  }
}
