package dev.junction.proxy.auth;

/**
 * Creates the {@link Authenticator} for one connection from the configured method and the user's
 * credential, with PostgreSQL's rules for mismatches: md5 falls back to SCRAM for a user holding
 * only a SCRAM verifier; SCRAM for a user holding only an MD5 hash (or for an unknown user) runs a
 * mock exchange that fails, so the client cannot learn which users exist.
 */
public final class Authenticators {
  private Authenticators() {
  }

  /**
   * @param user the StartupMessage's user
   * @param credential the user's credential, or {@code null} if the user is unknown
   */
  public static Authenticator create(AuthMethod method, String user, Credential credential) {
    return switch (method) {
      case TRUST -> new TrustAuthenticator();
      case PASSWORD -> new CleartextAuthenticator(user, credential);
      case MD5 -> credential instanceof Credential.ScramSecret scram
          ? new ScramAuthenticator(user, scram, null)
          : new Md5Authenticator(user, credential);
      case SCRAM_SHA_256 -> scram(user, credential);
    };
  }

  private static Authenticator scram(String user, Credential credential) {
    if (credential instanceof Credential.ScramSecret scram) {
      return new ScramAuthenticator(user, scram, null);
    }
    if (credential instanceof Credential.PlainPassword plain) {
      return new ScramAuthenticator(user, plain.scramSecret(), null);
    }
    String reason = credential == null ? "user \"" + user + "\" does not exist"
        : "user \"" + user + "\" has only an MD5 password, which cannot be used for SCRAM authentication";
    return new ScramAuthenticator(user, null, reason);
  }
}
