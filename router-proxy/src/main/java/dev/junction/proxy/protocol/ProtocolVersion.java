package dev.junction.proxy.protocol;

/**
 * A frontend/backend protocol version as carried in the StartupMessage: major in the high 16 bits,
 * minor in the low 16 bits. Junction speaks 3.0 only.
 */
public record ProtocolVersion(int major, int minor) {
  /** The only version Junction implements. */
  public static final ProtocolVersion V3_0 = new ProtocolVersion(3, 0);

  public ProtocolVersion {
    if (major < 0 || major > 0xFFFF || minor < 0 || minor > 0xFFFF) {
      throw new IllegalArgumentException("protocol version parts must be 0..65535, got " + major + "." + minor);
    }
  }

  public static ProtocolVersion ofCode(int code) {
    return new ProtocolVersion(code >>> 16, code & 0xFFFF);
  }

  public int code() {
    return major << 16 | minor;
  }

  @Override
  public String toString() {
    return major + "." + minor;
  }
}
