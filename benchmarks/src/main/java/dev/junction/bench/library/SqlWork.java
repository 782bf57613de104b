package dev.junction.bench.library;

import java.sql.Connection;
import java.sql.SQLException;

/** One unit of JDBC work on a borrowed connection; the contender decides where the connection comes from. */
@FunctionalInterface
public interface SqlWork<T> {
  T run(Connection connection) throws SQLException;
}
