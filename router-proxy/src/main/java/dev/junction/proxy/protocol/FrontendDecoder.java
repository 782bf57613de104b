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
import dev.junction.proxy.protocol.FrontendMessage.Target;
import dev.junction.proxy.protocol.FrontendMessage.Terminate;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns one client connection's bytes into {@link FrontendMessage}s. Stateful, one instance per
 * connection, used only from the channel's event loop.
 *
 * <p>Phases: {@link Phase#STARTUP} reads untyped packets (SSLRequest and GSSENCRequest at most once
 * each, then a StartupMessage or CancelRequest); after the StartupMessage it is in
 * {@link Phase#AUTHENTICATION}, where only password messages ('p') and Terminate are accepted and
 * limited to 64 KiB, so an unauthenticated client cannot make the proxy buffer a large message; the
 * connection handler calls {@link #authenticationSucceeded()} to enter {@link Phase#READY}. After a
 * CancelRequest or Terminate the decoder discards input ({@link Phase#CLOSED}).
 *
 * <p>Any malformed or oversized input raises {@link ProtocolViolation} (and nothing else); the
 * decoder then discards all further input ({@link Phase#FAILED}) while {@link ProtocolErrorHandler}
 * reports the error and closes the connection. Limits are checked on the 5-byte header, so a huge
 * declared length is rejected before its body is awaited.
 *
 * <p>Counts in Parse/Bind/FunctionCall are unsigned 16-bit, as PostgreSQL reads them (up to 65535
 * parameters); every count is checked against the bytes actually present before anything is
 * allocated for it.
 */
public final class FrontendDecoder extends ByteToMessageDecoder {

  /** Where the connection is in the protocol. */
  public enum Phase { STARTUP, AUTHENTICATION, READY, CLOSED, FAILED }

  static final int CANCEL_REQUEST_CODE = 80877102;
  static final int SSL_REQUEST_CODE = 80877103;
  static final int GSSENC_REQUEST_CODE = 80877104;
  private static final byte TLS_HANDSHAKE_RECORD = 0x16;
  private static final int FIXED_EMPTY = -1;

  private final DecoderLimits limits;
  private Phase phase = Phase.STARTUP;
  private boolean sslRequested;
  private boolean gssEncRequested;

  public FrontendDecoder() {
    this(DecoderLimits.defaults());
  }

  public FrontendDecoder(DecoderLimits limits) {
    this.limits = limits;
  }

  public Phase phase() {
    return phase;
  }

  /**
   * Called by the connection handler once the authenticator reported success (or right after the
   * StartupMessage for trust authentication); from now on the full message set is accepted.
   */
  public void authenticationSucceeded() {
    if (phase != Phase.AUTHENTICATION) {
      throw new IllegalStateException("authenticationSucceeded() is only valid after the StartupMessage, "
          + "but the decoder is in phase " + phase);
    }
    phase = Phase.READY;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    try {
      switch (phase) {
        case STARTUP -> decodeStartupPacket(in, out);
        case AUTHENTICATION, READY -> decodeTypedMessage(in, out);
        case CLOSED, FAILED -> in.skipBytes(in.readableBytes());
        default -> throw new IllegalStateException("unhandled phase " + phase);
      }
    } catch (ProtocolViolation violation) {
      phase = Phase.FAILED;
      in.skipBytes(in.readableBytes());
      throw violation;
    }
  }

  // ------------------------------------------------------------------ startup phase

  private void decodeStartupPacket(ByteBuf in, List<Object> out) {
    int start = in.readerIndex();
    if (in.getByte(start) == TLS_HANDSHAKE_RECORD) {
      throw ProtocolViolation.malformed("received a TLS handshake where a startup packet was expected: "
          + "direct TLS (sslnegotiation=direct) is not supported, use sslnegotiation=postgres");
    }
    if (in.readableBytes() < 4) {
      return;
    }
    int length = in.getInt(start);
    if (length < 8) {
      throw ProtocolViolation.malformed("invalid length of startup packet: " + length + " (at least 8 bytes)");
    }
    if (length > limits.maxStartupPacketLength()) {
      throw new ProtocolViolation(SqlStates.PROGRAM_LIMIT_EXCEEDED, "startup packet of " + length
          + " bytes exceeds the limit of " + limits.maxStartupPacketLength() + " bytes");
    }
    if (in.readableBytes() < length) {
      return;
    }
    int code = in.getInt(start + 4);
    ByteBuf body = in.readSlice(length).skipBytes(8);
    switch (code) {
      case SSL_REQUEST_CODE -> {
        sslRequested = acceptEncryptionRequest(in, body, sslRequested, "SSLRequest");
        out.add(SslRequest.INSTANCE);
      }
      case GSSENC_REQUEST_CODE -> {
        gssEncRequested = acceptEncryptionRequest(in, body, gssEncRequested, "GSSENCRequest");
        out.add(GssEncRequest.INSTANCE);
      }
      case CANCEL_REQUEST_CODE -> {
        MessageReader reader = new MessageReader(body, "CancelRequest");
        CancelRequest cancel = new CancelRequest(reader.readInt32("process id"), reader.readInt32("secret key"));
        reader.expectEnd();
        phase = Phase.CLOSED;
        out.add(cancel);
      }
      default -> {
        StartupMessage startup = readStartupMessage(ProtocolVersion.ofCode(code), body);
        phase = Phase.AUTHENTICATION;
        out.add(startup);
      }
    }
  }

  private static boolean acceptEncryptionRequest(ByteBuf in, ByteBuf body, boolean alreadyRequested, String name) {
    if (body.isReadable()) {
      throw ProtocolViolation.malformed("malformed " + name + ": it must be exactly 8 bytes long");
    }
    if (alreadyRequested) {
      throw ProtocolViolation.malformed("duplicate " + name + ": it may be sent only once per connection");
    }
    if (in.isReadable()) {
      // The client must wait for the one-byte answer; bytes already here were sent in the clear and
      // may have been injected by a man in the middle (CVE-2021-23214).
      throw ProtocolViolation.malformed("received unencrypted data after " + name
          + "; the client must wait for the server's answer before sending more");
    }
    return true;
  }

  private static StartupMessage readStartupMessage(ProtocolVersion version, ByteBuf body) {
    if (version.major() != 3) {
      throw new ProtocolViolation(SqlStates.FEATURE_NOT_SUPPORTED,
          "unsupported frontend protocol " + version + ": Junction speaks 3.0");
    }
    MessageReader reader = new MessageReader(body, "StartupMessage");
    Map<String, String> parameters = new LinkedHashMap<>();
    Map<String, String> protocolOptions = new LinkedHashMap<>();
    while (true) {
      String name = reader.readCString("parameter name");
      if (name.isEmpty()) {
        break;
      }
      String value = reader.readCString("value of parameter \"" + name + "\"");
      (name.startsWith("_pq_.") ? protocolOptions : parameters).put(name, value);
    }
    reader.expectEnd();
    String user = parameters.get("user");
    if (user == null || user.isEmpty()) {
      throw new ProtocolViolation(SqlStates.INVALID_AUTHORIZATION_SPECIFICATION,
          "no PostgreSQL user name specified in startup packet; set the \"user\" connection parameter");
    }
    return new StartupMessage(version, parameters, protocolOptions);
  }

  // ------------------------------------------------------------------ typed messages

  private void decodeTypedMessage(ByteBuf in, List<Object> out) {
    int start = in.readerIndex();
    byte type = in.getByte(start);
    int limit = lengthLimit(type);
    if (in.readableBytes() < 5) {
      return;
    }
    int length = in.getInt(start + 1);
    if (length < 4) {
      throw ProtocolViolation.malformed("invalid length " + length + " of " + name(type) + " message");
    }
    if (limit == FIXED_EMPTY) {
      if (length != 4) {
        throw ProtocolViolation.malformed(name(type) + " message must have no body (length 4), got length " + length);
      }
    } else if (length > limit) {
      if (limit == limits.maxMessageLength()) {
        throw new ProtocolViolation(SqlStates.PROGRAM_LIMIT_EXCEEDED, name(type) + " message of " + length
            + " bytes exceeds the proxy's limit of " + limit
            + " bytes; send smaller statements/parameters or raise the proxy's max message length");
      }
      throw ProtocolViolation.malformed("invalid length " + length + " of " + name(type)
          + " message (at most " + limit + " bytes)");
    }
    if (in.readableBytes() - 1 < length) {
      return;
    }
    in.skipBytes(5);
    ByteBuf body = in.readSlice(length - 4);
    out.add(readTypedMessage(type, new MessageReader(body, MESSAGE_NAMES[type & 0xff])));
  }

  /** The maximum length for a type in the current phase; rejects types not allowed here. */
  private int lengthLimit(byte type) {
    if (phase == Phase.AUTHENTICATION) {
      return switch (type) {
        case 'p' -> limits.authLimit();
        case 'X' -> FIXED_EMPTY;
        default -> throw ProtocolViolation.malformed(
            "expected a password message during authentication, got message type " + describeType(type));
      };
    }
    return switch (type) {
      case 'Q', 'P', 'B', 'F', 'd' -> limits.maxMessageLength();
      case 'D', 'C', 'E', 'f' -> limits.controlLimit();
      case 'S', 'H', 'X', 'c' -> FIXED_EMPTY;
      case 'p' -> throw ProtocolViolation.malformed(
          "unexpected password message: authentication is already complete");
      default -> throw ProtocolViolation.malformed("invalid frontend message type " + describeType(type));
    };
  }

  private FrontendMessage readTypedMessage(byte type, MessageReader r) {
    FrontendMessage message = switch (type) {
      case 'Q' -> new Query(r.readCString("query string"));
      case 'P' -> readParse(r);
      case 'B' -> readBind(r);
      case 'D' -> new Describe(readTarget(r), r.readCString("name"));
      case 'C' -> new Close(readTarget(r), r.readCString("name"));
      case 'E' -> new Execute(r.readCString("portal name"), r.readInt32("max rows"));
      case 'S' -> Sync.INSTANCE;
      case 'H' -> Flush.INSTANCE;
      case 'X' -> {
        phase = Phase.CLOSED;
        yield Terminate.INSTANCE;
      }
      case 'c' -> CopyDone.INSTANCE;
      case 'p' -> new PasswordMessage(r.readRemaining());
      case 'd' -> new CopyData(r.readRemaining());
      case 'f' -> new CopyFail(r.readCString("error message"));
      case 'F' -> readFunctionCall(r);
      default -> throw new IllegalStateException("type " + describeType(type) + " passed lengthLimit but has no reader");
    };
    r.expectEnd();
    return message;
  }

  private static Parse readParse(MessageReader r) {
    String statement = r.readCString("statement name");
    String query = r.readCString("query string");
    int count = r.readCount("parameter type count", 4);
    List<Integer> types = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      types.add(r.readInt32("parameter type"));
    }
    return new Parse(statement, query, types);
  }

  private static Bind readBind(MessageReader r) {
    String portal = r.readCString("portal name");
    String statement = r.readCString("statement name");
    List<Format> parameterFormats = r.readFormats("parameter format code");
    List<byte[]> values = r.readNullableValues("parameter");
    checkFormatCount(r, parameterFormats.size(), values.size(), "parameter");
    List<Format> resultFormats = r.readFormats("result format code");
    return new Bind(portal, statement, parameterFormats, values, resultFormats);
  }

  private static FunctionCall readFunctionCall(MessageReader r) {
    int oid = r.readInt32("function oid");
    List<Format> formats = r.readFormats("argument format code");
    List<byte[]> arguments = r.readNullableValues("argument");
    checkFormatCount(r, formats.size(), arguments.size(), "argument");
    return new FunctionCall(oid, formats, arguments, r.readFormat("result format code"));
  }

  private static void checkFormatCount(MessageReader r, int formats, int values, String what) {
    if (formats > 1 && formats != values) {
      throw r.malformed(formats + " " + what + " formats but " + values + " " + what + "s (send 0, 1 or one per "
          + what + ")");
    }
  }

  private static Target readTarget(MessageReader r) {
    byte code = r.readByte("target");
    Target target = Target.ofCode(code);
    if (target == null) {
      throw r.malformed("target is " + describeType(code) + " but must be 'S' (statement) or 'P' (portal)");
    }
    return target;
  }

  /** "Query message" etc. by type byte, made once: the reader's name of every message. */
  private static final String[] MESSAGE_NAMES = new String[256];

  static {
    for (int t = 0; t < 256; t++) {
      MESSAGE_NAMES[t] = name((byte) t) + " message";
    }
  }

  static String name(byte type) {
    return switch (type) {
      case 'Q' -> "Query";
      case 'P' -> "Parse";
      case 'B' -> "Bind";
      case 'D' -> "Describe";
      case 'E' -> "Execute";
      case 'C' -> "Close";
      case 'S' -> "Sync";
      case 'H' -> "Flush";
      case 'X' -> "Terminate";
      case 'p' -> "password";
      case 'd' -> "CopyData";
      case 'c' -> "CopyDone";
      case 'f' -> "CopyFail";
      case 'F' -> "FunctionCall";
      default -> "type " + describeType(type);
    };
  }

  private static String describeType(byte type) {
    String hex = String.format("0x%02x", type & 0xFF);
    return type >= 0x20 && type < 0x7F ? "'" + (char) type + "' (" + hex + ")" : hex;
  }
}
