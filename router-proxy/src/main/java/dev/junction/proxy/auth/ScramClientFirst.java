package dev.junction.proxy.auth;

import dev.junction.proxy.protocol.SqlStates;

/**
 * The client-first-message. PostgreSQL ignores its user name (the StartupMessage's user is
 * authenticated; pgjdbc even sends "*"), and so does the proxy. Channel binding is not offered, so
 * a client demanding it ("p=...") is refused, while "y" (client could bind but the server did not
 * offer it) is accepted.
 */
record ScramClientFirst(String gs2Header, String bare, String nonce) {

  static ScramClientFirst parse(String message) {
    ScramAttributes in = new ScramAttributes(message);
    char flag = in.peek();
    if (flag == 'p') {
      throw new ScramMessageException(SqlStates.PROTOCOL_VIOLATION,
          "the client requires SCRAM channel binding, which Junction does not offer; connect with "
              + "channel_binding=disable (libpq) or channelBinding=disable (pgjdbc)");
    }
    if (flag != 'n' && flag != 'y') {
      throw ScramMessageException.malformed("unexpected channel binding flag '" + flag + "'");
    }
    in.readAnyFlag();
    in.comma();
    if (in.peek() == 'a') {
      throw new ScramMessageException(SqlStates.FEATURE_NOT_SUPPORTED,
          "the client uses a SCRAM authorization identity, which is not supported");
    }
    in.comma();
    String gs2Header = message.substring(0, in.position());
    String bare = message.substring(in.position());
    if (in.peek() == 'm') {
      throw new ScramMessageException(SqlStates.FEATURE_NOT_SUPPORTED,
          "the client requires an unsupported SCRAM extension");
    }
    in.read('n');
    in.comma();
    String nonce = in.read('r');
    if (!isPrintableNonce(nonce)) {
      throw ScramMessageException.malformed("the client nonce must be non-empty printable ASCII without ','");
    }
    while (!in.atEnd()) {
      in.comma();
      in.readAny();
    }
    return new ScramClientFirst(gs2Header, bare, nonce);
  }

  static boolean isPrintableNonce(String nonce) {
    if (nonce.isEmpty()) {
      return false;
    }
    for (int i = 0; i < nonce.length(); i++) {
      char c = nonce.charAt(i);
      if (c < 0x21 || c > 0x7E || c == ',') {
        return false;
      }
    }
    return true;
  }
}
