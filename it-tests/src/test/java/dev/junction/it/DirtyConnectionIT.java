package dev.junction.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.JdbcServer;
import dev.junction.local.LocalCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue #16 §0 through the library: sessions that leave a transaction open on their physical
 * connection in every way we know of (SQL BEGIN / START TRANSACTION then close, a failed statement
 * inside one, COMMIT AND CHAIN, BEGIN inside a multi-statement string, savepoints, commit() after an
 * SQL BEGIN, SET autocommit=0), interleaved at random with auto-commit writer sessions on a primary
 * pool of two connections, so every physical connection is reused many times.
 *
 * <p>Oracle: a direct connection to the primary counts the committed rows. Every acknowledged write
 * (executeUpdate returned 1) must be committed, no row written only inside an abandoned transaction
 * may be, no writer session may fail, and no server session may be left in a transaction.
 */
class DirtyConnectionIT {
  static final int SESSIONS = 300;
  static LocalCluster cluster;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO).mariadb(true).shared(DirtyConnectionIT.class);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** A small primary pool so that dirty connections are handed out again at once. */
  static JunctionConfig config(Dialect dialect, JdbcServer primary, JdbcServer replica) {
    JunctionConfig.Pool pool = new JunctionConfig.Pool(2, 0, Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofMinutes(30),
        Duration.ofSeconds(1));
    return new JunctionConfig(dialect, List.of(new JunctionConfig.Shard("main",
        new JunctionConfig.Endpoint("primary", primary.jdbcUrl(), primary.user(), primary.password(), 1, pool),
        List.of(new JunctionConfig.Endpoint("replica1", replica.jdbcUrl(), replica.user(), replica.password(), 1, pool)))),
        TestConfigs.routing(Duration.ofSeconds(5), Duration.ofMillis(50)), TestConfigs.localFences());
  }

  @Test
  void postgresAcknowledgedWritesAreCommitted() throws Exception {
    JdbcServer primary = cluster.postgres(0).primary();
    try (Connection c = primary.connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE acked (id bigserial primary key, who text not null)");
    }
    List<Abandon> abandons = List.of(
        c -> exec(c, "BEGIN", "SELECT count(*) FROM acked"),
        c -> exec(c, "START TRANSACTION", "INSERT INTO acked(who) VALUES ('never')"),
        c -> exec(c, "BEGIN", "INSERT INTO acked(who) VALUES ('never')", "SELECT 1/0"),
        c -> exec(c, "BEGIN", "SELECT 1/0"),
        c -> exec(c, "BEGIN", "INSERT INTO acked(who) VALUES ('chained')", "COMMIT AND CHAIN",
            "INSERT INTO acked(who) VALUES ('never')"),
        c -> exec(c, "BEGIN; INSERT INTO acked(who) VALUES ('never')"),
        c -> exec(c, "BEGIN; SELECT 1/0"),
        c -> exec(c, "BEGIN", "SAVEPOINT a", "INSERT INTO acked(who) VALUES ('never')", "ROLLBACK TO SAVEPOINT a",
            "INSERT INTO acked(who) VALUES ('never')"),
        c -> {
          c.setAutoCommit(false);
          exec(c, "INSERT INTO acked(who) VALUES ('never')");
        });
    Outcome o = run(Dialect.POSTGRESQL, primary, cluster.postgres(0).replica(0), abandons,
        "SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%' AND backend_type = 'client backend'");
    o.check();
  }

  @Test
  void mariadbAcknowledgedWritesAreCommitted() throws Exception {
    JdbcServer primary = cluster.mariadb().primary();
    try (Connection c = primary.connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE acked (id bigint auto_increment primary key, who varchar(20) not null)");
    }
    cluster.mariadb().awaitReplicaCaughtUp(Duration.ofSeconds(30));
    List<Abandon> abandons = List.of(
        c -> exec(c, "START TRANSACTION", "SELECT count(*) FROM acked"),
        c -> exec(c, "BEGIN", "INSERT INTO acked(who) VALUES ('never')"),
        c -> exec(c, "START TRANSACTION", "INSERT INTO acked(who) VALUES ('never')", "INSERT INTO acked(id, who) VALUES (1, 'dup')"),
        c -> exec(c, "START TRANSACTION", "INSERT INTO acked(who) VALUES ('chained')", "COMMIT AND CHAIN",
            "INSERT INTO acked(who) VALUES ('never')"),
        c -> exec(c, "START TRANSACTION", "SAVEPOINT a", "INSERT INTO acked(who) VALUES ('never')", "ROLLBACK TO SAVEPOINT a",
            "INSERT INTO acked(who) VALUES ('never')"),
        c -> exec(c, "SET autocommit = 0", "INSERT INTO acked(who) VALUES ('never')"),
        c -> {
          c.setAutoCommit(false);
          exec(c, "INSERT INTO acked(who) VALUES ('never')");
        });
    // id 1 exists (the 'dup' insert fails on it): written by a direct, committed insert.
    try (Connection c = primary.connect(); Statement s = c.createStatement()) {
      s.execute("INSERT INTO acked(id, who) VALUES (1, 'seed')");
    }
    Outcome o = run(Dialect.MARIADB, primary, cluster.mariadb().replica(), abandons,
        "SELECT count(*) FROM information_schema.innodb_trx WHERE trx_mysql_thread_id <> CONNECTION_ID()");
    o.check();
  }

  interface Abandon {
    void apply(Connection c) throws SQLException;
  }

  /** Runs each statement in turn; the first failure ends the session, as it would an application's. */
  static void exec(Connection c, String... sqls) throws SQLException {
    try (Statement s = c.createStatement()) {
      for (String sql : sqls) {
        s.execute(sql);
      }
    }
  }

  record Outcome(String dialect, int acknowledged, long committed, long never, int writerFailures, long openTransactions,
                 List<String> failures) {
    void check() {
      System.out.printf("[DirtyConnectionIT] %s: acknowledged %d, committed %d, lost %d, abandoned rows committed %d,"
          + " writer failures %d, server transactions left open %d%n", dialect, acknowledged, committed, acknowledged - committed,
          never, writerFailures, openTransactions);
      assertThat(failures).as("writer failures").isEmpty();
      assertThat(committed).as("acknowledged writes committed").isEqualTo(acknowledged);
      assertThat(never).as("rows written only inside abandoned transactions").isZero();
      assertThat(openTransactions).as("server sessions left in a transaction").isZero();
    }
  }

  static Outcome run(Dialect dialect, JdbcServer primary, JdbcServer replica, List<Abandon> abandons, String openTxQuery)
      throws Exception {
    Random random = new Random(16);
    int acknowledged = 0;
    List<String> failures = new ArrayList<>();
    long open;
    try (RoutingDataSource ds = RoutingDataSource.create(config(dialect, primary, replica))) {
      for (int i = 0; i < SESSIONS; i++) {
        if (random.nextInt(3) == 0) {
          Connection c = ds.getConnection();
          try {
            abandons.get(random.nextInt(abandons.size())).apply(c);
          } catch (SQLException expected) {
            // failed statements and refusals end these sessions; what matters is what they leave behind
          } finally {
            try {
              c.close();
            } catch (SQLException ignored) {
              // the old code's close() threw here, after returning the connection dirty
            }
          }
        } else {
          try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            int writes = 1 + random.nextInt(3);
            for (int w = 0; w < writes; w++) {
              acknowledged += s.executeUpdate("INSERT INTO acked(who) VALUES ('acked')");
            }
          } catch (SQLException e) {
            failures.add(e.getSQLState() + " " + e.getMessage());
          }
        }
      }
      try (Connection c = primary.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(openTxQuery)) {
        rs.next();
        open = rs.getLong(1);
      }
    }
    try (Connection c = primary.connect(); Statement s = c.createStatement()) {
      long committed = count(s, "SELECT count(*) FROM acked WHERE who = 'acked'");
      long never = count(s, "SELECT count(*) FROM acked WHERE who = 'never'");
      return new Outcome(dialect.name(), acknowledged, committed, never, failures.size(), open,
          failures.size() > 5 ? failures.subList(0, 5) : failures);
    }
  }

  static long count(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
