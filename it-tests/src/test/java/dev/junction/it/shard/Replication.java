package dev.junction.it.shard;

import dev.junction.local.MariaDbReplicaSet;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.local.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * Waits until every replica has replayed what its primary wrote, so that reads Junction sends to
 * replicas see the loaded data: the differential test compares query results, not replica lag.
 */
public final class Replication {
  private Replication() {}

  public static void await(PostgresReplicaSet set, Duration timeout) throws SQLException, InterruptedException {
    String lsn;
    try (Connection c = set.primary().connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
      rs.next();
      lsn = rs.getString(1);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    for (PostgresServer replica : set.replicas()) {
      try (Connection c = replica.connect(); Statement s = c.createStatement()) {
        while (true) {
          try (ResultSet rs = s.executeQuery("SELECT pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn")) {
            rs.next();
            if (rs.getBoolean(1)) {
              break;
            }
          }
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(replica + " did not replay " + lsn + " within " + timeout);
          }
          Thread.sleep(20);
        }
      }
    }
  }

  public static void await(MariaDbReplicaSet set, Duration timeout) {
    set.awaitReplicaCaughtUp(timeout);
  }
}
