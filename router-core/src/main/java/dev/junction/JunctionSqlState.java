package dev.junction;

import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;

/**
 * The SQLSTATEs Junction raises on its own behalf, so that an application (or a pool in front of
 * Junction) can tell "Junction refused this statement" from "the database failed".
 *
 * <h2>Design notes</h2>
 *
 * <ul>
 *   <li><b>Class 0A, subclass J00.</b> SQL reserves subclass codes starting with a letter from I to
 *       Z for implementations, so {@code 0AJ00} keeps the standard class "feature not supported"
 *       (code that checks the class still reads it as such) while never equalling the server's own
 *       {@code 0A000} (PostgreSQL raises 0A000 for, e.g., {@code cannot convert infinity to bigint}).</li>
 *   <li><b>Not fatal for HikariCP.</b> HikariCP (6.x) evicts a connection on SQLSTATE class 08, on
 *       the exact states {@code 0A000, 57P01, 57P02, 57P03, 01002, JZ0C0, JZ0C1} and on a few vendor
 *       error codes. {@code 0AJ00} is none of them, so a HikariCP pool in front of Junction's
 *       DataSource keeps the logical connection after a refusal (tested in router-jdbc).</li>
 *   <li>A refusal never means the statement ran: it is raised before any shard executes it.</li>
 * </ul>
 */
public final class JunctionSqlState {

  /**
   * Junction refused to run the statement as written (for example a scatter query whose merge it
   * cannot prove exact). The message names the construct and says what to do instead.
   */
  public static final String REFUSED = "0AJ00";

  private JunctionSqlState() {}

  /** A refusal with {@link #REFUSED}; {@code message} names the construct and the way out. */
  public static SQLFeatureNotSupportedException refusal(String message) {
    return new SQLFeatureNotSupportedException(message, REFUSED);
  }

  /** True if {@code e} is one of Junction's own refusals. */
  public static boolean isRefusal(SQLException e) {
    return e != null && REFUSED.equals(e.getSQLState());
  }
}
