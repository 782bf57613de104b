package dev.junction.proxy.auth;

import dev.junction.proxy.protocol.PgError;
import dev.junction.proxy.protocol.ProtocolViolation;
import dev.junction.proxy.protocol.SqlStates;

/** The failures an authenticator reports, worded like PostgreSQL's. */
final class AuthFailures {
  private AuthFailures() {
  }

  /** Wrong password, unknown user or unusable credential: all look the same to the client. */
  static AuthStep.Failure passwordFailed(String user, String logDetail) {
    return new AuthStep.Failure(
        PgError.fatal(SqlStates.INVALID_PASSWORD, "password authentication failed for user \"" + user + "\""),
        logDetail);
  }

  static AuthStep.Failure protocol(String message) {
    return new AuthStep.Failure(PgError.fatal(SqlStates.PROTOCOL_VIOLATION, message), message);
  }

  static AuthStep.Failure from(ProtocolViolation violation) {
    return new AuthStep.Failure(violation.toError(), violation.getMessage());
  }

  static AuthStep.Failure unexpectedMessage() {
    return protocol("unexpected password message: the authentication exchange is already finished");
  }
}
