package dev.junction.local;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/** A local server that JDBC can reach. */
public interface JdbcServer extends LocalServer {
  String jdbcUrl();

  String user();

  String password();

  default Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), user(), password());
  }
}
