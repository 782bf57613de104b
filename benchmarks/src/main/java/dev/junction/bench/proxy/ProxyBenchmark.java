package dev.junction.bench.proxy;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.Binaries;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.local.PostgresServer;
import dev.junction.proxy.auth.AuthMethod;
import dev.junction.proxy.server.ProxyConfig;
import dev.junction.proxy.server.ProxyServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * pgbench through the Junction proxy, through PgBouncer (transaction pooling) and directly against
 * the primary, on the same local servers in one run. The targets are interleaved round by round, so
 * noise on a shared machine hits all three alike. Figures are TPS and ratios; the run writes a CSV
 * and a gnuplot script, and renders a PNG when gnuplot is installed.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.junction.bench.proxy.ProxyBenchmark [--quick] [--out DIR] [--img DIR]}
 */
public final class ProxyBenchmark {
  private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+)");
  private static final Pattern FAILED = Pattern.compile("number of failed transactions: (\\d+)");

  private ProxyBenchmark() {}

  public static void main(String[] args) throws Exception {
    List<String> a = Arrays.asList(args);
    boolean quick = a.contains("--quick");
    Path out = Path.of(option(a, "--out", "benchmarks/results"));
    Path img = Path.of(option(a, "--img", "docs/img"));
    int seconds = quick ? 3 : 8;
    int rounds = quick ? 1 : 3;
    int[] clients = quick ? new int[] {4} : new int[] {1, 4, 16};
    Path bin = Binaries.postgresBinDir().orElseThrow(() -> new IllegalStateException("PostgreSQL binaries not found"));
    Path pgbouncer = Path.of("/usr/sbin/pgbouncer");
    if (!Files.isExecutable(pgbouncer)) {
      throw new IllegalStateException("pgbouncer not found: apt-get install -y pgbouncer (benchmarks/run-proxy.sh does it)");
    }
    try (LocalCluster cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO, Duration.ZERO).start()) {
      PostgresReplicaSet pg = cluster.postgres(0);
      int primaryPort = pg.primary().port();
      run(List.of(bin.resolve("pgbench").toString(), "-i", "-q", "-s", "10", "-h", "127.0.0.1", "-p", Integer.toString(primaryPort),
          "-U", "postgres", "postgres"), 600);
      Thread.sleep(2000);
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      try (RoutingDataSource ds = RoutingDataSource.create(config(pg), registry);
           ProxyServer proxy = new ProxyServer(ProxyConfig.defaults().withAuth(AuthMethod.TRUST, Map.of()).withPorts(0, 0), ds, registry);
           PgBouncer bouncer = PgBouncer.start(pgbouncer, cluster.baseDir().resolve("pgbouncer"), primaryPort)) {
        Map<String, Integer> targets = new LinkedHashMap<>();
        targets.put("direct", primaryPort);
        targets.put("pgbouncer", bouncer.port());
        targets.put("junction", proxy.port());
        List<String[]> rows = new ArrayList<>();
        for (String workload : new String[] {"select-only", "tpcb-like"}) {
          for (int c : clients) {
            Map<String, List<Double>> tps = new LinkedHashMap<>();
            for (int r = 0; r < rounds; r++) {
              for (Map.Entry<String, Integer> t : targets.entrySet()) {
                tps.computeIfAbsent(t.getKey(), k -> new ArrayList<>())
                    .add(pgbench(bin, t.getValue(), workload, c, seconds));
              }
            }
            double direct = median(tps.get("direct"));
            double bouncerTps = median(tps.get("pgbouncer"));
            double junction = median(tps.get("junction"));
            rows.add(new String[] {workload, Integer.toString(c), fmt(direct), fmt(bouncerTps), fmt(junction),
                String.format(Locale.ROOT, "%.2f", junction / bouncerTps), String.format(Locale.ROOT, "%.2f", junction / direct)});
            System.out.printf(Locale.ROOT, "%-11s clients %2d  direct %8.0f  pgbouncer %8.0f  junction %8.0f  junction/pgbouncer %.2f  junction/direct %.2f%n",
                workload, c, direct, bouncerTps, junction, junction / bouncerTps, junction / direct);
          }
        }
        Files.createDirectories(out);
        StringBuilder csv = new StringBuilder("workload,clients,direct_tps,pgbouncer_tps,junction_tps,junction_over_pgbouncer,junction_over_direct\n");
        for (String[] row : rows) {
          csv.append(String.join(",", row)).append('\n');
        }
        Path csvFile = out.resolve("proxy.csv");
        Files.writeString(csvFile, csv);
        Plot.render(csvFile, img.resolve("bench-proxy.png"));
        System.out.println("wrote " + csvFile);
      }
    }
  }

  static JunctionConfig config(PostgresReplicaSet pg) {
    JunctionConfig.Pool pool = new JunctionConfig.Pool(32, 0, Duration.ofSeconds(2), Duration.ofMinutes(10), Duration.ofMinutes(30),
        Duration.ofSeconds(1));
    List<JunctionConfig.Endpoint> replicas = new ArrayList<>();
    for (int i = 0; i < pg.replicas().size(); i++) {
      PostgresServer r = pg.replica(i);
      replicas.add(new JunctionConfig.Endpoint("replica" + (i + 1), r.jdbcUrl(), r.user(), "", 1, pool));
    }
    return new JunctionConfig(Dialect.POSTGRESQL, List.of(new JunctionConfig.Shard("main",
        new JunctionConfig.Endpoint("primary", pg.primary().jdbcUrl(), pg.primary().user(), "", 1, pool), replicas)),
        JunctionConfig.Routing.defaults(), JunctionConfig.Fencing.defaults());
  }

  static double pgbench(Path bin, int port, String workload, int clients, int seconds) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(bin.resolve("pgbench").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port),
        "-U", "postgres", "-c", Integer.toString(clients), "-j", Integer.toString(Math.min(clients, 2)),
        "-T", Integer.toString(seconds), "-n", "-M", "simple"));
    if (workload.equals("select-only")) {
      cmd.add("-S");
    }
    cmd.add("postgres");
    String text = run(cmd, 120 + seconds);
    Matcher failed = FAILED.matcher(text);
    if (failed.find() && Integer.parseInt(failed.group(1)) != 0) {
      throw new IllegalStateException("pgbench reported failed transactions on port " + port + ":\n" + text);
    }
    Matcher m = TPS.matcher(text);
    if (!m.find()) {
      throw new IllegalStateException("no tps in pgbench output:\n" + text);
    }
    return Double.parseDouble(m.group(1));
  }

  static String run(List<String> command, int timeoutSeconds) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    Thread reader = new Thread(() -> {
      try (InputStream in = p.getInputStream()) {
        in.transferTo(buffer);
      } catch (Exception ignored) {
        // process ended
      }
    });
    reader.start();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("timed out: " + command);
    }
    reader.join();
    String text = buffer.toString(StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IllegalStateException("exit " + p.exitValue() + " from " + command + "\n" + text);
    }
    return text;
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(Double::compare);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  static String fmt(double v) {
    return String.format(Locale.ROOT, "%.0f", v);
  }

  static String option(List<String> args, String name, String fallback) {
    int i = args.indexOf(name);
    return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : fallback;
  }
}
