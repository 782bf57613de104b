package dev.junction.spring.tx;

import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Transactional;

/** JdbcTemplate code in ordinary Spring transactions, reporting which server ran each statement. */
public class ServerPorts {
  private static final String PORT = "SELECT inet_server_port()";
  private final JdbcTemplate jdbc;

  public ServerPorts(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** Two statements of one read-only transaction. */
  @Transactional(readOnly = true)
  public List<Integer> readOnlyTransaction() {
    return List.of(jdbc.queryForObject(PORT, Integer.class), jdbc.queryForObject(PORT, Integer.class));
  }

  /** A write and a read in one read-write transaction. */
  @Transactional
  public List<Integer> readWriteTransaction() {
    jdbc.update("INSERT INTO note (body) VALUES ('tx')");
    return List.of(jdbc.queryForObject(PORT, Integer.class), jdbc.queryForObject("SELECT count(*) FROM note", Integer.class));
  }

  /** Outside any transaction (auto-commit). */
  public int noTransaction() {
    return jdbc.queryForObject(PORT, Integer.class);
  }
}
