package dev.junction.proxy.protocol;

import java.util.Arrays;
import java.util.Objects;

/**
 * The first SASL message of a client, read from a {@link FrontendMessage.PasswordMessage} once the
 * authenticator knows it asked for SASL. {@code data} is {@code null} when the client sent no
 * initial response (length -1).
 */
public record SaslInitialResponse(String mechanism, byte[] data) {
  public SaslInitialResponse {
    Objects.requireNonNull(mechanism, "mechanism");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SaslInitialResponse other
        && mechanism.equals(other.mechanism) && Arrays.equals(data, other.data);
  }

  @Override
  public int hashCode() {
    return 31 * mechanism.hashCode() + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "SaslInitialResponse[mechanism=" + mechanism + ", data="
        + (data == null ? "none" : "<" + data.length + " bytes>") + "]";
  }
}
