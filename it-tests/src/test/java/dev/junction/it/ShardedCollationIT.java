package dev.junction.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.JunctionSqlState;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.shard.KeyType;
import dev.junction.shard.ShardedTable;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Column-level collations are invisible in the SQL: two PostgreSQL shards whose sharded tables use
 * an ICU collation ({@code en-x-icu}: 'a' &lt; 'B') and a case-insensitive nondeterministic one
 * ('a' = 'A'), compared with an unsharded oracle database holding the same rows. Every scatter
 * query with a text sort/group/DISTINCT/min/max key must either match the oracle or be refused
 * with 0AJ00; an explicit code-point COLLATE must run and match.
 */
class ShardedCollationIT {
  static final String[] WORDS = {"a", "B", "A", "b", " ", "", "ä", "Z", "z", "1", "ab", "Ab"};
  static final int ROWS = 96;
  static LocalCluster cluster;
  static RoutingDataSource ds;
  static Connection oracle;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(2).postgresReplicas().shared(ShardedCollationIT.class);
    String ddl = "CREATE COLLATION IF NOT EXISTS ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);"
        + "CREATE TABLE words_icu (id bigint primary key, name text COLLATE \"en-x-icu\" not null);"
        + "CREATE TABLE words_ci (id bigint primary key, name text COLLATE ci not null)";
    for (PostgresReplicaSet set : cluster.postgres()) {
      try (Connection c = set.primary().connect(); Statement s = c.createStatement()) {
        s.execute(ddl);
      }
    }
    PostgresReplicaSet first = cluster.postgres(0);
    try (Connection c = first.primary().connect(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + oracleDatabase());
    }
    String url = first.primary().jdbcUrl();
    oracle = DriverManager.getConnection(url.substring(0, url.lastIndexOf('/') + 1) + oracleDatabase(),
        first.primary().user(), first.primary().password());
    try (Statement s = oracle.createStatement()) {
      s.execute(ddl);
    }
    JunctionConfig.Sharding sharding = JunctionConfig.Sharding.of(
        List.of(new ShardedTable("words_icu", "id", KeyType.LONG), new ShardedTable("words_ci", "id", KeyType.LONG)),
        List.of());
    ds = RoutingDataSource.create(TestConfigs.shardedPostgres(cluster.postgres(),
        TestConfigs.routing(Duration.ofSeconds(5), Duration.ofMillis(50)), TestConfigs.localFences(), sharding));
    try (Connection c = ds.getConnection()) {
      for (String table : List.of("words_icu", "words_ci")) {
        for (Connection target : List.of(c, oracle)) {
          try (PreparedStatement ps = target.prepareStatement("INSERT INTO " + table + " (id, name) VALUES (?, ?)")) {
            for (int id = 0; id < ROWS; id++) {
              ps.setLong(1, id);
              ps.setString(2, WORDS[(id * 7) % WORDS.length]);
              ps.executeUpdate();
            }
          }
        }
      }
    }
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {oracle, ds}) {
      if (c != null) {
        c.close();
      }
    }
    if (cluster != null) {
      try (Connection c = cluster.postgres(0).primary().connect(); Statement s = c.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS " + oracleDatabase() + " WITH (FORCE)"); // the shared cluster is given back as found
      }
      cluster.close();
    }
  }

  /** The unsharded oracle, beside the class's own database on shard 0's server (the cluster is shared). */
  static String oracleDatabase() {
    return cluster.postgres(0).primary().database() + "_oracle";
  }

  /** Scatter queries whose merge compares text under the column collation: none may return a wrong answer. */
  static final List<String> TEXT_KEYED = List.of(
      "SELECT id, name FROM words_icu ORDER BY name, id",
      "SELECT name FROM words_icu ORDER BY name DESC, id LIMIT 7",
      "SELECT min(name), max(name) FROM words_icu",
      "SELECT name, count(*) FROM words_ci GROUP BY name",
      "SELECT DISTINCT name FROM words_ci",
      "SELECT count(*) FROM words_ci GROUP BY name",
      "SELECT name, count(*) FROM words_icu GROUP BY name ORDER BY name");

  /** Scatter queries the merge can prove exact: an explicit code-point COLLATE, or no text key. */
  static final List<String> EXACT = List.of(
      "SELECT id FROM words_icu ORDER BY name COLLATE ucs_basic, id",
      "SELECT id, name COLLATE ucs_basic FROM words_icu ORDER BY 2, 1",
      "SELECT min(name COLLATE ucs_basic), max(name COLLATE ucs_basic) FROM words_icu",
      "SELECT id, name FROM words_icu ORDER BY id",
      "SELECT count(*), max(id) FROM words_ci");

  @Test
  void textKeysUnderAColumnCollationAreRefusedOrExact() throws Exception {
    int mismatched = 0;
    int refused = 0;
    List<String> report = new ArrayList<>();
    for (String sql : TEXT_KEYED) {
      List<String> expected = rows(oracle, sql);
      try (Connection c = ds.getConnection()) {
        List<String> got = rows(c, sql);
        if (!same(sql, got, expected)) {
          mismatched++;
          report.add("MISMATCH " + sql + "\n  junction " + got + "\n  oracle   " + expected);
        }
      } catch (SQLException e) {
        assertThat(e.getSQLState()).as(sql + ": " + e.getMessage()).isEqualTo(JunctionSqlState.REFUSED);
        assertThat(e.getMessage()).contains("not code-point order").contains("COLLATE ucs_basic")
            .contains("shard-key predicate");
        refused++;
        report.add("REFUSED " + sql + ": " + e.getMessage());
      }
    }
    System.out.println("ShardedCollationIT text-keyed scatters: " + mismatched + "/" + TEXT_KEYED.size()
        + " wrong, " + refused + "/" + TEXT_KEYED.size() + " refused\n" + String.join("\n", report));
    assertThat(mismatched).as(String.join("\n", report)).isZero();
    assertThat(refused).isEqualTo(TEXT_KEYED.size());
  }

  @Test
  void explicitCodePointCollationsAndQueriesWithoutTextKeysStillRun() throws Exception {
    for (String sql : EXACT) {
      try (Connection c = ds.getConnection()) {
        assertThat(rows(c, sql)).as(sql).isEqualTo(rows(oracle, sql));
      }
    }
  }

  @Test
  void singleShardQueriesAreUnaffected() throws Exception {
    String sql = "SELECT id, name FROM words_icu WHERE id = 5 ORDER BY name";
    try (Connection c = ds.getConnection()) {
      assertThat(rows(c, sql)).isEqualTo(rows(oracle, sql)).hasSize(1);
    }
  }

  private static boolean same(String sql, List<String> got, List<String> expected) {
    if (sql.contains("ORDER BY")) {
      return got.equals(expected);
    }
    List<String> a = new ArrayList<>(got);
    List<String> b = new ArrayList<>(expected);
    Collections.sort(a);
    Collections.sort(b);
    return a.equals(b);
  }

  private static List<String> rows(Connection c, String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 1; i <= n; i++) {
          sb.append(i > 1 ? "," : "").append('\'').append(rs.getString(i)).append('\'');
        }
        out.add(sb.append(')').toString());
      }
    }
    return out;
  }
}
