package dev.junction.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.local.LocalCluster;
import dev.junction.local.MariaDbServer;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.local.PostgresServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The shared-cluster lease ({@code LocalCluster.Builder.shared}) against its own claims: a second
 * class gets the same servers but not the first one's tables, the replicas have the class's database,
 * the servers cannot be stopped or reconfigured through a lease, and a class that leaves server-wide
 * state behind (a role, a database, a setting, a table in {@code postgres}) fails its {@code close()}
 * and gets the cluster torn down, so that the next class starts a fresh one.
 */
class SharedClustersIT {
  /** A shape no other class in this module leases, so that these tests see only their own leases. */
  static LocalCluster.Builder shape() {
    return LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ofMillis(1));
  }

  @Test
  void aSecondLeaseGetsTheSameServersAndNoneOfTheFirstLeasesData() throws Exception {
    int primaryPort;
    String firstDatabase;
    try (LocalCluster first = shape().shared(SharedClustersIT.class)) {
      PostgresReplicaSet pg = first.postgres(0);
      primaryPort = pg.primary().port();
      firstDatabase = pg.primary().database();
      assertThat(pg.primary().jdbcUrl()).endsWith("/" + firstDatabase);
      assertThat(firstDatabase).startsWith("sharedclustersit_").isNotEqualTo("postgres");
      try (Connection c = pg.primary().connect(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE left_behind (id int)");
        s.execute("INSERT INTO left_behind VALUES (1)");
      }
      try (Connection c = pg.replica(0).connect()) { // the replica received the class's database by WAL
        assertThat(Sql.longValue(c, "SELECT count(*) FROM pg_database WHERE datname = current_database()")).isEqualTo(1);
      }
    }
    try (LocalCluster second = shape().shared(SharedClustersIT.class)) {
      PostgresServer primary = second.postgres(0).primary();
      assertThat(primary.port()).as("the same server, not a new one").isEqualTo(primaryPort);
      assertThat(primary.database()).isNotEqualTo(firstDatabase);
      try (Connection c = primary.connect()) {
        assertThat(Sql.longValue(c, "SELECT count(*) FROM pg_class WHERE relname = 'left_behind'")).isZero();
        assertThat(Sql.longValue(c, "SELECT count(*) FROM pg_database WHERE datname = '" + firstDatabase + "'"))
            .as("the first lease's database was dropped").isZero();
      }
    }
  }

  @Test
  void aLeaseCannotStopKillRestartOrReconfigureTheServers() {
    try (LocalCluster lease = shape().shared(SharedClustersIT.class)) {
      PostgresReplicaSet pg = lease.postgres(0);
      assertThatThrownBy(() -> pg.primary().kill()).isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("shared");
      assertThatThrownBy(() -> pg.primary().stop()).isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> pg.replica(0).start()).isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> pg.setApplyDelay(0, Duration.ofSeconds(1))).isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> pg.primary().reload()).isInstanceOf(UnsupportedOperationException.class);
      assertThat(pg.primary().isRunning()).isTrue();
      assertThat(pg.replica(0).isRunning()).isTrue();
    }
  }

  @Test
  void aClassThatLeavesARoleBehindFailsAndTheClusterIsReplaced() throws Exception {
    leaveBehind("CREATE ROLE shared_clusters_it_role", "roles");
  }

  @Test
  void aClassThatLeavesADatabaseBehindFailsAndTheClusterIsReplaced() throws Exception {
    leaveBehind("CREATE DATABASE shared_clusters_it_extra", "databases");
  }

  @Test
  void aClassThatChangesAServerSettingFailsAndTheClusterIsReplaced() throws Exception {
    leaveBehind("ALTER SYSTEM SET work_mem = '7MB'; SELECT pg_reload_conf()", "work_mem");
  }

  @Test
  void aClassThatWritesIntoThePostgresDatabaseFailsAndTheClusterIsReplaced() throws Exception {
    leaveBehind("-- in postgres\nCREATE TABLE public.stray (id int)", "stray");
  }

  /** Runs {@code sql} on a lease's primary, expects its close() to name {@code what}, and the next lease to be a new cluster. */
  private static void leaveBehind(String sql, String what) throws Exception {
    LocalCluster lease = shape().shared(SharedClustersIT.class);
    PostgresServer primary = lease.postgres(0).primary();
    int port = primary.port();
    String url = sql.startsWith("-- in postgres")
        ? "jdbc:postgresql://127.0.0.1:" + port + "/postgres" // past the lease, as a test with a hard-coded URL would
        : primary.jdbcUrl();
    try (Connection c = DriverManager.getConnection(url, primary.user(), ""); Statement s = c.createStatement()) {
      for (String statement : sql.split(";")) {
        s.execute(statement);
      }
    }
    assertThatThrownBy(lease::close).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("server-wide state changed").hasMessageContaining(what).hasMessageContaining("torn down");
    assertThatThrownBy(() -> DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "").close())
        .as("the changed cluster was stopped").isInstanceOf(SQLException.class);
    try (LocalCluster next = shape().shared(SharedClustersIT.class)) {
      assertThat(next.postgres(0).primary().port()).as("a fresh cluster").isNotEqualTo(port);
    }
  }

  @Test
  void mariaDbPairsAreSharedWithADatabasePerClassAndChecked() throws Exception {
    LocalCluster.Builder maria = LocalCluster.builder().postgresReplicaSets(0).mariadb(true);
    int port;
    String first;
    try (LocalCluster a = maria.shared(SharedClustersIT.class)) {
      MariaDbServer primary = a.mariadb().primary();
      port = primary.port();
      first = primary.database();
      assertThat(primary.jdbcUrl()).contains("/" + first + "?");
      try (Connection c = primary.connect(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE left_behind (id int)");
      }
      a.mariadb().awaitReplicaCaughtUp(Duration.ofSeconds(30));
      try (Connection c = a.mariadb().replica().connect()) {
        assertThat(Sql.longValue(c, "SELECT count(*) FROM information_schema.tables WHERE table_schema = database()"
            + " AND table_name = 'left_behind'")).isEqualTo(1);
      }
      assertThatThrownBy(() -> a.mariadb().replica().kill()).isInstanceOf(UnsupportedOperationException.class);
    }
    try (LocalCluster b = maria.shared(SharedClustersIT.class)) {
      assertThat(b.mariadb().primary().port()).as("the same server").isEqualTo(port);
      try (Connection c = b.mariadb().primary().connect()) {
        assertThat(Sql.longValue(c, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'left_behind'")).isZero();
        assertThat(Sql.longValue(c, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = '" + first + "'")).isZero();
      }
    }
    LocalCluster c = maria.shared(SharedClustersIT.class);
    c.mariadb().primary().runSql("CREATE DATABASE shared_clusters_it_extra");
    assertThatThrownBy(c::close).isInstanceOf(IllegalStateException.class).hasMessageContaining("shared_clusters_it_extra")
        .hasMessageContaining("torn down");
  }
}
