package dev.junction.proxy.protocol;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the proxy sends to a client, as values that know their wire form. {@link BackendEncoder}
 * writes them to the channel; code that batches many rows can call {@link #writeTo(ByteBuf)} (or use
 * {@link DataRowWriter}) directly into one buffer.
 */
public sealed interface BackendMessage {

  /** Appends this message's complete wire form to {@code out}. */
  void writeTo(ByteBuf out);

  // ---------------------------------------------------------------- authentication 'R'

  /** AuthenticationOk. */
  record AuthenticationOk() implements BackendMessage {
    public static final AuthenticationOk INSTANCE = new AuthenticationOk();

    @Override
    public void writeTo(ByteBuf out) {
      writeAuthentication(out, 0, null);
    }
  }

  /** AuthenticationCleartextPassword. */
  record AuthenticationCleartextPassword() implements BackendMessage {
    public static final AuthenticationCleartextPassword INSTANCE = new AuthenticationCleartextPassword();

    @Override
    public void writeTo(ByteBuf out) {
      writeAuthentication(out, 3, null);
    }
  }

  /** AuthenticationMD5Password with its 4-byte salt. */
  record AuthenticationMd5Password(byte[] salt) implements BackendMessage {
    public AuthenticationMd5Password {
      if (salt == null || salt.length != 4) {
        throw new IllegalArgumentException("the MD5 salt must be exactly 4 bytes");
      }
      salt = salt.clone();
    }

    @Override
    public byte[] salt() {
      return salt.clone();
    }

    @Override
    public void writeTo(ByteBuf out) {
      writeAuthentication(out, 5, salt);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof AuthenticationMd5Password m && Arrays.equals(salt, m.salt);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(salt);
    }

    @Override
    public String toString() {
      return "AuthenticationMd5Password[salt=<4 bytes>]";
    }
  }

  /** AuthenticationSASL listing the mechanisms the server offers, in order of preference. */
  record AuthenticationSasl(List<String> mechanisms) implements BackendMessage {
    public AuthenticationSasl {
      mechanisms = List.copyOf(mechanisms);
      if (mechanisms.isEmpty() || mechanisms.contains("")) {
        throw new IllegalArgumentException("offer at least one non-empty SASL mechanism, got " + mechanisms);
      }
    }

    @Override
    public void writeTo(ByteBuf out) {
      int lengthIndex = Wire.begin(out, 'R');
      out.writeInt(10);
      for (String mechanism : mechanisms) {
        Wire.writeCString(out, mechanism);
      }
      out.writeByte(0);
      Wire.end(out, lengthIndex);
    }
  }

  /** AuthenticationSASLContinue carrying the server-first-message. */
  record AuthenticationSaslContinue(byte[] data) implements BackendMessage {
    public AuthenticationSaslContinue {
      data = data.clone();
    }

    @Override
    public byte[] data() {
      return data.clone();
    }

    @Override
    public void writeTo(ByteBuf out) {
      writeAuthentication(out, 11, data);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof AuthenticationSaslContinue c && Arrays.equals(data, c.data);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(data);
    }

    @Override
    public String toString() {
      return "AuthenticationSaslContinue[<" + data.length + " bytes>]";
    }
  }

  /** AuthenticationSASLFinal carrying the server-final-message. */
  record AuthenticationSaslFinal(byte[] data) implements BackendMessage {
    public AuthenticationSaslFinal {
      data = data.clone();
    }

    @Override
    public byte[] data() {
      return data.clone();
    }

    @Override
    public void writeTo(ByteBuf out) {
      writeAuthentication(out, 12, data);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof AuthenticationSaslFinal f && Arrays.equals(data, f.data);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(data);
    }

    @Override
    public String toString() {
      return "AuthenticationSaslFinal[<" + data.length + " bytes>]";
    }
  }

  private static void writeAuthentication(ByteBuf out, int code, byte[] extra) {
    int lengthIndex = Wire.begin(out, 'R');
    out.writeInt(code);
    if (extra != null) {
      out.writeBytes(extra);
    }
    Wire.end(out, lengthIndex);
  }

  // ---------------------------------------------------------------- session start

  /** ParameterStatus: a run-time parameter the client tracks (server_version, TimeZone, ...). */
  record ParameterStatus(String name, String value) implements BackendMessage {
    public ParameterStatus {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
    }

