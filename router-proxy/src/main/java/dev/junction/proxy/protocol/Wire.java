package dev.junction.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/**
 * Framing primitives for backend messages: the length is back-filled after the body is written, so
 * no message needs its size computed in advance or an intermediate array.
 */
final class Wire {
  private Wire() {
  }

  /** Writes the type byte and a length placeholder; returns the placeholder's index. */
  static int begin(ByteBuf out, char type) {
    out.writeByte(type);
    int lengthIndex = out.writerIndex();
    out.writeInt(0);
    return lengthIndex;
  }

  static void end(ByteBuf out, int lengthIndex) {
    out.setInt(lengthIndex, out.writerIndex() - lengthIndex);
  }

  /** Writes a NUL-terminated UTF-8 string; a NUL inside would corrupt the framing. */
  static void writeCString(ByteBuf out, String value) {
    if (value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("protocol strings cannot contain NUL characters: "
          + value.replace('\0', '?'));
    }
    ByteBufUtil.writeUtf8(out, value);
    out.writeByte(0);
  }
}
