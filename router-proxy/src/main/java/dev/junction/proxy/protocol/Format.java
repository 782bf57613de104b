package dev.junction.proxy.protocol;

/** The two value encodings of the extended query protocol (format codes 0 and 1). */
public enum Format {
  TEXT(0),
  BINARY(1);

  private final int code;

  Format(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /** The format for a wire code, or {@code null} if the code is neither 0 nor 1. */
  public static Format ofCode(int code) {
    return code == 0 ? TEXT : code == 1 ? BINARY : null;
  }
}
