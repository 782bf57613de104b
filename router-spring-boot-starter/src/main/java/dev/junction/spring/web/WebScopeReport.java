package dev.junction.spring.web;

import dev.junction.config.JunctionConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * What the request filter will do, in words, for the startup log: the effective scope sources in
 * order, and a warning for every kind of request that ends up without a scope or with a scope that
 * does not reach across instances. Printed once, so that a user can see from the log alone whether
 * anonymous users are protected, instead of finding out from stale pages.
 */
final class WebScopeReport {
  private final String summary;
  private final List<String> warnings;

  private WebScopeReport(String summary, List<String> warnings) {
    this.summary = summary;
    this.warnings = List.copyOf(warnings);
  }

  /**
   * @param tokenHeader header carrying tokens, or null; @param tokenCookie cookie carrying tokens, or null
   * @param generatedKey true when no {@code junction.fencing.token-secret} is set and tokens are signed
   *     with a key generated for this instance
   */
  static WebScopeReport of(List<ScopeSource> sources, String headerName, String tokenHeader, String tokenCookie,
      JunctionConfig.Fencing fencing, boolean generatedKey) {
    List<String> parts = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    List<String> unscopedWhen = new ArrayList<>();
    boolean total = false;
    String store = fencing.store() == JunctionConfig.FenceStoreKind.REDIS
        ? "fences in Redis, shared by every instance"
        : "fences in this instance's memory (junction.fencing.store: local; a fleet needs store: redis)";
    for (ScopeSource source : sources) {
      if (total) {
        break;
      }
      switch (source) {
        case PRINCIPAL -> {
          parts.add("principal (authenticated users; " + store + ")");
          unscopedWhen.add("without an authenticated user");
        }
        case HEADER -> {
          parts.add("header " + headerName + " (" + store + ")");
          unscopedWhen.add("without the " + headerName + " header");
        }
        case TOKEN -> {
          List<String> carriers = new ArrayList<>();
          if (tokenCookie != null) {
            carriers.add("cookie " + tokenCookie);
          }
          if (tokenHeader != null) {
            carriers.add("header " + tokenHeader);
          }
          parts.add("token (every other request; fence carried by the client in " + String.join(" and ", carriers)
              + (generatedKey ? "; signed with a key generated at startup, valid on this instance only" : "; signed with junction.fencing.token-secret")
              + ")");
          total = true;
        }
        case NONE -> {
          parts.add("none (every other request)");
          total = true;
          unscopedWhen.add(null);
        }
      }
    }
    boolean unscoped = !total || unscopedWhen.contains(null);
    unscopedWhen.remove(null);
    if (parts.isEmpty() || (parts.size() == 1 && sources.get(0) == ScopeSource.NONE)) {
      warnings.add("junction.web.scope is 'none': no request has a consistency scope, so a page read right after a write (a"
          + " redirect after a form post) may show data older than that write, and loading an entity from a replica and"
          + " saving it back can overwrite newer data. Remove junction.web.scope to get the default (principal, token).");
      return new WebScopeReport("Junction request scope: none (requests are not fenced)", warnings);
    }
    if (unscoped) {
      warnings.add("junction.web.scope (" + names(sources) + ") leaves requests " + String.join(" and ", unscopedWhen)
          + " without a consistency scope: such a request may read data older than its own client's writes (a stale page"
          + " after a redirect, or a stale entity saved back over a newer edit). Add 'token' at the end of junction.web.scope"
          + " (the default is principal, token) to protect them.");
    }
    if (generatedKey) {
      warnings.add("junction.fencing.token-secret is not set: fence tokens are signed with a key generated at startup,"
          + " valid on this instance only and until it restarts. With several instances behind a load balancer, set the same"
          + " junction.fencing.token-secret (at least 16 characters) on every instance; otherwise a token issued by another"
          + " instance is ignored and that request may read data older than its client's writes.");
    }
    return new WebScopeReport("Junction request scope: " + String.join(", else ", parts), warnings);
  }

  private static String names(List<ScopeSource> sources) {
    List<String> names = new ArrayList<>();
    sources.forEach(s -> names.add(s.name().toLowerCase(java.util.Locale.ROOT)));
    return String.join(", ", names);
  }

  /** One INFO line: the effective scope sources, in order. */
  String summary() {
    return summary;
  }

  /** WARN lines: requests left without a scope, and a per-instance token key. */
  List<String> warnings() {
    return warnings;
  }
}
