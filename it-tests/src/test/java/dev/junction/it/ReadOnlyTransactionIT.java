package dev.junction.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.junction.Junction;
import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.JunctionConnection;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.JdbcServer;
import dev.junction.local.LocalCluster;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue #16 §3: a {@code setReadOnly(true)} transaction is read-only wherever the router runs it:
 * a write in it fails with SQLSTATE 25006 (MariaDB: error 1792) on the primary (inside
 * {@code Junction.primary()}, and on a shard without replicas) and on a replica. It still reads,
 * and it does not leave the pooled primary connection read-only for the next borrower (pools of
 * one connection, so the next borrower gets the same one).
 */
class ReadOnlyTransactionIT {
  static LocalCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO).mariadb(true).shared(ReadOnlyTransactionIT.class);
    for (JdbcServer primary : List.of(cluster.postgres(0).primary(), cluster.mariadb().primary())) {
      try (Connection c = primary.connect(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE counters (id int primary key, v bigint not null)");
        s.execute("INSERT INTO counters VALUES (1, 0)");
      }
    }
    cluster.mariadb().awaitReplicaCaughtUp(Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static JunctionConfig config(Dialect dialect, JdbcServer primary, List<JdbcServer> replicas) {
    JunctionConfig.Pool pool = new JunctionConfig.Pool(1, 0, Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofMinutes(30),
        Duration.ofSeconds(1));
    List<JunctionConfig.Endpoint> rs = new ArrayList<>();
    for (int i = 0; i < replicas.size(); i++) {
      JdbcServer r = replicas.get(i);
      rs.add(new JunctionConfig.Endpoint("replica" + (i + 1), r.jdbcUrl(), r.user(), r.password(), 1, pool));
    }
    return new JunctionConfig(dialect, List.of(new JunctionConfig.Shard("main",
        new JunctionConfig.Endpoint("primary", primary.jdbcUrl(), primary.user(), primary.password(), 1, pool), rs)),
        TestConfigs.routing(Duration.ofSeconds(5), Duration.ofMillis(50)), TestConfigs.localFences());
  }

  @Test
  void postgres() throws Exception {
    JdbcServer primary = cluster.postgres(0).primary();
    check(Dialect.POSTGRESQL, primary, List.of(cluster.postgres(0).replica(0)), "SHOW transaction_read_only", "off");
  }

  @Test
  void mariadb() throws Exception {
    JdbcServer primary = cluster.mariadb().primary();
    check(Dialect.MARIADB, primary, List.of(cluster.mariadb().replica()), "SELECT @@tx_read_only", "0");
  }

  static void check(Dialect dialect, JdbcServer primary, List<JdbcServer> replicas, String readOnlyQuery, String readWrite)
      throws Exception {
    List<String> results = new ArrayList<>();
    try (RoutingDataSource ds = RoutingDataSource.create(config(dialect, primary, replicas));
         RoutingDataSource noReplicas = RoutingDataSource.create(config(dialect, primary, List.of()))) {
      results.add("primary (Junction.primary): " + Junction.primary(() -> writeInReadOnlyTransaction(ds, "primary")));
      results.add("primary (no replica configured): " + writeInReadOnlyTransaction(noReplicas, "primary"));
      results.add("replica: " + writeInReadOnlyTransaction(ds, "replica"));
      if (dialect == Dialect.POSTGRESQL) {
        // SQL BEGIN on a read-only connection (auto-commit on): routed as a read-only transaction
        results.add("primary (SQL BEGIN, Junction.primary): " + Junction.primary(() -> writeAfterSqlBegin(ds, "primary")));
        results.add("replica (SQL BEGIN): " + writeAfterSqlBegin(ds, "replica"));
      }
      System.out.printf("[ReadOnlyTransactionIT] %s: %s%n", dialect, results);
      for (String r : results) {
        assertThat(r).as("write in a read-only transaction").startsWith(r.substring(0, r.indexOf(':') + 2) + "refused 25006");
      }
      // Reads work in a read-only transaction, on the primary too.
      Junction.primary(() -> {
        try (Connection c = ds.getConnection()) {
          c.setReadOnly(true);
          c.setAutoCommit(false);
          assertThat(Sql.longValue(c, "SELECT v FROM counters WHERE id = 1")).isZero();
          c.commit();
        }
        return null;
      });
      // The next borrower of the (single) primary connection reads and writes normally.
      for (RoutingDataSource d : List.of(ds, noReplicas)) {
        try (Connection c = d.getConnection()) {
          assertThat(c.isReadOnly()).isFalse();
          Sql.exec(c, "UPDATE counters SET v = v WHERE id = 1"); // auto-commit write
          c.setAutoCommit(false);
          assertThat(Junction.primary(() -> Sql.string(c, readOnlyQuery))).isEqualTo(readWrite);
          Sql.exec(c, "UPDATE counters SET v = v WHERE id = 1");
          c.commit();
        }
      }
    }
    try (Connection c = primary.connect()) {
      assertThat(Sql.longValue(c, "SELECT v FROM counters WHERE id = 1")).as("no write of a read-only transaction committed").isZero();
    }
  }

  /** As {@link #writeInReadOnlyTransaction} with the transaction opened by an SQL BEGIN. */
  static String writeAfterSqlBegin(RoutingDataSource ds, String expectedEndpoint) throws SQLException {
    try (Connection c = ds.getConnection()) {
      c.setReadOnly(true);
      Sql.exec(c, "BEGIN");
      SQLException e = catchThrowableOfType(SQLException.class, () -> {
        Sql.exec(c, "UPDATE counters SET v = v + 1 WHERE id = 1");
        Sql.exec(c, "COMMIT");
      });
      String endpoint = c.unwrap(JunctionConnection.class).lastRouteEndpoint();
      assertThat(endpoint).as("where the transaction ran").contains(expectedEndpoint);
      if (e == null) {
        return "COMMITTED on " + endpoint;
      }
      Sql.exec(c, "ROLLBACK");
      return "refused " + e.getSQLState() + " (" + e.getErrorCode() + ") on " + endpoint;
    }
  }

  /** "refused SQLSTATE" when the UPDATE failed, "COMMITTED" when it went through. */
  static String writeInReadOnlyTransaction(RoutingDataSource ds, String expectedEndpoint) throws SQLException {
    try (Connection c = ds.getConnection()) {
      c.setReadOnly(true);
      c.setAutoCommit(false);
      SQLException e = catchThrowableOfType(SQLException.class, () -> {
        Sql.exec(c, "UPDATE counters SET v = v + 1 WHERE id = 1");
        c.commit();
      });
      String endpoint = c.unwrap(JunctionConnection.class).lastRouteEndpoint();
      assertThat(endpoint).as("where the transaction ran").contains(expectedEndpoint);
      if (e == null) {
        return "COMMITTED on " + endpoint;
      }
      c.rollback();
      return "refused " + e.getSQLState() + " (" + e.getErrorCode() + ") on " + endpoint;
    }
  }
}
