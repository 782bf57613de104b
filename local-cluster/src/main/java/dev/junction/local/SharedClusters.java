package dev.junction.local;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * PostgreSQL clusters started once per JVM and shape, and lent to one test class at a time
 * ({@link LocalCluster.Builder#shared(Class)}).
 *
 * <p>Design: Failsafe runs a module's integration tests one class after another in one JVM, and most
 * classes start the same topology, so a cluster of each shape is kept idle between classes instead of
 * being stopped and started again. Isolation is by database, and is checked rather than hoped for:
 * <ul>
 *   <li>a lease creates a fresh database on every primary and waits until every replica has it;
 *       the lease's servers are views bound to it and refuse stop, kill, start, reload and configuration
 *       changes ({@link PostgresServer#isShared()});</li>
 *   <li>before the lease, every server's server-wide state is fingerprinted (settings not at their
 *       defaults, roles and their settings, databases, tablespaces, replication slots, prepared
 *       transactions, objects in the {@code postgres} database);</li>
 *   <li>giving it back drops the database {@code WITH (FORCE)} (ending the class's sessions, also on
 *       the replicas, which replay the drop), waits until no client session is left on any server,
 *       and compares the fingerprints. Any difference fails the class's {@code close()} and tears the
 *       cluster down, so the next class starts from a fresh one.</li>
 * </ul>
 * A cluster that is busy (a class leasing the same shape twice, or parallel classes) is not shared:
 * another one of that shape is started and kept idle afterwards. Idle clusters stop with the JVM
 * through their own shutdown hooks, which close an open lease first.
 */
final class SharedClusters {
  private static final Map<LocalCluster.Builder.Shape, Deque<LocalCluster>> IDLE = new HashMap<>();
  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  private static final Duration REPLICA_WAIT = Duration.ofSeconds(60);
  private static final Duration SESSIONS_WAIT = Duration.ofSeconds(20);

  private SharedClusters() {}

  static LocalCluster lease(LocalCluster.Builder builder, LocalCluster.Builder.Shape shape, String owner) {
    if (shape.redis()) {
      throw new IllegalArgumentException("Redis is not shared: " + shape + "; start a private cluster with LocalCluster.builder()...start()");
    }
    LocalCluster cluster = takeIdle(shape);
    Map<String, String> before = null;
    if (cluster != null) {
      try {
        before = fingerprints(cluster);
      } catch (RuntimeException unusable) {
        System.err.println("[local-cluster] idle shared cluster " + shape + " is unusable, starting another: " + unusable.getMessage());
        Cleanup.quietly(cluster);
        cluster = null;
      }
    }
    if (cluster == null) {
      cluster = builder.start();
      before = fingerprints(cluster);
    }
    String database = databaseName(owner);
    try {
      for (PostgresReplicaSet set : cluster.postgres()) {
        execute(set.primary(), "CREATE DATABASE " + database);
      }
      for (MariaDbReplicaSet set : cluster.mariadbSets()) {
        set.primary().runSql("CREATE DATABASE " + database + " CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin");
        set.awaitReplicaCaughtUp(REPLICA_WAIT);
      }
      awaitReplicas(cluster, database, true);
    } catch (RuntimeException e) {
      Cleanup.quietly(cluster);
      throw new IllegalStateException("cannot lease a shared cluster " + shape + " to " + owner + ": " + e.getMessage(), e);
    }
    List<PostgresReplicaSet> views = new ArrayList<>();
    for (PostgresReplicaSet set : cluster.postgres()) {
      views.add(set.sharedView(database));
    }
    List<MariaDbReplicaSet> mariadbViews = new ArrayList<>();
    for (MariaDbReplicaSet set : cluster.mariadbSets()) {
      mariadbViews.add(set.sharedView(database));
    }
    AtomicReference<LocalCluster> lease = new AtomicReference<>();
    LocalCluster shared = cluster;
    Map<String, String> fingerprints = before;
    lease.set(new LocalCluster(cluster.baseDir(), views, mariadbViews,
        () -> giveBack(shape, shared, lease.get(), database, fingerprints, owner)));
    cluster.closeFirst(lease.get()); // JVM shutdown: the class's pools close before the servers stop
    return lease.get();
  }

  private static void giveBack(LocalCluster.Builder.Shape shape, LocalCluster cluster, LocalCluster lease, String database,
      Map<String, String> before, String owner) {
    if (cluster.isClosed()) {
      return; // JVM shutdown (or a retired cluster): the servers are going anyway
    }
    cluster.forgetCloseFirst(lease);
    try {
      for (PostgresReplicaSet set : cluster.postgres()) {
        execute(set.primary(), "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
      }
      for (MariaDbReplicaSet set : cluster.mariadbSets()) {
        endMariaDbSessions(set.primary());
        set.primary().runSql("DROP DATABASE IF EXISTS " + database);
        set.awaitReplicaCaughtUp(REPLICA_WAIT);
        endMariaDbSessions(set.replica());
      }
      awaitReplicas(cluster, database, false);
      awaitNoClientSessions(cluster);
      Map<String, String> after = fingerprints(cluster);
      List<String> changed = new ArrayList<>();
      for (Map.Entry<String, String> server : before.entrySet()) {
        if (!server.getValue().equals(after.get(server.getKey()))) {
          changed.add(server.getKey() + ":\n  before: " + server.getValue().replace("\n", "\n          ")
              + "\n  after:  " + String.valueOf(after.get(server.getKey())).replace("\n", "\n          "));
        }
      }
      if (!changed.isEmpty()) {
        throw new IllegalStateException("server-wide state changed:\n" + String.join("\n", changed));
      }
    } catch (RuntimeException e) {
      Cleanup.quietly(cluster);
      throw new IllegalStateException(owner + " left the shared cluster " + shape + " changed beyond its database " + database
          + ", so the cluster was torn down (a class that changes servers needs a private cluster): " + e.getMessage(), e);
    }
    synchronized (IDLE) {
      IDLE.computeIfAbsent(shape, s -> new ArrayDeque<>()).push(cluster);
    }
  }

  private static LocalCluster takeIdle(LocalCluster.Builder.Shape shape) {
    synchronized (IDLE) {
      Deque<LocalCluster> idle = IDLE.get(shape);
      while (idle != null && !idle.isEmpty()) {
        LocalCluster cluster = idle.pop();
        if (!cluster.isClosed() && cluster.postgres().stream().allMatch(s -> s.servers().stream().allMatch(PostgresServer::isRunning))
            && cluster.mariadbSets().stream().allMatch(s -> s.primary().isRunning() && s.replica().isRunning())) {
          return cluster;
        }
        Cleanup.quietly(cluster);
      }
      return null;
    }
  }

  /** A lower-case identifier from the class name, unique in this JVM, at most 63 bytes (PostgreSQL's limit). */
  static String databaseName(String owner) {
    String base = owner.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "_");
    String suffix = "_" + SEQUENCE.incrementAndGet();
    if (base.isEmpty() || !Character.isLetter(base.charAt(0))) {
      base = "t" + base;
    }
    return base.substring(0, Math.min(base.length(), 63 - suffix.length())) + suffix;
  }

  private static void awaitReplicas(LocalCluster cluster, String database, boolean present) {
    for (PostgresReplicaSet set : cluster.postgres()) {
      for (PostgresServer replica : set.replicas()) {
        long deadline = System.nanoTime() + REPLICA_WAIT.toNanos();
        while (true) {
          long count = longValue(replica, "SELECT count(*) FROM pg_database WHERE datname = ?", database);
          if ((count == 1) == present) {
            break;
          }
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(replica + " did not " + (present ? "receive" : "drop") + " database " + database
                + " within " + REPLICA_WAIT);
          }
          pause(20);
        }
      }
    }
  }

  /** Waits until no server has a client session but the one asking: a later class counts sessions from zero. */
  private static void awaitNoClientSessions(LocalCluster cluster) {
    String sql = "SELECT count(*), string_agg(coalesce(datname, '?') || '/' || coalesce(application_name, '') || '/' || state, ', ')"
        + " FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()";
    for (PostgresReplicaSet set : cluster.postgres()) {
      for (PostgresServer server : set.servers()) {
        long deadline = System.nanoTime() + SESSIONS_WAIT.toNanos();
        while (true) {
          String[] row = row(server, sql);
          if (Long.parseLong(row[0]) == 0) {
            break;
          }
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(server + " still has client sessions " + SESSIONS_WAIT + " after the class's database"
                + " was dropped: " + row[1]);
          }
          pause(50);
        }
      }
    }
  }

  /** The server-wide state a test class must not change, per server (primaries and replicas). */
  static Map<String, String> fingerprints(LocalCluster cluster) {
    String sql = "SELECT 'settings: ' || coalesce((SELECT string_agg(name || '=' || setting || CASE WHEN pending_restart THEN ' (pending restart)'"
        + " ELSE '' END, ', ' ORDER BY name) FROM pg_settings WHERE source NOT IN ('default', 'client', 'session', 'override')), '')"
        + " || E'\\nroles: ' || (SELECT string_agg(rolname || CASE WHEN rolsuper THEN '(super)' ELSE '' END, ', ' ORDER BY rolname) FROM pg_roles)"
        + " || E'\\nrole and database settings: ' || coalesce((SELECT string_agg(setdatabase || '/' || setrole || '=' || array_to_string(setconfig, ' '),"
        + " ', ' ORDER BY setdatabase, setrole) FROM pg_db_role_setting), '')"
        + " || E'\\ndatabases: ' || (SELECT string_agg(datname, ', ' ORDER BY datname) FROM pg_database)"
        + " || E'\\ntablespaces: ' || (SELECT string_agg(spcname, ', ' ORDER BY spcname) FROM pg_tablespace)"
        + " || E'\\nreplication slots: ' || coalesce((SELECT string_agg(slot_name, ', ' ORDER BY slot_name) FROM pg_replication_slots), '')"
        + " || E'\\nprepared transactions: ' || (SELECT count(*) FROM pg_prepared_xacts)"
        + " || E'\\nobjects in database postgres: ' || coalesce((SELECT string_agg(n.nspname || '.' || c.relname, ', ' ORDER BY n.nspname, c.relname)"
        + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        + " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%'"
        + " AND n.nspname NOT LIKE 'pg_toast_temp%'), '')"
        + " || E'\\nschemas in database postgres: ' || (SELECT string_agg(nspname, ', ' ORDER BY nspname) FROM pg_namespace"
        + " WHERE nspname NOT LIKE 'pg_temp%' AND nspname NOT LIKE 'pg_toast_temp%')"
        + " || E'\\nfunctions in database postgres: ' || (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
        + " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema'))"
        + " || E'\\nextensions in database postgres: ' || (SELECT string_agg(extname, ', ' ORDER BY extname) FROM pg_extension)";
    Map<String, String> prints = new LinkedHashMap<>();
    for (PostgresReplicaSet set : cluster.postgres()) {
      for (PostgresServer server : set.servers()) {
        prints.put(server.name(), row(server, sql)[0]);
      }
    }
    for (MariaDbReplicaSet set : cluster.mariadbSets()) {
      for (MariaDbServer server : List.of(set.primary(), set.replica())) {
        prints.put(server.name(), server.runSql(MARIADB_FINGERPRINT).strip());
      }
      String status = set.replica().runSql("SHOW SLAVE STATUS\\G");
      prints.merge(set.replica().name(), "\nreplication: " + status.lines().map(String::strip)
          .filter(l -> l.startsWith("Slave_IO_Running:") || l.startsWith("Slave_SQL_Running:") || l.startsWith("Last_Error:")
              || l.startsWith("Master_Port:") || l.startsWith("Using_Gtid:"))
          .reduce((a, b) -> a + ", " + b).orElse("none"), String::concat);
    }
    return prints;
  }

  /**
   * MariaDB's server-wide state a class must not change: databases, accounts, and the global
   * variables a test could plausibly set (not GTID positions, which every write moves).
   */
  private static final String MARIADB_FINGERPRINT = "SELECT concat('databases: ', (SELECT group_concat(schema_name ORDER BY schema_name)"
      + " FROM information_schema.schemata), ' | accounts: ', (SELECT group_concat(concat(user, '@', host) ORDER BY user, host)"
      + " FROM mysql.user), ' | globals: ', (SELECT group_concat(concat(variable_name, '=', variable_value) ORDER BY variable_name)"
      + " FROM information_schema.global_variables WHERE variable_name IN ('READ_ONLY', 'SQL_MODE', 'TIME_ZONE', 'MAX_CONNECTIONS',"
      + " 'AUTOCOMMIT', 'TX_ISOLATION', 'TRANSACTION_ISOLATION', 'INNODB_LOCK_WAIT_TIMEOUT', 'LOCK_WAIT_TIMEOUT', 'WAIT_TIMEOUT',"
      + " 'CHARACTER_SET_SERVER', 'COLLATION_SERVER', 'SESSION_TRACK_SYSTEM_VARIABLES', 'GTID_STRICT_MODE', 'BINLOG_FORMAT',"
      + " 'GENERAL_LOG', 'EVENT_SCHEDULER', 'MAX_ALLOWED_PACKET', 'SQL_SLAVE_SKIP_COUNTER', 'SLAVE_PARALLEL_THREADS',"
      + " 'GTID_DOMAIN_ID', 'SERVER_ID', 'LOG_BIN', 'INNODB_FLUSH_LOG_AT_TRX_COMMIT')))";

  /** Ends every client session on a MariaDB server but replication's (MariaDB has no DROP DATABASE ... FORCE). */
  private static void endMariaDbSessions(MariaDbServer server) {
    String ids = server.runSql("SELECT group_concat(id) FROM information_schema.processlist WHERE id <> connection_id()"
        + " AND user NOT IN ('system user', 'event_scheduler') AND command NOT IN ('Binlog Dump', 'Daemon', 'Slave_IO', 'Slave_SQL',"
        + " 'Slave_worker')").strip();
    if (ids.isEmpty() || ids.equals("NULL")) {
      return;
    }
    StringBuilder kill = new StringBuilder();
    for (String id : ids.split(",")) {
      kill.append("KILL CONNECTION ").append(id.strip()).append(";");
    }
    try {
      server.runSql(kill.toString());
    } catch (IllegalStateException alreadyGone) {
      // a session that ended meanwhile: "Unknown thread id"
    }
  }

  private static void execute(PostgresServer server, String sql) {
    try (Connection c = adminConnection(server); Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(server + ": " + sql + ": " + e.getMessage(), e);
    }
  }

  private static long longValue(PostgresServer server, String sql, String parameter) {
    try (Connection c = adminConnection(server); PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, parameter);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(server + ": " + sql + ": " + e.getMessage(), e);
    }
  }

  private static String[] row(PostgresServer server, String sql) {
    try (Connection c = adminConnection(server); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      String[] row = new String[rs.getMetaData().getColumnCount()];
      for (int i = 0; i < row.length; i++) {
        row[i] = rs.getString(i + 1);
      }
      return row;
    } catch (SQLException e) {
      throw new IllegalStateException(server + ": " + e.getMessage(), e);
    }
  }

  /** The harness's own connection: to the server's {@code postgres} database, never to a class's. */
  private static Connection adminConnection(PostgresServer server) throws SQLException {
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + server.port() + "/" + PostgresServer.DATABASE
        + "?ApplicationName=local-cluster", PostgresServer.DB_USER, "");
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
