package dev.junction.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.health.ReplicaSelector;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.proxy.auth.AuthMethod;
import dev.junction.proxy.auth.Credential;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue #16 §2 through the relay: a replica restarted between two lag-monitor polls accepts
 * connections while still replaying, far behind the position cached before the crash. The relay
 * replaces its broken backends with new ones silently; a fenced read on such a backend must not run
 * unless a sample of the new incarnation proves the fence. The lag monitor polls only every 10 s
 * here, so the restart falls between two polls (as it does with any poll interval when the standby
 * restarts quickly); the restarted standby keeps a 10 s apply delay, so the window is long and
 * certain. Each client session writes its keys, then, after the restart, reads them back under its
 * own session fence: a value older than the one it wrote is a stale read.
 */
class RelayReplicaRestartIT {
  static final String USER = ProxyIT.USER;
  static final String PASSWORD = ProxyIT.PASSWORD;
  static final int SESSIONS = 8;
  static final int KEYS_PER_SESSION = 8;

  @Test
  void aReplicaRestartedBetweenLagPollsServesNoStaleFencedReadThroughTheRelay() throws Exception {
    try (LocalCluster cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO).start()) {
      PostgresReplicaSet pg = cluster.postgres(0);
      try (Connection c = pg.primary().connect(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE counters (id int primary key, v bigint not null)");
        s.execute("INSERT INTO counters SELECT g, 0 FROM generate_series(0, " + (SESSIONS * KEYS_PER_SESSION - 1) + ") g");
      }
      JunctionConfig.Pool pool = new JunctionConfig.Pool(4, 0, Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofMinutes(30),
          Duration.ofSeconds(1));
      JunctionConfig.Routing routing = new JunctionConfig.Routing(ReplicaSelector.Strategy.ROUND_ROBIN, Duration.ofSeconds(60), 0,
          Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofMillis(50), Duration.ofMillis(500), 10_000);
      JunctionConfig config = new JunctionConfig(Dialect.POSTGRESQL, List.of(new JunctionConfig.Shard("main",
          new JunctionConfig.Endpoint("primary", pg.primary().jdbcUrl(), pg.primary().user(), "", 1, pool),
          List.of(new JunctionConfig.Endpoint("replica1", pg.replica(0).jdbcUrl(), pg.replica(0).user(), "", 1, pool)))),
          routing, JunctionConfig.Fencing.defaults());
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      try (RoutingDataSource ds = RoutingDataSource.create(config, registry);
           ProxyServer proxy = new ProxyServer(ProxyConfig.defaults()
               .withAuth(AuthMethod.SCRAM_SHA_256, Map.of(USER, Credential.plain(PASSWORD)))
               .withPorts(0, 0)
               .withPooling(new ProxyConfig.Pooling(dev.junction.proxy.relay.RelayRuntime.PoolMode.TRANSACTION, Duration.ofSeconds(30), 4))
               .withHardening(new ProxyConfig.Hardening(Duration.ofSeconds(60), Duration.ZERO, Duration.ZERO, false, false, null, Set.of())),
               ds, registry)) {
        List<Connection> sessions = new ArrayList<>();
        long[] written = new long[SESSIONS * KEYS_PER_SESSION];
        try {
          for (int i = 0; i < SESSIONS; i++) {
            sessions.add(connect(proxy));
          }
          // Each session writes its keys; its fence is now its last commit.
          for (int i = 0; i < SESSIONS; i++) {
            for (int k = 0; k < KEYS_PER_SESSION; k++) {
              int key = i * KEYS_PER_SESSION + k;
              written[key] = value(sessions.get(i), "UPDATE counters SET v = v + 1 WHERE id = ? RETURNING v", key);
            }
          }
          // Wait until the replica replayed everything and the relay holds replica backends, so that
          // before the crash the fenced reads run on the replica.
          long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
          int onReplica = 0;
          while (onReplica == 0) {
            assertThat(System.nanoTime()).as("fenced reads never reached the replica").isLessThan(deadline);
            for (int i = 0; i < SESSIONS; i++) {
              value(sessions.get(i), "SELECT v FROM counters WHERE id = ?", i * KEYS_PER_SESSION);
            }
            onReplica = (int) registry.find("junction.route").tag("reason", dev.junction.route.RouteReason.REPLICA_FENCED.tag()).counters().stream()
                .mapToDouble(c -> c.count()).sum();
            Thread.sleep(100);
          }
          pg.replica(0).appendConfig("recovery_min_apply_delay = '10s'");
          pg.replica(0).kill();
          pg.replica(0).start(); // accepts connections once consistent, still replaying, apply delayed
          AtomicInteger stale = new AtomicInteger();
          AtomicInteger reads = new AtomicInteger();
          AtomicInteger failed = new AtomicInteger();
          long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
          ExecutorService threads = Executors.newFixedThreadPool(SESSIONS);
          List<Future<?>> futures = new ArrayList<>();
          for (int t = 0; t < SESSIONS; t++) {
            int session = t;
            futures.add(threads.submit(() -> {
              for (int i = 0; System.nanoTime() < end; i++) {
                int key = session * KEYS_PER_SESSION + i % KEYS_PER_SESSION;
                try {
                  if (value(sessions.get(session), "SELECT v FROM counters WHERE id = ?", key) < written[key]) {
                    stale.incrementAndGet();
                  }
                  reads.incrementAndGet();
                } catch (SQLException e) {
                  failed.incrementAndGet(); // a read may fail while the replica restarts; only stale answers count
                }
              }
              return null;
            }));
          }
          for (Future<?> f : futures) {
            f.get();
          }
          threads.shutdown();
          System.out.printf("[RelayReplicaRestartIT] %d fenced reads through the relay in the 3 s after the restart, %d stale,"
              + " %d failed%n", reads.get(), stale.get(), failed.get());
          assertThat(reads.get()).isPositive();
          assertThat(stale.get()).as("stale fenced reads through the relay after a replica restart").isZero();
        } finally {
          for (Connection c : sessions) {
            c.close();
          }
        }
      }
    }
  }

  static Connection connect(ProxyServer proxy) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", USER);
    p.setProperty("password", PASSWORD);
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres", p);
  }

  static long value(Connection c, String sql, int key) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setInt(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}
