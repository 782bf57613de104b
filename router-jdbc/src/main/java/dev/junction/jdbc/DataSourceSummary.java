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

  /** {@code host:5432/app}: see {@link Redaction#address}, which this delegates to. */
  public static String address(String url) {
    return Redaction.address(url);
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
