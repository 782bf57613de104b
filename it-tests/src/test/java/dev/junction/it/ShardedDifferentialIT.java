package dev.junction.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.junction.it.shard.DataSet;
import dev.junction.it.shard.DiffReport;
import dev.junction.it.shard.DifferentialRig;
import dev.junction.it.shard.DirectLoad;
import dev.junction.it.shard.HandWritten;
import dev.junction.it.shard.Dml;
import dev.junction.it.shard.Loader;
import dev.junction.it.shard.MergeEmulator;
import dev.junction.it.shard.Placement;
import dev.junction.it.shard.QueryCase;
import dev.junction.it.shard.QueryGenerator;
import dev.junction.it.shard.Replication;
import dev.junction.it.shard.ResultComparison;
import dev.junction.it.shard.ResultTable;
import dev.junction.it.shard.Schema;
import dev.junction.it.shard.ShardedConfigs.ShardServers;
import dev.junction.it.shard.SqlFlavor;
import dev.junction.it.shard.Specials;
import dev.junction.jdbc.JunctionConnection;
import dev.junction.local.LocalCluster;
import dev.junction.local.MariaDbReplicaSet;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.shard.ShardRoute;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Proves that sharding is invisible to query results: the same schema and data go through Junction
 * onto 3 PostgreSQL shards (2 MariaDB shards) and directly into one plain oracle server of the same
 * dialect, and hundreds of seeded queries — point and IN-list lookups, scans, ORDER BY/LIMIT,
 * aggregates, GROUP BY/HAVING, DISTINCT, co-located and broadcast joins — must return what the
 * oracle returns. Then a batch of writes runs through both and full snapshots must agree.
 *
 * <p>Knobs: {@code -Ddiff.seed}, {@code -Ddiff.queries} (per dialect, default 3000),
 * {@code -Ddiff.mode=oracle} (no Junction: checks that every generated statement runs on the oracle),
 * {@code -Ddiff.mode=merge} (no JDBC layer: rows loaded onto the shards by the ring, SELECTs planned by
 * {@code ScatterSelectPlanner} and merged by {@code ResultMerger} in the test).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ShardedDifferentialIT {
  static final long SEED = Long.getLong("diff.seed", 20_261_123L);
  static final int QUERIES = Integer.getInteger("diff.queries", 3000);
  /** junction (default): the real test; oracle: the oracle against itself; merge: planner + merger on directly loaded shards. */
  static final String MODE = System.getProperty("diff.mode", "junction");
  static final boolean JUNCTION = MODE.equals("junction");
  static final boolean MERGE = MODE.equals("merge");
  static final Duration REPLAY = Duration.ofSeconds(30);
  /** Issue #10 families generated apart from the weighted mix, {@code -Ddiff.newFamilyQueries} each (default 400). */
  static final List<QueryCase.Family> NEW_FAMILIES = List.of(QueryCase.Family.AGG_ARITH, QueryCase.Family.LIMIT_EXPR,
      QueryCase.Family.MULTISET_AGG);
  /** {@code -Ddiff.onlyFamily=MULTISET_AGG}: run only that family (for checking it against older code). */
  static final String ONLY_FAMILY = System.getProperty("diff.onlyFamily", "");
  static final int NEW_FAMILY_QUERIES = Integer.getInteger("diff.newFamilyQueries", 400);
  /** {@code -Ddiff.onlyNewFamilies=true}: run only those (for checking them against older code). */
  static final boolean ONLY_NEW_FAMILIES = Boolean.getBoolean("diff.onlyNewFamilies");

  static LocalCluster shardCluster;
  static LocalCluster secondMariaDbCluster;
  static LocalCluster oracleCluster;
  static final Map<SqlFlavor, DifferentialRig> rigs = new EnumMap<>(SqlFlavor.class);
  static final Map<SqlFlavor, List<String>> loadProblems = new EnumMap<>(SqlFlavor.class);

  @BeforeAll
  static void start() throws Exception {
    long t0 = System.nanoTime();
    // One MariaDB replica set per cluster, started one after the other: LocalCluster starts the sets
    // of one cluster concurrently, and concurrent mariadb-install-db runs sharing /tmp as tmpdir fail
    // ("Error on delete of '/tmp/#sql-temptable-...'"), so mariadbReplicaSets(2) cannot start here.
    shardCluster = LocalCluster.builder().postgresReplicaSets(3).postgresReplicas(Duration.ZERO).mariadbReplicaSets(1).start();
    secondMariaDbCluster = LocalCluster.builder().postgresReplicaSets(0).mariadbReplicaSets(1).start();
    oracleCluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas().mariadbReplicaSets(1).start();
    log("clusters up in %d ms", (System.nanoTime() - t0) / 1_000_000);

    List<ShardServers> pg = new ArrayList<>();
    for (PostgresReplicaSet set : shardCluster.postgres()) {
      pg.add(new ShardServers(set.primary(), set.replicas()));
    }
    rigs.put(SqlFlavor.POSTGRESQL, new DifferentialRig(SqlFlavor.POSTGRESQL, pg, oracleCluster.postgres(0).primary(), () -> {
      for (PostgresReplicaSet set : shardCluster.postgres()) {
        Replication.await(set, REPLAY);
      }
    }, DataSet.generate(SEED, 400, 3000), JUNCTION));

    List<ShardServers> maria = new ArrayList<>();
    List<MariaDbReplicaSet> mariaSets = List.of(shardCluster.mariadb(0), secondMariaDbCluster.mariadb(0));
    for (MariaDbReplicaSet set : mariaSets) {
      maria.add(new ShardServers(set.primary(), set.replicas()));
    }
    rigs.put(SqlFlavor.MARIADB, new DifferentialRig(SqlFlavor.MARIADB, maria, oracleCluster.mariadb(0).primary(), () -> {
      for (MariaDbReplicaSet set : mariaSets) {
        Replication.await(set, REPLAY);
      }
    }, DataSet.generate(SEED + 1, 300, 2500), JUNCTION));

    for (DifferentialRig rig : rigs.values()) {
      createAndLoad(rig);
    }
  }

  @AfterAll
  static void stop() {
    rigs.values().forEach(DifferentialRig::close);
    for (LocalCluster cluster : new LocalCluster[] {oracleCluster, secondMariaDbCluster, shardCluster}) {
      if (cluster != null) {
        cluster.close();
      }
    }
  }

  /**
   * The schema through Junction (DDL broadcast to the shards) and on the oracle; then the data,
   * INSERT by INSERT on both. A statement Junction fails is recorded in {@link #loadProblems} (the
   * placement test fails on it) and applied directly to the shards the ring names instead, so that
   * one loading bug does not hide every query result.
   */
  static void createAndLoad(DifferentialRig rig) throws Exception {
    long t0 = System.nanoTime();
    List<String> problems = loadProblems.computeIfAbsent(rig.flavor(), f -> new ArrayList<>());
    try (Connection j = rig.junction(); Connection o = rig.oracle()) {
      for (String ddl : Schema.ddl(rig.flavor())) {
        exec(o, ddl);
        if (JUNCTION) {
          try {
            exec(j, ddl);
            continue;
          } catch (SQLException e) {
            problems.add("DDL through Junction failed: [" + e.getSQLState() + "] " + e.getMessage() + "\n    " + ddl);
          }
        }
        if (!MODE.equals("oracle")) {
          DirectLoad.createDirectly(rig, ddl);
        }
      }
      createSpecials(rig, j, o, problems);
      List<Loader.Chunk> plan = Loader.plan(rig.data().tables(), SEED);
      long rows = 0;
      long oracleNanos = 0;
      long junctionNanos = 0;
      for (Loader.Chunk chunk : plan) {
        long started = System.nanoTime();
        int expected = Loader.run(o, chunk);
        oracleNanos += System.nanoTime() - started;
        rows += expected;
        if (JUNCTION) {
          try {
            started = System.nanoTime();
            int loaded = Loader.run(j, chunk);
            junctionNanos += System.nanoTime() - started;
            if (loaded != expected) {
              problems.add("INSERT through Junction reported " + loaded + " rows, the oracle " + expected + ": "
                  + chunk.rows().size() + " rows into " + chunk.table().table() + ", parameters=" + chunk.parameters());
            }
            continue;
          } catch (SQLException e) {
            problems.add("INSERT through Junction failed: [" + e.getSQLState() + "] " + e.getMessage());
          }
        }
        if (!MODE.equals("oracle")) {
          DirectLoad.loadByRing(rig, List.of(chunk));
        }
      }
      log("%s: schema + %d rows in %d INSERTs (%d with parameters) loaded in %d ms (INSERTs: junction %d ms, oracle %d ms)%s",
          rig.flavor().label(), rows, plan.size(), plan.stream().filter(Loader.Chunk::parameters).count(),
          (System.nanoTime() - t0) / 1_000_000, junctionNanos / 1_000_000, oracleNanos / 1_000_000,
          problems.isEmpty() ? "" : "; " + problems.size() + " LOAD PROBLEMS (loaded directly instead)");
      problems.forEach(p -> log("LOAD PROBLEM %s %s", rig.flavor().label(), p));
    }
    rig.awaitReplicas();
  }

  /**
   * The issue #10 special-values table (DDL broadcast through Junction, one literal INSERT per row)
   * and the test's collations (directly on every shard and on the oracle).
   */
  static void createSpecials(DifferentialRig rig, Connection j, Connection o, List<String> problems) throws SQLException {
    for (String sql : Specials.collations(rig.flavor())) {
      exec(o, sql);
      for (int shard = 0; shard < rig.shardCount() && !MODE.equals("oracle"); shard++) {
        try (Connection c = rig.shardPrimary(shard)) {
          exec(c, sql);
        }
      }
    }
    String ddl = Specials.ddl(rig.flavor());
    exec(o, ddl);
    if (JUNCTION) {
      exec(j, ddl);
    } else if (!MODE.equals("oracle")) {
      DirectLoad.createDirectly(rig, ddl);
    }
    for (String insert : Specials.inserts(rig.flavor(), rig.data().customerIds(), SEED)) {
      exec(o, insert);
      if (JUNCTION) {
        try {
          exec(j, insert);
        } catch (SQLException e) {
          problems.add("special-values INSERT through Junction failed: [" + e.getSQLState() + "] " + e.getMessage() + "\n    "
              + insert);
        }
      }
    }
  }

  @Order(1)
  @ParameterizedTest
  @EnumSource(SqlFlavor.class)
  void everyRowLivesOnTheShardTheRingNames(SqlFlavor flavor) throws Exception {
    DifferentialRig rig = rig(flavor);
    assumeThat(rig.withJunction()).as("needs Junction").isTrue();
    log("%s", Placement.check(rig));
    assertThat(loadProblems.get(flavor)).as("DDL and INSERTs through Junction").isEmpty();
  }

  @Order(2)
  @ParameterizedTest
  @EnumSource(SqlFlavor.class)
  @Timeout(900)
  void generatedQueriesMatchTheOracle(SqlFlavor flavor) throws Exception {
    DifferentialRig rig = rig(flavor);
    List<QueryCase> cases = new QueryGenerator(flavor, rig.data().customerIds(), rig.shardCount(), rig::shardOf,
        SEED * 31 + flavor.ordinal()).generate(QUERIES);
    cases = new ArrayList<>(cases);
    cases.addAll(new QueryGenerator(flavor, rig.data().customerIds(), rig.shardCount(), rig::shardOf,
        SEED * 37 + flavor.ordinal()).generateFamilies(NEW_FAMILIES, NEW_FAMILY_QUERIES));
    if (ONLY_NEW_FAMILIES) {
      cases.removeIf(q -> !NEW_FAMILIES.contains(q.family()));
    }
    if (!ONLY_FAMILY.isEmpty()) {
      cases.removeIf(q -> !q.family().name().equals(ONLY_FAMILY));
    }
    DiffReport report = new DiffReport(flavor.label());
    ResultComparison comparison = new ResultComparison();
    List<String> oracleErrors = new ArrayList<>();
    Map<String, String> typeDiffs = new java.util.TreeMap<>();
    List<String> stringDiffs = new ArrayList<>();
    long t0 = System.nanoTime();
    Connection j = rig.junction();
    List<Connection> shardConnections = new ArrayList<>();
    for (int shard = 0; MERGE && shard < rig.shardCount(); shard++) {
      shardConnections.add(rig.shardPrimary(shard));
    }
    MergeEmulator emulator = new MergeEmulator(shardConnections, flavor);
    try (Connection o = rig.oracle()) {
      for (QueryCase q : cases) {
        ResultTable expected;
        long started = System.nanoTime();
        long oracleNanos;
        try {
          expected = ResultTable.query(o, q.sql(), q.params(), q.prepared(), q.multisets());
          oracleNanos = System.nanoTime() - started;
        } catch (SQLException e) {
          if (!q.family().mayFail()) {
            oracleErrors.add(q.describe() + "\n    " + e.getMessage());
            continue;
          }
          j = expectSameError(rig, j, o, q, e, report);
          continue;
        }
        String mismatch;
        try {
          started = System.nanoTime();
          ResultTable actual = MERGE ? emulated(rig, emulator, q)
              : ResultTable.query(j, q.sql(), q.params(), q.prepared(), q.multisets());
          report.time(q, System.nanoTime() - started, oracleNanos);
          mismatch = comparison.compare(q, expected, actual);
          String stringDiff = mismatch == null ? comparison.compareStrings(q, expected, actual) : null;
          if (stringDiff != null) {
            stringDiffs.add(q.describe() + "\n    getString: " + stringDiff);
          }
          String typeDiff = comparison.compareTypes(expected, actual);
          if (typeDiff != null) {
            typeDiffs.merge(typeDiff, q.describe(), (first, next) -> first);
          }
          if (JUNCTION) {
            ShardRoute route = j.unwrap(JunctionConnection.class).lastShardRoute();
            report.route(q, route == null ? null : route.opcode().name());
          }
        } catch (SQLException | RuntimeException e) {
          if (q.family().mayRefuse() && e instanceof SQLException s && isNamedRefusal(s)) {
            report.refusal(q, s.getMessage());
            continue;
          }
          mismatch = "junction failed: " + (e instanceof SQLException s ? "[" + s.getSQLState() + "] " : e.getClass().getName() + ": ")
              + e.getMessage();
          if (j.isClosed() || String.valueOf(e.getMessage()).contains("Connection is closed")) {
            j = fresh(rig, j); // a broken connection is reported once (by the FANOUT_ERROR family), not for every later query
          }
        }
        report.record(q, mismatch);
      }
    } finally {
      j.close();
      for (Connection c : shardConnections) {
        c.close();
      }
    }
    long millis = (System.nanoTime() - t0) / 1_000_000;
    log("%s (%d ms, %s)", report.summary(), millis, MODE);
    report.refusalConstructs().forEach((construct, n) -> log("REFUSED %s %d x %s", flavor.label(), n, construct));
    report.mismatches().forEach(m -> log("MISMATCH %s", m));
    report.routeDisagreements().forEach((what, queries) -> log("ROUTE %s: %d queries, e.g. %s", what, queries.size(),
        String.join(" | ", queries.subList(0, Math.min(3, queries.size())))));
    log("%s: %d scale-only differences (equal values, different scale)%s", flavor.label(), comparison.scaleNotes().size(),
        comparison.scaleNotes().isEmpty() ? "" : "; first: " + comparison.scaleNotes().get(0));
    oracleErrors.forEach(e -> log("ORACLE ERROR (generator bug) %s", e));
    typeDiffs.forEach((diff, example) -> log("COLUMN TYPE %s: %s  -- e.g. %s", flavor.label(), diff, example));
    log("%s: %d queries whose values match but whose getString text differs", flavor.label(), stringDiffs.size());
    Map<String, List<String>> stringShapes = new java.util.TreeMap<>();
    for (String d : stringDiffs) {
      String diff = d.substring(d.indexOf("getString: "));
      stringShapes.computeIfAbsent(diff.substring(diff.indexOf(": oracle")).replaceAll("[0-9]", "9"), k -> new ArrayList<>()).add(d);
    }
    stringShapes.forEach((shape, list) -> log("GETSTRING %s %d x%s, e.g. %s", flavor.label(), list.size(), shape, list.get(0)));
    assertThat(oracleErrors).as("generated statements the oracle rejects").isEmpty();
    assertThat(report.queries()).isGreaterThanOrEqualTo(Math.min(500, QUERIES));
    SoftAssertions soft = new SoftAssertions();
    soft.assertThat(report.mismatches()).as(flavor.label() + " mismatches").isEmpty();
    soft.assertThat(typeDiffs.keySet()).as(flavor.label() + " result set metadata: column types that differ from the oracle's")
        .isEmpty();
    soft.assertThat(stringDiffs.size()).as(flavor.label() + " queries whose getString text differs from the oracle's; first: "
        + String.join(" | ", stringDiffs.subList(0, Math.min(3, stringDiffs.size())))).isZero();
    soft.assertAll();
  }

  /**
   * The merge review's hand-written cases ({@link HandWritten}): each read must return the oracle's
   * rows or, where allowed, be refused with 0AJ00; each write must report the oracle's update count
   * or be refused. Reported per case, so a run against older code shows which findings it had.
   */
  @Order(2)
  @ParameterizedTest
  @EnumSource(SqlFlavor.class)
  @Timeout(300)
  void handWrittenCasesMatchTheOracle(SqlFlavor flavor) throws Exception {
    DifferentialRig rig = rig(flavor);
    assumeThat(JUNCTION).as("needs Junction").isTrue();
    ResultComparison comparison = new ResultComparison();
    List<String> problems = new ArrayList<>();
    int answered = 0;
    int refused = 0;
    for (String sql : HandWritten.setup(flavor)) {
      for (int shard = 0; shard < rig.shardCount(); shard++) {
        try (Connection c = rig.shardPrimary(shard)) {
          exec(c, sql);
        }
      }
    }
    try (Connection j = rig.junction(); Connection o = rig.oracle()) {
      HandWritten.setup(flavor).forEach(sql -> {
        try {
          exec(o, sql);
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
      });
      for (HandWritten.Read r : HandWritten.reads(flavor)) {
        QueryCase q = r.query();
        ResultTable expected = ResultTable.query(o, q.sql(), q.params(), q.prepared());
        String outcome;
        try {
          String diff = comparison.compare(q, expected, ResultTable.query(j, q.sql(), q.params(), q.prepared()));
          outcome = diff == null ? null : "wrong answer: " + diff;
          answered++;
        } catch (SQLException e) {
          boolean ok = r.mayRefuse() && isNamedRefusal(e);
          refused += ok ? 1 : 0;
          outcome = ok ? null : "junction failed: [" + e.getSQLState() + "] " + e.getMessage();
          log("%s hand-written %s: refused [%s] %s", flavor.label(), r.finding(), e.getSQLState(), e.getMessage());
        }
        if (outcome != null) {
          problems.add(r.finding() + ": " + q.sql() + "\n    " + outcome);
        }
      }
      for (HandWritten.Write w : HandWritten.writes(flavor)) {
        int want;
        try (Statement s = o.createStatement()) {
          want = s.executeUpdate(w.sql());
        }
        try (Statement s = j.createStatement()) {
          int got = s.executeUpdate(w.sql());
          answered++;
          if (got != want) {
            problems.add(w.finding() + ": " + w.sql() + "\n    update count: oracle " + want + ", junction " + got);
          }
        } catch (SQLException e) {
          if (isRefusal(e)) {
            refused++;
            log("%s hand-written %s: refused [%s] %s", flavor.label(), w.finding(), e.getSQLState(), e.getMessage());
          } else {
            problems.add(w.finding() + ": " + w.sql() + "\n    junction failed: [" + e.getSQLState() + "] " + e.getMessage());
          }
        }
      }
    }
    log("%s hand-written cases: %d answered, %d refused, %d problems", flavor.label(), answered, refused, problems.size());
    problems.forEach(p -> log("HAND-WRITTEN MISMATCH %s %s", flavor.label(), p));
    assertThat(problems).as(flavor.label() + " hand-written cases").isEmpty();
  }

  /**
   * MariaDB GROUP_CONCAT near {@code group_concat_max_len} (issue #10): the same session limit is set
   * through Junction (a SET goes to every shard) and on the oracle, from far below the values' length
   * to far above. Junction must return the oracle's value (as a multiset of elements) or refuse with
   * 0AJ00 naming group_concat_max_len, never a value the oracle would have cut, nor one the shards cut.
   */
  @Order(2)
  @ParameterizedTest
  @EnumSource(value = SqlFlavor.class, names = "MARIADB")
  @Timeout(300)
  void groupConcatNearItsLimitIsRefusedNeverCut(SqlFlavor flavor) throws Exception {
    DifferentialRig rig = rig(flavor);
    assumeThat(JUNCTION).as("needs Junction").isTrue();
    String[] queries = {
        "SELECT GROUP_CONCAT(note SEPARATOR ',') AS m0 FROM orders",
        "SELECT status, GROUP_CONCAT(note) AS m0 FROM orders GROUP BY status ORDER BY status",
        "SELECT customer_id, GROUP_CONCAT(status SEPARATOR '\u00e9') AS m0 FROM orders GROUP BY customer_id ORDER BY customer_id",
        "SELECT qty, GROUP_CONCAT(note, '|' SEPARATOR '') AS m0 FROM orders WHERE note IS NOT NULL GROUP BY qty ORDER BY qty",
        "SELECT qty, GROUP_CONCAT(DISTINCT customer_id SEPARATOR ';') AS m0 FROM orders GROUP BY qty ORDER BY qty"};
    String[] separators = {",", ",", "\u00e9", "", ";"};
    long[] limits = {4, 16, 64, 256, 1024, 4096, 16384, 65536, 1048576};
    ResultComparison comparison = new ResultComparison();
    List<String> mismatches = new ArrayList<>();
    int answered = 0;
    int refused = 0;
    int oracleCut = 0;
    try (Connection j = rig.junction(); Connection o = rig.oracle()) {
      for (long limit : limits) {
        exec(j, "SET SESSION group_concat_max_len = " + limit);
        exec(o, "SET SESSION group_concat_max_len = " + limit);
        for (int i = 0; i < queries.length; i++) {
          int column = queries[i].startsWith("SELECT GROUP_CONCAT") ? 0 : 1;
          List<QueryCase.Multiset> ms = List.of(new QueryCase.Multiset(column, separators[i]));
          QueryCase q = new QueryCase(200_000 + i, QueryCase.Family.MULTISET_AGG, QueryCase.Route.SCATTER, queries[i], List.of(),
              false, QueryCase.Order.TOTAL, new int[0], false, ms);
          ResultTable expected = ResultTable.query(o, q.sql(), List.of(), false, ms);
          ResultTable raw = ResultTable.query(o, q.sql(), List.of(), false);
          boolean cut = raw.rows().stream().anyMatch(r -> r.get(column) != null
              && r.get(column).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > limit - 4);
          oracleCut += cut ? 1 : 0;
          try {
            ResultTable actual = ResultTable.query(j, q.sql(), List.of(), false, ms);
            String diff = comparison.compare(q, expected, actual);
            if (diff != null) {
              mismatches.add("group_concat_max_len = " + limit + ": " + q.sql() + ": " + diff);
            }
            answered++;
          } catch (SQLException e) {
            if (isNamedRefusal(e) && String.valueOf(e.getMessage()).contains("group_concat_max_len")) {
              refused++;
            } else {
              mismatches.add("group_concat_max_len = " + limit + ": " + q.sql() + ": junction failed: [" + e.getSQLState() + "] "
                  + e.getMessage());
            }
          }
        }
      }
      exec(j, "SET SESSION group_concat_max_len = 1048576");
      exec(o, "SET SESSION group_concat_max_len = 1048576");
    }
    log("%s group_concat_max_len: %d queries, %d answered, %d refused (0AJ00 naming group_concat_max_len), %d oracle"
        + " results at or near the limit, %d mismatches", flavor.label(), limits.length * queries.length, answered, refused,
        oracleCut, mismatches.size());
    mismatches.forEach(m -> log("MISMATCH %s", m));
    assertThat(mismatches).as("group_concat near group_concat_max_len").isEmpty();
    assertThat(refused).as("refusals near the limit").isGreaterThan(0);
    assertThat(answered).as("answers far below the limit").isGreaterThan(0);
  }

  /**
   * One PreparedStatement executed many times with parameters that send it to one shard, several or
   * all (plan caching, per-execution binding of LIMIT/OFFSET/HAVING), and one Statement reused for
   * many different queries.
   */
  @Order(3)
  @ParameterizedTest
  @EnumSource(SqlFlavor.class)
  void reusedStatementsMatchTheOracle(SqlFlavor flavor) throws Exception {
    DifferentialRig rig = rig(flavor);
    java.util.Random rnd = new java.util.Random(SEED * 13 + flavor.ordinal());
    List<Long> ids = rig.data().customerIds();
    List<String> templates = List.of(
        "SELECT order_id, customer_id, amount, note FROM orders WHERE customer_id IN (?, ?, ?) ORDER BY amount DESC, order_id"
            + " LIMIT ? OFFSET ?",
        "SELECT status, COUNT(*) AS n, AVG(amount) AS avg_amount, MAX(note) AS top_note FROM orders"
            + " WHERE customer_id IN (?, ?, ?) GROUP BY status HAVING COUNT(*) > ? ORDER BY n DESC, status LIMIT ?",
        "SELECT COUNT(*), SUM(amount), MIN(created_at) FROM orders WHERE customer_id IN (?, ?, ?) AND qty >= ? AND order_id > ?");
    DiffReport report = new DiffReport(flavor.label() + " reused");
    ResultComparison comparison = new ResultComparison();
    try (Connection j = rig.junction(); Connection o = rig.oracle()) {
      for (String sql : templates) {
        try (java.sql.PreparedStatement pj = j.prepareStatement(sql); java.sql.PreparedStatement po = o.prepareStatement(sql)) {
          for (int run = 0; run < 40; run++) {
            List<Object> params = List.of(ids.get(rnd.nextInt(ids.size())), ids.get(rnd.nextInt(ids.size())),
                ids.get(rnd.nextInt(ids.size())), rnd.nextInt(4), rnd.nextInt(run % 2 == 0 ? 5 : 40));
            QueryCase q = new QueryCase(run, QueryCase.Family.IN_LIST, QueryCase.Route.MULTI, sql, params, true,
                sql.contains("ORDER BY") ? QueryCase.Order.TOTAL : QueryCase.Order.NONE, new int[0], sql.contains("LIMIT"));
            report.record(q, compareReused(comparison, q, pj, po));
          }
        }
      }
      List<QueryCase> cases = new QueryGenerator(flavor, ids, rig.shardCount(), rig::shardOf, SEED * 7 + flavor.ordinal())
          .generate(200);
      try (Statement sj = j.createStatement(); Statement so = o.createStatement()) {
        for (QueryCase q : cases) {
          if (!q.params().isEmpty() || q.family().mayRefuse()) {
            continue;
          }
          String mismatch;
          try (ResultSet ro = so.executeQuery(q.sql()); ResultSet rj = sj.executeQuery(q.sql())) {
            mismatch = comparison.compare(q, ResultTable.read(ro), ResultTable.read(rj));
          } catch (SQLException e) {
            mismatch = "junction failed: [" + e.getSQLState() + "] " + e.getMessage();
          }
          report.record(new QueryCase(q.id(), q.family(), q.route(), q.sql(), q.params(), false, q.order(), q.sortColumns(),
              q.limited()), mismatch);
        }
      }
    }
    log("%s", report.summary());
    report.mismatches().forEach(m -> log("MISMATCH (reused statement) %s", m));
    assertThat(report.mismatches()).as(flavor.label() + " reused statements").isEmpty();
  }

  static String compareReused(ResultComparison comparison, QueryCase q, java.sql.PreparedStatement pj,
                              java.sql.PreparedStatement po) throws SQLException {
    dev.junction.it.shard.SqlText.bind(po, q.params());
    ResultTable expected;
    try (ResultSet rs = po.executeQuery()) {
      expected = ResultTable.read(rs);
    }
    try {
      dev.junction.it.shard.SqlText.bind(pj, q.params());
      try (ResultSet rs = pj.executeQuery()) {
        return comparison.compare(q, expected, ResultTable.read(rs));
      }
    } catch (SQLException e) {
      return "junction failed: [" + e.getSQLState() + "] " + e.getMessage();
    }
  }

  @Order(4)
  @ParameterizedTest
  @EnumSource(SqlFlavor.class)
  void crossShardJoinOffTheKeyIsRefusedAndTheConnectionSurvives(SqlFlavor flavor) throws Exception {
    DifferentialRig rig = rig(flavor);
    assumeThat(rig.withJunction()).as("needs Junction").isTrue();
    List<String> unsupported = List.of(
        "SELECT o.order_id, c.name FROM orders o JOIN customers c ON c.name = o.status",
        "SELECT o.order_id, c.customer_id FROM orders o JOIN customers c ON c.customer_id = o.order_id WHERE o.qty > ?");
    try (Connection j = rig.junction(); Connection o = rig.oracle()) {
      for (String sql : unsupported) {
        List<Object> params = sql.contains("?") ? List.of(3) : List.of();
        SQLException error = null;
        try {
          ResultTable.query(j, sql, params, !params.isEmpty());
        } catch (SQLException e) {
          error = e;
        }
        assertThat((Object) error).as("Junction must refuse: " + sql).isNotNull();
        log("%s refused %s: [%s] %s", flavor.label(), sql, error.getSQLState(), error.getMessage());
        assertThat(error.getSQLState()).as(sql).isEqualTo("0AJ00");
        assertThat(j.isClosed()).isFalse();
        assertThat(Placement.count(j, "SELECT COUNT(*) FROM orders")).as("the connection still works after: " + sql)
            .isEqualTo(Placement.count(o, "SELECT COUNT(*) FROM orders"));
      }
    }
  }

  @Order(5)
  @ParameterizedTest
  @EnumSource(SqlFlavor.class)
  @Timeout(600)
  void writesMatchTheOracle(SqlFlavor flavor) throws Exception {
    DifferentialRig rig = rig(flavor);
    List<Dml.Write> writes = Dml.generate(rig.data(), rig.shardCount(), rig::shardOf, SEED * 17 + flavor.ordinal(), 80);
    List<String> problems = new ArrayList<>();
    Map<String, Integer> kinds = new java.util.TreeMap<>();
    long t0 = System.nanoTime();
    try (Connection j = rig.junction(); Connection o = rig.oracle()) {
      for (int i = 0; i < writes.size(); i++) {
        // every other block of 10 writes runs as one transaction (several shards: committed shard by shard)
        boolean inTransaction = (i / TX_BLOCK) % 2 == 1;
        if (inTransaction && i % TX_BLOCK == 0) {
          o.setAutoCommit(false);
          j.setAutoCommit(false);
        }
        Dml.Write w = writes.get(i);
        kinds.merge(w.kind(), 1, Integer::sum);
        int expected = w.run(o);
        if (JUNCTION) {
          try {
            int actual = w.run(j);
            if (actual != expected) {
              problems.add(w.describe() + "\n    update count: oracle " + expected + ", junction " + actual
                  + (inTransaction ? " (in a transaction)" : ""));
            }
          } catch (SQLException e) {
            problems.add(w.describe() + "\n    junction failed: [" + e.getSQLState() + "] " + e.getMessage());
          }
        }
        if (inTransaction && (i % TX_BLOCK == TX_BLOCK - 1 || i == writes.size() - 1)) {
          o.commit();
          o.setAutoCommit(true);
          try {
            j.commit();
          } catch (SQLException e) {
            problems.add("COMMIT through Junction failed: [" + e.getSQLState() + "] " + e.getMessage());
          }
          j.setAutoCommit(true);
        }
      }
      // read-your-writes: the same Junction connection, no wait for the replicas
      problems.addAll(compareSnapshots(j, o, "right after the writes, same connection"));
    }
    rig.awaitReplicas();
    try (Connection j = rig.junction(); Connection o = rig.oracle()) {
      problems.addAll(compareSnapshots(j, o, "after the replicas caught up, new connection"));
    }
    log("%s: %d writes %s, writes + snapshots in %d ms, %d problems", flavor.label(), writes.size(), kinds,
        (System.nanoTime() - t0) / 1_000_000, problems.size());
    problems.forEach(p -> log("WRITE MISMATCH %s", p));
    if (JUNCTION) {
      log("%s", Placement.check(rig));
    }
    assertThat(problems).as(flavor.label() + " writes (update counts) and snapshots").isEmpty();
  }

  /**
   * Issue #10: a merged (scatter) result must be indistinguishable from the driver's. Every row of
   * the special-values table is read through Junction with a scatter SELECT and directly from the
   * shard primary that holds it; for every column, getString, getObject (class and value; an array by
   * its interface and content, {@link ResultTable#valueClass}), getBytes (bytea/varbinary) and the column
   * metadata must agree.
   */
  @Order(6)
  @ParameterizedTest
  @EnumSource(SqlFlavor.class)
  void mergedGettersMatchTheDriverOnTheShard(SqlFlavor flavor) throws Exception {
    DifferentialRig rig = rig(flavor);
    assumeThat(rig.withJunction()).as("needs Junction").isTrue();
    List<String> problems = new ArrayList<>();
    int values = 0;
    try (Connection j = rig.junction();
         Statement s = j.createStatement();
         ResultSet merged = s.executeQuery("SELECT * FROM specials ORDER BY id")) {
      assertThat(j.unwrap(JunctionConnection.class).lastShardRoute().opcode().name()).isEqualTo("SCATTER");
      java.sql.ResultSetMetaData mm = merged.getMetaData();
      int n = mm.getColumnCount();
      while (merged.next()) {
        long id = merged.getLong("id");
        long key = merged.getLong("customer_id");
        try (Connection direct = rig.shardPrimary(rig.shardOf(key));
             java.sql.PreparedStatement ps = direct.prepareStatement("SELECT * FROM specials WHERE customer_id = ? AND id = ?")) {
          ps.setLong(1, key);
          ps.setLong(2, id);
          try (ResultSet d = ps.executeQuery()) {
            assertThat(d.next()).as("row %d on its shard", id).isTrue();
            java.sql.ResultSetMetaData dm = d.getMetaData();
            for (int c = 1; c <= n; c++) {
              String col = mm.getColumnLabel(c);
              String where = flavor.label() + " id=" + id + " " + col + ": ";
              if (!java.util.Objects.equals(mm.getColumnTypeName(c), dm.getColumnTypeName(c))
                  || mm.getColumnType(c) != dm.getColumnType(c) || mm.getScale(c) != dm.getScale(c)
                  || mm.getPrecision(c) != dm.getPrecision(c)
                  || !java.util.Objects.equals(mm.getColumnClassName(c), dm.getColumnClassName(c))) {
                problems.add(where + "metadata differs");
              }
              values++;
              String ms = merged.getString(c);
              String ds = d.getString(c);
              if (!java.util.Objects.equals(ms, ds)) {
                problems.add(where + "getString '" + ds + "' directly, '" + ms + "' merged");
              }
              Object mo = merged.getObject(c);
              Object dobj = d.getObject(c);
              if ((mo == null) != (dobj == null) || (mo != null && !ResultTable.valueClass(mo).equals(ResultTable.valueClass(dobj)))
                  || !java.util.Objects.equals(ResultTable.normalise(mo), ResultTable.normalise(dobj))) {
                problems.add(where + "getObject " + dobj + " directly, " + mo + " merged");
              }
              if (col.equalsIgnoreCase("b") && !java.util.Arrays.equals(merged.getBytes(c), d.getBytes(c))) {
                problems.add(where + "getBytes differs");
              }
            }
          }
        }
      }
    }
    log("%s: merged getters vs the shard's driver: %d values compared, %d differences", flavor.label(), values,
        problems.size());
    problems.forEach(p -> log("GETTER %s", p));
    assertThat(values).isGreaterThan(1000);
    assertThat(problems).as(flavor.label() + " merged getters vs direct").isEmpty();
  }

  /**
   * Issue #10: merged string_agg/array_agg/group_concat values read like the driver's. The specials
   * table grouped by its shard key puts every group on one shard, so the merged value is that shard's
   * one part; the same SQL run directly on each shard primary gives the driver's value, and getString,
   * getArray (element class, elements, base type), getObject and the metadata must agree exactly:
   * PostgreSQL array text forms with infinity, BC dates, NaN, bytea, intervals, empty strings and
   * NULL elements; bytea string_agg; MariaDB GROUP_CONCAT of every type.
   */
  @Order(6)
  @ParameterizedTest
  @EnumSource(SqlFlavor.class)
  void mergedMultisetAggregatesMatchTheDriverOnTheShard(SqlFlavor flavor) throws Exception {
    DifferentialRig rig = rig(flavor);
    assumeThat(rig.withJunction()).as("needs Junction").isTrue();
    boolean pg = flavor == SqlFlavor.POSTGRESQL;
    List<String> items = new ArrayList<>();
    if (pg) {
      for (String c : List.of("f", "r", "d", "ts", "tz", "n", "ni", "b", "s", "iv", "bo")) {
        items.add("array_agg(" + c + ") AS a_" + c);
      }
      items.add("string_agg(s, ',') AS sa_s");
      items.add("string_agg(b, '\\x2c'::bytea) AS sa_b");
      items.add("string_agg(CAST(f AS text), ?) AS sa_f");
      items.add("array_agg(DISTINCT customer_id) AS a_key");
    } else {
      for (String c : List.of("f", "r", "d", "ts", "n", "b", "s", "bo")) {
        items.add("GROUP_CONCAT(" + c + ") AS g_" + c);
      }
      items.add("GROUP_CONCAT(s, '|', d SEPARATOR '') AS g_sd");
      items.add("GROUP_CONCAT(DISTINCT customer_id SEPARATOR ';') AS g_key");
    }
    String sql = "SELECT customer_id, " + String.join(", ", items) + " FROM specials GROUP BY customer_id ORDER BY customer_id";
    List<Object> params = pg ? List.of(" ; ") : List.of();
    Map<Long, List<Object[]>> direct = new java.util.HashMap<>();
    for (int shard = 0; shard < rig.shardCount(); shard++) {
      try (Connection c = rig.shardPrimary(shard); java.sql.PreparedStatement ps = c.prepareStatement(sql)) {
        dev.junction.it.shard.SqlText.bind(ps, params);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            direct.put(rs.getLong(1), cells(rs));
          }
        }
      }
    }
    List<String> problems = new ArrayList<>();
    int values = 0;
    try (Connection j = rig.junction(); java.sql.PreparedStatement ps = j.prepareStatement(sql)) {
      dev.junction.it.shard.SqlText.bind(ps, params);
      try (ResultSet merged = ps.executeQuery()) {
        assertThat(j.unwrap(JunctionConnection.class).lastShardRoute().opcode().name()).isEqualTo("SCATTER");
        int groups = 0;
        while (merged.next()) {
          groups++;
          long key = merged.getLong(1);
          List<Object[]> want = direct.get(key);
          List<Object[]> got = cells(merged);
          if (want == null) {
            problems.add("group " + key + " is on no shard");
            continue;
          }
          for (int c = 1; c < got.size(); c++) {
            values++;
            if (!java.util.Arrays.deepEquals(want.get(c), got.get(c))) {
              problems.add(flavor.label() + " customer_id=" + key + " " + merged.getMetaData().getColumnLabel(c + 1) + ": directly "
                  + java.util.Arrays.deepToString(want.get(c)) + ", merged " + java.util.Arrays.deepToString(got.get(c)));
            }
          }
        }
        assertThat(groups).isEqualTo(direct.size());
      }
    }
    log("%s: merged multiset aggregates vs the shard's driver: %d values compared, %d differences", flavor.label(), values,
        problems.size());
    problems.forEach(p -> log("GETTER %s", p));
    assertThat(values).isGreaterThan(500);
    assertThat(problems).as(flavor.label() + " merged multiset aggregates vs direct").isEmpty();
  }

  /** Per column: metadata, getString, and the value as getObject/getArray/getBytes give it. */
  static List<Object[]> cells(ResultSet rs) throws SQLException {
    java.sql.ResultSetMetaData md = rs.getMetaData();
    List<Object[]> out = new ArrayList<>();
    for (int c = 1; c <= md.getColumnCount(); c++) {
      Object v = rs.getObject(c);
      Object value;
      if (v instanceof java.sql.Array a) {
        Object elementsOrError;
        try {
          Object[] elements = (Object[]) a.getArray();
          Object[] normal = new Object[elements.length];
          for (int i = 0; i < elements.length; i++) {
            normal[i] = elements[i] instanceof byte[] b ? java.util.HexFormat.of().formatHex(b) : elements[i];
          }
          elementsOrError = new Object[] {"array of " + elements.getClass().getComponentType().getName(), normal};
        } catch (SQLException e) { // pgjdbc cannot decode numeric[] with NaN: the merged array must fail alike
          elementsOrError = "getArray() failed: [" + e.getSQLState() + "] " + e.getMessage();
        }
        value = new Object[] {a.getBaseTypeName(), a.getBaseType(), elementsOrError, rs.getArray(c).toString()};
      } else if (v instanceof byte[] b) {
        value = new Object[] {"bytes", java.util.HexFormat.of().formatHex(b), java.util.HexFormat.of().formatHex(rs.getBytes(c))};
      } else {
        value = v == null ? null : new Object[] {v.getClass().getName(), v};
      }
      out.add(new Object[] {md.getColumnLabel(c), md.getColumnTypeName(c), md.getColumnType(c), md.getColumnClassName(c),
          rs.getString(c), value});
    }
    return out;
  }

  // ---- helpers ----------------------------------------------------------------------------------

  /** A Junction refusal that says what it refused: SQLState 0AJ00 and the planner's wording. */
  static boolean isNamedRefusal(SQLException e) {
    String m = String.valueOf(e.getMessage());
    return "0AJ00".equals(e.getSQLState())
        && (m.contains(" is not supported in a multi-shard SELECT: ") || m.contains("Junction cannot route this statement")
            || (m.contains("Junction cannot parse this statement") && m.contains("(parser: ")));
  }

  /** Any Junction refusal (0AJ00): a write the router will not route. */
  static boolean isRefusal(SQLException e) {
    return "0AJ00".equals(e.getSQLState());
  }

  /**
   * The oracle failed {@code q} with {@code expected}: Junction must fail with the same SQLState and
   * message (or refuse it), and afterwards the same logical connection must still answer a scatter
   * query and a single-shard query correctly. Returns the connection to go on with.
   */
  static Connection expectSameError(DifferentialRig rig, Connection j, Connection o, QueryCase q, SQLException expected,
                                    DiffReport report) throws SQLException {
    String problem = null;
    boolean refused = false;
    try {
      ResultTable.query(j, q.sql(), q.params(), q.prepared());
      problem = "the oracle failed with [" + expected.getSQLState() + "] " + expected.getMessage() + " but Junction returned rows";
    } catch (SQLException e) {
      if (isNamedRefusal(e) && !q.family().mayRefuse()) {
        problem = "refused: " + e.getMessage();
      } else if (isNamedRefusal(e)) {
        refused = true;
        report.refusal(q, e.getMessage());
      } else if (!String.valueOf(expected.getSQLState()).equals(e.getSQLState())
          || !String.valueOf(e.getMessage()).contains(withoutQuotedValue(firstLine(expected.getMessage())))) {
        problem = "the oracle failed with [" + expected.getSQLState() + "] " + firstLine(expected.getMessage())
            + ", Junction with [" + e.getSQLState() + "] " + e.getMessage();
      }
    } catch (RuntimeException e) {
      problem = "the oracle failed with [" + expected.getSQLState() + "], Junction threw " + e;
    }
    if (problem == null) {
      for (String next : List.of("SELECT COUNT(*) FROM orders", "SELECT COUNT(*) FROM customers WHERE customer_id = "
          + rig.data().customerIds().get(q.id() % rig.data().customerIds().size()))) {
        try {
          long want = Placement.count(o, next);
          long got = Placement.count(j, next);
          if (want != got) {
            problem = "after the error, " + next + " returned " + got + " instead of " + want;
          }
        } catch (SQLException e) {
          problem = "after the error, the same connection failed " + next + ": [" + e.getSQLState() + "] " + e.getMessage()
              + " (isClosed=" + j.isClosed() + ")";
        }
        if (problem != null) {
          break;
        }
      }
    }
    if (problem != null) {
      report.record(q, problem);
      j = fresh(rig, j); // count the next queries on their own merits
    } else if (!refused) {
      report.sameError(q);
    }
    return j;
  }

  static Connection fresh(DifferentialRig rig, Connection j) throws SQLException {
    try {
      j.close();
    } catch (SQLException ignored) {
      // replaced anyway
    }
    return rig.junction();
  }

  /**
   * The error text without the offending value: which row of which shard fails first is not
   * determined (the oracle may stop at " ", a shard at "X"), the error is.
   */
  static String withoutQuotedValue(String message) {
    int quote = message.indexOf('"');
    return quote < 0 ? message : message.substring(0, quote);
  }

  static String firstLine(String message) {
    String m = String.valueOf(message);
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  static final int TX_BLOCK = 10;

  /** Every table in primary-key order through Junction and on the oracle; returns the differences. */
  static List<String> compareSnapshots(Connection j, Connection o, String when) throws SQLException {
    List<String> problems = new ArrayList<>();
    ResultComparison comparison = new ResultComparison();
    for (String[] table : Schema.snapshotQueries()) {
      QueryCase q = new QueryCase(0, QueryCase.Family.RANGE, QueryCase.Route.SCATTER, table[1], List.of(), false,
          QueryCase.Order.TOTAL, new int[0], false);
      String diff;
      try {
        diff = comparison.compare(q, ResultTable.query(o, q.sql(), List.of(), false), ResultTable.query(j, q.sql(), List.of(), false));
      } catch (SQLException e) {
        diff = "junction failed: [" + e.getSQLState() + "] " + e.getMessage();
      }
      if (diff != null) {
        problems.add("snapshot of " + table[0] + " " + when + " differs: " + diff);
      }
    }
    return problems;
  }

  /** Merge mode: reads of broadcast or unsharded tables go to the default shard, the rest scatter. */
  static ResultTable emulated(DifferentialRig rig, MergeEmulator emulator, QueryCase q) throws SQLException {
    if (q.route() == QueryCase.Route.ANY || q.route() == QueryCase.Route.DEFAULT) {
      try (Connection c = rig.shardPrimary(rig.defaultShard())) {
        return ResultTable.query(c, q.sql(), q.params(), q.prepared());
      }
    }
    return emulator.query(q.sql(), q.params());
  }

  static void exec(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  static DifferentialRig rig(SqlFlavor flavor) {
    DifferentialRig rig = rigs.get(flavor);
    assertThat(rig).as("rig for " + flavor + " (see @BeforeAll)").isNotNull();
    return rig;
  }

  static void log(String format, Object... args) {
    System.out.println("[ShardedDifferentialIT] " + String.format(format, args));
  }
}
