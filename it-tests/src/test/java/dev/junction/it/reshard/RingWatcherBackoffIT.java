package dev.junction.it.reshard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.health.ReplicaSelector;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.JdbcServer;
import dev.junction.local.LocalCluster;
import dev.junction.shard.KeyType;
import dev.junction.shard.ShardedTable;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A router whose shards are all down must not hammer them: the ring watcher used to open a new
 * connection to every shard at every 50 ms poll (twenty a second per router), which is how a fleet
 * knocks a recovering server over again. Here the only shard's server is killed and its port taken
 * by a listener that reads each connection's startup packet and counts the ring watcher's (its
 * {@code application_name}); then the server comes back and the router serves again.
 */
class RingWatcherBackoffIT {
  @Test
  void aRouterWhoseShardsAreDownBacksOffAndRecovers() throws Exception {
    try (LocalCluster cluster = LocalCluster.builder().postgresReplicaSets(1).start()) {
      JdbcServer p = cluster.postgres(0).primary();
      JunctionConfig.Routing routing = new JunctionConfig.Routing(ReplicaSelector.Strategy.ROUND_ROBIN, Duration.ofSeconds(5), 0,
          Duration.ofMillis(2500), Duration.ofMillis(100), Duration.ofMillis(50), Duration.ofMillis(500), 10_000);
      JunctionConfig config = new JunctionConfig(Dialect.POSTGRESQL, List.of(new JunctionConfig.Shard("s0",
          new JunctionConfig.Endpoint("primary", p.jdbcUrl(), p.user(), p.password(), 1, JunctionConfig.Pool.defaults()), List.of())), routing, JunctionConfig.Fencing.defaults(),
          JunctionConfig.Sharding.of(List.of(new ShardedTable("items", "id", KeyType.LONG)), List.of())).validate();
      try (RoutingDataSource ds = RoutingDataSource.create(config)) {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
          s.execute("CREATE TABLE items (id bigint PRIMARY KEY, v text)");
          s.execute("INSERT INTO items (id, v) VALUES (1, 'one')");
        }
        p.kill();
        AtomicInteger watcher = new AtomicInteger();
        AtomicInteger others = new AtomicInteger();
        java.util.Map<String, Integer> seen = new java.util.TreeMap<>();
        long window = 4_000;
        try (ServerSocket fake = new ServerSocket()) {
          fake.setReuseAddress(true);
          fake.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), p.port()));
          fake.setSoTimeout(100);
          long end = System.nanoTime() + window * 1_000_000;
          while (System.nanoTime() < end) {
            try (Socket s = fake.accept()) {
              s.setSoTimeout(1000);
              String name = applicationName(s);
              seen.merge(String.valueOf(name), 1, Integer::sum);
              (APPLICATION_NAME.equals(name) ? watcher : others).incrementAndGet();
            } catch (java.net.SocketTimeoutException idle) {
              // nobody connected in the last 100 ms
            }
          }
        }
        System.out.printf("ring watcher connection attempts to a dead shard in %d ms: %d (other connections: %d)%n", window,
            watcher.get(), others.get());
        System.out.println("connections by application_name: " + seen);
        // Without back-off: one per 50 ms poll, about 80. With it: 50, 100, 200, 400, 800 ms, then 1 s apart.
        assertThat(watcher.get()).as("ring watcher connection attempts in %d ms", window).isBetween(3, 12);
        p.start();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (true) {
          try (Connection c = ds.getConnection(); Statement s = c.createStatement();
               var rs = s.executeQuery("SELECT v FROM items WHERE id = 1")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("one");
            break;
          } catch (java.sql.SQLException e) {
            assertThat(System.nanoTime()).as("router serves again after the shard is back: %s", e.getMessage()).isLessThan(deadline);
            Thread.sleep(100);
          }
        }
      }
    }
  }

  static final String APPLICATION_NAME = "junction-ring-watcher";

  /** Reads a PostgreSQL StartupMessage (after an SSLRequest, answered 'N'): its application_name, or null. */
  private static String applicationName(Socket s) throws IOException {
    DataInputStream in = new DataInputStream(s.getInputStream());
    while (true) {
      int length = in.readInt();
      int code = in.readInt();
      byte[] body = new byte[length - 8];
      in.readFully(body);
      if (code == 80877103 || code == 80877104) { // SSLRequest, GSSENCRequest
        s.getOutputStream().write('N');
        s.getOutputStream().flush();
        continue;
      }
      String[] parts = new String(body, StandardCharsets.UTF_8).split("\0");
      for (int i = 0; i + 1 < parts.length; i += 2) {
        if (parts[i].equals("application_name")) {
          return parts[i + 1];
        }
      }
      return null;
    }
  }
}
