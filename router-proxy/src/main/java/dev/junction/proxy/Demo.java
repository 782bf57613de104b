package dev.junction.proxy;

import dev.junction.Junction;
import dev.junction.Scope;
import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.EndpointHealth;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresServer;
import dev.junction.proxy.auth.AuthMethod;
import dev.junction.proxy.server.ProxyConfig;
import dev.junction.proxy.server.ProxyServer;
import dev.junction.route.RouteReason;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The embedded showcase ({@code ./junction.sh demo}): a local PostgreSQL primary with two replicas
 * and the proxy in front. It needs the {@code local-cluster} test harness on the class path, which
 * the production {@code router-proxy.jar} deliberately does not contain.
 */
public final class Demo {
  private Demo() {}

  public static void main(String[] args) throws Exception {
    demo(Arrays.asList(args).contains("--once"));
  }

  static void demo(boolean once) throws Exception {
    System.out.println("Starting a local PostgreSQL primary with 2 streaming replicas (replica2 delayed 300 ms)...");
    long t0 = System.nanoTime();
    LocalCluster cluster = LocalCluster.builder()
        .postgresReplicaSets(1).postgresReplicas(Duration.ZERO, Duration.ofMillis(300)).start();
    System.out.printf("Topology up in %d ms:%n", (System.nanoTime() - t0) / 1_000_000);
    for (PostgresServer server : cluster.postgres(0).servers()) {
      System.out.printf("  %-16s %s%n", server.name(), server.jdbcUrl());
    }
    try (Connection c = cluster.postgres(0).primary().connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE accounts (id int primary key, owner text, balance bigint)");
      s.execute("INSERT INTO accounts SELECT g, 'user-' || g, 100 FROM generate_series(1, 1000) g");
    }
    Thread.sleep(500);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    RoutingDataSource ds = RoutingDataSource.create(demoConfig(cluster), registry);
    ProxyConfig proxyConfig = ProxyConfig.defaults().withAuth(AuthMethod.TRUST, Map.of())
        .withPorts(portOrAny(6432), portOrAny(9187));
    ProxyServer proxy = new ProxyServer(proxyConfig, ds, registry);
    CountDownLatch stopped = new CountDownLatch(1); // never counted down: runs until the JVM is stopped
    cluster.closeFirst(proxy); // on exit or Ctrl-C: the proxy, then the pools, then the servers
    cluster.closeFirst(ds);

    System.out.println("\n1. Unfenced reads spread over the replicas:");
    for (int i = 0; i < 4; i++) {
      try (Connection c = ds.getConnection()) {
        System.out.printf("   SELECT ... served by port %d%n", port(c));
      }
    }
    System.out.println("\n2. Read-your-writes inside Junction.scope(\"user:42\"):");
    try (Scope scope = Junction.scope("user:42")) {
      long written;
      try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
          "UPDATE accounts SET balance = balance + 10 WHERE id = 42 RETURNING balance")) {
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          written = rs.getLong(1);
        }
      }
      System.out.printf("   write on the primary: balance is now %d; fence %s%n", written, scope.fence());
      try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
          "SELECT balance, inet_server_port() FROM accounts WHERE id = 42")) {
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          System.out.printf("   read right after: balance %d from port %d (never the stale delayed replica)%n",
              rs.getLong(1), rs.getInt(2));
        }
      }
    }
    System.out.println("\n3. Explain:");
    for (String sql : List.of("SELECT owner FROM accounts WHERE id = 7",
        "SELECT * FROM accounts WHERE id = 7 FOR UPDATE", "SELECT nextval('s')", "this is not SQL")) {
      System.out.println(indent(ds.explain(sql).render()));
    }
    System.out.println("4. Routing decisions so far:");
    for (RouteReason reason : RouteReason.values()) {
      double n = ds.routedCount(reason);
      if (n > 0) {
        System.out.printf("   %-32s %.0f%n", reason.tag(), n);
      }
    }
    System.out.println("\n5. Endpoint health:");
    for (EndpointHealth h : ds.health()) {
      String lag = h.role().equals("primary") ? "position " + h.replayedPosition()
          : "inRotation=" + h.inRotation() + " lag=" + h.lagMillis() + " ms replayed=" + h.replayedPosition();
      System.out.printf("   %-9s %-8s up=%s %s%n", h.endpoint(), h.role(), h.up(), lag);
    }
    System.out.println("\n6. The proxy speaks the PostgreSQL protocol in front of the same router (demo: trust auth, loopback only):");
    System.out.printf("   psql -h 127.0.0.1 -p %d -U postgres postgres -c 'SELECT inet_server_port(), count(*) FROM accounts'%n", proxy.port());
    System.out.printf("   pgbench -h 127.0.0.1 -p %d -U postgres -S -T 10 postgres   (after pgbench -i against the primary)%n", proxy.port());
    System.out.printf("   curl 'http://127.0.0.1:%d/explain?sql=SELECT+1'   curl http://127.0.0.1:%d/health   curl http://127.0.0.1:%d/metrics%n",
        proxy.adminPort(), proxy.adminPort(), proxy.adminPort());
    System.out.printf("   live admin page: http://127.0.0.1:%d/admin/%n", proxy.adminPort());
    try (Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres", "postgres", "");
         Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE accounts SET balance = balance - 10 WHERE id = 42");
      try (ResultSet rs = s.executeQuery("SELECT balance, inet_server_port() FROM accounts WHERE id = 42")) {
        rs.next();
        System.out.printf("   through the proxy: write, then read balance %d from port %d (session = consistency scope)%n",
            rs.getLong(1), rs.getInt(2));
      }
    }
    if (once) {
      cluster.close(); // closes the proxy and the pools first
      System.exit(0);
    }
    System.out.println("\nThe topology and the proxy keep running. Ctrl-C stops them and deletes the topology.");
    stopped.await();
  }

  private static int portOrAny(int preferred) {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(preferred, 1, java.net.InetAddress.getLoopbackAddress())) {
      return preferred;
    } catch (java.io.IOException inUse) {
      return 0;
    }
  }

  private static int port(Connection c) throws Exception {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT inet_server_port()")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static String indent(String text) {
    return "   " + text.replace("\n", "\n   ");
  }

  static JunctionConfig demoConfig(LocalCluster cluster) {
    var set = cluster.postgres(0);
    JunctionConfig.Pool pool = JunctionConfig.Pool.defaults();
    List<JunctionConfig.Endpoint> replicas = new ArrayList<>();
    for (int i = 0; i < set.replicas().size(); i++) {
      PostgresServer r = set.replica(i);
      replicas.add(new JunctionConfig.Endpoint("replica" + (i + 1), r.jdbcUrl(), r.user(), r.password(), 1, pool));
    }
    PostgresServer p = set.primary();
    return new JunctionConfig(Dialect.POSTGRESQL,
        List.of(new JunctionConfig.Shard("main", new JunctionConfig.Endpoint("primary", p.jdbcUrl(), p.user(), p.password(), 1, pool), replicas)),
        JunctionConfig.Routing.defaults(), JunctionConfig.Fencing.defaults());
  }
}
