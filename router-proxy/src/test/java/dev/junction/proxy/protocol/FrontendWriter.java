package dev.junction.proxy.protocol;

import dev.junction.proxy.protocol.FrontendMessage.Bind;
import dev.junction.proxy.protocol.FrontendMessage.CancelRequest;
import dev.junction.proxy.protocol.FrontendMessage.Close;
import dev.junction.proxy.protocol.FrontendMessage.CopyData;
import dev.junction.proxy.protocol.FrontendMessage.CopyDone;
import dev.junction.proxy.protocol.FrontendMessage.CopyFail;
import dev.junction.proxy.protocol.FrontendMessage.Describe;
import dev.junction.proxy.protocol.FrontendMessage.Execute;
import dev.junction.proxy.protocol.FrontendMessage.Flush;
import dev.junction.proxy.protocol.FrontendMessage.FunctionCall;
import dev.junction.proxy.protocol.FrontendMessage.GssEncRequest;
import dev.junction.proxy.protocol.FrontendMessage.Parse;
import dev.junction.proxy.protocol.FrontendMessage.PasswordMessage;
import dev.junction.proxy.protocol.FrontendMessage.Query;
import dev.junction.proxy.protocol.FrontendMessage.SslRequest;
import dev.junction.proxy.protocol.FrontendMessage.StartupMessage;
import dev.junction.proxy.protocol.FrontendMessage.Sync;
import dev.junction.proxy.protocol.FrontendMessage.Terminate;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Test-side frontend encoder, written from the protocol documentation independently of the
 * decoder, plus raw builders for crafting malformed input.
 */
public final class FrontendWriter {
  private FrontendWriter() {
  }

  public static byte[] encode(FrontendMessage m) {
    if (m instanceof StartupMessage s) {
      return startup(s.version().code(), concat(s.parameters(), s.protocolOptions()));
    }
    if (m instanceof SslRequest) {
      return untyped(80877103, new byte[0]);
    }
    if (m instanceof GssEncRequest) {
      return untyped(80877104, new byte[0]);
    }
    if (m instanceof CancelRequest c) {
      return untyped(80877102, body(out -> {
        out.writeInt(c.processId());
        out.writeInt(c.secretKey());
      }));
    }
    if (m instanceof Query q) {
      return typed('Q', body(out -> cstring(out, q.sql())));
    }
    if (m instanceof Parse p) {
      return typed('P', body(out -> {
        cstring(out, p.statement());
        cstring(out, p.query());
        out.writeShort(p.parameterTypes().size());
        for (int oid : p.parameterTypes()) {
          out.writeInt(oid);
        }
      }));
    }
    if (m instanceof Bind b) {
      return typed('B', body(out -> {
        cstring(out, b.portal());
        cstring(out, b.statement());
        formats(out, b.parameterFormats());
        values(out, b.parameterValues());
        formats(out, b.resultFormats());
      }));
    }
    if (m instanceof Describe d) {
      return typed('D', body(out -> {
        out.writeByte(d.target().code());
        cstring(out, d.name());
      }));
    }
    if (m instanceof Close c) {
      return typed('C', body(out -> {
        out.writeByte(c.target().code());
        cstring(out, c.name());
      }));
    }
    if (m instanceof Execute e) {
      return typed('E', body(out -> {
        cstring(out, e.portal());
        out.writeInt(e.maxRows());
      }));
    }
    if (m instanceof Sync) {
      return typed('S', new byte[0]);
    }
    if (m instanceof Flush) {
      return typed('H', new byte[0]);
    }
    if (m instanceof Terminate) {
      return typed('X', new byte[0]);
    }
    if (m instanceof CopyDone) {
      return typed('c', new byte[0]);
    }
    if (m instanceof PasswordMessage p) {
      return typed('p', p.payload());
    }
    if (m instanceof CopyData d) {
      return typed('d', d.data());
    }
    if (m instanceof CopyFail f) {
      return typed('f', body(out -> cstring(out, f.message())));
    }
    if (m instanceof FunctionCall f) {
      return typed('F', body(out -> {
        out.writeInt(f.functionOid());
        formats(out, f.argumentFormats());
        values(out, f.arguments());
        out.writeShort(f.resultFormat().code());
      }));
    }
    throw new IllegalArgumentException("no test encoding for " + m);
  }

  public static byte[] encodeAll(List<? extends FrontendMessage> messages) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (FrontendMessage m : messages) {
      all.writeBytes(encode(m));
    }
    return all.toByteArray();
  }

  public static byte[] startup(int protocolCode, Map<String, String> parameters) {
    return untyped(protocolCode, body(out -> {
      for (Map.Entry<String, String> e : parameters.entrySet()) {
        cstring(out, e.getKey());
        cstring(out, e.getValue());
      }
      out.writeByte(0);
    }));
  }

  public static byte[] startup(Map<String, String> parameters) {
    return startup(196608, parameters);
  }

  public static byte[] untyped(int code, byte[] rest) {
    return body(out -> {
      out.writeInt(8 + rest.length);
      out.writeInt(code);
      out.write(rest);
    });
  }

  public static byte[] typed(char type, byte[] body) {
    return body(out -> {
      out.writeByte(type);
      out.writeInt(4 + body.length);
      out.write(body);
    });
  }

  /** A typed message with an arbitrary (possibly lying) length field. */
  public static byte[] typedWithLength(char type, int length, byte[] body) {
    return body(out -> {
      out.writeByte(type);
      out.writeInt(length);
      out.write(body);
    });
  }

  public static byte[] concatBytes(byte[]... parts) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      all.writeBytes(p);
    }
    return all.toByteArray();
  }

  private static Map<String, String> concat(Map<String, String> a, Map<String, String> b) {
    var all = new java.util.LinkedHashMap<>(a);
    all.putAll(b);
    return all;
  }

  private static void formats(DataOutputStream out, List<Format> formats) throws IOException {
    out.writeShort(formats.size());
    for (Format f : formats) {
      out.writeShort(f.code());
    }
  }

  private static void values(DataOutputStream out, List<byte[]> values) throws IOException {
    out.writeShort(values.size());
    for (byte[] v : values) {
      if (v == null) {
        out.writeInt(-1);
      } else {
        out.writeInt(v.length);
        out.write(v);
      }
    }
  }

  public static void cstring(DataOutputStream out, String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.UTF_8));
    out.writeByte(0);
  }

  /** Body writer that may throw IOException. */
  public interface BodyWriter {
    void write(DataOutputStream out) throws IOException;
  }

  public static byte[] body(BodyWriter writer) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      writer.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
