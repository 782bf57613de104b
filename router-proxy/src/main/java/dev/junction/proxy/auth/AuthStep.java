package dev.junction.proxy.auth;

import dev.junction.proxy.protocol.BackendMessage;
import dev.junction.proxy.protocol.PgError;
import java.util.List;
import java.util.Objects;

/** What the connection handler must do after an {@link Authenticator} call. */
public sealed interface AuthStep {

  /** Send {@code message} and pass the client's next password message to the authenticator. */
  record Challenge(BackendMessage message) implements AuthStep {
    public Challenge {
      Objects.requireNonNull(message, "message");
    }
  }

  /**
   * Authenticated: send {@code messages} (ending with AuthenticationOk), call
   * {@code FrontendDecoder#authenticationSucceeded()}, then ParameterStatus, BackendKeyData and
   * ReadyForQuery.
   */
  record Success(List<BackendMessage> messages) implements AuthStep {
    public Success {
      messages = List.copyOf(messages);
    }
  }

  /**
   * Rejected: send {@code error} as an ErrorResponse and close. {@code logDetail} says why for the
   * server log only; the client learns no more than PostgreSQL would tell it (no user enumeration).
   */
  record Failure(PgError error, String logDetail) implements AuthStep {
    public Failure {
      Objects.requireNonNull(error, "error");
      Objects.requireNonNull(logDetail, "logDetail");
    }
  }
}
