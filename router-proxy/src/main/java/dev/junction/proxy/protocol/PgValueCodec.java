package dev.junction.proxy.protocol;

import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * Converts between Java values and PostgreSQL's text and binary wire formats for the types in
 * {@link PgType}, in both directions the proxy needs:
 *
 * <ul>
 *   <li>encode: values as returned by {@code ResultSet#getObject} (pgjdbc's choices: Integer for
 *       int2/int4, Long for int8/oid, BigDecimal for numeric with Double for NaN/Infinity,
 *       java.sql.Date/Time/Timestamp, UUID, PGobject for json, byte[] for bytea, and the java.time
 *       types) into DataRow column bytes; a String for a typed column is taken as that type's text.
 *   <li>decode: Bind parameter bytes into values for
 *       {@code PreparedStatement#setObject(i, value, type.jdbcType())}: Boolean, Short, Integer, Long,
 *       Float, Double, BigDecimal, String, byte[], UUID, LocalDate, LocalTime, LocalDateTime and
 *       OffsetDateTime, with infinity as the java.time {@code MAX}/{@code MIN} values pgjdbc uses.
 * </ul>
 *
 * <p>Parameters of types outside {@link PgType} (or unspecified, OID 0) in text format are returned
 * as their String, for the backend to interpret as it would have; in binary format they are
 * rejected with 0A000. Thread-safe; the session time zone is used to print timestamptz and to read
 * timestamps without an offset.
 */
public final class PgValueCodec {
  private final ZoneId sessionZone;

  public PgValueCodec() {
    this(ZoneOffset.UTC);
  }

  public PgValueCodec(ZoneId sessionZone) {
    this.sessionZone = Objects.requireNonNull(sessionZone, "sessionZone");
  }

  public ZoneId sessionZone() {
    return sessionZone;
  }

  /** Column bytes for a DataRow, or {@code null} for SQL NULL. */
  public byte[] encode(Object value, PgType type, Format format) {
    if (value == null) {
      return null;
    }
    return format == Format.BINARY ? encodeBinary(value, type) : encodeText(value, type).getBytes(StandardCharsets.UTF_8);
  }

  /** The value's text form (for {@link DataRowWriter#writeText}), or {@code null} for SQL NULL. */
  public String encodeText(Object value, PgType type) {
    return value == null ? null : TextValues.encode(value, type, sessionZone);
  }

  /** The value's binary form, or {@code null} for SQL NULL. */
  public byte[] encodeBinary(Object value, PgType type) {
    return value == null ? null : BinaryValues.encode(value, type, sessionZone);
  }

  /**
   * A Bind parameter as a Java value; {@code null} bytes (SQL NULL) give {@code null}.
   *
   * @throws ValueFormatException if the bytes are not a valid value of the type
   */
  public Object decode(byte[] value, int typeOid, Format format) {
    if (value == null) {
      return null;
    }
    if (format == Format.BINARY) {
      return decodeBinary(value, typeOid);
    }
    String text = BinaryValues.decode(value, PgType.TEXT).toString();
    return decodeText(text, typeOid);
  }

  public Object decodeText(String text, int typeOid) {
    if (text == null) {
      return null;
    }
    PgType type = PgType.ofOid(typeOid);
    return type == null ? text : TextValues.decode(text, type, sessionZone);
  }

  public Object decodeBinary(byte[] value, int typeOid) {
    if (value == null) {
      return null;
    }
    PgType type = PgType.ofOid(typeOid);
    if (type == null) {
      throw new ValueFormatException(SqlStates.FEATURE_NOT_SUPPORTED, typeOid == PgType.UNSPECIFIED_OID
          ? "a binary-format parameter needs a declared type; declare it in Parse or send it in text format"
          : "binary format for type OID " + typeOid + " is not supported by Junction; send the parameter in text format");
    }
    return BinaryValues.decode(value, type);
  }
}
