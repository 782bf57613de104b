package dev.junction.proxy.dist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.local.PostgresServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The proxy tarball as an operator gets it: this build's {@code junction-proxy-<version>-bin.tar.gz}
 * is unpacked with {@code tar}, its shipped configurations are validated with {@code bin/junction-proxy
 * --check}, and {@code bin/junction-proxy} is started as a real process in front of a real PostgreSQL
 * primary and streaming replica. pgjdbc writes and reads through it, {@code /health} answers on the
 * admin port, and SIGTERM stops it cleanly (exit status 143, no stack trace) within a few seconds.
 */
class ProxyDistributionIT {
  static final String APP_PASSWORD = "Dist-Test-Passw0rd";
  static final Pattern LISTENING = Pattern.compile("listening on [^:]+:(\\d+) \\(admin on [^:]+:(\\d+)\\)");

  @TempDir static Path unpacked;
  static Path home;

  @BeforeAll
  static void unpack() throws Exception {
    Path tarball = Path.of(System.getProperty("junction.dist.tarball"));
    assertThat(tarball).as("the tarball built in the package phase").isRegularFile();
    Result tar = run(List.of("tar", "-xzf", tarball.toString(), "-C", unpacked.toString()), Map.of(), 60);
    assertThat(tar.exit).as(tar.output).isZero();
    home = unpacked.resolve(System.getProperty("junction.dist.base"));
  }

