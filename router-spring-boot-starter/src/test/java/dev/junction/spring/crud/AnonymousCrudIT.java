package dev.junction.spring.crud;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Issue #11's finding, reproduced and fixed: an MVC + JPA application without login, on a primary
 * and one replica delayed by 300 ms, driven like a browser by anonymous users: add an owner and
 * follow the redirect, edit it and follow the redirect, then "add a pet" (load the owner in a
 * read-only transaction, save it back). The oracle is the primary, read directly.
 *
 * <p>A stale page is a view or a load that did not show the user's own previous write (404
 * "Owner not found" included). A lost edit is an acknowledged edit the primary no longer holds
 * afterwards, because a stale owner loaded from the replica was saved back over it.
 */
class AnonymousCrudIT {
  /** Owners created before the tests, replicated: the ones the rounds edit (ids 1..SEEDS). */
  private static final int SEEDS = 400;
  private static final int ROUNDS_FLEET = 100;
  static LocalCluster cluster;
  static PostgresReplicaSet pg;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ofMillis(300)).start();
    pg = cluster.postgres(0);
    try (Connection c = pg.primary().connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE owner (id bigserial PRIMARY KEY, name text NOT NULL, telephone text, pets int NOT NULL)");
      s.execute("INSERT INTO owner (name, telephone, pets) SELECT 'seed-' || g, 'none', 0 FROM generate_series(1, " + SEEDS + ") g");
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    try (Connection c = pg.replica(0).connect(); Statement s = c.createStatement()) {
      while (true) {
        try {
          try (ResultSet rs = s.executeQuery("SELECT count(*) FROM owner")) {
            if (rs.next() && rs.getInt(1) == SEEDS) {
              break;
            }
          }
        } catch (java.sql.SQLException notYet) {
          // the table has not been replayed yet
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the replica did not replay the owner table");
        }
        Thread.sleep(50);
      }
    }
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** The application's properties: the topology only, plus what a test adds. */
  private static Map<String, Object> properties(String... extra) {
    Map<String, Object> p = new HashMap<>();
    p.put("server.port", "0");
    p.put("spring.main.banner-mode", "off");
    p.put("logging.level.root", "warn");
    p.put("logging.level.dev.junction.spring", "info");
    p.put("spring.jpa.open-in-view", "false");
    p.put("spring.jpa.hibernate.ddl-auto", "none");
    p.put("junction.dialect", "postgresql");
    p.put("junction.shards[0].name", "main");
    p.put("junction.shards[0].primary.url", pg.primary().jdbcUrl());
    p.put("junction.shards[0].primary.username", pg.primary().user());
    p.put("junction.shards[0].replicas[0].name", "delayed");
    p.put("junction.shards[0].replicas[0].url", pg.replica(0).jdbcUrl());
    p.put("junction.shards[0].replicas[0].username", pg.replica(0).user());
    for (int i = 0; i < extra.length; i += 2) {
      p.put(extra[i], extra[i + 1]);
    }
    return p;
  }

  private static ConfigurableApplicationContext app(Map<String, Object> properties) {
    return new SpringApplicationBuilder(CrudApplication.class).properties(properties).run();
  }

  private static String base(ConfigurableApplicationContext app) {
    return "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
  }

  /** Counts of one run of rounds. */
  record Outcome(int rounds, int pagesChecked, int stalePages, int editsAcknowledged, int lostEdits, int lostPets) {
    @Override
    public String toString() {
      return rounds + " rounds: " + stalePages + "/" + pagesChecked + " stale pages, " + lostEdits + "/" + editsAcknowledged
          + " acknowledged edits lost, " + lostPets + " pets lost";
    }
  }

  /**
   * {@code rounds} anonymous users, each with a fresh cookie jar: add an owner → follow the redirect;
   * edit an existing owner (one of the seeded ones, long replicated) → follow the redirect; add a pet
   * to it (load in a read-only transaction, save back) → follow the redirect; then the primary must
   * hold the edit and the pet.
   */
  private static Outcome run(int rounds, int firstSeed, List<String> bases, String label) throws Exception {
    int checked = 0;
    int stale = 0;
    int edits = 0;
    int lostEdits = 0;
    int lostPets = 0;
    try (Connection oracle = pg.primary().connect();
         PreparedStatement primary = oracle.prepareStatement("SELECT telephone, pets FROM owner WHERE id = ?")) {
      for (int round = 0; round < rounds; round++) {
        Browser browser = new Browser(bases);
        String name = label + "-" + round;
        String telephone = "tel-" + label + "-" + round;

        Browser.Page created = browser.post("/owners/new", "name", name);
        assertThat(created.status()).as("add owner").isEqualTo(302);
        checked++;
        if (!browser.get(created.location()).body().equals(name + "|none|0")) {
          stale++;
        }

        long seed = firstSeed + round;
        String page = "/owners/" + seed;
        Browser.Page edited = browser.post(page + "/edit", "telephone", telephone);
        assertThat(edited.status()).as("edit of replicated owner %d", seed).isEqualTo(302);
        edits++;
        checked++;
        if (!browser.get(page).body().equals("seed-" + seed + "|" + telephone + "|0")) {
          stale++;
        }

        Browser.Page pet = browser.post(page + "/pets/new", "unused", "x");
        assertThat(pet.status()).as("add pet to owner %d", seed).isEqualTo(302);
        checked++;
        if (!browser.get(page).body().equals("seed-" + seed + "|" + telephone + "|1")) {
          stale++;
        }

        primary.setLong(1, seed);
        try (ResultSet rs = primary.executeQuery()) {
          assertThat(rs.next()).as("owner %d on the primary", seed).isTrue();
          if (!telephone.equals(rs.getString(1))) {
            lostEdits++;
          }
          if (rs.getInt(2) != 1) {
            lostPets++;
          }
        }
      }
    }
    Outcome outcome = new Outcome(rounds, checked, stale, edits, lostEdits, lostPets);
    System.out.println("AnonymousCrudIT " + label + ": " + outcome);
    return outcome;
  }

  @Test
  void theOldDefaultScopePrincipalShowsStalePagesAndLosesEditsOfAnonymousUsers() throws Exception {
    // The control: junction.web.scope: principal was the default before issue #11. It proves the
    // delayed replica really serves old rows to this flow, so the zeros below are the scope's doing.
    try (ConfigurableApplicationContext app = app(properties("junction.web.scope", "principal"))) {
      Outcome old = run(30, 1, List.of(base(app)), "old-default");
      assertThat(old.stalePages()).as("stale pages with the old default").isPositive();
      assertThat(old.lostEdits() + old.lostPets()).as("lost edits with the old default").isPositive();
    }
  }

  @Test
  void theDefaultsProtectAnonymousUsersOnOneInstance() throws Exception {
    try (ConfigurableApplicationContext app = app(properties())) {
      Outcome outcome = run(200, 31, List.of(base(app)), "default");
      assertThat(outcome.stalePages()).as(outcome.toString()).isZero();
      assertThat(outcome.lostEdits()).as(outcome.toString()).isZero();
      assertThat(outcome.lostPets()).as(outcome.toString()).isZero();
      assertThat(outcome.editsAcknowledged()).isEqualTo(200);
    }
  }

  @Test
  void theDocumentedFleetSettingsProtectAnonymousUsersAcrossTwoInstances() throws Exception {
    // docs/spring-boot.md, "Several instances": the same junction.fencing.token-secret everywhere.
    Map<String, Object> fleet = properties("junction.fencing.token-secret", "fleet-shared-secret-0123456789");
    List<ConfigurableApplicationContext> apps = new ArrayList<>();
    try {
      apps.add(app(fleet));
      apps.add(app(fleet));
      Outcome outcome = run(ROUNDS_FLEET, 231, List.of(base(apps.get(0)), base(apps.get(1))), "fleet");
      assertThat(outcome.stalePages()).as(outcome.toString()).isZero();
      assertThat(outcome.lostEdits()).as(outcome.toString()).isZero();
      assertThat(outcome.lostPets()).as(outcome.toString()).isZero();
      assertThat(outcome.editsAcknowledged()).isEqualTo(ROUNDS_FLEET);
    } finally {
      apps.forEach(ConfigurableApplicationContext::close);
    }
  }
}
