package dev.junction.spring.health;

import dev.junction.config.JunctionConfig;
import dev.junction.fence.FenceStore;
import dev.junction.jdbc.DataSourceSummary;
import dev.junction.jdbc.RoutingDataSource;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The health of a routing data source's fence store, independent of the Actuator API (each Spring
 * Boot line's indicator only translates it), for the {@code junctionFenceStore} contributor.
 *
 * <p>Why {@code DOWN} and not {@code UP} with a "degraded" detail, although the application keeps
 * working while Redis is down (fenced reads in keyed scopes go to the primary): the store is down,
 * and the same rule as for a dead replica applies (see docs/spring-boot.md, "Health"): the full
 * {@code /actuator/health} view tells the truth for dashboards and alerts, and availability probes
 * use a health group that leaves this contributor out. A custom status ({@code DEGRADED}) would be
 * worse: Spring Boot's aggregator ignores codes missing from
 * {@code management.endpoint.health.status.order} and maps them to HTTP 200, so unless every
 * application configured both, the outage would vanish from {@code /actuator/health}.
 *
 * <p>Details name the store kind and, for Redis, only {@code host:port/database}; the store's
 * detail and last error never carry a URI or password (see {@link FenceStore#status()}), and the
 * configured URI, its user-info and password are masked once more here in case a store does.
 */
record FenceStoreHealthReport(boolean up, Map<String, Object> details) {

  static FenceStoreHealthReport of(RoutingDataSource ds) {
    JunctionConfig.Fencing fencing = ds.config().fencing();
    String kind = ds.fenceStoreKind();
    FenceStore.Status s = ds.fenceStoreStatus();
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("store", kind);
    if ("redis".equals(kind)) {
      details.put("address", DataSourceSummary.address(fencing.redisUri()));
    } else {
      details.put("scope", "this instance only: fences live in this JVM, so read-your-writes holds for requests served"
          + " by this instance; use store: redis or fence tokens for several instances");
    }
    details.put("ttlMillis", fencing.ttl().toMillis());
    details.put("detail", scrub(s.detail(), fencing.redisUri()));
    if (!s.up()) {
      details.put("effect", "reads in keyed consistency scopes go to the primary (never to a possibly stale replica);"
          + " the application keeps working, with more load on the primary");
    }
    if (s.downSince() != null) {
      details.put("downSince", s.downSince().toString());
    }
    if (s.lastError() != null) {
      details.put("lastError", scrub(s.lastError(), fencing.redisUri()));
      if (s.lastErrorAt() != null) {
        details.put("lastErrorAt", s.lastErrorAt().toString());
      }
    }
    return new FenceStoreHealthReport(s.up(), details);
  }

  /** Belt and braces: the store's own texts name no secret, but a custom store might echo its URI. */
  private static String scrub(String text, String uri) {
    return dev.junction.config.Redaction.scrub(text, uri);
  }
}
