package dev.junction.proxy.auth;

/**
 * One connection's authentication exchange as a small state machine the connection handler drives:
 * {@link #start()} once after the StartupMessage, then {@link #onPasswordMessage(byte[])} for each
 * 'p' message while the last step was a {@link AuthStep.Challenge}. Not thread-safe; one instance
 * per connection. Client mistakes never throw: they end in {@link AuthStep.Failure}.
 */
public interface Authenticator {

  /** The first step: the authentication request to send, or immediate success (trust). */
  AuthStep start();

  /** The next step for the payload of a client 'p' message. */
  AuthStep onPasswordMessage(byte[] payload);
}
