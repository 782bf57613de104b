package dev.junction.it;

import dev.junction.classify.Dialect;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.MariaDbReplicaSet;
import dev.junction.local.MariaDbServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;

/** {@link JdbcObjectsContract} on MariaDB: two replica sets of a primary and a GTID replica. */
class JdbcObjectsMariaDbIT extends JdbcObjectsContract {
  static Class<?> driverResultSet;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(0).mariadbReplicaSets(2).start();
    for (MariaDbReplicaSet set : cluster.mariadbSets()) {
      try (Connection c = set.primary().connect(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE jw_accounts (id bigint primary key, name varchar(40) not null)");
        s.execute("CREATE TABLE jw_items (id bigint auto_increment primary key, name varchar(40) not null)");
        s.execute("CREATE PROCEDURE jw_one() SELECT 1 AS x");
        try (ResultSet rs = s.executeQuery("SELECT 1")) {
          driverResultSet = rs.getClass();
        }
      }
    }
    List<MariaDbServer> primaries = cluster.mariadbSets().stream().map(MariaDbReplicaSet::primary).toList();
    List<MariaDbServer> replicas = cluster.mariadbSets().stream().map(MariaDbReplicaSet::replica).toList();
    plain = RoutingDataSource.create(config(Dialect.MARIADB, primaries.subList(0, 1), replicas.subList(0, 1), false));
    sharded = RoutingDataSource.create(config(Dialect.MARIADB, primaries, replicas, true));
    loadAccounts();
    for (MariaDbReplicaSet set : cluster.mariadbSets()) {
      set.awaitReplicaCaughtUp(Duration.ofSeconds(30));
    }
    monitor = primaries.get(0).connect();
  }

  @Override
  String backendIdSql() {
    return "SELECT CONNECTION_ID()";
  }

  /**
   * The thread's last query id (a server-wide counter: any statement on the thread moves it, and a
   * statement gets its id when it starts). Not COMMAND: right after a result reaches the client the
   * thread may still show "Query" before "Sleep", which failed this comparison once with the same id.
   */
  @Override
  String activity(long id) throws SQLException {
    try (PreparedStatement ps = monitor.prepareStatement(
        "SELECT QUERY_ID FROM information_schema.PROCESSLIST WHERE ID = ?")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new AssertionError("no thread " + id + " on shard 0's primary");
        }
        return "query_id " + rs.getLong(1);
      }
    }
  }

  @Override
  Class<?> driverResultSetClass() {
    return driverResultSet;
  }

  @Override
  Class<?> driverConnectionClass() {
    return com.mysql.cj.jdbc.JdbcConnection.class;
  }
}
