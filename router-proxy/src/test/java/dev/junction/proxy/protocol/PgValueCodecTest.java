package dev.junction.proxy.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.PGStatement;
import org.postgresql.util.PGobject;

class PgValueCodecTest {
  private final PgValueCodec codec = new PgValueCodec();

  static PGobject json(String type, String value) {
    try {
      PGobject o = new PGobject();
      o.setType(type);
      o.setValue(value);
      return o;
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** (type, value as pgjdbc's getObject returns it, PostgreSQL's text output, value decoded back). */
  static Stream<Arguments> values() {
    UUID uuid = UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    return Stream.of(
        Arguments.of(PgType.BOOL, true, "t", true),
        Arguments.of(PgType.BOOL, false, "f", false),
        Arguments.of(PgType.INT2, 12345, "12345", (short) 12345),
        Arguments.of(PgType.INT4, -7, "-7", -7),
        Arguments.of(PgType.INT4, Integer.MAX_VALUE, "2147483647", Integer.MAX_VALUE),
        Arguments.of(PgType.INT8, Long.MIN_VALUE, "-9223372036854775808", Long.MIN_VALUE),
        Arguments.of(PgType.OID, 4_294_967_295L, "4294967295", 4_294_967_295L),
        Arguments.of(PgType.FLOAT4, 1.5f, "1.5", 1.5f),
        Arguments.of(PgType.FLOAT4, 1_000_000f, "1e+06", 1_000_000f),
        Arguments.of(PgType.FLOAT4, 100_000f, "100000", 100_000f),
        Arguments.of(PgType.FLOAT4, 0.1f, "0.1", 0.1f),
        Arguments.of(PgType.FLOAT8, 0.1, "0.1", 0.1),
        Arguments.of(PgType.FLOAT8, 1e15, "1e+15", 1e15),
        Arguments.of(PgType.FLOAT8, 123_456_789_012_345.0, "123456789012345", 123_456_789_012_345.0),
        Arguments.of(PgType.FLOAT8, 1e-5, "1e-05", 1e-5),
        Arguments.of(PgType.FLOAT8, 0.0001, "0.0001", 0.0001),
        Arguments.of(PgType.FLOAT8, -1.5e300, "-1.5e+300", -1.5e300),
        Arguments.of(PgType.FLOAT8, -0.0, "-0", -0.0),
        Arguments.of(PgType.FLOAT8, Double.NaN, "NaN", Double.NaN),
        Arguments.of(PgType.FLOAT8, Double.NEGATIVE_INFINITY, "-Infinity", Double.NEGATIVE_INFINITY),
        Arguments.of(PgType.NUMERIC, new BigDecimal("12345.678"), "12345.678", new BigDecimal("12345.678")),
        Arguments.of(PgType.NUMERIC, new BigDecimal("-0.000100"), "-0.000100", new BigDecimal("-0.000100")),
        Arguments.of(PgType.NUMERIC, new BigDecimal("0"), "0", new BigDecimal("0")),
        Arguments.of(PgType.NUMERIC, new BigDecimal("0.00"), "0.00", new BigDecimal("0.00")),
        Arguments.of(PgType.NUMERIC, new BigDecimal("1E+3"), "1000", new BigDecimal("1000")),
        Arguments.of(PgType.NUMERIC, new BigDecimal("100000000000000000000.00000001"), "100000000000000000000.00000001",
            new BigDecimal("100000000000000000000.00000001")),
        Arguments.of(PgType.NUMERIC, Double.NaN, "NaN", Double.NaN),
        Arguments.of(PgType.NUMERIC, Double.POSITIVE_INFINITY, "Infinity", Double.POSITIVE_INFINITY),
        Arguments.of(PgType.TEXT, "héllo 🐢", "héllo 🐢", "héllo 🐢"),
        Arguments.of(PgType.VARCHAR, "", "", ""),
        Arguments.of(PgType.BPCHAR, "ab  ", "ab  ", "ab  "),
        Arguments.of(PgType.JSON, json("json", "{\"a\": [1, 2]}"), "{\"a\": [1, 2]}", "{\"a\": [1, 2]}"),
        Arguments.of(PgType.JSONB, json("jsonb", "{\"a\": 1}"), "{\"a\": 1}", "{\"a\": 1}"),
        Arguments.of(PgType.BYTEA, new byte[] {0, 1, (byte) 0xFF}, "\\x0001ff", new byte[] {0, 1, (byte) 0xFF}),
        Arguments.of(PgType.BYTEA, new byte[0], "\\x", new byte[0]),
        Arguments.of(PgType.UUID, uuid, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", uuid),
        Arguments.of(PgType.DATE, java.sql.Date.valueOf("2024-02-29"), "2024-02-29", LocalDate.of(2024, 2, 29)),
        Arguments.of(PgType.DATE, LocalDate.of(-43, 3, 15), "0044-03-15 BC", LocalDate.of(-43, 3, 15)),
        Arguments.of(PgType.DATE, new java.sql.Date(PGStatement.DATE_POSITIVE_INFINITY), "infinity", LocalDate.MAX),
        Arguments.of(PgType.DATE, LocalDate.MIN, "-infinity", LocalDate.MIN),
        Arguments.of(PgType.TIME, java.sql.Time.valueOf("13:45:30"), "13:45:30", LocalTime.of(13, 45, 30)),
        Arguments.of(PgType.TIME, LocalTime.of(1, 2, 3, 456_000_000), "01:02:03.456", LocalTime.of(1, 2, 3, 456_000_000)),
        Arguments.of(PgType.TIME, LocalTime.MAX, "24:00:00", LocalTime.MAX),
        Arguments.of(PgType.TIMESTAMP, Timestamp.valueOf("2024-01-02 03:04:05.123456"), "2024-01-02 03:04:05.123456",
            LocalDateTime.of(2024, 1, 2, 3, 4, 5, 123_456_000)),
        Arguments.of(PgType.TIMESTAMP, LocalDateTime.of(1999, 12, 31, 23, 59, 59), "1999-12-31 23:59:59",
            LocalDateTime.of(1999, 12, 31, 23, 59, 59)),
        Arguments.of(PgType.TIMESTAMP, new Timestamp(PGStatement.DATE_NEGATIVE_INFINITY), "-infinity", LocalDateTime.MIN),
        Arguments.of(PgType.TIMESTAMPTZ, OffsetDateTime.parse("2024-01-02T03:04:05.5+02:00"), "2024-01-02 01:04:05.5+00",
            OffsetDateTime.parse("2024-01-02T01:04:05.5Z")),
        Arguments.of(PgType.TIMESTAMPTZ, Timestamp.from(java.time.Instant.parse("2000-01-01T00:00:00Z")),
            "2000-01-01 00:00:00+00", OffsetDateTime.parse("2000-01-01T00:00:00Z")),
        Arguments.of(PgType.TIMESTAMPTZ, OffsetDateTime.MAX, "infinity", OffsetDateTime.MAX));
  }

  @ParameterizedTest(name = "{0} {2}")
  @MethodSource("values")
  void textOutputMatchesPostgresAndReadsBack(PgType type, Object value, String text, Object decoded) {
    assertThat(codec.encodeText(value, type)).isEqualTo(text);
    byte[] wire = codec.encode(value, type, Format.TEXT);
    assertThat(codec.decode(wire, type.oid(), Format.TEXT)).isEqualTo(decoded);
  }

  @ParameterizedTest(name = "{0} {2}")
  @MethodSource("values")
  void binaryRoundTrips(PgType type, Object value, String text, Object decoded) {
    byte[] wire = codec.encode(value, type, Format.BINARY);
    assertThat(codec.decode(wire, type.oid(), Format.BINARY)).isEqualTo(decoded);
    // Binary of the decoded value is stable (decode output is valid encode input).
    assertThat(codec.encode(decoded, type, Format.BINARY)).isEqualTo(wire);
  }

  @Test
  void nullStaysNull() {
    assertThat(codec.encode(null, PgType.INT4, Format.BINARY)).isNull();
    assertThat(codec.encodeText(null, PgType.TEXT)).isNull();
    assertThat(codec.decode(null, PgType.INT4.oid(), Format.TEXT)).isNull();
  }

  @Nested
  class BinaryGoldens {
    @ParameterizedTest
    @CsvSource({
        "INT4, 42, 0000002a",
        "INT2, -2, fffe",
        "INT8, 1, 0000000000000001",
        "BOOL, true, 01",
        "FLOAT8, 1.0, 3ff0000000000000",
        // numeric 12345.678: ndigits 3, weight 1, sign +, dscale 3, digits 1 2345 6780
        "NUMERIC, 12345.678, 0003000100000003000109291a7c",
        "NUMERIC, 0.0001, 0001ffff000000040001",
        "NUMERIC, -100000, 0001000140000000000a",
        "NUMERIC, 0.00, 0000000000000002",
        "JSONB, '{}', 017b7d"})
    void matchesPostgresSend(PgType type, String text, String hex) {
      Object value = codec.decodeText(text, type.oid());
      assertThat(HexFormat.of().formatHex(codec.encodeBinary(value, type))).isEqualTo(hex);
    }

    @Test
    void dateTimeEpochIs2000() {
      assertThat(codec.encodeBinary(LocalDate.of(2000, 1, 2), PgType.DATE)).containsExactly(0, 0, 0, 1);
      assertThat(codec.encodeBinary(LocalDateTime.of(2000, 1, 1, 0, 0, 1), PgType.TIMESTAMP))
          .containsExactly(0, 0, 0, 0, 0, 0x0F, 0x42, 0x40);
      assertThat(codec.decodeBinary(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
          (byte) 0xF0, (byte) 0xBD, (byte) 0xC0}, PgType.TIMESTAMP.oid()))
          .isEqualTo(LocalDateTime.of(1999, 12, 31, 23, 59, 59));
      assertThat(codec.encodeBinary(LocalDate.MAX, PgType.DATE)).containsExactly(0x7F, 0xFF, 0xFF, 0xFF);
    }

    @Test
    void specialNumerics() {
      assertThat(HexFormat.of().formatHex(codec.encodeBinary(Double.NaN, PgType.NUMERIC))).isEqualTo("00000000c0000000");
      assertThat(codec.decodeBinary(HexFormat.of().parseHex("00000000f0000000"), PgType.NUMERIC.oid()))
          .isEqualTo(Double.NEGATIVE_INFINITY);
    }
  }

  @Nested
  class TextInput {
    @ParameterizedTest
    @CsvSource({"t,true", "TRUE,true", "tr,true", "yes,true", "y,true", "on,true", "1,true", "' true ',true",
        "f,false", "FALSE,false", "no,false", "off,false", "of,false", "0,false"})
    void booleansAsPostgresAcceptsThem(String text, boolean expected) {
      assertThat(codec.decodeText(text, PgType.BOOL.oid())).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"o", "2", "tru e", "''", "yess"})
    void invalidBooleans(String text) {
      assertThatThrownBy(() -> codec.decodeText(text, PgType.BOOL.oid()))
          .isInstanceOfSatisfying(ValueFormatException.class, e -> assertThat(e.sqlState()).isEqualTo("22P02"));
    }

    @ParameterizedTest
    @CsvSource({"' 42 ',42", "+7,7", "1_000_000,1000000", "0x1F,31", "-0o17,-15", "0b101,5", "-2147483648,-2147483648"})
    void integersIncludingPostgres16Syntax(String text, int expected) {
      assertThat(codec.decodeText(text, PgType.INT4.oid())).isEqualTo(expected);
    }

    @Test
    void integerErrorsMirrorPostgres() {
      assertThatThrownBy(() -> codec.decodeText("12a", PgType.INT4.oid())).isInstanceOfSatisfying(
          ValueFormatException.class, e -> {
            assertThat(e.sqlState()).isEqualTo("22P02");
            assertThat(e.getMessage()).isEqualTo("invalid input syntax for type integer: \"12a\"");
          });
      assertThatThrownBy(() -> codec.decodeText("40000", PgType.INT2.oid())).isInstanceOfSatisfying(
          ValueFormatException.class, e -> {
            assertThat(e.sqlState()).isEqualTo("22003");
            assertThat(e.getMessage()).isEqualTo("value \"40000\" is out of range for type smallint");
          });
      for (String bad : new String[] {"", "_1", "1_", "1__0", "0x", "--1", "1.0", "١٢"}) {
        assertThatThrownBy(() -> codec.decodeText(bad, PgType.INT8.oid())).as(bad)
            .isInstanceOf(ValueFormatException.class);
      }
    }

    @Test
    void floatsAndNumerics() {
      assertThat(codec.decodeText(" -inf ", PgType.FLOAT8.oid())).isEqualTo(Double.NEGATIVE_INFINITY);
      assertThat(codec.decodeText("1e3", PgType.FLOAT4.oid())).isEqualTo(1000f);
      assertThatThrownBy(() -> codec.decodeText("1e400", PgType.FLOAT8.oid())).isInstanceOfSatisfying(
          ValueFormatException.class, e -> assertThat(e.sqlState()).isEqualTo("22003"));
      assertThatThrownBy(() -> codec.decodeText("0x1p3", PgType.FLOAT8.oid())).isInstanceOf(ValueFormatException.class);
      assertThat(codec.decodeText("1_000.5", PgType.NUMERIC.oid())).isEqualTo(new BigDecimal("1000.5"));
      assertThat(codec.decodeText(".5", PgType.NUMERIC.oid())).isEqualTo(new BigDecimal(".5"));
      assertThat(codec.decodeText("NaN", PgType.NUMERIC.oid())).isEqualTo(Double.NaN);
      assertThatThrownBy(() -> codec.decodeText("1e999999999", PgType.NUMERIC.oid())).isInstanceOf(ValueFormatException.class);
    }

    @Test
    void byteaHexAndEscapeFormats() {
      assertThat((byte[]) codec.decodeText("\\xDE AD be ef", PgType.BYTEA.oid()))
          .containsExactly(0xDE, 0xAD, 0xBE, 0xEF);
      assertThat((byte[]) codec.decodeText("a\\\\b\\001\\377", PgType.BYTEA.oid()))
          .containsExactly('a', '\\', 'b', 1, 0xFF);
      assertThatThrownBy(() -> codec.decodeText("\\xabc", PgType.BYTEA.oid())).isInstanceOf(ValueFormatException.class);
      assertThatThrownBy(() -> codec.decodeText("\\9", PgType.BYTEA.oid())).isInstanceOf(ValueFormatException.class);
    }

    @Test
    void uuidSpellings() {
      UUID expected = UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
      assertThat(codec.decodeText("{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}", PgType.UUID.oid())).isEqualTo(expected);
      assertThat(codec.decodeText("a0eebc999c0b4ef8bb6d6bb9bd380a11", PgType.UUID.oid())).isEqualTo(expected);
      assertThatThrownBy(() -> codec.decodeText("a0eebc99-9c0b", PgType.UUID.oid())).isInstanceOf(ValueFormatException.class);
    }

    @Test
    void dateTimes() {
      assertThat(codec.decodeText("2024-05-06T07:08:09.1234567", PgType.TIMESTAMP.oid()))
          .isEqualTo(LocalDateTime.of(2024, 5, 6, 7, 8, 9, 123_457_000)); // rounded to microseconds
      assertThat(codec.decodeText("2024-05-06 07:08:09+05", PgType.TIMESTAMP.oid()))
          .isEqualTo(LocalDateTime.of(2024, 5, 6, 7, 8, 9)); // offset ignored, as PostgreSQL does
      assertThat(codec.decodeText("2024-05-06 07:08:09+05:30", PgType.TIMESTAMPTZ.oid()))
          .isEqualTo(OffsetDateTime.of(2024, 5, 6, 7, 8, 9, 0, ZoneOffset.ofHoursMinutes(5, 30)));
      assertThat(codec.decodeText("0044-03-15 12:00:00+00 BC", PgType.TIMESTAMPTZ.oid()))
          .isEqualTo(OffsetDateTime.of(-43, 3, 15, 12, 0, 0, 0, ZoneOffset.UTC));
      assertThat(codec.decodeText("2024-05-06", PgType.TIMESTAMP.oid())).isEqualTo(LocalDateTime.of(2024, 5, 6, 0, 0));
      assertThat(codec.decodeText("24:00:00", PgType.TIME.oid())).isEqualTo(LocalTime.MAX);
      assertThat(codec.decodeText("-infinity", PgType.DATE.oid())).isEqualTo(LocalDate.MIN);
      // Non-ISO input is left to the backend, which knows DateStyle and the session time zone.
      assertThat(codec.decodeText("now", PgType.TIMESTAMPTZ.oid())).isEqualTo("now");
      assertThat(codec.decodeText("Jan 8 1999", PgType.DATE.oid())).isEqualTo("Jan 8 1999");
      assertThatThrownBy(() -> codec.decodeText("2024-13-01", PgType.DATE.oid())).isInstanceOfSatisfying(
          ValueFormatException.class, e -> assertThat(e.sqlState()).isEqualTo("22008"));
    }

    @Test
    void timestampWithoutOffsetIsInTheSessionZone() {
      PgValueCodec kolkata = new PgValueCodec(ZoneId.of("Asia/Kolkata"));
      assertThat(kolkata.decodeText("2024-01-01 10:00:00", PgType.TIMESTAMPTZ.oid()))
          .isEqualTo(OffsetDateTime.of(2024, 1, 1, 10, 0, 0, 0, ZoneOffset.ofHoursMinutes(5, 30)));
      assertThat(kolkata.encodeText(OffsetDateTime.parse("2024-01-01T00:00:00Z"), PgType.TIMESTAMPTZ))
          .isEqualTo("2024-01-01 05:30:00+05:30");
      assertThat(new PgValueCodec(ZoneId.of("America/Sao_Paulo"))
          .encodeText(OffsetDateTime.parse("2024-01-01T00:00:00Z"), PgType.TIMESTAMPTZ))
          .isEqualTo("2023-12-31 21:00:00-03");
    }

    @Test
    void typesWithoutCodecPassThroughAsText() {
      assertThat(codec.decodeText("{1,2,3}", 1007)).isEqualTo("{1,2,3}");
      assertThat(codec.decode("anything".getBytes(StandardCharsets.UTF_8), PgType.UNSPECIFIED_OID, Format.TEXT))
          .isEqualTo("anything");
    }
  }

  @Nested
  class BinaryInput {
    @Test
    void wrongLengthsAreInvalidBinaryRepresentation() {
      assertThatThrownBy(() -> codec.decodeBinary(new byte[3], PgType.INT4.oid())).isInstanceOfSatisfying(
          ValueFormatException.class, e -> {
            assertThat(e.sqlState()).isEqualTo("22P03");
            assertThat(e.getMessage()).contains("expected 4 bytes, got 3");
          });
      assertThatThrownBy(() -> codec.decodeBinary(new byte[] {2}, PgType.BOOL.oid())).isInstanceOf(ValueFormatException.class);
      assertThatThrownBy(() -> codec.decodeBinary(HexFormat.of().parseHex("0001000000000000ffff"), PgType.NUMERIC.oid()))
          .hasMessageContaining("invalid digit");
      assertThatThrownBy(() -> codec.decodeBinary(HexFormat.of().parseHex("00020000000000000001"), PgType.NUMERIC.oid()))
          .hasMessageContaining("2 digits declared");
      // 0.5 (digit 5000 at weight -1) declared with display scale 0
      assertThatThrownBy(() -> codec.decodeBinary(HexFormat.of().parseHex("0001ffff000000001388"), PgType.NUMERIC.oid()))
          .hasMessageContaining("beyond the declared scale");
    }

    @Test
    void binaryForUnknownTypesIsRefusedWithAHint() {
      assertThatThrownBy(() -> codec.decodeBinary(new byte[4], PgType.UNSPECIFIED_OID)).isInstanceOfSatisfying(
          ValueFormatException.class, e -> {
            assertThat(e.sqlState()).isEqualTo("0A000");
            assertThat(e.getMessage()).contains("send it in text format");
          });
      assertThatThrownBy(() -> codec.decodeBinary(new byte[4], 1007)).hasMessageContaining("OID 1007");
    }

    @Test
    void invalidUtf8InBinaryText() {
      assertThatThrownBy(() -> codec.decodeBinary(new byte[] {(byte) 0xFF}, PgType.TEXT.oid()))
          .isInstanceOfSatisfying(ValueFormatException.class, e -> assertThat(e.sqlState()).isEqualTo("22021"));
    }
  }

  @Test
  void encodingAMismatchedJavaTypeFailsClearly() {
    assertThatThrownBy(() -> codec.encodeText(new Object(), PgType.DATE))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("as PostgreSQL date");
    assertThatThrownBy(() -> codec.encodeBinary(70_000, PgType.INT2)).hasMessageContaining("out of range");
    assertThat(codec.encodeBinary("42", PgType.INT4)).containsExactly(0, 0, 0, 42); // text from a backend is parsed
    assertThat(codec.encodeBinary("2024-01-02", PgType.DATE)).isEqualTo(codec.encodeBinary(LocalDate.of(2024, 1, 2), PgType.DATE));
    assertThatThrownBy(() -> codec.encodeBinary("now", PgType.TIMESTAMP)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("send this column in text format");
  }
}
