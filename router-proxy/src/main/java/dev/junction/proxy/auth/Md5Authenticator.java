package dev.junction.proxy.auth;

import dev.junction.proxy.protocol.BackendMessage.AuthenticationMd5Password;
import dev.junction.proxy.protocol.BackendMessage.AuthenticationOk;
import dev.junction.proxy.protocol.FrontendMessage.PasswordMessage;
import dev.junction.proxy.protocol.ProtocolViolation;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * PostgreSQL's md5 method: a fresh random 4-byte salt per connection, and the client must answer
 * {@code "md5" + md5hex(md5hex(password + user) + salt)}. Works from a plain password or an MD5
 * verifier; for an unknown user it still sends a salt and fails only after the answer.
 */
final class Md5Authenticator implements Authenticator {
  private final String user;
  /** md5hex(password + user), or {@code null} when the user cannot log in with md5. */
  private final String innerHex;
  private final String noCredentialReason;
  private final byte[] salt;
  private boolean started;
  private boolean done;

  Md5Authenticator(String user, Credential credential, byte[] salt) {
    this.user = user;
    this.salt = salt.clone();
    if (credential instanceof Credential.PlainPassword p) {
      innerHex = Md5Password.md5Hex((p.password() + user).getBytes(StandardCharsets.UTF_8));
      noCredentialReason = null;
    } else if (credential instanceof Credential.Md5Secret m) {
      innerHex = m.hexDigest();
      noCredentialReason = null;
    } else {
      innerHex = null;
      noCredentialReason = credential == null ? "user \"" + user + "\" does not exist"
          : "user \"" + user + "\" has no password usable for md5 authentication";
    }
  }

  Md5Authenticator(String user, Credential credential) {
    this(user, credential, AuthRandom.bytes(4));
  }

  @Override
  public AuthStep start() {
    if (started) {
      throw new IllegalStateException("start() was already called for this connection");
    }
    started = true;
    return new AuthStep.Challenge(new AuthenticationMd5Password(salt));
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
    String response;
    try {
      response = new PasswordMessage(payload).password();
    } catch (ProtocolViolation e) {
      return AuthFailures.from(e);
    }
    if (response.isEmpty()) {
      return AuthFailures.passwordFailed(user, "empty password returned by client");
    }
    if (innerHex == null) {
      return AuthFailures.passwordFailed(user, noCredentialReason);
    }
    byte[] expected = Md5Password.expectedResponse(innerHex, salt).getBytes(StandardCharsets.US_ASCII);
    if (!MessageDigest.isEqual(expected, response.getBytes(StandardCharsets.UTF_8))) {
      return AuthFailures.passwordFailed(user, "MD5 response of user \"" + user + "\" does not match");
    }
    return new AuthStep.Success(List.of(AuthenticationOk.INSTANCE));
  }
}
