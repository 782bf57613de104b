package dev.junction.spring.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.actuate.autoconfigure.security.servlet.ManagementWebSecurityAutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.data.jpa.JpaRepositoriesAutoConfiguration;
import org.springframework.boot.autoconfigure.orm.jpa.HibernateJpaAutoConfiguration;
import org.springframework.boot.autoconfigure.security.servlet.SecurityAutoConfiguration;
import org.springframework.boot.autoconfigure.security.servlet.SecurityFilterAutoConfiguration;
import org.springframework.boot.autoconfigure.security.servlet.UserDetailsServiceAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The admin page served by the starter, against a real PostgreSQL primary and two streaming
 * replicas: the page and its files, a status.json that matches the topology, a killed replica
 * reported down, and no password anywhere in what the page receives.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdminPageIT {
  static final String PASSWORD = "st4rter-adm1n-pw";
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static LocalCluster cluster;
  static PostgresReplicaSet pg;
  static ConfigurableApplicationContext app;
  static String base;

  @SpringBootConfiguration
  @EnableAutoConfiguration(exclude = {HibernateJpaAutoConfiguration.class, JpaRepositoriesAutoConfiguration.class, SecurityAutoConfiguration.class,
      SecurityFilterAutoConfiguration.class, UserDetailsServiceAutoConfiguration.class,
      ManagementWebSecurityAutoConfiguration.class})
  static class App {}

  @BeforeAll
  static void start() {
    cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO, Duration.ZERO).start();
    pg = cluster.postgres(0);
    app = new SpringApplicationBuilder(App.class).properties(Map.ofEntries(
        Map.entry("server.port", "0"),
        Map.entry("spring.main.banner-mode", "off"),
        Map.entry("logging.level.root", "warn"),
        Map.entry("management.endpoints.web.exposure.include", "health"),
        Map.entry("junction.admin.enabled", "true"),
        Map.entry("junction.dialect", "postgresql"),
        Map.entry("junction.shards[0].name", "main"),
        Map.entry("junction.shards[0].primary.url", pg.primary().jdbcUrl()),
        Map.entry("junction.shards[0].primary.username", pg.primary().user()),
        Map.entry("junction.shards[0].primary.password", PASSWORD),
        Map.entry("junction.shards[0].replicas[0].name", "replica1"),
        Map.entry("junction.shards[0].replicas[0].url", pg.replica(0).jdbcUrl()),
        Map.entry("junction.shards[0].replicas[0].username", pg.replica(0).user()),
        Map.entry("junction.shards[0].replicas[0].password", PASSWORD),
        Map.entry("junction.shards[0].replicas[1].name", "replica2"),
        Map.entry("junction.shards[0].replicas[1].url", pg.replica(1).jdbcUrl()),
        Map.entry("junction.shards[0].replicas[1].username", pg.replica(1).user()),
        Map.entry("junction.shards[0].replicas[1].password", PASSWORD),
        Map.entry("junction.routing.lag-poll-interval", "100ms"),
        Map.entry("junction.routing.circuit-open", "500ms"))).run();
    base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port") + "/junction/admin";
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {app, cluster}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception ignored) {
        // best effort
      }
    }
  }

  static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @Order(1)
  void servesThePageItsFilesAndTheStatus() throws Exception {
    HttpResponse<String> page = get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
    assertThat(page.headers().firstValue("Content-Security-Policy")).hasValue(AdminServlet.CONTENT_SECURITY_POLICY);
    assertThat(page.body()).contains("<title>Junction</title>", "admin.js");
    assertThat(get("").statusCode()).isEqualTo(302);
    assertThat(get("/admin.js").body()).contains("status.json");
    assertThat(get("/admin.css").statusCode()).isEqualTo(200);
    assertThat(get("/nothing-here").statusCode()).isEqualTo(404);
    HttpResponse<String> status = get("/status.json");
    assertThat(status.statusCode()).isEqualTo(200);
    assertThat(status.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(status.body()).contains("\"dialect\":\"postgresql\"", "\"name\":\"main\"", "\"name\":\"replica1\"",
        "\"name\":\"replica2\"").doesNotContain("\"up\":false", PASSWORD);
  }

  @Test
  @Order(2)
  void aKilledReplicaShowsDown() throws Exception {
    pg.replica(1).kill();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    String body;
    do {
      Thread.sleep(200);
      body = get("/status.json").body();
    } while (!body.contains("\"up\":false") && System.nanoTime() < deadline);
    assertThat(body).contains("\"name\":\"replica2\",\"role\":\"replica\",\"up\":false").doesNotContain(PASSWORD);
  }
}
