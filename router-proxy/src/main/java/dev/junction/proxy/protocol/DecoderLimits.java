package dev.junction.proxy.protocol;

/**
 * Size limits that bound how much memory one connection's decoder may buffer; a message above a
 * limit is rejected from its 5-byte header, before any of its body is awaited or allocated.
 *
 * <p>Lengths are the protocol's Int32 length field, which counts itself but not the type byte.
 *
 * <ul>
 *   <li>{@code maxMessageLength}, default 64 MiB, bounds the messages that legitimately carry bulk
 *       data (Query, Parse, Bind, FunctionCall, CopyData). PostgreSQL allows up to 1 GiB, but a proxy
 *       multiplexing many connections must not let each one pin a gigabyte; 64 MiB still fits large
 *       bytea/JSON parameters and COPY chunks (libpq and pgjdbc send COPY data in small chunks).
 *       Exceeding it is SQLSTATE 54000.
 *   <li>{@code maxStartupPacketLength}, default 10,000 bytes, the same limit PostgreSQL applies.
 * </ul>
 *
 * <p>Fixed protocol limits also apply, as in PostgreSQL: control messages (Describe, Close,
 * Execute, CopyFail) at most {@value #CONTROL_MESSAGE_LIMIT} bytes, authentication messages at most
 * {@value #AUTH_MESSAGE_LIMIT} bytes, Sync/Flush/Terminate/CopyDone exactly 4 bytes.
 */
public record DecoderLimits(int maxMessageLength, int maxStartupPacketLength) {
  public static final int DEFAULT_MAX_MESSAGE_LENGTH = 64 * 1024 * 1024;
  public static final int DEFAULT_MAX_STARTUP_PACKET_LENGTH = 10_000;
  /** PostgreSQL's PQ_SMALL_MESSAGE_LIMIT. */
  public static final int CONTROL_MESSAGE_LIMIT = 10_000;
  /** PostgreSQL's PG_MAX_AUTH_TOKEN_LENGTH. */
  public static final int AUTH_MESSAGE_LIMIT = 65_535;

  private static final DecoderLimits DEFAULTS =
      new DecoderLimits(DEFAULT_MAX_MESSAGE_LENGTH, DEFAULT_MAX_STARTUP_PACKET_LENGTH);

  public DecoderLimits {
    if (maxMessageLength < 1024) {
      throw new IllegalArgumentException("maxMessageLength must be at least 1024 bytes, got " + maxMessageLength);
    }
    if (maxStartupPacketLength < 64 || maxStartupPacketLength > 1024 * 1024) {
      throw new IllegalArgumentException(
          "maxStartupPacketLength must be between 64 bytes and 1 MiB, got " + maxStartupPacketLength);
    }
  }

  public static DecoderLimits defaults() {
    return DEFAULTS;
  }

  int controlLimit() {
    return Math.min(CONTROL_MESSAGE_LIMIT, maxMessageLength);
  }

  int authLimit() {
    return Math.min(AUTH_MESSAGE_LIMIT, maxMessageLength);
  }
}
