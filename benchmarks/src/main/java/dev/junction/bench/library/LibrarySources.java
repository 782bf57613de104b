package dev.junction.bench.library;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.RoutingDataSource;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Builds the library benchmark's Junction data source from plain values (JDK types only), so that
 * {@link LibraryBenchmark} can also call it through a class loader holding another build of
 * router-core and router-jdbc: the "before" contenders of a before/after comparison in one run,
 * against the same servers and in the same rounds as HikariCP.
 */
public final class LibrarySources {
  private LibrarySources() {}

  /** A replica set data source: the primary, and the replicas ({@code replicaUrls} may be empty). */
  public static DataSource junction(String primaryUrl, List<String> replicaUrls, String user, String password, int poolSize) {
    JunctionConfig.Pool pool = new JunctionConfig.Pool(poolSize, 0, Duration.ofSeconds(2), Duration.ofMinutes(10),
        Duration.ofMinutes(30), Duration.ofSeconds(1));
    List<JunctionConfig.Endpoint> replicas = new ArrayList<>();
    for (int i = 0; i < replicaUrls.size(); i++) {
      replicas.add(new JunctionConfig.Endpoint("replica" + (i + 1), replicaUrls.get(i), user, password, 1, pool));
    }
    return RoutingDataSource.create(new JunctionConfig(Dialect.POSTGRESQL, List.of(new JunctionConfig.Shard("main",
        new JunctionConfig.Endpoint("primary", primaryUrl, user, password, 1, pool), replicas)),
        JunctionConfig.Routing.defaults(), JunctionConfig.Fencing.defaults()));
  }

  /** {@link #junction} of another build ({@link BeforeBuild}). */
  static Method beforeFactory(String jars) throws Exception {
    return BeforeBuild.load(jars, LibrarySources.class)
        .getMethod("junction", String.class, List.class, String.class, String.class, int.class);
  }
}
