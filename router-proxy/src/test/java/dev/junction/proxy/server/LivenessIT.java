package dev.junction.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.proxy.auth.AuthMethod;
import dev.junction.proxy.auth.Credential;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Liveness is not readiness, against a real primary and replica: with the primary killed, {@code /health}
 * (readiness) answers 503 while {@code /live} stays 200, so a liveness probe does not restart a proxy
 * that a restart cannot help; with the primary back, during the shutdown drain both answer 503 (before, {@code /health} stayed
 * 200 until the admin port closed, so the pod kept receiving clients it would refuse).
 */
class LivenessIT {
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void liveStaysUpWhilePrimaryIsDownAndBothFailWhileDraining() throws Exception {
    try (LocalCluster cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO).start()) {
      PostgresReplicaSet pg = cluster.postgres(0);
      JunctionConfig.Pool pool = new JunctionConfig.Pool(4, 0, Duration.ofSeconds(2), Duration.ofMinutes(10), Duration.ofMinutes(30),
          Duration.ofSeconds(1));
      JunctionConfig config = new JunctionConfig(Dialect.POSTGRESQL, List.of(new JunctionConfig.Shard("main",
          new JunctionConfig.Endpoint("primary", pg.primary().jdbcUrl(), pg.primary().user(), "", 1, pool),
          List.of(new JunctionConfig.Endpoint("replica1", pg.replica(0).jdbcUrl(), pg.replica(0).user(), "", 1, pool)))),
          JunctionConfig.Routing.defaults(), JunctionConfig.Fencing.defaults());
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      try (RoutingDataSource ds = RoutingDataSource.create(config, registry)) {
        ProxyServer proxy = new ProxyServer(ProxyConfig.defaults()
            .withAuth(AuthMethod.SCRAM_SHA_256, Map.of(ProxyIT.USER, Credential.plain(ProxyIT.PASSWORD)))
            .withPorts(0, 0).withShutdownGrace(Duration.ofSeconds(30)), ds, registry);
        String base = "http://127.0.0.1:" + proxy.adminPort();
        try {
          await(base + "/health", 200, Duration.ofSeconds(30));
          HttpResponse<String> live = get(base + "/live");
          assertThat(live.statusCode()).isEqualTo(200);
          assertThat(live.body()).startsWith("{\"status\":\"UP\"");

          Connection client = ProxyIT.connect(proxy.port());
          try (Statement s = client.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
            assertThat(rs.next()).isTrue();
          }

          pg.primary().kill();
          HttpResponse<String> health = await(base + "/health", 503, Duration.ofSeconds(60));
          assertThat(health.body()).startsWith("{\"status\":\"DOWN\"");
          for (int i = 0; i < 5; i++) { // the primary stays down: liveness keeps answering 200
            live = get(base + "/live");
            assertThat(live.statusCode()).as("/live with the primary down").isEqualTo(200);
            Thread.sleep(200);
          }
          System.out.printf("[LivenessIT] primary killed: /health %d %s/live %d %s", health.statusCode(),
              health.body().substring(0, Math.min(60, health.body().length())) + "...\n", live.statusCode(), live.body());

          // the primary back: ready again, so that 503 below can only come from the drain
          pg.primary().start();
          await(base + "/health", 200, Duration.ofSeconds(60));

          // SIGTERM runs close(): it waits (up to the grace) for the open client session
          CompletableFuture<Void> closing = CompletableFuture.runAsync(proxy::close);
          HttpResponse<String> drainingHealth = await(base + "/health", 503, Duration.ofSeconds(10));
          long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
          while (!drainingHealth.body().startsWith("{\"status\":\"DRAINING\"") && System.nanoTime() < until) {
            Thread.sleep(50);
            drainingHealth = get(base + "/health");
          }
          assertThat(drainingHealth.statusCode()).isEqualTo(503);
          assertThat(drainingHealth.body()).startsWith("{\"status\":\"DRAINING\"");
          HttpResponse<String> drainingLive = get(base + "/live");
          assertThat(drainingLive.statusCode()).isEqualTo(503);
          assertThat(drainingLive.body()).startsWith("{\"status\":\"DRAINING\",\"sessions\":1");
          assertThat(closing).isNotDone();
          System.out.printf("[LivenessIT] draining: /health %d %s.../live %d %s", drainingHealth.statusCode(),
              drainingHealth.body().substring(0, 22), drainingLive.statusCode(), drainingLive.body());
          client.close();
          closing.get(); // the drain ends once the session is gone
        } finally {
          proxy.close();
        }
      }
    }
  }

  HttpResponse<String> get(String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Polls {@code url} until it answers {@code status}. */
  HttpResponse<String> await(String url, int status, Duration max) throws Exception {
    long deadline = System.nanoTime() + max.toNanos();
    HttpResponse<String> r = get(url);
    while (r.statusCode() != status) {
      assertThat(System.nanoTime()).as("%s never answered %d; last %d %s", url, status, r.statusCode(), r.body()).isLessThan(deadline);
      Thread.sleep(200);
      r = get(url);
    }
    return r;
  }
}
