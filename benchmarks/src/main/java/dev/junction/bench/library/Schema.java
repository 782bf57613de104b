package dev.junction.bench.library;

import dev.junction.local.PostgresReplicaSet;
import dev.junction.local.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

/** The benchmark tables, created on the primary; returns once every replica has replayed them. */
final class Schema {
  private Schema() {}

  static void create(PostgresReplicaSet pg, int rows, int counters) throws Exception {
    try (Connection c = pg.primary().connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL, balance bigint NOT NULL)");
      s.execute("INSERT INTO accounts SELECT g, 'name-' || g, g * 10 FROM generate_series(1, " + rows + ") g");
      s.execute("CREATE TABLE bench_events (id bigserial PRIMARY KEY, account_id int NOT NULL, payload text NOT NULL)");
      s.execute("CREATE TABLE counters (id int PRIMARY KEY, v bigint NOT NULL)");
      s.execute("INSERT INTO counters SELECT g, 0 FROM generate_series(0, " + (counters - 1) + ") g");
      s.execute("VACUUM ANALYZE");
    }
    for (PostgresServer r : pg.replicas()) {
      awaitRows(r, rows);
    }
  }

  static String serverVersion(PostgresServer s) throws Exception {
    try (Connection c = s.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW server_version")) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static void awaitRows(PostgresServer replica, int rows) throws Exception {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (System.nanoTime() < deadline) {
      try (Connection c = replica.connect(); Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT count(*) FROM accounts")) {
        rs.next();
        if (rs.getLong(1) == rows) {
          return;
        }
      } catch (java.sql.SQLException notYet) {
        // table not replayed yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("replica " + replica + " did not replay the benchmark tables within 60 s");
  }
}
