package dev.junction.proxy.auth;

import dev.junction.proxy.protocol.BackendMessage.AuthenticationCleartextPassword;
import dev.junction.proxy.protocol.BackendMessage.AuthenticationOk;
import dev.junction.proxy.protocol.FrontendMessage.PasswordMessage;
import dev.junction.proxy.protocol.ProtocolViolation;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * PostgreSQL's password method: the client sends the password itself, which is checked against
 * whichever credential is configured (the SCRAM check re-derives keys with the stored salt).
 */
final class CleartextAuthenticator implements Authenticator {
  private final String user;
  private final Credential credential;
  private boolean started;
  private boolean done;

  CleartextAuthenticator(String user, Credential credential) {
    this.user = user;
    this.credential = credential;
  }

  @Override
  public AuthStep start() {
    if (started) {
      throw new IllegalStateException("start() was already called for this connection");
    }
    started = true;
    return new AuthStep.Challenge(AuthenticationCleartextPassword.INSTANCE);
  }

  @Override
  public AuthStep onPasswordMessage(byte[] payload) {
    if (!started) {
      throw new IllegalStateException("call start() before passing password messages");
    }
    if (done) {
      return AuthFailures.unexpectedMessage();
    }
    done = true;
    String password;
    try {
      password = new PasswordMessage(payload).password();
    } catch (ProtocolViolation e) {
      return AuthFailures.from(e);
    }
    if (password.isEmpty()) {
      return AuthFailures.passwordFailed(user, "empty password returned by client");
    }
    if (credential == null) {
      return AuthFailures.passwordFailed(user, "user \"" + user + "\" does not exist");
    }
    if (!matches(password)) {
      return AuthFailures.passwordFailed(user, "password of user \"" + user + "\" does not match");
    }
    return new AuthStep.Success(List.of(AuthenticationOk.INSTANCE));
  }

  private boolean matches(String password) {
    if (credential instanceof Credential.PlainPassword p) {
      return MessageDigest.isEqual(p.password().getBytes(StandardCharsets.UTF_8),
          password.getBytes(StandardCharsets.UTF_8));
    }
    if (credential instanceof Credential.Md5Secret m) {
      return MessageDigest.isEqual(Credential.Md5Secret.of(user, password).hash().getBytes(StandardCharsets.US_ASCII),
          m.hash().getBytes(StandardCharsets.US_ASCII));
    }
    return ((Credential.ScramSecret) credential).matches(password);
  }
}
