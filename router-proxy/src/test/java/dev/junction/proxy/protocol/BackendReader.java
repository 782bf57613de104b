package dev.junction.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test-side splitter and field reader for backend messages, written from the protocol documentation. */
public final class BackendReader {
  /** One framed backend message. */
  public record Frame(char type, byte[] body) {
    public ByteBuf buf() {
      return Unpooled.wrappedBuffer(body);
    }
  }

  private BackendReader() {
  }

  public static List<Frame> frames(byte[] bytes) {
    ByteBuf in = Unpooled.wrappedBuffer(bytes);
    List<Frame> frames = new ArrayList<>();
    while (in.isReadable()) {
      char type = (char) in.readByte();
      int length = in.readInt();
      byte[] body = new byte[length - 4];
      in.readBytes(body);
      frames.add(new Frame(type, body));
    }
    return frames;
  }

  public static String cstring(ByteBuf in) {
    int len = in.bytesBefore((byte) 0);
    String s = in.toString(in.readerIndex(), len, StandardCharsets.UTF_8);
    in.skipBytes(len + 1);
    return s;
  }

  /** The fields of an ErrorResponse/NoticeResponse body, by field code. */
  public static Map<Character, String> noticeFields(byte[] body) {
    ByteBuf in = Unpooled.wrappedBuffer(body);
    Map<Character, String> fields = new LinkedHashMap<>();
    while (true) {
      byte code = in.readByte();
      if (code == 0) {
        break;
      }
      fields.put((char) code, cstring(in));
    }
    if (in.isReadable()) {
      throw new AssertionError("bytes after the notice terminator");
    }
    return fields;
  }
}
