package dev.junction.proxy.relay;

import dev.junction.proxy.protocol.Format;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.List;
import java.util.Map;

/**
 * Writes the frontend messages the proxy sends to a backend server: the client's own messages
 * (with prepared-statement names rewritten) and the proxy's injected ones. Every method appends
 * one complete message to {@code out}.
 */
final class Frontend {
  private Frontend() {}

  static void startup(ByteBuf out, Map<String, String> parameters) {
    int start = out.writerIndex();
    out.writeInt(0);
    out.writeInt(3 << 16);
    parameters.forEach((k, v) -> {
      cstring(out, k);
      cstring(out, v);
    });
    out.writeByte(0);
    out.setInt(start, out.writerIndex() - start);
  }

  static void cancel(ByteBuf out, int processId, int secretKey) {
    out.writeInt(16);
    out.writeInt(80877102);
    out.writeInt(processId);
    out.writeInt(secretKey);
  }

  static void password(ByteBuf out, String password) {
    int at = begin(out, 'p');
    cstring(out, password);
    end(out, at);
  }

  static void saslInitial(ByteBuf out, String mechanism, byte[] data) {
    int at = begin(out, 'p');
    cstring(out, mechanism);
    out.writeInt(data.length);
    out.writeBytes(data);
    end(out, at);
  }

  static void saslResponse(ByteBuf out, byte[] data) {
    int at = begin(out, 'p');
    out.writeBytes(data);
    end(out, at);
  }

  static void query(ByteBuf out, String sql) {
    int at = begin(out, 'Q');
    cstring(out, sql);
    end(out, at);
  }

  static void parse(ByteBuf out, String name, String sql, List<Integer> types) {
    int at = begin(out, 'P');
    cstring(out, name);
    cstring(out, sql);
    out.writeShort(types.size());
    for (int i = 0, n = types.size(); i < n; i++) {
      out.writeInt(types.get(i));
    }
    end(out, at);
  }

  static void bind(ByteBuf out, String portal, String statement, List<Format> parameterFormats, List<byte[]> values,
                   List<Format> resultFormats) {
    int at = begin(out, 'B');
    cstring(out, portal);
    cstring(out, statement);
    out.writeShort(parameterFormats.size());
    for (int i = 0, n = parameterFormats.size(); i < n; i++) {
      out.writeShort(parameterFormats.get(i).code());
    }
    out.writeShort(values.size());
    for (int i = 0, n = values.size(); i < n; i++) {
      byte[] v = values.get(i);
      if (v == null) {
        out.writeInt(-1);
      } else {
        out.writeInt(v.length);
        out.writeBytes(v);
      }
    }
    out.writeShort(resultFormats.size());
    for (int i = 0, n = resultFormats.size(); i < n; i++) {
      out.writeShort(resultFormats.get(i).code());
    }
    end(out, at);
  }

  static void describe(ByteBuf out, char target, String name) {
    int at = begin(out, 'D');
    out.writeByte(target);
    cstring(out, name);
    end(out, at);
  }

  static void close(ByteBuf out, char target, String name) {
    int at = begin(out, 'C');
    out.writeByte(target);
    cstring(out, name);
    end(out, at);
  }

  static void execute(ByteBuf out, String portal, int maxRows) {
    int at = begin(out, 'E');
    cstring(out, portal);
    out.writeInt(maxRows);
    end(out, at);
  }

  static void sync(ByteBuf out) {
    out.writeByte('S');
    out.writeInt(4);
  }

  static void flush(ByteBuf out) {
    out.writeByte('H');
    out.writeInt(4);
  }

  static void terminate(ByteBuf out) {
    out.writeByte('X');
    out.writeInt(4);
  }

  static void copyData(ByteBuf out, byte[] data) {
    out.writeByte('d');
    out.writeInt(4 + data.length);
    out.writeBytes(data);
  }

  static void copyDone(ByteBuf out) {
    out.writeByte('c');
    out.writeInt(4);
  }

  static void copyFail(ByteBuf out, String message) {
    int at = begin(out, 'f');
    cstring(out, message);
    end(out, at);
  }

  private static int begin(ByteBuf out, char type) {
    out.writeByte(type);
    int at = out.writerIndex();
    out.writeInt(0);
    return at;
  }

  private static void end(ByteBuf out, int at) {
    out.setInt(at, out.writerIndex() - at);
  }

  static void cstring(ByteBuf out, String s) {
    ByteBufUtil.writeUtf8(out, s);
    out.writeByte(0);
  }
}
