package dev.junction.reshard;

/** A resharding step failed; the message says which step, why, and what to run next. */
public final class ReshardException extends RuntimeException {
  public ReshardException(String message) {
    super(message);
  }

  public ReshardException(String message, Throwable cause) {
    super(message, cause);
  }
}