    @Override
    public void writeTo(ByteBuf out) {
      int lengthIndex = Wire.begin(out, 'S');
      Wire.writeCString(out, name);
      Wire.writeCString(out, value);
      Wire.end(out, lengthIndex);
    }
  }

  /** BackendKeyData: what the client must send in a CancelRequest for this session. */
  record BackendKeyData(int processId, int secretKey) implements BackendMessage {
    @Override
    public void writeTo(ByteBuf out) {
      int lengthIndex = Wire.begin(out, 'K');
      out.writeInt(processId);
      out.writeInt(secretKey);
      Wire.end(out, lengthIndex);
    }

    @Override
    public String toString() {
      return "BackendKeyData[processId=" + processId + ", secretKey=<redacted>]";
    }
  }

  /**
   * NegotiateProtocolVersion: sent right after the StartupMessage when the client asked for a newer
   * minor version or for {@code _pq_.} options. The Int32 is the full version code (major &lt;&lt; 16
   * | minor), which is what PostgreSQL servers send and libpq reads.
   */
  record NegotiateProtocolVersion(ProtocolVersion newestSupported, List<String> unrecognizedOptions)
      implements BackendMessage {
    public NegotiateProtocolVersion {
      Objects.requireNonNull(newestSupported, "newestSupported");
      unrecognizedOptions = List.copyOf(unrecognizedOptions);
    }

    @Override
    public void writeTo(ByteBuf out) {
      int lengthIndex = Wire.begin(out, 'v');
      out.writeInt(newestSupported.code());
      out.writeInt(unrecognizedOptions.size());
      for (String option : unrecognizedOptions) {
        Wire.writeCString(out, option);
      }
      Wire.end(out, lengthIndex);
    }
  }

  /**
   * The single-byte answer to SSLRequest ('S' or 'N') or GSSENCRequest ('G' or 'N'); not a typed
   * message, it has no length.
   */
  enum EncryptionResponse implements BackendMessage {
    SSL_ACCEPTED('S'), GSS_ACCEPTED('G'), DECLINED('N');

    private final char code;

    EncryptionResponse(char code) {
      this.code = code;
    }

    @Override
    public void writeTo(ByteBuf out) {
      out.writeByte(code);
    }
  }

  // ---------------------------------------------------------------- query cycle

  /** The transaction status reported by ReadyForQuery. */
  enum TransactionStatus {
    IDLE('I'), IN_TRANSACTION('T'), FAILED('E');

    private final char code;

    TransactionStatus(char code) {
      this.code = code;
    }

    public char code() {
      return code;
    }
  }

  /** ReadyForQuery. */
  record ReadyForQuery(TransactionStatus status) implements BackendMessage {
    public static final ReadyForQuery IDLE = new ReadyForQuery(TransactionStatus.IDLE);
    public static final ReadyForQuery IN_TRANSACTION = new ReadyForQuery(TransactionStatus.IN_TRANSACTION);
    public static final ReadyForQuery FAILED = new ReadyForQuery(TransactionStatus.FAILED);

    public ReadyForQuery {
      Objects.requireNonNull(status, "status");
    }

    @Override
    public void writeTo(ByteBuf out) {
      out.writeByte('Z');
      out.writeInt(5);
      out.writeByte(status.code());
    }
  }

  /** RowDescription; the field names are written straight into the buffer, without byte arrays. */
  record RowDescription(List<FieldDescription> fields) implements BackendMessage {
    public RowDescription {
      fields = List.copyOf(fields);
      if (fields.size() > 0xFFFF) {
        throw new IllegalArgumentException("a row has at most 65535 columns, got " + fields.size());
      }
    }

    @Override
    public void writeTo(ByteBuf out) {
      int lengthIndex = Wire.begin(out, 'T');
      out.writeShort(fields.size());
      for (int i = 0, n = fields.size(); i < n; i++) {
        FieldDescription f = fields.get(i);
        Wire.writeCString(out, f.name());
        out.writeInt(f.tableOid());
        out.writeShort(f.columnNumber());
        out.writeInt(f.typeOid());
        out.writeShort(f.typeSize());
        out.writeInt(f.typeModifier());
        out.writeShort(f.format().code());
      }
      Wire.end(out, lengthIndex);
    }
  }

