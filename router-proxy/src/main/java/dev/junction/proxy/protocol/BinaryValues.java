package dev.junction.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.UUID;

/** Binary-format values as PostgreSQL's typsend/typreceive functions define them. */
final class BinaryValues {
  private static final byte JSONB_VERSION = 1;

  private BinaryValues() {
  }

  static byte[] encode(Object value, PgType type, ZoneId zone) {
    if (value instanceof CharSequence text && !isTextual(type)) {
      // A backend returned text for a typed column: parse it the way PostgreSQL would, then encode.
      Object parsed = TextValues.decode(text.toString(), type, zone);
      if (parsed instanceof CharSequence) {
        throw new IllegalArgumentException("cannot encode the text \"" + text + "\" as binary " + type.typeName()
            + "; only ISO date/time text can be converted, so send this column in text format");
      }
      return encode(parsed, type, zone);
    }
    return switch (type) {
      case BOOL -> new byte[] {(byte) (TextValues.toBoolean(value, type) ? 1 : 0)};
      case INT2 -> allocate(2).writeShort(TextValues.integral(value, type).shortValue()).array();
      case INT4 -> allocate(4).writeInt(TextValues.integral(value, type).intValue()).array();
      case INT8 -> allocate(8).writeLong(TextValues.integral(value, type).longValue()).array();
      case OID -> allocate(4).writeInt((int) TextValues.integral(value, type).longValue()).array();
      case FLOAT4 -> allocate(4).writeFloat(TextValues.toNumber(value, type).floatValue()).array();
      case FLOAT8 -> allocate(8).writeDouble(TextValues.toNumber(value, type).doubleValue()).array();
      case NUMERIC -> encodeNumeric(value);
      case BYTEA -> TextValues.toBytes(value);
      case TEXT, VARCHAR, BPCHAR, JSON -> TextValues.encode(value, type, zone).getBytes(StandardCharsets.UTF_8);
      case JSONB -> {
        byte[] json = TextValues.encode(value, type, zone).getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[json.length + 1];
        out[0] = JSONB_VERSION;
        System.arraycopy(json, 0, out, 1, json.length);
        yield out;
      }
      case UUID -> {
        if (!(value instanceof UUID uuid)) {
          throw PgDateTime.cannotEncode(value, type);
        }
        yield allocate(16).writeLong(uuid.getMostSignificantBits()).writeLong(uuid.getLeastSignificantBits()).array();
      }
      case DATE -> allocate(4).writeInt(PgDateTime.toPgDays(PgDateTime.toLocalDate(value))).array();
      case TIME -> allocate(8).writeLong(PgDateTime.toMicrosOfDay(PgDateTime.toLocalTime(value))).array();
      case TIMESTAMP -> allocate(8).writeLong(PgDateTime.toPgMicros(PgDateTime.toLocalDateTime(value))).array();
      case TIMESTAMPTZ -> allocate(8).writeLong(PgDateTime.toPgMicros(PgDateTime.toOffsetDateTime(value, zone))).array();
    };
  }

  private static boolean isTextual(PgType type) {
    return switch (type) {
      case TEXT, VARCHAR, BPCHAR, JSON, JSONB -> true;
      default -> false;
    };
  }

  private static ByteBuf allocate(int size) {
    return Unpooled.buffer(size, size);
  }

  private static byte[] encodeNumeric(Object value) {
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        return PgNumeric.encodeSpecial(d);
      }
      return PgNumeric.encode(new BigDecimal(value.toString()));
    }
    if (value instanceof BigDecimal d) {
      return PgNumeric.encode(d);
    }
    if (value instanceof BigInteger b) {
      return PgNumeric.encode(new BigDecimal(b));
    }
    if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return PgNumeric.encode(BigDecimal.valueOf(((Number) value).longValue()));
    }
    throw PgDateTime.cannotEncode(value, PgType.NUMERIC);
  }

  static Object decode(byte[] bytes, PgType type) {
    return switch (type) {
      case BOOL -> {
        expectLength(bytes, 1, type);
        if (bytes[0] != 0 && bytes[0] != 1) {
          throw ValueFormatException.invalidBinary(type, "byte " + bytes[0] + " is neither 0 nor 1");
        }
        yield bytes[0] == 1;
      }
      case INT2 -> wrap(bytes, 2, type).readShort();
      case INT4 -> wrap(bytes, 4, type).readInt();
      case INT8 -> wrap(bytes, 8, type).readLong();
      case OID -> wrap(bytes, 4, type).readUnsignedInt();
      case FLOAT4 -> wrap(bytes, 4, type).readFloat();
      case FLOAT8 -> wrap(bytes, 8, type).readDouble();
      case NUMERIC -> PgNumeric.decode(bytes);
      case BYTEA -> bytes;
      case TEXT, VARCHAR, BPCHAR, JSON -> utf8(bytes, 0, type);
      case JSONB -> {
        if (bytes.length < 1 || bytes[0] != JSONB_VERSION) {
          throw ValueFormatException.invalidBinary(type, "unsupported jsonb version; expected 1");
        }
        yield utf8(bytes, 1, type);
      }
      case UUID -> {
        ByteBuf in = wrap(bytes, 16, type);
        yield new UUID(in.readLong(), in.readLong());
      }
      case DATE -> PgDateTime.fromPgDays(wrap(bytes, 4, type).readInt());
      case TIME -> {
        long micros = wrap(bytes, 8, type).readLong();
        if (micros < 0 || micros > PgDateTime.MICROS_PER_DAY) {
          throw new ValueFormatException(SqlStates.DATETIME_FIELD_OVERFLOW, "time out of range: " + micros + " microseconds");
        }
        yield PgDateTime.fromMicrosOfDay(micros);
      }
      case TIMESTAMP -> PgDateTime.fromPgMicros(wrap(bytes, 8, type).readLong());
      case TIMESTAMPTZ -> PgDateTime.fromPgMicrosTz(wrap(bytes, 8, type).readLong());
    };
  }

  private static void expectLength(byte[] bytes, int length, PgType type) {
    if (bytes.length != length) {
      throw ValueFormatException.invalidBinary(type, "expected " + length + " bytes, got " + bytes.length);
    }
  }

  private static ByteBuf wrap(byte[] bytes, int length, PgType type) {
    expectLength(bytes, length, type);
    return Unpooled.wrappedBuffer(bytes);
  }

  private static String utf8(byte[] bytes, int offset, PgType type) {
    try {
      return MessageReader.decodeUtf8(Unpooled.wrappedBuffer(bytes), offset, bytes.length - offset, type.typeName() + " value");
    } catch (ProtocolViolation e) {
      throw new ValueFormatException(SqlStates.CHARACTER_NOT_IN_REPERTOIRE, e.getMessage());
    }
  }
}
