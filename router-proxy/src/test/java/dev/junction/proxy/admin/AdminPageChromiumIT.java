package dev.junction.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.local.PostgresServer;
import dev.junction.proxy.auth.AuthMethod;
import dev.junction.proxy.auth.Credential;
import dev.junction.proxy.server.ProxyConfig;
import dev.junction.proxy.server.ProxyServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live admin page in a real headless Chromium (Debian's {@code chromium}, installed by
 * {@code ./junction.sh setup}), served by the proxy's admin port in front of a real PostgreSQL primary
 * with two streaming replicas. The test drives one page through Chromium's own DevTools protocol
 * (over the JDK's WebSocket client, no extra dependency): the page shows all three endpoints up, a
 * replica is killed, and the same page, refreshing itself, must show it down and out of rotation
 * within a few seconds. Screenshots of both states go to {@code target/screenshots/} and, with
 * {@code -Djunction.update-screenshots=true}, to {@code docs/img/}.
 */
class AdminPageChromiumIT {
  static final String USER = "app";
  static final String PASSWORD = "Adm1n-Page-Passw0rd";
  /** The page refreshes every second and the lag monitor polls every 250 ms: a few seconds is generous. */
  static final Duration SHOWN_DOWN_WITHIN = Duration.ofSeconds(8);

  @TempDir Path browserProfile;

  @Test
  void pageShowsAKilledReplicaDownWithinSeconds() throws Exception {
    Optional<Path> chromium = chromium();
    Assumptions.assumeTrue(chromium.isPresent(),
        "SKIPPED: Debian's chromium is not installed and could not be installed (./junction.sh setup installs it); "
            + "the admin page was not tested in a browser");
    try (LocalCluster cluster = LocalCluster.builder().postgresReplicaSets(1)
        .postgresReplicas(Duration.ZERO, Duration.ZERO).start()) {
      PostgresReplicaSet pg = cluster.postgres(0);
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      try (RoutingDataSource ds = RoutingDataSource.create(config(pg), registry)) {
        ProxyServer proxy = new ProxyServer(ProxyConfig.defaults()
            .withAuth(AuthMethod.SCRAM_SHA_256, Map.of(USER, Credential.plain(PASSWORD))).withPorts(0, 0), ds, registry);
        try {
          traffic(proxy.port());
          String page = "http://127.0.0.1:" + proxy.adminPort() + AdminPage.PATH;
          assertHeaders(page);
          try (Browser browser = Browser.start(chromium.get(), browserProfile)) {
            browser.call("Emulation.setDeviceMetricsOverride", "{\"width\":1280,\"height\":860,\"deviceScaleFactor\":1,\"mobile\":false}");
            browser.call("Page.enable", "{}");
            browser.call("Page.navigate", "{\"url\":\"" + page + "\"}");

            String allUp = awaitState(browser, Duration.ofSeconds(30), "up", "up", "up");
            assertThat(allUp).isEqualTo("main/primary=up,main/replica1=up,main/replica2=up");
            traffic(proxy.port()); // statements in the chart when the screenshot is taken
            Thread.sleep(1500);
            screenshot(browser, "admin-page.png");

            long killed = System.nanoTime();
            pg.replica(1).kill();
            String afterKill = awaitState(browser, SHOWN_DOWN_WITHIN, "up", "up", "down");
            long shownMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
            assertThat(afterKill).isEqualTo("main/primary=up,main/replica1=up,main/replica2=down");
            String row = browser.evaluate("document.querySelector('tr[data-endpoint=\"main/replica2\"]').innerText");
            assertThat(row).contains("DOWN", "out of rotation");
            assertThat(browser.evaluate("document.getElementById('freshness').className")).doesNotContain("stale");
            screenshot(browser, "admin-page-replica-down.png");
            System.out.println("[AdminPageChromiumIT] replica2 killed; the page showed it DOWN after " + shownMillis
                + " ms; row: " + row.replace('\t', '|').replace("\n", " "));
          }
        } finally {
          proxy.close();
        }
      }
    }
  }

  /** A few writes and reads through the proxy, so the routing panel has something to show. */
  private static void traffic(int port) throws Exception {
    Properties p = new Properties();
    p.setProperty("user", USER);
    p.setProperty("password", PASSWORD);
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
         Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS admin_page (k int PRIMARY KEY, v text)");
      for (int i = 0; i < 5; i++) {
        s.execute("INSERT INTO admin_page VALUES (" + i + ", 'x') ON CONFLICT (k) DO UPDATE SET v = excluded.v");
      }
      for (int i = 0; i < 30; i++) {
        s.executeQuery("SELECT count(*) FROM admin_page").close();
      }
    }
  }

  /** The page is served with the starter's security headers. */
  private static void assertHeaders(String page) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> index = http.send(HttpRequest.newBuilder(URI.create(page)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(index.statusCode()).isEqualTo(200);
    assertThat(index.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
    assertThat(index.headers().firstValue("content-security-policy")).hasValue(AdminPage.CONTENT_SECURITY_POLICY);
    assertThat(index.body()).contains("<script src=\"admin.js\">");
    HttpResponse<String> json = http.send(HttpRequest.newBuilder(URI.create(page + "status.json")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(json.body()).contains("\"name\":\"replica2\"").doesNotContain(PASSWORD);
    HttpResponse<String> bare = http.send(HttpRequest.newBuilder(URI.create(page.substring(0, page.length() - 1))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(bare.statusCode()).isEqualTo(301);
    assertThat(bare.headers().firstValue("location")).hasValue(AdminPage.PATH);
  }

  /** Polls the page's DOM until the three endpoint rows have the expected states; returns what it saw. */
  private static String awaitState(Browser browser, Duration within, String primary, String replica1, String replica2)
      throws Exception {
    String expected = "main/primary=" + primary + ",main/replica1=" + replica1 + ",main/replica2=" + replica2;
    String seen = "";
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      seen = browser.evaluate("Array.from(document.querySelectorAll('#topology tr[data-endpoint]'))"
          + ".map(r => r.dataset.endpoint + '=' + r.dataset.state).join(',')");
      if (seen.equals(expected)) {
        return seen;
      }
      Thread.sleep(100);
    }
    return seen;
  }

  private static void screenshot(Browser browser, String name) throws Exception {
    String result = browser.call("Page.captureScreenshot", "{\"format\":\"png\"}");
    Matcher m = Pattern.compile("\"data\":\"([A-Za-z0-9+/=]+)\"").matcher(result);
    assertThat(m.find()).as("a PNG from Page.captureScreenshot").isTrue();
    byte[] png = Base64.getDecoder().decode(m.group(1));
    assertThat(new String(png, 1, 3, StandardCharsets.US_ASCII)).as("PNG signature").isEqualTo("PNG");
    // Every run keeps its screenshots in target/screenshots. The docs' copies (docs/img, shown in README and
    // admin.md) are written when missing or with -Djunction.update-screenshots=true, so that a test run does
    // not leave a modified tree behind (benchmark results record whether the tree was dirty).
    Path runs = Files.createDirectories(Path.of("target", "screenshots"));
    Files.write(runs.resolve(name), png);
    Path docs = Path.of("..", "docs", "img"); // the module directory is the working directory
    if (Files.isDirectory(docs) && (Boolean.getBoolean("junction.update-screenshots") || !Files.exists(docs.resolve(name)))) {
      Files.write(docs.resolve(name), png);
    }
  }

  static JunctionConfig config(PostgresReplicaSet pg) {
    JunctionConfig.Pool pool = new JunctionConfig.Pool(10, 0, Duration.ofSeconds(2), Duration.ofMinutes(10), Duration.ofMinutes(30),
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

  /** Debian's chromium on PATH or in /usr/bin. */
  static Optional<Path> chromium() {
    List<Path> candidates = new ArrayList<>();
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!dir.isEmpty()) {
        candidates.add(Path.of(dir, "chromium"));
      }
    }
    candidates.add(Path.of("/usr/bin/chromium"));
    return candidates.stream().filter(Files::isExecutable).findFirst();
  }

  /**
   * One headless Chromium and a DevTools-protocol session with its first page, over the JDK's
   * WebSocket client. Replies are matched to calls by id; events are ignored.
   */
  static final class Browser implements AutoCloseable {
    private final Process process;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<String>> pending = new ConcurrentHashMap<>();

    private Browser(Process process, WebSocket socket) {
      this.process = process;
      this.socket = socket;
    }

    static Browser start(Path chromium, Path profile) throws Exception {
      Process process = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
          "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + profile, "--remote-debugging-address=127.0.0.1",
          "--remote-debugging-port=0", "about:blank").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      try {
        CompletableFuture<Integer> port = new CompletableFuture<>();
        List<String> stderr = new ArrayList<>();
        Thread reader = new Thread(() -> {
          try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
              Matcher m = Pattern.compile("DevTools listening on ws://[^:]+:(\\d+)/").matcher(line);
              if (m.find()) {
                port.complete(Integer.parseInt(m.group(1)));
              } else if (stderr.size() < 50) {
                stderr.add(line);
              }
            }
          } catch (IOException ignored) {
            // the browser ended
          }
          port.completeExceptionally(new AssertionError("chromium ended without a DevTools port: " + stderr));
        }, "chromium-stderr");
        reader.setDaemon(true);
        reader.start();
        int devtools = port.get(60, TimeUnit.SECONDS);
        HttpClient http = HttpClient.newHttpClient();
        String list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + devtools + "/json/list")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        Matcher page = Pattern.compile("\"type\"\\s*:\\s*\"page\"[^}]*?\"webSocketDebuggerUrl\"\\s*:\\s*\"(ws://[^\"]+)\"").matcher(list);
        assertThat(page.find()).as("a page target in " + list).isTrue();
        Browser[] self = new Browser[1];
        WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(page.group(1)), new WebSocket.Listener() {
          private final StringBuilder message = new StringBuilder();

          @Override
          public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            message.append(data);
            if (last) {
              String text = message.toString();
              message.setLength(0);
              Matcher id = Pattern.compile("^\\{\"id\":(\\d+),").matcher(text);
              if (id.find() && self[0] != null) {
                CompletableFuture<String> reply = self[0].pending.remove(Integer.parseInt(id.group(1)));
                if (reply != null) {
                  reply.complete(text);
                }
              }
            }
            webSocket.request(1);
            return null;
          }
        }).get(30, TimeUnit.SECONDS);
        self[0] = new Browser(process, socket);
        return self[0];
      } catch (Exception | AssertionError e) {
        stop(process);
        throw e;
      }
    }

    /** Sends a DevTools command and returns the raw JSON reply; fails on a protocol error. */
    String call(String method, String params) throws Exception {
      int id = ids.incrementAndGet();
      CompletableFuture<String> reply = new CompletableFuture<>();
      pending.put(id, reply);
      socket.sendText("{\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + params + "}", true).get(10, TimeUnit.SECONDS);
      String text = reply.get(30, TimeUnit.SECONDS);
      assertThat(text).as(method).doesNotStartWith("{\"id\":" + id + ",\"error\"");
      return text;
    }

    /** Evaluates a JavaScript expression that yields a string in the page. */
    String evaluate(String expression) throws Exception {
      String quoted = "\"" + expression.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
      String text = call("Runtime.evaluate", "{\"expression\":" + quoted + ",\"returnByValue\":true}");
      Matcher m = Pattern.compile("\"value\":\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(text);
      if (!m.find()) {
        return "";
      }
      return m.group(1).replace("\\t", "\t").replace("\\n", "\n").replace("\\\"", "\"").replace("\\\\", "\\");
    }

    @Override
    public void close() {
      socket.abort();
      stop(process);
    }

    /** Stops the browser this test started and its helper processes (renderer, zygote), by handle. */
    private static void stop(Process process) {
      List<ProcessHandle> children;
      try (Stream<ProcessHandle> d = process.descendants()) {
        children = d.toList();
      }
      process.destroy();
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      children.forEach(ProcessHandle::destroyForcibly);
    }
  }
}
