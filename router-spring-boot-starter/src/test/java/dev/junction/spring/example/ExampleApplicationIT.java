package dev.junction.spring.example;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The example application, twice (instances A and B, each with its own pools and lag monitor),
 * against a real PostgreSQL primary, a fast replica, a replica delayed by 300 ms, and a Redis that
 * both instances use as fence store. Every assertion is about which real server answered.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExampleApplicationIT {
  private static final int PROFILES = 10;

  static LocalCluster cluster;
  static PostgresReplicaSet pg;
  static ExampleInstance a;
  static ExampleInstance b;
  static int primaryPort;
  static Set<Integer> replicaPorts;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO, Duration.ofMillis(300))
        .redis(true).start();
    pg = cluster.postgres(0);
    try (Connection c = pg.primary().connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE profile (id bigint PRIMARY KEY, name text, revision bigint NOT NULL)");
      s.execute("INSERT INTO profile SELECT g, 'user-' || g, 0 FROM generate_series(1, " + PROFILES + ") g");
    }
    awaitReplicated();
    primaryPort = pg.primary().port();
    replicaPorts = Set.of(pg.replica(0).port(), pg.replica(1).port());
    Map<String, Object> servers = Map.of(
        "example.pg.primary", pg.primary().jdbcUrl(),
        "example.pg.replica1", pg.replica(0).jdbcUrl(),
        "example.pg.replica2", pg.replica(1).jdbcUrl(),
        "example.pg.user", pg.primary().user(),
        "example.redis.uri", cluster.redis().uri());
    a = ExampleInstance.start(servers);
    b = ExampleInstance.start(servers);
  }

  private static void awaitReplicated() throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    for (int i = 0; i < 2; i++) {
      try (Connection c = pg.replica(i).connect(); Statement s = c.createStatement()) {
        while (true) {
          try (ResultSet rs = s.executeQuery("SELECT count(*) FROM profile")) {
            if (rs.next() && rs.getInt(1) == PROFILES) {
              break;
            }
          } catch (java.sql.SQLException notYet) {
            // the table has not been replayed yet
          }
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("replica " + (i + 1) + " did not replay the test table");
          }
          Thread.sleep(50);
        }
      }
    }
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {a, b, cluster}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception ignored) {
        // best effort
      }
    }
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  @Order(1)
  void readsRunOnTheReplicasAndWritesOnThePrimary() {
    Set<Integer> repositoryPorts = new HashSet<>();
    Set<Integer> jdbcPorts = new HashSet<>();
    for (int i = 0; i < 10; i++) {
      repositoryPorts.add(a.get("/server/repository").port());
    }
    for (int i = 0; i < 10; i++) {
      jdbcPorts.add(a.get("/server/jdbc").port());
    }
    assertThat(repositoryPorts).as("Spring Data query method").isEqualTo(replicaPorts);
    assertThat(jdbcPorts).as("JdbcTemplate outside a transaction").isEqualTo(replicaPorts);

    ExampleInstance.Reply write = a.post("/profiles/1/bump");
    assertThat(write.status()).isEqualTo(200);
    assertThat(write.port()).as("the query inside the read-write transaction").isEqualTo(primaryPort);
  }

  @Test
  @Order(2)
  void aReadOnlyTransactionRunsOnOneReplica() {
    double before = routed(a, "replica-read-only-transaction");
    Set<Integer> ports = new HashSet<>();
    for (int i = 0; i < 10; i++) {
      ExampleInstance.Reply read = a.get("/profiles/2");
      assertThat(read.status()).isEqualTo(200);
      ports.add(read.port());
    }
    assertThat(ports).isSubsetOf(replicaPorts);
    // two statements per transaction (findById, serverPort), both counted as read-only-transaction routes
    assertThat(routed(a, "replica-read-only-transaction") - before).isGreaterThanOrEqualTo(20);
  }

  /** Micrometer meters of the instance, through its actuator: proves the app's MeterRegistry is bound. */
  private static double routed(ExampleInstance instance, String reason) {
    JsonNode metric = instance.get("/actuator/metrics/junction.route?tag=reason:" + reason).json();
    return metric.get("measurements").get(0).get("value").asDouble();
  }

  private static double metric(ExampleInstance instance, String name, String tag) {
    JsonNode metric = instance.get("/actuator/metrics/" + name + (tag == null ? "" : "?tag=" + tag)).json();
    return metric.get("measurements").get(0).get("value").asDouble();
  }

  @Test
  @Order(3)
  void withoutAScopeAReadOnTheOtherInstanceCanBeStale() {
    // The control for the tests below: it shows the delayed replica really serves old rows, so
    // "never stale" there is a property of the scope, not of a quiet test.
    int stale = 0;
    for (int i = 0; i < 40; i++) {
      long written = a.post("/profiles/3/bump").revision();
      if (b.get("/profiles/3").revision() < written) {
        stale++;
      }
    }
    assertThat(stale).as("stale reads without any scope").isPositive();
  }

  @Test
  @Order(4)
  void headerScopeReadsItsWritesAcrossInstances() {
    int stale = 0;
    int onReplica = 0;
    int pairs = 300;
    for (int i = 0; i < pairs; i++) {
      long id = 1 + i % PROFILES;
      String[] user = {"X-User-Id", "user-" + id};
      long written = a.post("/profiles/" + id + "/bump", user).revision();
      ExampleInstance.Reply read = b.get("/profiles/" + id, user);
      if (read.revision() < written) {
        stale++;
      }
      if (replicaPorts.contains(read.port())) {
        onReplica++;
      }
    }
    assertThat(stale).as("stale reads in header scopes").isZero();
    assertThat(onReplica).as("fenced reads that replicas could serve").isPositive();
    System.out.printf("header scope: %d write/read pairs across instances, 0 stale, %d reads on replicas%n", pairs, onReplica);
  }

  @Test
  @Order(5)
  void principalScopeReadsItsWritesAcrossInstances() {
    int stale = 0;
    for (int i = 0; i < 150; i++) {
      String[] alice = {"Authorization", basic("alice", "alice-password")};
      long written = a.post("/profiles/4/bump", alice).revision();
      if (b.get("/profiles/4", alice).revision() < written) {
        stale++;
      }
    }
    assertThat(stale).as("stale reads in principal scopes").isZero();
  }

  @Test
  @Order(6)
  void aClientCarriedTokenReadsItsWritesAcrossInstances() {
    int stale = 0;
    String token = null;
    for (int i = 0; i < 200; i++) {
      ExampleInstance.Reply write = token == null ? a.post("/profiles/5/bump") : a.post("/profiles/5/bump", "X-Junction-Token", token);
      token = write.header("X-Junction-Token");
      assertThat(token).as("token after a write").startsWith("v2.");
      ExampleInstance.Reply read = b.get("/profiles/5", "X-Junction-Token", token);
      if (read.revision() < write.revision()) {
        stale++;
      }
      // a read does not re-issue the token: its expiry counts from the client's last write
      assertThat(read.header("X-Junction-Token")).as("no new token after a read").isNull();
    }
    assertThat(stale).as("stale reads with a carried token").isZero();
  }

  @Test
  @Order(7)
  void theTokenAlsoTravelsAsACookie() {
    ExampleInstance.Reply write = a.post("/profiles/6/bump");
    String setCookie = write.header("Set-Cookie");
    assertThat(setCookie).startsWith("junction-fence=v2.").contains("HttpOnly");
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));
    assertThat(b.get("/profiles/6", "Cookie", cookie).revision()).isGreaterThanOrEqualTo(write.revision());
  }

  @Test
  @Order(8)
  void theTokenArrivesEvenWhenTheBodyIsStreamedAfterTheWrite() {
    for (int i = 0; i < 20; i++) {
      ExampleInstance.Reply streamed = a.post("/profiles/7/bump-and-stream");
      assertThat(streamed.status()).isEqualTo(200);
      assertThat(streamed.raw().body().length()).isGreaterThan(256 * 1024 - 64);
      long written = Long.parseLong(streamed.raw().body().lines().findFirst().orElseThrow().substring("revision ".length()));
      String token = streamed.header("X-Junction-Token");
      assertThat(token).as("token header of a streamed (committed early) response").isNotNull();
      assertThat(b.get("/profiles/7", "X-Junction-Token", token).revision()).isGreaterThanOrEqualTo(written);
    }
  }

  @Test
  @Order(9)
  void aTokenThatDoesNotVerifyIsCountedAndIgnoredNotServedByThePrimary() {
    // Issue #16: a bad token used to send the request to the primary, so any client could pin its
    // reads there. Now it is counted and treated as no fence: the read goes to a replica as usual.
    double before = metric(b, "junction.fence.tokens.rejected", "reason:malformed");
    ExampleInstance.Reply read = b.get("/profiles/8", "X-Junction-Token", "v1.Zm9yZ2Vk.bm90LWEtbWFj");
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.port()).isIn(replicaPorts);
    assertThat(metric(b, "junction.fence.tokens.rejected", "reason:malformed") - before).isEqualTo(1);
  }

  @Test
  @Order(10)
  void aStoppedReplicaIsDownInHealthWhileTheApplicationStaysReady() throws Exception {
    assertThat(awaitHealth(a, "/actuator/health/junction/main/replica2", "UP").get("details").get("role").asText())
        .isEqualTo("replica");
    pg.replica(1).kill();
    try {
      JsonNode down = awaitHealth(a, "/actuator/health/junction/main/replica2", "DOWN");
      assertThat(down.get("details").get("up").asBoolean()).isFalse();
      assertThat(down.get("details").get("consecutiveFailures").asInt()).isPositive();
      assertThat(down.get("details").get("lastError").asText()).isNotBlank();
      assertThat(a.get("/actuator/health/junction/main/replica2").status()).isEqualTo(503);

      JsonNode all = a.get("/actuator/health").json();
      assertThat(all.get("status").asText()).as("the full health view reports the outage").isEqualTo("DOWN");
      assertThat(all.at("/components/junction/components/main/components/primary/status").asText()).isEqualTo("UP");
      assertThat(all.at("/components/junction/components/main/components/replica1/status").asText()).isEqualTo("UP");

      ExampleInstance.Reply readiness = a.get("/actuator/health/readiness");
      assertThat(readiness.status()).as("readiness: the app still serves every request").isEqualTo(200);
      assertThat(readiness.json().get("status").asText()).isEqualTo("UP");

      for (int i = 0; i < 10; i++) {
        ExampleInstance.Reply read = a.get("/profiles/9");
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.port()).isEqualTo(pg.replica(0).port());
      }
    } finally {
      pg.replica(1).start();
    }
    awaitHealth(a, "/actuator/health/junction/main/replica2", "UP");
    assertThat(a.get("/actuator/health").json().get("status").asText()).isEqualTo("UP");
  }

  private static JsonNode awaitHealth(ExampleInstance instance, String path, String status) throws InterruptedException {
    return await(() -> instance.get(path).json(), h -> status.equals(h.get("status").asText()), Duration.ofSeconds(20),
        path + " to become " + status);
  }

  private static <T> T await(java.util.function.Supplier<T> probe, Predicate<T> done, Duration timeout, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    T last = probe.get();
    while (!done.test(last)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what + "; last: " + last);
      }
      Thread.sleep(100);
      last = probe.get();
    }
    return last;
  }
}
