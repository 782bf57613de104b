package dev.junction.proxy.server;

import dev.junction.proxy.protocol.PgError;
import java.sql.SQLException;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * Turns a JDBC failure into the ErrorResponse a PostgreSQL client expects: the backend's own
 * SQLSTATE, message, detail, hint and position when the error came from a server, and Junction's
 * SQLSTATE and message (e.g. 08001 "primary ... is unavailable") when the router raised it.
 */
final class Errors {
  private Errors() {}

  static PgError of(SQLException e) {
    if (e instanceof PSQLException p && p.getServerErrorMessage() != null) {
      ServerErrorMessage m = p.getServerErrorMessage();
      PgError error = PgError.error(orDefault(m.getSQLState()), m.getMessage() == null ? p.getMessage() : m.getMessage());
      if (m.getDetail() != null) {
        error = error.withDetail(m.getDetail());
      }
      if (m.getHint() != null) {
        error = error.withHint(m.getHint());
      }
      if (m.getPosition() > 0) {
        error = error.withPosition(m.getPosition());
      }
      return error;
    }
    return PgError.error(orDefault(e.getSQLState()), e.getMessage() == null ? e.toString() : e.getMessage());
  }

  private static String orDefault(String sqlState) {
    return sqlState == null || sqlState.length() != 5 ? "XX000" : sqlState;
  }
}
