package dev.junction.proxy.auth;

/** The authentication methods of pg_hba.conf that the proxy implements. */
public enum AuthMethod {
  /** No password. */
  TRUST,
  /** Cleartext password; only sensible over TLS. */
  PASSWORD,
  /** MD5 challenge-response; falls back to SCRAM for users that only have a SCRAM verifier, as PostgreSQL does. */
  MD5,
  /** SCRAM-SHA-256 without channel binding. */
  SCRAM_SHA_256
}
