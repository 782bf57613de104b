package dev.junction.jdbc.internal;

import dev.junction.classify.Dialect;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The transaction state of one physical connection as its server last reported it, read from the
 * driver without a round trip: pgjdbc keeps the ReadyForQuery status ({@code BaseConnection
 * .getTransactionState()}), MySQL Connector/J the {@code SERVER_STATUS_IN_TRANS} flag of the last OK
 * packet ({@code ServerSession.inTransactionOnServer()}).
 *
 * <p>Why: the router cannot learn every way a server transaction opens or survives from the SQL text
 * ({@code COMMIT AND CHAIN}, a {@code BEGIN} inside a multi-statement string, a failed statement of
 * such a string, a driver's own {@code BEGIN}). A connection handed back to its pool inside such a
 * transaction makes the next borrower's "auto-commit" writes part of it, and they are lost when it is
 * rolled back (issue #16 §0). The server's own report is the oracle; the parse is only the fallback
 * ({@link #UNKNOWN}) for drivers Junction cannot read.
 */
enum ServerTransaction {
  /** No transaction open. */
  IDLE,
  /** A transaction is open. */
  OPEN,
  /** A transaction is open and failed (PostgreSQL: only ROLLBACK is accepted). */
  FAILED,
  /** The driver does not say (an unknown driver, or it is not on the class path). */
  UNKNOWN;

  boolean open() {
    return this == OPEN || this == FAILED;
  }

  /** The state of {@code c} (a pooled or raw driver connection) as its driver last saw it. */
  static ServerTransaction of(Connection c, Dialect dialect) {
    try {
      return switch (dialect) {
        case POSTGRESQL -> Pg.of(c);
        case MARIADB, MYSQL -> MySql.of(c);
      };
    } catch (SQLException | RuntimeException | LinkageError e) {
      return UNKNOWN; // the driver's classes are absent (provided scope) or it is another driver
    }
  }

  /**
   * Ends whatever transaction {@code c} may hold, then reports whether the connection is now known
   * (or, for an unknown driver, believed) to be outside a transaction. A rollback is sent only when
   * the driver says a transaction is open, or cannot say; with JDBC auto-commit on it is sent as SQL,
   * because drivers refuse {@code Connection.rollback()} in auto-commit mode (pgjdbc, Connector/J),
   * and HikariCP only rolls back connections whose JDBC state says auto-commit is off.
   */
  static boolean makeIdle(Connection c, Dialect dialect) {
    try {
      ServerTransaction before = of(c, dialect);
      if (before == IDLE) {
        return true;
      }
      if (c.getAutoCommit()) {
        try (Statement s = c.createStatement()) {
          s.execute("ROLLBACK");
        }
      } else {
        c.rollback();
      }
      ServerTransaction after = of(c, dialect);
      return after == IDLE || after == UNKNOWN && before == UNKNOWN;
    } catch (SQLException | RuntimeException e) {
      return false;
    }
  }

  /** Ends the transaction open on {@code c}, through the JDBC API or, with JDBC auto-commit on, as SQL. */
  static void end(Connection c, boolean commit) throws SQLException {
    if (c.getAutoCommit()) {
      try (Statement s = c.createStatement()) {
        s.execute(commit ? "COMMIT" : "ROLLBACK");
      }
    } else if (commit) {
      c.commit();
    } else {
      c.rollback();
    }
  }

  /** pgjdbc; a separate class so that the driver's types are resolved only when it is in use. */
  private static final class Pg {
    static ServerTransaction of(Connection c) throws SQLException {
      if (!c.isWrapperFor(org.postgresql.core.BaseConnection.class)) {
        return UNKNOWN;
      }
      return switch (c.unwrap(org.postgresql.core.BaseConnection.class).getTransactionState()) {
        case IDLE -> IDLE;
        case OPEN -> OPEN;
        case FAILED -> FAILED;
      };
    }
  }

  /** MySQL Connector/J (also used for MariaDB). */
  private static final class MySql {
    static ServerTransaction of(Connection c) throws SQLException {
      if (!c.isWrapperFor(com.mysql.cj.jdbc.JdbcConnection.class)) {
        return UNKNOWN;
      }
      com.mysql.cj.jdbc.JdbcConnection mc = c.unwrap(com.mysql.cj.jdbc.JdbcConnection.class);
      return mc.getSession().getServerSession().inTransactionOnServer() ? OPEN : IDLE;
    }
  }
}
