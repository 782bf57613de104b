package dev.junction.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.proxy.auth.AuthMethod;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Session state under transaction pooling, compared with PostgreSQL itself: a client's startup parameters,
 * {@code SET}s, resets, roles, temporary tables and statements must follow the client from backend to
 * backend and never reach another client. Every proxy here has pools of one connection per endpoint, so
 * that the next client is lent the very backend the previous one used (the condition a leak needs).
 * The oracle is a direct connection to a database of its own on the same server, sent the same messages;
 * where the proxy refuses instead (0A000), the test says so and checks that nothing is lost.
 */
class SessionStateIT {
  static LocalCluster cluster;
  static PostgresReplicaSet pg;
  static final String ROLE = "junction_session_state_tenant";
  static final Map<String, String> TENANT = Map.of("options", "-c search_path=tenant");

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO).shared(SessionStateIT.class);
    pg = cluster.postgres(0);
    try (Connection c = pg.primary().connect(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + TxControlDifferentialIT.oracleDatabase(pg.primary()));
      s.execute("DROP ROLE IF EXISTS " + ROLE);
      s.execute("CREATE ROLE " + ROLE + " NOLOGIN");
      s.execute("GRANT " + ROLE + " TO CURRENT_USER");
    }
    for (Connection c : List.of(pg.primary().connect(), TxControlDifferentialIT.oracleJdbc(pg.primary()))) {
      try (c; Statement s = c.createStatement()) {
        s.execute("CREATE SCHEMA tenant");
        s.execute("CREATE TABLE tenant.orders (id int)");
        s.execute("CREATE TABLE public.orders (id int)");
        s.execute("CREATE TABLE public.only_public (id int)");
        s.execute("CREATE SEQUENCE public.seq");
        s.execute("CREATE TABLE public.seq_rows (id bigint)");
        s.execute("GRANT ALL ON SCHEMA tenant, public TO " + ROLE);
        s.execute("GRANT ALL ON ALL TABLES IN SCHEMA tenant, public TO " + ROLE);
      }
    }
    TxControlDifferentialIT.waitForReplica(pg);
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      TxControlDifferentialIT.dropOracle(pg.primary());
      try (Connection c = pg.primary().connect(); Statement s = c.createStatement()) {
        s.execute("DROP OWNED BY " + ROLE);
        s.execute("DROP ROLE IF EXISTS " + ROLE);
      }
      cluster.close();
    }
  }

  /**
   * PostgreSQL's RESET, SET ... TO DEFAULT and DISCARD ALL return a setting to the value the client's
   * startup packet gave it, not to the server's default: the proxy replays startup parameters as SETs,
   * so after a reset they must be replayed again. Before, a client connected with
   * {@code search_path=tenant} wrote into {@code public.orders} after any of them.
   */
  @Test
  void resetsReturnToTheStartupParameters() throws Exception {
    for (String reset : List.of("RESET ALL", "RESET search_path", "SET search_path TO DEFAULT", "set search_path = default",
        "DISCARD ALL")) {
      try (Proxy proxy = new Proxy();
           WireClient p = proxy.client(TENANT);
           WireClient o = oracle(TENANT)) {
        same(p, o, reset);
        same(p, o, "SHOW search_path");
        same(p, o, "SELECT current_schema()");
        same(p, o, "INSERT INTO orders VALUES (1)");
        same(p, o, "BEGIN");
        same(p, o, "SELECT current_schema()");
        same(p, o, "COMMIT");
        sameOrRefused(p, o, reset + "; SELECT current_schema()");
        same(p, o, "SELECT current_schema()");
        try (WireClient p2 = proxy.client(Map.of()); WireClient o2 = oracle(Map.of())) {
          same(p2, o2, "SELECT current_schema()");
          same(p2, o2, "BEGIN");
          same(p2, o2, "SHOW search_path");
          same(p2, o2, "COMMIT");
        }
      }
      assertThat(count("tenant.orders")).as("rows written after %s", reset).isEqualTo(oracleCount("tenant.orders"));
      assertThat(count("public.orders")).as("rows written after %s", reset).isEqualTo(oracleCount("public.orders"));
    }
  }

  /** A startup search_path is a list, as on the server: not one quoted schema named "tenant,public". */
  @Test
  void aStartupSearchPathListIsAList() throws Exception {
    Map<String, String> list = Map.of("options", "-c search_path=tenant,public");
    try (Proxy proxy = new Proxy(); WireClient p = proxy.client(list); WireClient o = oracle(list)) {
      same(p, o, "SHOW search_path");
      same(p, o, "SELECT count(*) FROM only_public");
      same(p, o, "SELECT current_schema()");
      same(p, o, "BEGIN");
      same(p, o, "SELECT count(*) FROM only_public");
      same(p, o, "COMMIT");
    }
  }

  /**
   * {@code role} and {@code session_authorization} survive the {@code RESET ALL} with which a backend
   * is handed to another client: set by one client (as a startup option, or with a quoted or underscored
   * name the proxy took for a plain setting), the next client ran as that role.
   */
  @Test
  void aRoleNeverReachesAnotherClient() throws Exception {
    String me;
    try (Connection c = pg.primary().connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT current_user")) {
      rs.next();
      me = rs.getString(1);
    }
    for (String set : List.of("SET \"role\" = '" + ROLE + "'", "SET session_authorization = '" + ROLE + "'",
        "SET SESSION \"role\" TO " + ROLE, "SET ROLE " + ROLE)) {
      try (Proxy proxy = new Proxy()) {
        try (WireClient p = proxy.client(Map.of()); WireClient o = oracle(Map.of())) {
          sameOrRefused(p, o, set);
          List<String> who = p.query("SELECT current_user");
          assertThat(who).as("after %s", set).isIn(o.query("SELECT current_user"), List.of("T:current_user", "D:" + me, "C:SELECT 1", "Z:I"));
        }
        assertNobodyIsTheRole(proxy, me, set);
      }
    }
    try (Proxy proxy = new Proxy()) {
      try (WireClient p = proxy.client(Map.of("options", "-c role=" + ROLE)); WireClient o = oracle(Map.of("options", "-c role=" + ROLE))) {
        same(p, o, "SELECT current_user");
      } catch (IOException refused) {
        assertThat(refused).hasMessageContaining("C0A");
        System.out.println("[SessionStateIT] refused a startup role: " + refused.getMessage());
      }
      assertNobodyIsTheRole(proxy, me, "a startup role");
    }
  }

  private static void assertNobodyIsTheRole(Proxy proxy, String me, String after) throws IOException {
    try (WireClient next = proxy.client(Map.of())) {
      List<String> expected = List.of("T:current_user", "D:" + me, "C:SELECT 1", "Z:I");
      assertThat(next.query("SELECT current_user")).as("the next client on the replica, after %s", after).isEqualTo(expected);
      assertThat(next.query("BEGIN")).containsExactly("C:BEGIN", "Z:T");
      assertThat(next.query("SELECT current_user")).as("the next client on the primary, after %s", after)
          .containsExactly("T:current_user", "D:" + me, "C:SELECT 1", "Z:T");
      assertThat(next.query("COMMIT")).containsExactly("C:COMMIT", "Z:I");
    }
  }

  /**
   * A SET that shares an extended-protocol unit with transaction control belongs to that transaction: the
   * proxy recorded it as rolled back when the unit ended inside the transaction, and the next client with
   * the same settings got the backend with the SET still on it. Also a SET sent with Flush, then another:
   * the second was recorded from the settings before the first.
   */
  @Test
  void setsInExtendedUnitsAreRecordedAsTheServerAppliesThem() throws Exception {
    try (Proxy proxy = new Proxy()) {
      try (WireClient p = proxy.client(Map.of()); WireClient o = oracle(Map.of())) {
        assertThat(p.extended(List.of("SET search_path TO tenant", "BEGIN"), true))
            .isEqualTo(o.extended(List.of("SET search_path TO tenant", "BEGIN"), true));
        same(p, o, "COMMIT");
        same(p, o, "SELECT current_schema()");
        same(p, o, "INSERT INTO orders VALUES (2)");
      }
      checkNextClient(proxy, List.of());
    }
    try (Proxy proxy = new Proxy()) {
      try (WireClient p = proxy.client(Map.of()); WireClient o = oracle(Map.of())) {
        assertThat(p.extended(List.of("SET search_path TO tenant"), false)).isEqualTo(o.extended(List.of("SET search_path TO tenant"), false));
        assertThat(p.extended(List.of("SET work_mem TO '7MB'"), true)).isEqualTo(o.extended(List.of("SET work_mem TO '7MB'"), true));
        same(p, o, "SELECT current_schema(), current_setting('work_mem')");
        same(p, o, "BEGIN");
        same(p, o, "SELECT current_schema(), current_setting('work_mem')");
        same(p, o, "COMMIT");
      }
      checkNextClient(proxy, List.of("SET work_mem TO '7MB'"));
    }
    assertThat(count("tenant.orders")).isEqualTo(oracleCount("tenant.orders"));
    assertThat(count("public.orders")).isEqualTo(oracleCount("public.orders"));
  }

  /** A client that first runs {@code sets} (as the previous one did) sees the server's defaults for the rest. */
  private static void checkNextClient(Proxy proxy, List<String> sets) throws IOException {
    try (WireClient p = proxy.client(Map.of()); WireClient o = oracle(Map.of())) {
      for (String set : sets) {
        same(p, o, set);
      }
      same(p, o, "SELECT current_schema()");
      same(p, o, "BEGIN");
      same(p, o, "SELECT current_schema()");
      same(p, o, "COMMIT");
    }
  }

  /**
   * Temporary objects and session state created by statements the proxy did not recognise as session
   * bound: {@code SELECT ... INTO TEMP}, a table created in {@code pg_temp}, a SET inside a DO block, a
   * cursor declared {@code WITH  HOLD} with two spaces. They must stay with their client (or be refused),
   * and never reach the next one.
   */
  @Test
  void temporaryObjectsStayWithTheirClient() throws Exception {
    List<List<String>> sequences = List.of(
        List.of("SELECT 1 AS x INTO TEMP tmp_a", "SELECT x FROM tmp_a", "INSERT INTO tmp_a VALUES (2)", "SELECT count(*) FROM tmp_a"),
        List.of("CREATE TABLE pg_temp.tmp_a (x int)", "INSERT INTO tmp_a VALUES (2)", "SELECT count(*) FROM tmp_a"),
        List.of("CREATE TABLE pg_temp.orders (id int)", "INSERT INTO orders VALUES (2)", "SELECT count(*) FROM orders"),
        List.of("DO $$BEGIN EXECUTE 'SET search_path TO tenant'; END$$", "SELECT current_schema()", "INSERT INTO orders VALUES (3)"),
        List.of("BEGIN", "DECLARE c CURSOR WITH  HOLD FOR SELECT 1", "COMMIT", "FETCH ALL FROM c"));
    for (List<String> sequence : sequences) {
      try (Proxy proxy = new Proxy()) {
        try (WireClient p = proxy.client(Map.of()); WireClient o = oracle(Map.of())) {
          for (String sql : sequence) {
            if (sameOrRefused(p, o, sql)) {
              break;
            }
          }
        }
        try (WireClient p = proxy.client(Map.of()); WireClient o = oracle(Map.of())) {
          same(p, o, "INSERT INTO tmp_a VALUES (9)");
          same(p, o, "SELECT current_schema()");
          same(p, o, "SELECT count(*) FROM pg_tables WHERE schemaname LIKE 'pg_temp%'");
          same(p, o, "BEGIN");
          same(p, o, "SELECT current_schema(), (SELECT count(*) FROM pg_tables WHERE schemaname LIKE 'pg_temp%')");
          same(p, o, "COMMIT");
        }
      }
      assertThat(count("tenant.orders")).as("after %s", sequence).isEqualTo(oracleCount("tenant.orders"));
      assertThat(count("public.orders")).as("after %s", sequence).isEqualTo(oracleCount("public.orders"));
    }
  }

  /**
   * A session that set something inside a read-only transaction on a replica was pinned to that replica
   * for good: every later write failed with 25006. The library refuses session state on a replica; so
   * does the proxy now, and the session's writes still reach the primary afterwards.
   */
  @Test
  void sessionStateInAReplicaTransactionDoesNotPinTheSessionToTheReplica() throws Exception {
    try (Proxy proxy = new Proxy(); WireClient p = proxy.client(Map.of()); WireClient o = oracle(Map.of())) {
      same(p, o, "BEGIN READ ONLY");
      if (sameOrRefused(p, o, "SET search_path TO tenant")) {
        same(p, o, "ROLLBACK");
      } else {
        same(p, o, "SELECT current_schema()");
        same(p, o, "COMMIT");
      }
      same(p, o, "INSERT INTO public.orders VALUES (4)");
      same(p, o, "SELECT count(*) FROM public.orders WHERE id = 4");
    }
    assertThat(count("public.orders")).isEqualTo(oracleCount("public.orders"));
  }

  /**
   * Bind of the unnamed statement by a client that has none must fail as on the server (26000), not run
   * the unnamed statement another client left on the backend.
   */
  @Test
  void theUnnamedStatementIsTheClientsOwn() throws Exception {
    try (Proxy proxy = new Proxy()) {
      try (WireClient other = proxy.client(Map.of()); WireClient oracleOther = oracle(Map.of())) {
        assertThat(other.extended(List.of("SELECT 'secret'"), true)).containsExactly("1", "2", "T:?column?", "D:secret", "C:SELECT 1", "Z:I");
        for (WireClient c : List.of(other, oracleOther)) {
          assertThat(c.extended(List.of("INSERT INTO orders VALUES (5) RETURNING 'secret'"), true)).contains("D:secret");
        }
      }
      try (WireClient p = proxy.client(Map.of()); WireClient o = oracle(Map.of())) {
        assertThat(p.executePrepared("")).isEqualTo(o.executePrepared("")).containsExactly("E:26000", "Z:I");
        same(p, o, "BEGIN");
        assertThat(p.executePrepared("")).isEqualTo(o.executePrepared("")).containsExactly("E:26000", "Z:E");
        same(p, o, "ROLLBACK");
      }
    }
  }

  /** A Parse sent after an error and before the Sync is skipped by the server: it must not count as prepared there. */
  @Test
  void aParseTheServerSkippedPreparesNothing() throws Exception {
    try (Proxy proxy = new Proxy()) {
      try (WireClient p = proxy.client(Map.of()); WireClient o = oracle(Map.of())) {
        assertThat(p.extended(List.of("SELECT 1/0"), false)).isEqualTo(o.extended(List.of("SELECT 1/0"), false)).contains("E:22012");
        assertThat(p.prepare("s9", "SELECT 9")).isEqualTo(o.prepare("s9", "SELECT 9")).containsExactly("Z:I");
      }
      try (WireClient p = proxy.client(Map.of()); WireClient o = oracle(Map.of())) {
        assertThat(p.prepare("s9", "SELECT 9")).isEqualTo(o.prepare("s9", "SELECT 9"));
        assertThat(p.executePrepared("s9")).as("a statement whose Parse a server skipped").isEqualTo(o.executePrepared("s9")).contains("D:9");
      }
    }
  }

  /** The client's statements after its own DISCARD ALL or DEALLOCATE ALL: prepared again, they must run. */
  @Test
  void statementsPreparedAgainAfterADiscardRun() throws Exception {
    for (String discard : List.of("DISCARD ALL", "DEALLOCATE ALL")) {
      try (Proxy proxy = new Proxy(); WireClient p = proxy.client(Map.of()); WireClient o = oracle(Map.of())) {
        assertThat(p.prepare("s1", "SELECT 11")).isEqualTo(o.prepare("s1", "SELECT 11"));
        assertThat(p.executePrepared("s1")).isEqualTo(o.executePrepared("s1"));
        assertThat(p.prepare("w1", "INSERT INTO orders VALUES (6) RETURNING id")).isEqualTo(o.prepare("w1", "INSERT INTO orders VALUES (6) RETURNING id"));
        assertThat(p.executePrepared("w1")).isEqualTo(o.executePrepared("w1"));
        same(p, o, discard);
        assertThat(p.prepare("s1", "SELECT 11")).isEqualTo(o.prepare("s1", "SELECT 11"));
        assertThat(p.executePrepared("s1")).as("after %s", discard).isEqualTo(o.executePrepared("s1"));
        assertThat(p.prepare("w1", "INSERT INTO orders VALUES (6) RETURNING id")).isEqualTo(o.prepare("w1", "INSERT INTO orders VALUES (6) RETURNING id"));
        assertThat(p.executePrepared("w1")).as("after %s", discard).isEqualTo(o.executePrepared("w1"));
      }
    }
  }

  /**
   * currval() and lastval() answer from the server session's own nextval(): on a pooled backend, from whichever
   * client called it there last. Before, a client that never called nextval() got another client's value (the
   * server says 55000); now such a call is refused unless it runs where the session's nextval() did (the same
   * transaction or message batch).
   */
  @Test
  void sequenceValuesOfAnotherClientAreNeverAnswered() throws Exception {
    try (Proxy proxy = new Proxy()) {
      try (WireClient p = proxy.client(Map.of()); WireClient o = oracle(Map.of())) {
        same(p, o, "SELECT nextval('seq') > 0");
        assertThat(sameOrRefused(p, o, "SELECT currval('seq') > 0")).as("currval after the transaction of nextval").isTrue();
        assertThat(sameOrRefused(p, o, "SELECT \"lastval\"() > 0")).as("lastval after the transaction of nextval").isTrue();
        same(p, o, "BEGIN");
        same(p, o, "SELECT nextval('seq') > 0");
        same(p, o, "SELECT currval('seq') > 0, lastval() > 0");
        same(p, o, "COMMIT");
        same(p, o, "SELECT nextval('seq') > 0; SELECT currval('seq') > 0");
        assertThat(sameOrRefused(p, o, "SELECT currval('seq') = currval('seq'), nextval('seq') > 0"))
            .as("currval evaluated before the statement's own nextval").isTrue();
      }
      try (WireClient p = proxy.client(Map.of()); WireClient o = oracle(Map.of())) {
        List<String> expected = o.query("SELECT currval('seq')");
        assertThat(expected).contains("E:55000").last().isEqualTo("Z:I");
        List<String> got = p.query("SELECT currval('seq')");
        assertThat(got).as("a client that never called nextval (%s)", p.errorMessages)
            .noneMatch(line -> line.startsWith("D:")).anyMatch(line -> line.startsWith("E:")).last().isEqualTo("Z:I");
      }
    }
  }

  /**
   * PostgreSQL reads a statement's literals when it parses it, under that session's TimeZone, and keeps
   * them. The proxy's shared server-side statements were keyed by text alone: a client in Asia/Tokyo
   * executed the statement a UTC client had prepared on the backend, and read (or wrote) the UTC instant.
   */
  @Test
  void aPreparedStatementReadsItsLiteralsUnderItsOwnClientsSettings() throws Exception {
    String sql = "SELECT '2024-03-04 00:00'::timestamptz::text";
    try (Proxy proxy = new Proxy()) {
      for (String zone : List.of("UTC", "Asia/Tokyo", "America/New_York", "UTC")) {
        Map<String, String> tz = Map.of("TimeZone", zone);
        try (WireClient p = proxy.client(tz); WireClient o = oracle(tz)) {
          assertThat(p.prepare("ts", sql)).isEqualTo(o.prepare("ts", sql));
          assertThat(p.executePrepared("ts")).as("in %s", zone).isEqualTo(o.executePrepared("ts"));
          same(p, o, "BEGIN");
          assertThat(p.executePrepared("ts")).as("in %s, on the primary", zone).isEqualTo(o.executePrepared("ts"));
          same(p, o, "COMMIT");
        }
      }
    }
  }

  /**
   * The cases a review of the first fix found: a reset whose ReadyForQuery has not come back yet (the next units
   * pipelined behind it, on a pinned backend or inside a transaction), a reset ended with Flush, a SET after a
   * Flush that opened a transaction, a reset of another setting in a pinned session, the spellings of a time
   * zone reset. Every step compared with PostgreSQL; rows counted in both databases at the end.
   */
  @Test
  void resetsHoldWhatFollowsUntilTheStartupValuesAreBack() throws Exception {
    try (Proxy proxy = new Proxy()) {
      try (WireClient p = proxy.client(TENANT); WireClient o = oracle(TENANT)) {
        List<String> pipeline = List.of("RESET search_path", "INSERT INTO orders VALUES (21)", "SELECT current_schema()");
        assertThat(p.pipelined(pipeline)).as("pipelined behind a reset (%s)", p.errorMessages).isEqualTo(o.pipelined(pipeline));
        same(p, o, "BEGIN");
        assertThat(p.pipelined(pipeline)).as("pipelined behind a reset in a transaction (%s)", p.errorMessages)
            .isEqualTo(o.pipelined(pipeline));
        same(p, o, "COMMIT");
        same(p, o, "SELECT current_schema()");
        List<String> flushed = p.extended(List.of("RESET search_path"), false);
        List<String> oracleFlushed = o.extended(List.of("RESET search_path"), false);
        if (!flushed.equals(oracleFlushed)) {
          assertThat(flushed).as("a reset ended with Flush").anyMatch(line -> line.startsWith("E:0A"));
        }
        assertThat(p.sync()).isEqualTo(o.sync());
        same(p, o, "SELECT current_schema()");
        same(p, o, "INSERT INTO orders VALUES (22)");
        // a reset of a setting the client did not start with needs no restore: with Flush it must not wait for one
        assertThat(p.extended(List.of("RESET work_mem"), false)).isEqualTo(o.extended(List.of("RESET work_mem"), false));
        assertThat(p.sync()).as("the Sync after a Flushed reset of another setting").isEqualTo(o.sync());
        same(p, o, "SHOW work_mem");
        // a reset refused by the server (the transaction had failed) changes nothing: no restore after the ROLLBACK
        for (String sql : List.of("SET search_path TO public", "BEGIN", "SELECT 1/0", "RESET search_path", "ROLLBACK",
            "SELECT current_schema()", "RESET search_path", "SELECT current_schema()")) {
          same(p, o, sql);
        }
      }
      try (WireClient p = proxy.client(TENANT); WireClient o = oracle(TENANT)) {
        same(p, o, "BEGIN");
        same(p, o, "SET search_path TO public");
        same(p, o, "COMMIT");
        same(p, o, "RESET statement_timeout");
        same(p, o, "SELECT current_schema()");
        same(p, o, "INSERT INTO orders VALUES (23)");
      }
      try (WireClient p = proxy.client(Map.of()); WireClient o = oracle(Map.of())) {
        assertThat(p.extended(List.of("BEGIN"), false)).isEqualTo(o.extended(List.of("BEGIN"), false));
        assertThat(p.extended(List.of("SET search_path TO tenant"), true)).isEqualTo(o.extended(List.of("SET search_path TO tenant"), true));
        same(p, o, "COMMIT");
        same(p, o, "SELECT current_schema()");
      }
      checkNextClient(proxy, List.of());
      Map<String, String> tokyo = Map.of("TimeZone", "Asia/Tokyo");
      try (WireClient p = proxy.client(tokyo); WireClient o = oracle(tokyo)) {
        for (String sql : List.of("SET TIME ZONE 'UTC'", "RESET TIME ZONE", "SHOW TimeZone", "SET TIME ZONE 'UTC'",
            "SET TIME ZONE LOCAL", "SHOW TimeZone", "SET TimeZone = 'UTC'", "SET TIME ZONE DEFAULT", "SHOW TimeZone",
            "SELECT '2024-03-04 00:00'::timestamptz::text")) {
          same(p, o, sql);
        }
      }
    }
    assertThat(count("tenant.orders")).isEqualTo(oracleCount("tenant.orders"));
    assertThat(count("public.orders")).isEqualTo(oracleCount("public.orders"));
  }

  /**
   * A DISCARD ALL that fails (in a multi-statement query, 25001) drops nothing on the server: the backend's
   * statements must still be known there, or every client lent it gets 42P05 from then on.
   */
  @Test
  void aFailedDiscardAllForgetsNoStatement() throws Exception {
    try (Proxy proxy = new Proxy()) {
      try (WireClient p = proxy.client(Map.of()); WireClient o = oracle(Map.of())) {
        assertThat(p.prepare("s1", "SELECT 12")).isEqualTo(o.prepare("s1", "SELECT 12"));
        assertThat(p.executePrepared("s1")).isEqualTo(o.executePrepared("s1"));
        same(p, o, "SELECT 1; DISCARD ALL");
        same(p, o, "BEGIN READ ONLY; DISCARD ALL");
        same(p, o, "ROLLBACK");
        assertThat(p.executePrepared("s1")).as("after a failed DISCARD ALL").isEqualTo(o.executePrepared("s1"));
      }
      for (int i = 0; i < 2; i++) {
        try (WireClient p = proxy.client(Map.of()); WireClient o = oracle(Map.of())) {
          assertThat(p.prepare("s1", "SELECT 12")).isEqualTo(o.prepare("s1", "SELECT 12"));
          assertThat(p.executePrepared("s1")).as("the next client").isEqualTo(o.executePrepared("s1")).contains("D:12");
        }
      }
    }
  }

  /**
   * set_config(..., true) is transaction-local, the usual way to pass a tenant to row-level security: it must
   * neither pin the session nor be refused inside a READ ONLY transaction on a replica, nor reach the next client.
   * currval() inside a write after the transaction of nextval() is refused like a SELECT of it.
   */
  @Test
  void transactionLocalSettingsAndSequenceValuesInWrites() throws Exception {
    try (Proxy proxy = new Proxy()) {
      try (WireClient p = proxy.client(Map.of()); WireClient o = oracle(Map.of())) {
        same(p, o, "BEGIN READ ONLY");
        same(p, o, "SELECT set_config('app.tenant', '42', true)");
        same(p, o, "SELECT current_setting('app.tenant')");
        same(p, o, "COMMIT");
        same(p, o, "SELECT coalesce(current_setting('app.tenant', true), '') = ''");
        same(p, o, "INSERT INTO seq_rows VALUES (0)");
        same(p, o, "SELECT nextval('seq') > 0");
        assertThat(sameOrRefused(p, o, "INSERT INTO seq_rows VALUES (currval('seq'))")).as("currval in a later write").isTrue();
        p.query("DELETE FROM seq_rows"); // (the oracle inserted the row the proxy refused)
        o.query("DELETE FROM seq_rows");
      }
      try (WireClient p = proxy.client(Map.of()); WireClient o = oracle(Map.of())) {
        same(p, o, "BEGIN");
        same(p, o, "SELECT coalesce(current_setting('app.tenant', true), '') = ''");
        same(p, o, "COMMIT");
      }
    }
  }

  // ------------------------------------------------------------------ helpers

  private static void same(WireClient p, WireClient o, String sql) throws IOException {
    List<String> expected = o.query(sql);
    assertThat(p.query(sql)).as("%s (proxy errors: %s)", sql, p.errorMessages).isEqualTo(expected);
  }

  /**
   * True when the proxy refused {@code sql} (SQLSTATE class 0A) where the server ran it (or failed it otherwise):
   * the oracle's session may then differ, and callers either know the difference is harmless or stop comparing.
   */
  private static boolean sameOrRefused(WireClient p, WireClient o, String sql) throws IOException {
    List<String> expected = o.query(sql);
    List<String> got = p.query(sql);
    if (got.stream().anyMatch(line -> line.startsWith("E:0A")) && !got.equals(expected)) {
      System.out.println("[SessionStateIT] refused " + sql + ": " + p.errorMessages);
      return true;
    }
    assertThat(got).as("%s (proxy errors: %s)", sql, p.errorMessages).isEqualTo(expected);
    return false;
  }

  private static WireClient oracle(Map<String, String> parameters) throws IOException {
    return new WireClient(pg.primary().host(), pg.primary().port(), pg.primary().user(),
        TxControlDifferentialIT.oracleDatabase(pg.primary()), new java.util.LinkedHashMap<>(parameters));
  }

  private static long count(String table) throws SQLException {
    return count(pg.primary().connect(), table);
  }

  private static long oracleCount(String table) throws SQLException {
    return count(TxControlDifferentialIT.oracleJdbc(pg.primary()), table);
  }

  private static long count(Connection c, String table) throws SQLException {
    try (c; Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** A proxy over the primary and its replica with pools of one, whose clients wait at most 2 s for a backend. */
  private static final class Proxy implements AutoCloseable {
    final RoutingDataSource ds;
    final ProxyServer server;

    Proxy() throws Exception {
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      JunctionConfig.Pool pool = new JunctionConfig.Pool(1, 0, Duration.ofSeconds(5), Duration.ofMinutes(10),
          Duration.ofMinutes(30), Duration.ofSeconds(1));
      ds = RoutingDataSource.create(new JunctionConfig(Dialect.POSTGRESQL, List.of(new JunctionConfig.Shard("main",
          new JunctionConfig.Endpoint("primary", pg.primary().jdbcUrl(), pg.primary().user(), "", 1, pool),
          List.of(new JunctionConfig.Endpoint("replica1", pg.replica(0).jdbcUrl(), pg.replica(0).user(), "", 1, pool)))),
          JunctionConfig.Routing.defaults(), JunctionConfig.Fencing.defaults()), registry);
      server = new ProxyServer(ProxyConfig.defaults().withAuth(AuthMethod.TRUST, Map.of()).withPorts(0, 0)
          .withPooling(new ProxyConfig.Pooling(dev.junction.proxy.relay.RelayRuntime.PoolMode.TRANSACTION,
              Duration.ofSeconds(2), 16)), ds, registry);
    }

    WireClient client(Map<String, String> parameters) throws IOException {
      return new WireClient("127.0.0.1", server.port(), "app", pg.primary().database(), new java.util.LinkedHashMap<>(parameters));
    }

    @Override
    public void close() {
      server.close();
      ds.close();
    }
  }
}
