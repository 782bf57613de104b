package dev.junction.jdbc;

import dev.junction.config.JunctionConfig;
import dev.junction.config.Redaction;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The one-line description of a routing data source: dialect, shards and their endpoints (host, port
 * and database only: no user, password or URL parameters), fence store and max fence wait.
 *
 * <p>Why one class: {@link RoutingDataSource#toString()} (what Hibernate's "Database info" line and
 * most logs print) and the Spring Boot starter's startup line show the same text, so they cannot
 * drift. Scope sources are not known at this level (they are a web concern); the starter appends them.
 */
public final class DataSourceSummary {
  private DataSourceSummary() {}

  /** The summary of {@code config}; every configured secret is masked even if a URL is malformed. */
  public static String of(JunctionConfig config) {
    List<String> shards = new ArrayList<>();
    for (JunctionConfig.Shard shard : config.shards()) {
      List<String> replicas = new ArrayList<>();
      shard.replicas().forEach(r -> replicas.add(r.name() + " " + address(r.url())));
      shards.add(shard.name() + " [primary " + address(shard.primary().url())
          + (replicas.isEmpty() ? "; no replicas" : "; replicas " + String.join(", ", replicas)) + "]");
    }
    JunctionConfig.Fencing f = config.fencing();
    String store = f.store().name().toLowerCase(Locale.ROOT);
    if (f.redisUri() != null && "redis".equals(store)) {
      store += " " + address(f.redisUri());
    }
    String text = "Junction routing data source: " + config.dialect().name().toLowerCase(Locale.ROOT) + ", "
        + config.shards().size() + (config.shards().size() == 1 ? " shard: " : " shards: ") + String.join(", ", shards)
        + (config.isSharded() ? "; sharded by key" : "") + "; fence store " + store
        + " (ttl " + f.ttl().toMillis() + " ms); max-fence-wait " + config.routing().maxFenceWait().toMillis() + " ms";
    return maskKnownSecrets(text, config);
  }

  /**
   * {@code jdbc:postgresql://user:pw@host:5432/app?password=x} → {@code host:5432/app}; the same for
   * {@code redis://:pw@host:6379/0}. Everything up to the last {@code @} before the query ({@code ?} or
   * {@code #}) is user-info, so a password with an unencoded {@code /}, {@code @}, {@code ;} or
   * {@code &} is dropped too, unless that {@code @} sits inside a {@code ;password=} style parameter.
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
  private static final java.util.regex.Pattern ADDRESS = java.util.regex.Pattern.compile(
      "(?:(?:[A-Za-z0-9._-]+|\\[[0-9A-Fa-f:.%a-z]+])(?::\\d{1,5})?(?:,(?:[A-Za-z0-9._-]+|\\[[0-9A-Fa-f:.%a-z]+])(?::\\d{1,5})?)*)?"
          + "(?:/[A-Za-z0-9._$-]*)?");

  /** A {@code @} inside a secret parameter's value ({@code ;password=a@b}) is not the end of a user-info. */
  private static final java.util.regex.Pattern IN_SECRET_PARAMETER = java.util.regex.Pattern.compile(
      "(?is).*[;&?](?:[a-z_.-]*password|passwd|pwd|[a-z_.-]*secret|[a-z_.-]*token)\\s*=[^;&]*");

  /**
   * The index of the {@code @} that ends the user-info in {@code s} (a URL without its scheme), or -1:
   * the last {@code @} before the query. Package-private so {@link FailureCause#secretsOf} agrees.
   */
  static int userInfoEnd(String s) {
    int query = firstOf(s, "?#", 0);
    int at = query == 0 ? -1 : s.lastIndexOf('@', query - 1);
    if (at > 0 && IN_SECRET_PARAMETER.matcher(s.substring(0, at)).matches()) {
      return -1;
    }
    return at;
  }

  private static int firstOf(String s, String chars, int from) {
    for (int i = from; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return s.length();
  }

  /** Belt and braces for malformed URLs: a configured password or secret never appears verbatim. */
  private static String maskKnownSecrets(String text, JunctionConfig config) {
    List<String> secrets = new ArrayList<>();
    for (JunctionConfig.Shard shard : config.shards()) {
      secrets.add(shard.primary().password());
      shard.replicas().forEach(r -> secrets.add(r.password()));
    }
    secrets.add(config.fencing().tokenSecret());
    String out = text;
    for (String secret : secrets) {
      if (secret != null && secret.length() >= 3) {
        out = out.replace(secret, Redaction.MASK);
      }
    }
    return out;
  }
}
