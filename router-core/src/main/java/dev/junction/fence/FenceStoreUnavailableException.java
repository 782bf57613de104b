package dev.junction.fence;

/** The fence store could not be read or written; fenced reads must go to the primary. */
public final class FenceStoreUnavailableException extends Exception {
  public FenceStoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