  /**
   * DataRow from already encoded values ({@code null} = SQL NULL). For the per-row hot path prefer
   * {@link DataRowWriter}, which writes values into the buffer without building this record.
   */
  record DataRow(List<byte[]> values) implements BackendMessage {
    public DataRow {
      values = Collections.unmodifiableList(new ArrayList<>(values));
    }

    @Override
    public void writeTo(ByteBuf out) {
      DataRowWriter.write(out, values);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof DataRow d && ByteArrays.equal(values, d.values);
    }

    @Override
    public int hashCode() {
      return ByteArrays.hash(values);
    }

    @Override
    public String toString() {
      return "DataRow" + ByteArrays.describe(values);
    }
  }

  /** CommandComplete with its tag, e.g. "SELECT 3", "INSERT 0 1", "UPDATE 2", "SET". */
  record CommandComplete(String tag) implements BackendMessage {
    public CommandComplete {
      Objects.requireNonNull(tag, "tag");
    }

    @Override
    public void writeTo(ByteBuf out) {
      int lengthIndex = Wire.begin(out, 'C');
      Wire.writeCString(out, tag);
      Wire.end(out, lengthIndex);
    }
  }

  /** ErrorResponse; the severity must be ERROR, FATAL or PANIC. */
  record ErrorResponse(PgError error) implements BackendMessage {
    public ErrorResponse {
      if (!error.severity().isError()) {
        throw new IllegalArgumentException("ErrorResponse needs ERROR, FATAL or PANIC severity, got "
            + error.severity() + "; send a NoticeResponse instead");
      }
    }

    @Override
    public void writeTo(ByteBuf out) {
      writeNotice(out, 'E', error);
    }
  }

  /** NoticeResponse; the severity must be WARNING, NOTICE, DEBUG, INFO or LOG. */
  record NoticeResponse(PgError notice) implements BackendMessage {
    public NoticeResponse {
      if (notice.severity().isError()) {
        throw new IllegalArgumentException("NoticeResponse cannot have severity " + notice.severity()
            + "; send an ErrorResponse instead");
      }
    }

    @Override
    public void writeTo(ByteBuf out) {
      writeNotice(out, 'N', notice);
    }
  }

  private static void writeNotice(ByteBuf out, char type, PgError e) {
    int lengthIndex = Wire.begin(out, type);
    out.writeByte('S');
    Wire.writeCString(out, e.severity().name());
    out.writeByte('V');
    Wire.writeCString(out, e.severity().name());
    out.writeByte('C');
    Wire.writeCString(out, e.sqlState());
    out.writeByte('M');
    Wire.writeCString(out, e.message());
    for (Map.Entry<PgError.Field, String> field : e.fields().entrySet()) {
      out.writeByte(field.getKey().code());
      Wire.writeCString(out, field.getValue());
    }
    out.writeByte(0);
    Wire.end(out, lengthIndex);
  }

  /** ParameterDescription: the type OIDs of a prepared statement's parameters. */
  record ParameterDescription(List<Integer> typeOids) implements BackendMessage {
    public ParameterDescription {
      typeOids = List.copyOf(typeOids);
      if (typeOids.size() > 0xFFFF) {
        throw new IllegalArgumentException("a statement has at most 65535 parameters, got " + typeOids.size());
      }
    }

    @Override
    public void writeTo(ByteBuf out) {
      int lengthIndex = Wire.begin(out, 't');
      out.writeShort(typeOids.size());
      for (int i = 0, n = typeOids.size(); i < n; i++) {
        out.writeInt(typeOids.get(i));
      }
      Wire.end(out, lengthIndex);
    }
  }

  /** EmptyQueryResponse, ParseComplete, BindComplete, CloseComplete, NoData, PortalSuspended. */
  enum Empty implements BackendMessage {
    EMPTY_QUERY_RESPONSE('I'),
    PARSE_COMPLETE('1'),
    BIND_COMPLETE('2'),
    CLOSE_COMPLETE('3'),
    NO_DATA('n'),
    PORTAL_SUSPENDED('s');

    private final char type;

    Empty(char type) {
      this.type = type;
    }

    public char type() {
      return type;
    }

    @Override
    public void writeTo(ByteBuf out) {
      out.writeByte(type);
      out.writeInt(4);
    }
  }
}
