package dev.junction.spring;

import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.DataSourceSummary;

/**
 * The one INFO line the starter prints when it builds the data source: dialect, shards and their
 * endpoints (host, port and database only: no user, password or URL parameters), fence store and
 * fence wait. A user can then see in the log which servers Junction will use, without a debugger.
 *
 * <p>The text is {@link DataSourceSummary}'s, the same as {@code RoutingDataSource.toString()} (what
 * Hibernate's "Database info" shows), so the two cannot drift. The request scope sources are logged
 * on their own line by the web auto-configuration ({@code Junction request scope: ...}).
 */
final class StartupSummary {
  private StartupSummary() {}

  static String of(JunctionConfig config) {
    return DataSourceSummary.of(config);
  }
}
