package dev.junction.jdbc.internal;

import dev.junction.classify.Dialect;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Makes the transaction about to start on a physical connection (JDBC auto-commit already off)
 * read-only on the server, so a read-only transaction refuses writes wherever it runs: with SQLSTATE
 * 25006 on PostgreSQL, error 1792 (25006) on MariaDB/MySQL. Without it, whether a write in a
 * {@code setReadOnly(true)} transaction failed depended on where the router placed it: a replica
 * refused it, the primary committed it (issue #16 §3).
 *
 * <p>Why SQL and not {@code Connection.setReadOnly(true)} on the physical connection: pgjdbc turns
 * that into {@code BEGIN READ ONLY} (no extra round trip) only with its default
 * {@code readOnlyMode=transaction}; {@code readOnlyMode=ignore} in an endpoint URL silently drops it.
 * MySQL Connector/J makes it a session setting (with {@code readOnlyPropagatesToServer}), which then
 * depends on the pool resetting it for the next borrower. The statement costs one round
 * trip per read-only transaction on the primary (and on MariaDB replicas, whose {@code read_only}
 * does not bind users with SUPER/READ_ONLY ADMIN); PostgreSQL standbys need nothing. Both forms last
 * for the one transaction only, so the pooled connection is not left read-only for its next
 * borrower.
 */
final class ReadOnlyTransaction {
  private ReadOnlyTransaction() {}

  /** PostgreSQL only: makes the transaction just opened by an SQL BEGIN on {@code c} read-only. */
  static void setOnOpenTransaction(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("SET TRANSACTION READ ONLY");
    }
  }

  static void start(Connection c, Dialect dialect) throws SQLException {
    try (Statement s = c.createStatement()) {
      // PostgreSQL: the driver sends its BEGIN with this first statement, which then sets the access
      // mode of that transaction. MariaDB/MySQL: with autocommit=0 no transaction is open yet (the
      // router starts one per transaction target), and START TRANSACTION READ ONLY opens it now,
      // unlike SET TRANSACTION, whose "next transaction" would outlive a transaction that never began.
      s.execute(dialect == Dialect.POSTGRESQL ? "SET TRANSACTION READ ONLY" : "START TRANSACTION READ ONLY");
    }
  }
}
