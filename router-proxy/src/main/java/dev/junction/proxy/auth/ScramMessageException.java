package dev.junction.proxy.auth;

import dev.junction.proxy.protocol.SqlStates;

/** A SCRAM message that does not follow RFC 5802, or asks for something the proxy does not offer. */
final class ScramMessageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String sqlState;

  ScramMessageException(String sqlState, String message) {
    super(message, null, false, false);
    this.sqlState = sqlState;
  }

  static ScramMessageException malformed(String detail) {
    return new ScramMessageException(SqlStates.PROTOCOL_VIOLATION, "malformed SCRAM message: " + detail);
  }

  String sqlState() {
    return sqlState;
  }
}
