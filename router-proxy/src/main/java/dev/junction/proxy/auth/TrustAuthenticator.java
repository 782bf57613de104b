package dev.junction.proxy.auth;

import dev.junction.proxy.protocol.BackendMessage.AuthenticationOk;
import java.util.List;

/** Trust: the client is in as soon as it says who it is. */
final class TrustAuthenticator implements Authenticator {
  @Override
  public AuthStep start() {
    return new AuthStep.Success(List.of(AuthenticationOk.INSTANCE));
  }

  @Override
  public AuthStep onPasswordMessage(byte[] payload) {
    return AuthFailures.unexpectedMessage();
  }
}
