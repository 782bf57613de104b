package dev.junction.local;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

/**
 * A MariaDB primary with one replica following it by GTID ({@code MASTER_USE_GTID=slave_pos}).
 * Both start empty, so the replica applies the primary's whole binary log from the first event.
 */
public final class MariaDbReplicaSet implements AutoCloseable {
  private final MariaDbServer primary;
  private final MariaDbServer replica;

  private MariaDbReplicaSet(MariaDbServer primary, MariaDbServer replica) {
    this.primary = primary;
    this.replica = replica;
  }

  /** This pair as one test class of a shared cluster sees it: both servers bound to {@code database}. */
  MariaDbReplicaSet sharedView(String database) {
    return new MariaDbReplicaSet(primary.sharedView(database), replica.sharedView(database));
  }

  public MariaDbServer primary() { return primary; }
  public MariaDbServer replica() { return replica; }
  public List<MariaDbServer> replicas() { return List.of(replica); }

  static MariaDbReplicaSet start(String name, Path baseDir) {
    MariaDbServer primary = MariaDbServer.create(name + "-primary", baseDir, 1, false);
    MariaDbServer replica = MariaDbServer.create(name + "-replica1", baseDir, 2, true);
    MariaDbReplicaSet set = new MariaDbReplicaSet(primary, replica);
    try {
      primary.start();
      replica.start();
      primary.runSql("CREATE DATABASE IF NOT EXISTS " + MariaDbServer.DATABASE + " CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin");
      replica.runSql("CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=" + primary.port()
        + ", MASTER_USER='root', MASTER_PASSWORD='', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1;"
        + "START SLAVE;");
      set.awaitReplicaCaughtUp(Duration.ofSeconds(60));
    } catch (RuntimeException e) {
      set.close();
      throw e;
    }
    return set;
  }

  /** Waits until the replica has applied everything the primary has binlogged so far. */
  public void awaitReplicaCaughtUp(Duration timeout) {
    try (Connection p = primary.connectWithoutDatabase(); Connection r = replica.connectWithoutDatabase();
         Statement ps = p.createStatement(); Statement rs = r.createStatement()) {
      String target;
      try (ResultSet row = ps.executeQuery("SELECT @@GLOBAL.gtid_binlog_pos")) {
        row.next();
        target = row.getString(1);
      }
      if (target == null || target.isEmpty()) {
        return;
      }
      try (ResultSet row = rs.executeQuery("SELECT MASTER_GTID_WAIT('" + target + "', " + timeout.toSeconds() + ")")) {
        row.next();
        if (row.getInt(1) != 0) {
          throw new IllegalStateException("MariaDB replica did not reach " + target + " within " + timeout
              + "; replica status: " + replica.runSql("SHOW SLAVE STATUS\\G"));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot check MariaDB replication: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    Cleanup.quietly(replica);
    Cleanup.quietly(primary);
  }
}
