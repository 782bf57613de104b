package dev.junction.proxy.protocol;

import io.netty.handler.codec.DecoderException;

/**
 * A frontend broke the wire protocol, or exceeded a size limit, so the byte stream can no longer be
 * trusted: the only safe reaction is a FATAL ErrorResponse and closing the connection (see
 * {@link ProtocolErrorHandler}).
 *
 * <p>It extends Netty's {@link DecoderException} so that {@code ByteToMessageDecoder} propagates it
 * unwrapped. It carries no stack trace: it is caused by client input, not by a bug, and a hostile
 * client should not be able to make the proxy spend CPU on stack walks.
 */
public final class ProtocolViolation extends DecoderException {
  private static final long serialVersionUID = 1L;

  private final String sqlState;

  public ProtocolViolation(String sqlState, String message) {
    super(message);
    this.sqlState = sqlState;
  }

  /** A malformed message: SQLSTATE 08P01 (protocol_violation). */
  public static ProtocolViolation malformed(String message) {
    return new ProtocolViolation(SqlStates.PROTOCOL_VIOLATION, message);
  }

  public String sqlState() {
    return sqlState;
  }

  /** The FATAL error to send to the client before closing. */
  public PgError toError() {
    return PgError.of(PgError.Severity.FATAL, sqlState, getMessage());
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
