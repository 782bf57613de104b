package dev.junction.spring.lines;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
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
    cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO).start();
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
    try (ConfigurableApplicationContext app = new SpringApplicationBuilder(NoRepositoriesApplication.class).properties(p).run()) {
      assertThat(app.getBean(DataSource.class)).isInstanceOf(RoutingDataSource.class);
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
