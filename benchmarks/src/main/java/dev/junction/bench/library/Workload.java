package dev.junction.bench.library;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.concurrent.ThreadLocalRandom;

/** The statements a closed-loop client issues; every contender runs exactly these JDBC calls. */
enum Workload {
  SELECT_PK("select-by-pk"),
  INSERT("insert"),
  MIX_90_10("mix-90/10");

  static final String SELECT = "SELECT id, name, balance FROM accounts WHERE id = ?";
  static final String INSERT_SQL = "INSERT INTO bench_events (account_id, payload) VALUES (?, ?)";
  static final String UPDATE = "UPDATE accounts SET balance = balance + 1 WHERE id = ?";

  final String label;

  Workload(String label) {
    this.label = label;
  }

  /** One operation; a select that finds no row fails, so a misrouted contender cannot look fast. */
  void once(Contender c, int rows) throws Exception {
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    int id = 1 + rnd.nextInt(rows);
    switch (this) {
      case SELECT_PK -> select(c, id);
      case INSERT -> insert(c, id);
      case MIX_90_10 -> {
        if (rnd.nextInt(10) == 0) {
          update(c, id);
        } else {
          select(c, id);
        }
      }
      default -> throw new AssertionError(this);
    }
  }

  static long select(Contender c, int id) throws Exception {
    return c.read(conn -> {
      try (PreparedStatement ps = conn.prepareStatement(SELECT)) {
        ps.setInt(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            throw new IllegalStateException("no row for id " + id);
          }
          return rs.getLong(3);
        }
      }
    });
  }

  static int insert(Contender c, int id) throws Exception {
    return c.write(conn -> {
      try (PreparedStatement ps = conn.prepareStatement(INSERT_SQL)) {
        ps.setInt(1, id);
        ps.setString(2, "event-" + id);
        return ps.executeUpdate();
      }
    });
  }

  static int update(Contender c, int id) throws Exception {
    return c.write(conn -> {
      try (PreparedStatement ps = conn.prepareStatement(UPDATE)) {
        ps.setInt(1, id);
        int n = ps.executeUpdate();
        if (n != 1) {
          throw new IllegalStateException("updated " + n + " rows for id " + id);
        }
        return n;
      }
    });
  }
}
