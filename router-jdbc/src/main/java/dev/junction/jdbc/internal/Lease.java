package dev.junction.jdbc.internal;

import java.sql.SQLException;

/**
 * Whether a driver object that reads through its physical connection (a PostgreSQL large object, a
 * pgjdbc array's type lookups and result set) may still use it: true while that physical connection is
 * this logical connection's. Outside a transaction a logical connection gives its physical connection
 * back to the pool between statements, and the next borrower may have it by the time the application
 * reads a LOB it kept (issue #12). Checked before every call that could reach the connection.
 */
@FunctionalInterface
interface Lease {
  /** SQLSTATE 0F001 (invalid LOB locator): the object outlived the physical connection it reads through. */
  String EXPIRED = "0F001";

  boolean valid();

  /** Throws {@link #EXPIRED}, naming {@code what} and the way out, unless the lease is {@link #valid()}. */
  default void check(String what) throws SQLException {
    if (!valid()) {
      throw expired(what);
    }
  }

  static SQLException expired(String what) {
    return new SQLException("Junction: this " + what + " reads through the physical connection it came from, which has"
        + " gone back to the pool since (its result set, statement or transaction ended, or the logical connection closed)"
        + ", so it would run on another borrower's connection. Read it while its result set is open, or inside the"
        + " transaction that fetched it (auto-commit off)", EXPIRED);
  }
}
