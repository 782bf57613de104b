package dev.junction.proxy.protocol;

import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything {@link FrontendDecoder} can hand to the connection handler: the untyped startup-phase
 * packets and the typed messages of the v3 protocol, each as an immutable value.
 *
 * <p>Byte arrays carried by these records belong to the record (the decoder allocates fresh ones
 * and never copies twice); callers must not modify them. Equality is by content, and
 * {@code toString()} never prints value bytes, which may be passwords or personal data.
 */
public sealed interface FrontendMessage {

  /** Whether Describe/Close refer to a prepared statement ('S') or a portal ('P'). */
  enum Target {
    STATEMENT('S'), PORTAL('P');

    private final char code;

    Target(char code) {
      this.code = code;
    }

    public char code() {
      return code;
    }

    static Target ofCode(byte code) {
      return code == 'S' ? STATEMENT : code == 'P' ? PORTAL : null;
    }
  }

  // ---------------------------------------------------------------- startup phase (untyped)

  /**
   * The connection's StartupMessage. {@code parameters} are the session settings in the order sent
   * ({@code user} is always present); names starting with {@code _pq_.} are protocol options and are
   * kept apart in {@code protocolOptions}.
   */
  record StartupMessage(ProtocolVersion version, Map<String, String> parameters,
      Map<String, String> protocolOptions) implements FrontendMessage {
    public StartupMessage {
      Objects.requireNonNull(version, "version");
      parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
      protocolOptions = Collections.unmodifiableMap(new LinkedHashMap<>(protocolOptions));
      String user = parameters.get("user");
      if (user == null || user.isEmpty()) {
        throw new IllegalArgumentException("a StartupMessage needs a non-empty \"user\" parameter");
      }
    }

    public String user() {
      return parameters.get("user");
    }

    /** The requested database; PostgreSQL defaults it to the user name. */
    public String database() {
      String database = parameters.get("database");
      return database == null || database.isEmpty() ? user() : database;
    }

    /**
     * The NegotiateProtocolVersion the server must send before authentication, if any. Junction
     * answers any 3.x request with 3.0 semantics: a client asking for a newer minor version (e.g.
     * libpq 18's 3.2) or sending {@code _pq_.} options is told "3.0, none of these options", exactly
     * as a PostgreSQL server that does not know them would.
     */
    public Optional<BackendMessage.NegotiateProtocolVersion> negotiation() {
      if (version.minor() == 0 && protocolOptions.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(new BackendMessage.NegotiateProtocolVersion(
          ProtocolVersion.V3_0, new ArrayList<>(protocolOptions.keySet())));
    }
  }

  /** SSLRequest: the client asks whether to switch to TLS; answer with one byte. */
  record SslRequest() implements FrontendMessage {
    public static final SslRequest INSTANCE = new SslRequest();
  }

  /** GSSENCRequest: the client asks for GSSAPI encryption; answer with one byte. */
  record GssEncRequest() implements FrontendMessage {
    public static final GssEncRequest INSTANCE = new GssEncRequest();
  }

  /** CancelRequest, sent on a fresh connection; the server closes it without answering. */
  record CancelRequest(int processId, int secretKey) implements FrontendMessage {
  }

  // ---------------------------------------------------------------- typed messages

  /** Query 'Q': simple query protocol, possibly several statements. */
  record Query(String sql) implements FrontendMessage {
    public Query {
      Objects.requireNonNull(sql, "sql");
    }
  }

  /** Parse 'P': {@code parameterTypes} are type OIDs, 0 meaning "let the server infer". */
  record Parse(String statement, String query, List<Integer> parameterTypes) implements FrontendMessage {
    public Parse {
      Objects.requireNonNull(statement, "statement");
      Objects.requireNonNull(query, "query");
      parameterTypes = List.copyOf(parameterTypes);
    }
  }

  /**
   * Bind 'B'. {@code parameterFormats} has 0 entries (all text), 1 (applies to all) or one per
   * parameter; use {@link #parameterFormat(int)}. A {@code null} value is SQL NULL. The same rule
   * holds for {@code resultFormats} against the result columns.
   */
  record Bind(String portal, String statement, List<Format> parameterFormats, List<byte[]> parameterValues,
      List<Format> resultFormats) implements FrontendMessage {
    public Bind {
      Objects.requireNonNull(portal, "portal");
      Objects.requireNonNull(statement, "statement");
      parameterFormats = List.copyOf(parameterFormats);
      parameterValues = Collections.unmodifiableList(new ArrayList<>(parameterValues));
      resultFormats = List.copyOf(resultFormats);
      int formats = parameterFormats.size();
      if (formats > 1 && formats != parameterValues.size()) {
        throw new IllegalArgumentException("Bind has " + formats + " parameter formats but "
            + parameterValues.size() + " parameters; send 0, 1 or one per parameter");
      }
    }

    public Format parameterFormat(int index) {
      return formatAt(parameterFormats, index);
    }

    /** The format requested for result column {@code index}. */
    public Format resultFormat(int index) {
      return formatAt(resultFormats, index);
    }

    private static Format formatAt(List<Format> formats, int index) {
      return switch (formats.size()) {
        case 0 -> Format.TEXT;
        case 1 -> formats.get(0);
        default -> formats.get(index);
      };
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Bind b && portal.equals(b.portal) && statement.equals(b.statement)
          && parameterFormats.equals(b.parameterFormats) && ByteArrays.equal(parameterValues, b.parameterValues)
          && resultFormats.equals(b.resultFormats);
    }

    @Override
    public int hashCode() {
      return Objects.hash(portal, statement, parameterFormats, ByteArrays.hash(parameterValues), resultFormats);
    }

    @Override
    public String toString() {
      return "Bind[portal=" + portal + ", statement=" + statement + ", parameterFormats=" + parameterFormats
          + ", parameterValues=" + ByteArrays.describe(parameterValues) + ", resultFormats=" + resultFormats + "]";
    }
  }

  /** Describe 'D' of a statement or portal. */
  record Describe(Target target, String name) implements FrontendMessage {
    public Describe {
      Objects.requireNonNull(target, "target");
      Objects.requireNonNull(name, "name");
    }
  }

  /** Execute 'E'; {@code maxRows} &lt;= 0 means no limit (PostgreSQL's reading). */
  record Execute(String portal, int maxRows) implements FrontendMessage {
    public Execute {
      Objects.requireNonNull(portal, "portal");
    }
  }

  /** Close 'C' of a statement or portal. */
  record Close(Target target, String name) implements FrontendMessage {
    public Close {
      Objects.requireNonNull(target, "target");
      Objects.requireNonNull(name, "name");
    }
  }

  /** Sync 'S'. */
  record Sync() implements FrontendMessage {
    public static final Sync INSTANCE = new Sync();
  }

  /** Flush 'H'. */
  record Flush() implements FrontendMessage {
    public static final Flush INSTANCE = new Flush();
  }

  /** Terminate 'X'. */
  record Terminate() implements FrontendMessage {
    public static final Terminate INSTANCE = new Terminate();
  }

  /**
   * 'p': PasswordMessage, SASLInitialResponse and SASLResponse share this type byte and only the
   * authentication state tells them apart, so the decoder keeps the raw payload and the
   * authenticator reads it with the matching helper. Helpers throw {@link ProtocolViolation} on
   * malformed content.
   */
  record PasswordMessage(byte[] payload) implements FrontendMessage {
    public PasswordMessage {
      Objects.requireNonNull(payload, "payload");
    }

    /** The payload as a cleartext password or MD5 response (a NUL-terminated string). */
    public String password() {
      MessageReader reader = new MessageReader(Unpooled.wrappedBuffer(payload), "PasswordMessage");
      String password = reader.readCString("password");
      reader.expectEnd();
      return password;
    }

    /** The payload as a SASLInitialResponse. */
    public SaslInitialResponse saslInitialResponse() {
      MessageReader reader = new MessageReader(Unpooled.wrappedBuffer(payload), "SASLInitialResponse");
      String mechanism = reader.readCString("mechanism");
      byte[] data = reader.readNullableValue("initial response");
      reader.expectEnd();
      return new SaslInitialResponse(mechanism, data);
    }

    /** The payload as a SASLResponse: mechanism-specific bytes, returned as a copy. */
    public byte[] saslResponse() {
      return payload.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof PasswordMessage p && Arrays.equals(payload, p.payload);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
      return "PasswordMessage[<" + payload.length + " bytes redacted>]";
    }
  }

  /** CopyData 'd'. */
  record CopyData(byte[] data) implements FrontendMessage {
    public CopyData {
      Objects.requireNonNull(data, "data");
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof CopyData c && Arrays.equals(data, c.data);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(data);
    }

    @Override
    public String toString() {
      return "CopyData[<" + data.length + " bytes>]";
    }
  }

  /** CopyDone 'c'. */
  record CopyDone() implements FrontendMessage {
    public static final CopyDone INSTANCE = new CopyDone();
  }

  /** CopyFail 'f' with the client's reason. */
  record CopyFail(String message) implements FrontendMessage {
    public CopyFail {
      Objects.requireNonNull(message, "message");
    }
  }

  /**
   * FunctionCall 'F' (the legacy fast-path interface). Decoded completely so the proxy can reject it
   * with a proper error instead of desynchronising the stream.
   */
  record FunctionCall(int functionOid, List<Format> argumentFormats, List<byte[]> arguments, Format resultFormat)
      implements FrontendMessage {
    public FunctionCall {
      argumentFormats = List.copyOf(argumentFormats);
      arguments = Collections.unmodifiableList(new ArrayList<>(arguments));
      Objects.requireNonNull(resultFormat, "resultFormat");
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof FunctionCall f && functionOid == f.functionOid && argumentFormats.equals(f.argumentFormats)
          && ByteArrays.equal(arguments, f.arguments) && resultFormat == f.resultFormat;
    }

    @Override
    public int hashCode() {
      return Objects.hash(functionOid, argumentFormats, ByteArrays.hash(arguments), resultFormat);
    }

    @Override
    public String toString() {
      return "FunctionCall[functionOid=" + functionOid + ", argumentFormats=" + argumentFormats
          + ", arguments=" + ByteArrays.describe(arguments) + ", resultFormat=" + resultFormat + "]";
    }
  }
}
