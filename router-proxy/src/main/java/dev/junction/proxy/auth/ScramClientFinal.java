package dev.junction.proxy.auth;

import java.util.Base64;

/** The client-final-message: channel binding echo, combined nonce, extensions, proof (always last). */
record ScramClientFinal(byte[] channelBinding, String nonce, String withoutProof, byte[] proof) {

  static ScramClientFinal parse(String message) {
    ScramAttributes in = new ScramAttributes(message);
    byte[] channelBinding = base64(in.read('c'), "channel binding");
    in.comma();
    String nonce = in.read('r');
    int proofStart;
    while (true) {
      in.comma();
      if (in.peek() == 'p') {
        proofStart = in.position() - 1;
        break;
      }
      in.readAny();
    }
    byte[] proof = base64(in.read('p'), "proof");
    if (!in.atEnd()) {
      throw ScramMessageException.malformed("unexpected data after the client proof");
    }
    if (proof.length != ScramSha256.KEY_LENGTH) {
      throw ScramMessageException.malformed("the client proof must be " + ScramSha256.KEY_LENGTH + " bytes");
    }
    return new ScramClientFinal(channelBinding, nonce, message.substring(0, proofStart), proof);
  }

  private static byte[] base64(String value, String what) {
    try {
      return Base64.getDecoder().decode(value);
    } catch (IllegalArgumentException e) {
      throw ScramMessageException.malformed(what + " is not valid base64");
    }
  }
}
