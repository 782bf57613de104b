package dev.junction.proxy.relay;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/** Reads the few fields the proxy needs from whole backend messages (type byte and length included). */
final class BackendMessages {
  private BackendMessages() {}

  /** A field ('C' SQLSTATE, 'M' message, 'S' severity...) of an ErrorResponse or NoticeResponse, or null. */
  static String errorField(ByteBuf msg, char code) {
    int i = 5;
    int end = msg.readableBytes();
    int base = msg.readerIndex();
    while (i < end) {
      byte field = msg.getByte(base + i);
      if (field == 0) {
        return null;
      }
      int nul = msg.indexOf(base + i + 1, base + end, (byte) 0);
      if (nul < 0) {
        return null;
      }
      if (field == code) {
        return msg.toString(base + i + 1, nul - (base + i + 1), StandardCharsets.UTF_8);
      }
      i = nul - base + 1;
    }
    return null;
  }

  /** The tag of a CommandComplete. */
  static String commandTag(ByteBuf msg) {
    int base = msg.readerIndex();
    int nul = msg.indexOf(base + 5, base + msg.readableBytes(), (byte) 0);
    return msg.toString(base + 5, Math.max(0, nul - base - 5), StandardCharsets.UTF_8);
  }

  /** Name and value of a ParameterStatus. */
  static String[] parameterStatus(ByteBuf msg) {
    int base = msg.readerIndex();
    int end = base + msg.readableBytes();
    int nul = msg.indexOf(base + 5, end, (byte) 0);
    int nul2 = msg.indexOf(nul + 1, end, (byte) 0);
    if (nul < 0 || nul2 < 0) {
      return null;
    }
    return new String[] {msg.toString(base + 5, nul - base - 5, StandardCharsets.UTF_8),
        msg.toString(nul + 1, nul2 - nul - 1, StandardCharsets.UTF_8)};
  }

  static boolean isFatal(ByteBuf msg) {
    String severity = errorField(msg, 'V');
    if (severity == null) {
      severity = errorField(msg, 'S');
    }
    return "FATAL".equals(severity) || "PANIC".equals(severity);
  }
}
