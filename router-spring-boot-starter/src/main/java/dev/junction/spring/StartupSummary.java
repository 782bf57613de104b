package dev.junction.spring;

import dev.junction.config.JunctionConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The one INFO line the starter prints when it builds the data source: dialect, shards and their
 * endpoints (host, port and database only: no user, password or URL parameters), fence store and
 * fence wait. A user can then see in the log which servers Junction will use, without a debugger.
 */
final class StartupSummary {
  private StartupSummary() {}

  static String of(JunctionConfig config) {
    List<String> shards = new ArrayList<>();
    for (JunctionConfig.Shard shard : config.shards()) {
      List<String> replicas = new ArrayList<>();
      shard.replicas().forEach(r -> replicas.add(r.name() + " " + address(r.url())));
      shards.add(shard.name() + " [primary " + address(shard.primary().url())
          + (replicas.isEmpty() ? "; no replicas" : "; replicas " + String.join(", ", replicas)) + "]");
    }
    JunctionConfig.Fencing f = config.fencing();
    return "Junction routing data source: " + config.dialect().name().toLowerCase(java.util.Locale.ROOT) + ", "
        + config.shards().size() + (config.shards().size() == 1 ? " shard: " : " shards: ") + String.join(", ", shards)
        + (config.isSharded() ? "; sharded by key" : "") + "; fence store " + f.store().name().toLowerCase(java.util.Locale.ROOT)
        + " (ttl " + f.ttl().toMillis() + " ms); max-fence-wait " + config.routing().maxFenceWait().toMillis() + " ms";
  }

  /** {@code jdbc:postgresql://user:pw@host:5432/app?password=x} → {@code host:5432/app}. */
  static String address(String url) {
    if (url == null) {
      return "?";
    }
    String s = url;
    int scheme = s.indexOf("://");
    if (scheme >= 0) {
      s = s.substring(scheme + 3);
    }
    int end = s.length();
    for (char c : new char[] {'?', ';', '&'}) {
      int i = s.indexOf(c);
      if (i >= 0 && i < end) {
        end = i;
      }
    }
    s = s.substring(0, end);
    int at = s.lastIndexOf('@');
    if (at >= 0) {
      s = s.substring(at + 1);
    }
    return s;
  }
}
