package dev.junction.proxy.auth;

import dev.junction.proxy.protocol.BackendMessage.AuthenticationOk;
import dev.junction.proxy.protocol.BackendMessage.AuthenticationSasl;
import dev.junction.proxy.protocol.BackendMessage.AuthenticationSaslContinue;
import dev.junction.proxy.protocol.BackendMessage.AuthenticationSaslFinal;
import dev.junction.proxy.protocol.FrontendMessage.PasswordMessage;
import dev.junction.proxy.protocol.PgError;
import dev.junction.proxy.protocol.ProtocolViolation;
import dev.junction.proxy.protocol.SaslInitialResponse;
import dev.junction.proxy.protocol.SqlStates;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.function.Supplier;

/**
 * Server side of SCRAM-SHA-256 as PostgreSQL runs it (RFC 5802, RFC 7677), without channel binding.
 * The server only needs the stored verifier (StoredKey, ServerKey): it checks the client's proof by
 * recomputing StoredKey = H(ClientProof XOR HMAC(StoredKey, AuthMessage)) and comparing in constant
 * time, then proves itself with HMAC(ServerKey, AuthMessage).
 *
 * <p>Users without a usable verifier (unknown, or only an MD5 hash) get a mock exchange with a salt
 * derived from the user name and a per-process key, failing only at the end: a client cannot tell a
 * missing user from a wrong password, as with PostgreSQL.
 */
final class ScramAuthenticator implements Authenticator {
  private static final int SERVER_NONCE_BYTES = 18; // PostgreSQL's SCRAM_RAW_NONCE_LEN
  private static final byte[] MOCK_KEY = AuthRandom.bytes(32);

  private enum State { NEW, AWAIT_CLIENT_FIRST, AWAIT_CLIENT_FINAL, DONE }

  private final String user;
  private final Credential.ScramSecret secret;
  private final String mockReason;
  private final Supplier<String> serverNonces;
  private State state = State.NEW;
  private ScramClientFirst clientFirst;
  private String serverFirst;
  private String combinedNonce;

  /**
   * @param secret the user's verifier, or {@code null} to run a mock exchange that fails
   * @param mockReason why there is no verifier, for the log (ignored when {@code secret} is set)
   */
  ScramAuthenticator(String user, Credential.ScramSecret secret, String mockReason) {
    this(user, secret, mockReason,
        () -> Base64.getEncoder().encodeToString(AuthRandom.bytes(SERVER_NONCE_BYTES)));
  }

  /** With an injectable server nonce, for test vectors. */
  ScramAuthenticator(String user, Credential.ScramSecret secret, String mockReason, Supplier<String> serverNonces) {
    this.user = user;
    this.secret = secret != null ? secret : mockSecret(user);
    this.mockReason = secret != null ? null : mockReason;
    this.serverNonces = serverNonces;
  }

  private static Credential.ScramSecret mockSecret(String user) {
    byte[] userBytes = user.getBytes(StandardCharsets.UTF_8);
    byte[] seed = new byte[MOCK_KEY.length + userBytes.length];
    System.arraycopy(MOCK_KEY, 0, seed, 0, MOCK_KEY.length);
    System.arraycopy(userBytes, 0, seed, MOCK_KEY.length, userBytes.length);
    byte[] salt = Arrays.copyOf(ScramSha256.sha256(seed), 16);
    return new Credential.ScramSecret(Credential.DEFAULT_SCRAM_ITERATIONS, salt, AuthRandom.bytes(32),
        AuthRandom.bytes(32));
  }

  @Override
  public AuthStep start() {
    if (state != State.NEW) {
      throw new IllegalStateException("start() was already called for this connection");
    }
    state = State.AWAIT_CLIENT_FIRST;
    return new AuthStep.Challenge(new AuthenticationSasl(List.of(ScramSha256.MECHANISM)));
  }

  @Override
  public AuthStep onPasswordMessage(byte[] payload) {
    try {
      return switch (state) {
        case NEW -> throw new IllegalStateException("call start() before passing password messages");
        case AWAIT_CLIENT_FIRST -> onClientFirst(new PasswordMessage(payload).saslInitialResponse());
        case AWAIT_CLIENT_FINAL -> onClientFinal(payload);
        case DONE -> AuthFailures.unexpectedMessage();
      };
    } catch (ProtocolViolation e) {
      state = State.DONE;
      return AuthFailures.from(e);
    } catch (ScramMessageException e) {
      state = State.DONE;
      return new AuthStep.Failure(
          PgError.fatal(e.sqlState(), e.getMessage()), e.getMessage());
    }
  }

  private AuthStep onClientFirst(SaslInitialResponse initial) {
    if (!initial.mechanism().equals(ScramSha256.MECHANISM)) {
      throw new ScramMessageException(SqlStates.PROTOCOL_VIOLATION,
          "client selected an invalid SASL authentication mechanism \"" + initial.mechanism()
              + "\"; Junction offers only " + ScramSha256.MECHANISM);
    }
    if (initial.data() == null) {
      throw ScramMessageException.malformed("the SASLInitialResponse carries no client-first-message");
    }
    clientFirst = ScramClientFirst.parse(utf8(initial.data()));
    combinedNonce = clientFirst.nonce() + serverNonces.get();
    serverFirst = "r=" + combinedNonce + ",s=" + Base64.getEncoder().encodeToString(secret.saltRef())
        + ",i=" + secret.iterations();
    state = State.AWAIT_CLIENT_FINAL;
    return new AuthStep.Challenge(new AuthenticationSaslContinue(serverFirst.getBytes(StandardCharsets.UTF_8)));
  }

  private AuthStep onClientFinal(byte[] payload) {
    state = State.DONE;
    ScramClientFinal clientFinal = ScramClientFinal.parse(utf8(payload));
    byte[] expectedBinding = clientFirst.gs2Header().getBytes(StandardCharsets.UTF_8);
    if (!MessageDigest.isEqual(clientFinal.channelBinding(), expectedBinding)) {
      throw ScramMessageException.malformed("SCRAM channel binding check failed");
    }
    if (!clientFinal.nonce().equals(combinedNonce)) {
      throw ScramMessageException.malformed("SCRAM nonce mismatch");
    }
    byte[] authMessage = (clientFirst.bare() + "," + serverFirst + "," + clientFinal.withoutProof())
        .getBytes(StandardCharsets.UTF_8);
    byte[] clientSignature = ScramSha256.hmac(secret.storedKeyRef(), authMessage);
    byte[] clientKey = ScramSha256.xor(clientFinal.proof(), clientSignature);
    boolean proofMatches = MessageDigest.isEqual(ScramSha256.sha256(clientKey), secret.storedKeyRef());
    if (mockReason != null) {
      return AuthFailures.passwordFailed(user, mockReason);
    }
    if (!proofMatches) {
      return AuthFailures.passwordFailed(user, "SCRAM proof of user \"" + user + "\" does not match its verifier");
    }
    String serverFinal = "v=" + Base64.getEncoder().encodeToString(ScramSha256.hmac(secret.serverKeyRef(), authMessage));
    return new AuthStep.Success(List.of(
        new AuthenticationSaslFinal(serverFinal.getBytes(StandardCharsets.UTF_8)), AuthenticationOk.INSTANCE));
  }

  private static String utf8(byte[] bytes) {
    String s = new String(bytes, StandardCharsets.UTF_8);
    if (s.indexOf('\uFFFD') >= 0 || s.indexOf('\0') >= 0) {
      throw ScramMessageException.malformed("message is not valid UTF-8 text");
    }
    return s;
  }
}
