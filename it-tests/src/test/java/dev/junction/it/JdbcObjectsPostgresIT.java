package dev.junction.it;

import dev.junction.classify.Dialect;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.local.PostgresServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;

/** {@link JdbcObjectsContract} on PostgreSQL: two replica sets of a primary and a streaming replica. */
class JdbcObjectsPostgresIT extends JdbcObjectsContract {

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(2).postgresReplicas(Duration.ZERO).start();
    for (PostgresReplicaSet set : cluster.postgres()) {
      try (Connection c = set.primary().connect(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE jw_accounts (id bigint primary key, name text not null)");
        s.execute("CREATE TABLE jw_items (id bigserial primary key, name text not null)");
        s.execute("CREATE FUNCTION jw_one() RETURNS TABLE (x int) LANGUAGE sql AS 'SELECT 1'");
      }
    }
    List<PostgresServer> primaries = cluster.postgres().stream().map(PostgresReplicaSet::primary).toList();
    List<PostgresServer> replicas = cluster.postgres().stream().map(s -> s.replica(0)).toList();
    plain = RoutingDataSource.create(config(Dialect.POSTGRESQL, primaries.subList(0, 1), replicas.subList(0, 1), false));
    sharded = RoutingDataSource.create(config(Dialect.POSTGRESQL, primaries, replicas, true));
    loadAccounts();
    for (PostgresServer replica : replicas) {
      awaitRows(replica);
    }
    monitor = primaries.get(0).connect();
  }

  static void awaitRows(PostgresServer replica) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      try (Connection c = replica.connect(); Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT count(*) FROM jw_accounts")) {
        rs.next();
        if (rs.getLong(1) > 0) {
          return;
        }
      } catch (SQLException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("replica " + replica + " did not replay jw_accounts");
      }
      Thread.sleep(50);
    }
  }

  @Override
  String backendIdSql() {
    return "SELECT pg_backend_pid()";
  }

  /** The backend's last statement and when its state last changed, as pg_stat_activity shows them. */
  @Override
  String activity(long pid) throws SQLException {
    try (PreparedStatement ps = monitor.prepareStatement(
        "SELECT state, query, state_change FROM pg_stat_activity WHERE pid = ?")) {
      ps.setInt(1, (int) pid);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new AssertionError("no backend " + pid + " on shard 0's primary");
        }
        return rs.getString(1) + " | " + rs.getString(2) + " | " + rs.getString(3);
      }
    }
  }

  @Override
  Class<?> driverResultSetClass() {
    return org.postgresql.jdbc.PgResultSet.class;
  }

  @Override
  Class<?> driverConnectionClass() {
    return org.postgresql.PGConnection.class;
  }
}