  @Test
  void tarballHasTheLayoutAndOnlyTheProductionClassPath() throws IOException {
    Path script = home.resolve("bin/junction-proxy");
    assertThat(Files.getPosixFilePermissions(script)).contains(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OTHERS_EXECUTE);
    assertThat(Files.readString(script)).startsWith("#!/bin/sh\n").doesNotContain("\r");
    for (String file : List.of("conf/junction.yaml", "conf/simplelogger.properties", "systemd/junction-proxy.service",
        "kubernetes/sidecar.yaml", "LICENSE", "NOTICE")) {
      assertThat(home.resolve(file)).isRegularFile();
    }
    List<String> lib;
    try (Stream<Path> files = Files.list(home.resolve("lib"))) {
      lib = files.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertThat(lib).anyMatch(n -> n.matches("router-proxy-[0-9].*\\.jar"))
        .anyMatch(n -> n.startsWith("postgresql-"))
        .anyMatch(n -> n.startsWith("netty-handler-"));
    // no test harness, no test libraries, no MySQL driver, no sources/javadoc jars, no fat jar next to its parts
    assertThat(lib).noneMatch(n -> n.startsWith("local-cluster") || n.startsWith("junit") || n.startsWith("assertj")
        || n.startsWith("mysql") || n.startsWith("opentest4j") || n.contains("-sources") || n.contains("-javadoc")
        || n.equals("router-proxy.jar"));
    assertThat(Files.readString(home.resolve("systemd/junction-proxy.service")))
        .contains("SuccessExitStatus=143", "ExecReload=/bin/kill -HUP $MAINPID");
  }

  /** The other production artifact, {@code router-proxy.jar} (java -jar), holds the same: no harness, no MySQL driver. */
  @Test
  void fatJarHasNoTestHarnessAndNoMySqlDriver() throws IOException {
    Path jar = Path.of(System.getProperty("junction.proxy.fatjar"));
    assertThat(jar).isRegularFile();
    List<String> entries;
    try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile())) {
      entries = zip.stream().map(java.util.zip.ZipEntry::getName).toList();
    }
    assertThat(entries).contains("dev/junction/proxy/Main.class", "dev/junction/admin/index.html", "org/postgresql/Driver.class");
    assertThat(entries).noneMatch(e -> e.startsWith("com/mysql/") || e.startsWith("com/google/protobuf/")
        || e.startsWith("dev/junction/local/") || e.startsWith("org/junit/"));
  }

  @Test
  void shippedConfigurationsAreValidAndTakeSecretsFromTheEnvironment() throws Exception {
    Map<String, String> secrets = Map.of("JUNCTION_DB_PASSWORD", "db-secret-value", "JUNCTION_APP_PASSWORD", APP_PASSWORD);
    // the default path, conf/junction.yaml
    Result ok = run(List.of(home.resolve("bin/junction-proxy").toString(), "--check"), secrets, 60);
    assertThat(ok.exit).as(ok.output).isZero();
    assertThat(ok.output).contains("configuration OK", "conf/junction.yaml", "1 shard(s), 3 endpoint(s)", "1 user(s)")
        .doesNotContain("db-secret-value", APP_PASSWORD);

    Result missing = run(List.of(home.resolve("bin/junction-proxy").toString(), "--check"), Map.of(), 60);
    assertThat(missing.exit).as(missing.output).isEqualTo(2);
    assertThat(missing.output).contains("JUNCTION_DB_PASSWORD").doesNotContain("\tat ");

    // The Kubernetes example: its ConfigMap's junction.yaml is valid, its proxy takes both secrets from the
    // Secret, and it is probed on /health.
    List<Object> documents = new ArrayList<>();
    new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(Files.readString(home.resolve("kubernetes/sidecar.yaml")))
        .forEach(documents::add);
    Map<?, ?> configMap = kind(documents, "ConfigMap");
    Path k8sConfig = unpacked.resolve("k8s-junction.yaml");
    Files.writeString(k8sConfig, (String) ((Map<?, ?>) configMap.get("data")).get("junction.yaml"));
    Result k8s = run(List.of(home.resolve("bin/junction-proxy").toString(), "--config", k8sConfig.toString(), "--check"), secrets, 60);
    assertThat(k8s.exit).as(k8s.output).isZero();
    String deployment = new Yaml().dump(kind(documents, "Deployment"));
    assertThat(deployment).contains("readinessProbe", "livenessProbe", "path: /health", "secretKeyRef", "JUNCTION_DB_PASSWORD",
        "JUNCTION_APP_PASSWORD", "configMap");
    // readiness on /health (503 while a primary is down or while draining); liveness on /live, which a
    // database outage does not fail: a liveness probe on /health restarted healthy proxies
    Map<?, ?> podSpec = (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) kind(documents, "Deployment").get("spec")).get("template")).get("spec");
    Map<?, ?> proxyContainer = ((List<?>) podSpec.get("containers")).stream().map(c -> (Map<?, ?>) c)
        .filter(c -> c.containsKey("livenessProbe")).findFirst().orElseThrow();
    assertThat(((Map<?, ?>) ((Map<?, ?>) proxyContainer.get("livenessProbe")).get("httpGet")).get("path")).isEqualTo("/live");
    assertThat(((Map<?, ?>) ((Map<?, ?>) proxyContainer.get("readinessProbe")).get("httpGet")).get("path")).isEqualTo("/health");
  }

  @Test
  void startsFromBinServesReadsAndWritesAndStopsCleanlyOnSigterm() throws Exception {
    try (LocalCluster cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO).start()) {
      PostgresReplicaSet pg = cluster.postgres(0);
      try (Connection c = pg.primary().connect(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE dist_kv (k int PRIMARY KEY, v text)");
      }
      PostgresServer primary = pg.primary();
      PostgresServer replica = pg.replica(0);
      Path config = unpacked.resolve("local.yaml");
      Files.writeString(config, """
          junction:
            dialect: postgresql
            shards:
              - name: main
                primary: { url: "%s", username: %s, password: "${JUNCTION_DB_PASSWORD}" }
                replicas:
                  - { name: replica1, url: "%s", username: %s, password: "${JUNCTION_DB_PASSWORD}" }
            routing: { max-fence-wait: 2s }
            proxy:
              listen: 127.0.0.1:0
              admin-listen: 127.0.0.1:0
              auth: scram-sha-256
              users: [ { name: app, password: "${JUNCTION_APP_PASSWORD}" } ]
              shutdown-grace: 2s
          """.formatted(primary.jdbcUrl(), primary.user(), replica.jdbcUrl(), replica.user()));

      ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/junction-proxy").toString(), "--config", config.toString());
      pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
      pb.environment().put("JAVA_OPTS", "-Xmx128m");
      pb.environment().put("JUNCTION_PROXY_OPTS", "-Djunction.dist.test=1");
      pb.environment().put("JUNCTION_DB_PASSWORD", primary.password());
      pb.environment().put("JUNCTION_APP_PASSWORD", APP_PASSWORD);
      Process proxy = pb.start();
      List<String> stderr = Collections.synchronizedList(new ArrayList<>());
      List<String> stdout = Collections.synchronizedList(new ArrayList<>());
      CompletableFuture<int[]> ports = new CompletableFuture<>();
      Thread errReader = drain(proxy.getErrorStream(), stderr, ports);
      Thread outReader = drain(proxy.getInputStream(), stdout, ports);
      try {
        int[] listening = ports.get(60, TimeUnit.SECONDS);

        // exec: the PID we signal is the JVM itself, with the options from both variables
        ProcessHandle.Info info = proxy.info();
        assertThat(info.command().orElse("")).endsWith("/bin/java");
        assertThat(String.join(" ", info.arguments().orElse(new String[0])))
            .contains("-Xmx128m", "-Djunction.dist.test=1", "dev.junction.proxy.Main", "-XX:+UseSerialGC"); // no collector in the options

        Properties props = new Properties();
        props.setProperty("user", "app");
        props.setProperty("password", APP_PASSWORD);
        String url = "jdbc:postgresql://127.0.0.1:" + listening[0] + "/postgres";
        Connection held;
        try (Connection c = DriverManager.getConnection(url, props); Statement s = c.createStatement()) {
          assertThat(s.executeUpdate("INSERT INTO dist_kv VALUES (1, 'through the tarball')")).isEqualTo(1);
          try (ResultSet rs = s.executeQuery("SELECT v, pg_is_in_recovery() FROM dist_kv WHERE k = 1")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("through the tarball");
            // read-your-writes through the proxy, served by the replica (fenced read) or the primary (fallback)
          }
        }
        // a read that goes to the replica: the replica has replayed the row
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        boolean fromReplica = false;
        while (!fromReplica && System.nanoTime() < deadline) {
          try (Connection c = DriverManager.getConnection(url, props); Statement s = c.createStatement();
               ResultSet rs = s.executeQuery("SELECT v, pg_is_in_recovery() FROM dist_kv WHERE k = 1")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("through the tarball");
            fromReplica = rs.getBoolean(2);
          }
        }
        assertThat(fromReplica).as("a read reached the replica through the proxy").isTrue();

        HttpResponse<String> health = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listening[1] + "/health")).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).startsWith("{\"status\":\"UP\"").contains("\"endpoint\":\"replica1\"");
        HttpResponse<String> live = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listening[1] + "/live")).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(live.statusCode()).as("the Kubernetes example's liveness probe path").isEqualTo(200);

        // An application's pooled connection is still open when the proxy is told to stop.
        held = DriverManager.getConnection(url, props);
        long signalled = System.nanoTime();
        // SIGTERM, as systemd and the kubelet send it. Not Process.destroy(): that also closes this side of the
        // process's stdout/stderr pipes, so everything the shutdown hook logs would be lost (EPIPE, swallowed).
        assertThat(proxy.toHandle().destroy()).isTrue();
        assertThat(proxy.waitFor(15, TimeUnit.SECONDS)).as("the proxy exits after SIGTERM").isTrue();
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
        errReader.join(5000);
        outReader.join(5000);
        String err = String.join("\n", stderr);
        System.out.println("[ProxyDistributionIT] SIGTERM to exit: " + tookMillis + " ms, exit " + proxy.exitValue() + "; stderr:\n" + err);
        // 143 = 128 + SIGTERM: the JVM's status after its shutdown hook ran to completion (documented in docs/proxy.md)
        assertThat(proxy.exitValue()).as(err).isEqualTo(143);
        // The shutdown hook ran: it waited the 2 s grace for the idle client, then closed it and the pools.
        assertThat(tookMillis).as("stop time, with a 2 s shutdown-grace and one idle client").isBetween(1900L, 8000L);
        assertThat(err).contains("stopping: accepting no new clients; 1 sessions open, waiting up to PT2S",
            "closing 1 sessions still open after the PT2S grace period", "Main - stopped in ");
        assertThat(err).doesNotContain("\tat ", "Exception in thread", APP_PASSWORD);
        assertThat(err).contains("Junction proxy listening on");
        held.close();
      } finally {
        // a script that forgot to exec leaves its JVM behind: stop that too (only processes this test started)
        proxy.descendants().forEach(ProcessHandle::destroyForcibly);
        if (proxy.isAlive()) {
          proxy.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
    }
  }

  private static Map<?, ?> kind(List<Object> documents, String kind) {
    return documents.stream().map(d -> (Map<?, ?>) d).filter(d -> kind.equals(d.get("kind"))).findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " in kubernetes/sidecar.yaml"));
  }

  /** Collects a stream's lines and completes {@code ports} from the proxy's "listening on" line. */
  private static Thread drain(InputStream in, List<String> lines, CompletableFuture<int[]> ports) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          lines.add(line);
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            ports.complete(new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))});
          }
        }
      } catch (IOException ignored) {
        // the process ended
      }
      ports.completeExceptionally(new AssertionError("the proxy ended without listening: " + lines));
    }, "proxy-output");
    t.setDaemon(true);
    t.start();
    return t;
  }

  record Result(int exit, String output) {}

  private static Result run(List<String> command, Map<String, String> env, int timeoutSeconds) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().remove("JUNCTION_DB_PASSWORD");
    pb.environment().remove("JUNCTION_APP_PASSWORD");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().putAll(env);
    Process p = pb.start();
    CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return e.toString();
      }
    });
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + command);
    }
    return new Result(p.exitValue(), output.get(10, TimeUnit.SECONDS));
  }
}
