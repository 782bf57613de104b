package dev.junction.spring.lines;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.local.RedisServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Written against both Spring Boot lines (no Boot-3- or Boot-4-only type), so the boot4 profile runs
 * it too: the application starts, the health tree is where the docs say, and the two switches that
 * turn Junction off (excluding DataSourceAutoConfiguration, junction.enabled=false) work.
 */
class BootLinesIT {
  /** Spring Boot's DataSource auto-configuration on this class path: Boot 4 moved it. */
  static final String DATA_SOURCE_AUTO_CONFIGURATION = present("org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
      ? "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration"
      : "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration";

  static LocalCluster cluster;
  static PostgresReplicaSet pg;

  @BeforeAll
  static void start() {
    System.out.println("BootLinesIT on Spring Boot " + SpringBootVersion.getVersion());
    cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO).redis(true).start();
    pg = cluster.postgres(0);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static boolean present(String className) {
    try {
      Class.forName(className, false, BootLinesIT.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  private static Map<String, Object> junction() {
    Map<String, Object> p = new HashMap<>();
    p.put("spring.main.banner-mode", "off");
    p.put("logging.level.root", "warn");
    p.put("logging.level.dev.junction.spring", "info");
    p.put("junction.dialect", "postgresql");
    p.put("junction.shards[0].name", "main");
    p.put("junction.shards[0].primary.url", pg.primary().jdbcUrl());
    p.put("junction.shards[0].primary.username", pg.primary().user());
    p.put("junction.shards[0].replicas[0].url", pg.replica(0).jdbcUrl());
    p.put("junction.shards[0].replicas[0].username", pg.replica(0).user());
    return p;
  }

  private static HttpResponse<String> get(ConfigurableApplicationContext app, String path) throws Exception {
    String base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theJunctionHealthTreeIsVisibleWithShowComponents() throws Exception {
    Map<String, Object> p = junction();
    p.put("server.port", "0");
    p.put("management.endpoints.web.exposure.include", "health");
    p.put("management.endpoint.health.show-components", "always");
    p.put("management.endpoint.health.show-details", "always");
    try (ConfigurableApplicationContext app = new SpringApplicationBuilder(NoRepositoriesApplication.class).properties(p).run()) {
      assertThat(app.getBean(DataSource.class)).isInstanceOf(RoutingDataSource.class);
      HttpResponse<String> store = get(app, "/actuator/health/junctionFenceStore");
      System.out.println("[BootLinesIT] local fence store: " + store.body());
      assertThat(store.statusCode()).as(store.body()).isEqualTo(200);
      assertThat(store.body()).contains("\"status\":\"UP\"", "\"store\":\"local\"", "this instance only");
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      HttpResponse<String> primary = get(app, "/actuator/health/junction/main/primary");
      while (primary.statusCode() != 200 && System.nanoTime() < deadline) {
        Thread.sleep(200); // the lag monitor's first contact
        primary = get(app, "/actuator/health/junction/main/primary");
      }
      assertThat(primary.statusCode()).as(primary.body()).isEqualTo(200);
      assertThat(primary.body()).contains("\"UP\"");
      assertThat(get(app, "/actuator/health").body()).contains("\"junction\"");
    }
  }

  private static final String REDIS_PASSWORD = "Fence-Pw-7x9q";
  private static final String FENCE_STORE = "/actuator/health/junctionFenceStore";

  /**
   * {@code junctionFenceStore} against a real Redis with a password: UP; DOWN (HTTP 503) with the
   * outage's start and last error once Redis is stopped, while readiness stays UP (reads in keyed
   * scopes go to the primary meanwhile); UP again after a restart. No detail ever shows the
   * password or the URI.
   */
  @Test
  void theFenceStoreContributorFollowsRedisAndNamesNoSecret() throws Exception {
    // router-spring-boot4-it does not carry router-fence-redis: Boot 4's BOM wants a Reactor this offline build lacks
    org.junit.jupiter.api.Assumptions.assumeTrue(present("dev.junction.fence.redis.RedisFenceStore"),
        "router-fence-redis is not on this test class path");
    RedisServer redis = cluster.redis();
    requirePassword(redis);
    Map<String, Object> p = junction();
    p.put("server.port", "0");
    p.put("management.endpoints.web.exposure.include", "health");
    p.put("management.endpoint.health.show-details", "always");
    p.put("management.endpoint.health.probes.enabled", "true");
    p.put("junction.fencing.store", "redis");
    p.put("junction.fencing.redis-uri", "redis://:" + REDIS_PASSWORD + "@127.0.0.1:" + redis.port() + "/0");
    p.put("junction.fencing.ttl", "2s"); // the fail-safe window after a failure lasts one ttl
    try (ConfigurableApplicationContext app = new SpringApplicationBuilder(NoRepositoriesApplication.class).properties(p).run()) {
      HttpResponse<String> up = await(app, FENCE_STORE, 200);
      System.out.println("[BootLinesIT] redis up: " + up.body());
      assertThat(up.body()).contains("\"status\":\"UP\"", "\"store\":\"redis\"", "\"address\":\"127.0.0.1:" + redis.port() + "/0\"");
      assertNoRedisSecret(up.body());

      redis.stop();
      HttpResponse<String> down;
      try {
        down = await(app, FENCE_STORE, 503);
        System.out.println("[BootLinesIT] redis stopped: " + down.body());
        assertThat(get(app, "/actuator/health/readiness").statusCode()).as("readiness does not include the fence store").isEqualTo(200);
        assertThat(get(app, "/actuator/health").statusCode()).as("the full view reports the outage").isEqualTo(503);
      } finally {
        redis.start();
        requirePassword(redis);
      }
      assertThat(down.body()).contains("\"status\":\"DOWN\"", "\"downSince\"", "\"lastError\"", "\"effect\"");
      assertNoRedisSecret(down.body());

      HttpResponse<String> again = await(app, FENCE_STORE, 200);
      System.out.println("[BootLinesIT] redis restarted: " + again.body());
      assertThat(again.body()).contains("\"status\":\"UP\"", "\"lastError\"").doesNotContain("downSince");
      assertNoRedisSecret(again.body());
    }
  }

  private static void assertNoRedisSecret(String body) {
    assertThat(body).doesNotContain(REDIS_PASSWORD, "redis://", "Fence-Pw");
  }

  private static HttpResponse<String> await(ConfigurableApplicationContext app, String path, int status) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    HttpResponse<String> r = get(app, path);
    while (r.statusCode() != status && System.nanoTime() < deadline) {
      Thread.sleep(200);
      r = get(app, path);
    }
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(status);
    return r;
  }

  /** local-cluster starts Redis without a password; this sets one on the running server (lost on restart). */
  private static void requirePassword(RedisServer redis) throws Exception {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", redis.port()), 2000);
      socket.setSoTimeout(2000);
      OutputStream out = socket.getOutputStream();
      out.write(("CONFIG SET requirepass " + REDIS_PASSWORD + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder reply = new StringBuilder();
      for (int c = in.read(); c != -1 && c != '\r'; c = in.read()) {
        reply.append((char) c);
      }
      assertThat(reply.toString()).isEqualTo("+OK");
    }
  }

  @Test
  void excludingDataSourceAutoConfigurationTurnsJunctionOff() {
    Map<String, Object> p = junction();
    p.put("spring.main.web-application-type", "none");
    p.put("spring.autoconfigure.exclude", DATA_SOURCE_AUTO_CONFIGURATION);
    try (ConfigurableApplicationContext app = new SpringApplicationBuilder(NoRepositoriesApplication.class).properties(p).run()) {
      assertThat(app.getBeansOfType(DataSource.class)).as("no database at all").isEmpty();
    }
  }

  @Test
  void junctionEnabledFalseLeavesSpringBootsOwnDataSource() {
    Map<String, Object> p = junction();
    p.put("spring.main.web-application-type", "none");
    p.put("junction.enabled", "false");
    p.put("spring.datasource.url", pg.primary().jdbcUrl());
    p.put("spring.datasource.username", pg.primary().user());
    try (ConfigurableApplicationContext app = new SpringApplicationBuilder(NoRepositoriesApplication.class).properties(p).run()) {
      assertThat(app.getBeansOfType(RoutingDataSource.class)).isEmpty();
      assertThat(app.getBean(DataSource.class)).isNotInstanceOf(RoutingDataSource.class);
    }
  }
}
