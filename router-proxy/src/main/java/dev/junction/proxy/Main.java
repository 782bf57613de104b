package dev.junction.proxy;

import dev.junction.config.JunctionConfig;
import dev.junction.config.ConfigException;
import dev.junction.config.YamlConfigLoader;
import dev.junction.proxy.server.ProxyConfig;
import dev.junction.proxy.server.ProxyServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import dev.junction.jdbc.RoutingDataSource;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** Command-line entry point of Junction's proxy module; {@code --demo} runs the embedded showcase. */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    List<String> arguments = Arrays.asList(args);
    if (arguments.contains("--demo")) {
      try {
        Class.forName("dev.junction.local.LocalCluster");
      } catch (ClassNotFoundException e) {
        System.err.println("the demo needs the local-cluster test harness, which router-proxy.jar does not ship; run ./junction.sh demo");
        System.exit(2);
      }
      Class.forName("dev.junction.proxy.Demo").getMethod("main", String[].class).invoke(null, (Object) args);
      return;
    }
    int config = arguments.indexOf("--config");
    if (config >= 0 && config + 1 < arguments.size()) {
      Path file = Path.of(arguments.get(config + 1));
      if (arguments.contains("--check")) {
        System.exit(check(file));
      }
      serve(file);
      return;
    }
    System.err.println("usage: java -jar router-proxy.jar --config junction.yaml   (routing + junction.proxy sections)");
    System.err.println("       java -jar router-proxy.jar --config junction.yaml --check   (validate and exit)");
    System.err.println("       java -jar router-proxy.jar --demo [--once]         (embedded local topology)");
    System.exit(2);
  }

  /**
   * Loads and validates the file as {@link #serve} would, without connecting anywhere, so an operator
   * (or a deployment pipeline) can test a file and its environment variables before a restart.
   * Prints no secret: both configurations redact passwords in their {@code toString}, and only counts
   * and addresses are printed here.
   *
   * @return 0 when valid, 2 when not
   */
  static int check(Path file) {
    try {
      JunctionConfig routing = YamlConfigLoader.load(file);
      dev.junction.proxy.server.ProxyServer.requirePostgres(routing);
      ProxyConfig proxy = ProxyConfig.load(file);
      int endpoints = routing.shards().stream().mapToInt(s -> (s.primary() == null ? 0 : 1) + s.replicas().size()).sum();
      System.out.println("configuration OK: " + file + ": " + routing.shards().size() + " shard(s), " + endpoints
          + " endpoint(s), listen " + proxy.host() + ":" + proxy.port() + ", admin " + proxy.adminHost() + ":" + proxy.adminPort()
          + ", auth " + proxy.auth().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + ", " + proxy.users().size() + " user(s)");
      return 0;
    } catch (ConfigException e) {
      System.err.println("invalid configuration in " + file + ": " + e.getMessage());
      return 2;
    }
  }

  /** Runs the proxy from a YAML file until SIGTERM/SIGINT, then drains sessions and stops. */
  private static void serve(Path file) throws Exception {
    quietLeakDetector();
    ProxyConfig proxyConfig;
    JunctionConfig routing;
    try {
      routing = YamlConfigLoader.load(file);
      dev.junction.proxy.server.ProxyServer.requirePostgres(routing);
      proxyConfig = ProxyConfig.load(file);
    } catch (ConfigException e) {
      System.err.println("invalid configuration in " + file + ": " + e.getMessage());
      System.exit(2);
      return;
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    RoutingDataSource ds = RoutingDataSource.create(routing, registry);
    ProxyServer server = new ProxyServer(proxyConfig, ds, registry);
    server.configFile(file);
    reloadOnSighup(server);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      long start = System.nanoTime();
      server.close();
      ds.close();
      org.slf4j.LoggerFactory.getLogger(Main.class).info("stopped in {} ms", (System.nanoTime() - start) / 1_000_000);
      stopped.countDown();
    }, "junction-proxy-shutdown"));
    stopped.await();
  }

  /**
   * Turns Netty's buffer leak detector off in the production proxy unless the operator chose a level
   * ({@code -Dio.netty.leakDetection.level=simple}, in {@code JAVA_OPTS}). WHY: at its default level it
   * records a stack trace for one buffer in 128, and the relay allocates several buffers per
   * transaction: 2.4% of the event loop's time in the pgbench select-only profile
   * (benchmarks/results/proxy-perf4). The tests, which embed {@link ProxyServer} rather than run this
   * class, keep the detector.
   */
  static void quietLeakDetector() {
    if (System.getProperty("io.netty.leakDetection.level") == null && System.getProperty("io.netty.leakDetectionLevel") == null) {
      io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.DISABLED);
    }
  }

  /** SIGHUP re-reads the configuration file (users, pool sizes, timeouts) without dropping clients. */
  private static void reloadOnSighup(ProxyServer server) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> {
        try {
          server.reload();
        } catch (RuntimeException e) {
          System.err.println("configuration reload refused: " + e.getMessage());
        }
      });
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      System.err.println("SIGHUP reload is not available on this platform (" + e.getMessage() + "); use RELOAD on the admin console");
    }
  }
}
