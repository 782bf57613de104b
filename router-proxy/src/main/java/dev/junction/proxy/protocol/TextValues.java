package dev.junction.proxy.protocol;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;

/** Text-format values, written the way a PostgreSQL server prints them and read the way it accepts them. */
final class TextValues {
  private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");
  private static final HexFormat HEX = HexFormat.of();
  /** Beyond PostgreSQL's numeric range (131072 digits before, 16383 after the point). */
  private static final int MAX_NUMERIC_EXPONENT = 140_000;

  private TextValues() {
  }

  // ------------------------------------------------------------ encode

  static String encode(Object value, PgType type, ZoneId zone) {
    if (value instanceof CharSequence text && type != PgType.BYTEA) {
      return text.toString(); // already text, e.g. from a backend that returns strings
    }
    return switch (type) {
      case BOOL -> toBoolean(value, type) ? "t" : "f";
      case INT2, INT4, INT8, OID -> integral(value, type).toString();
      case FLOAT4 -> formatFloat(toNumber(value, type).floatValue());
      case FLOAT8 -> formatDouble(toNumber(value, type).doubleValue());
      case NUMERIC -> formatNumeric(value);
      case BYTEA -> "\\x" + HEX.formatHex(toBytes(value));
      case DATE -> PgDateTime.formatDate(PgDateTime.toLocalDate(value));
      case TIME -> PgDateTime.formatTime(PgDateTime.toLocalTime(value));
      case TIMESTAMP -> PgDateTime.formatTimestamp(PgDateTime.toLocalDateTime(value));
      case TIMESTAMPTZ -> PgDateTime.formatTimestampTz(PgDateTime.toOffsetDateTime(value, zone), zone);
      case UUID, TEXT, VARCHAR, BPCHAR, JSON, JSONB -> {
        if (value instanceof byte[]) {
          throw PgDateTime.cannotEncode(value, type);
        }
        yield value.toString(); // UUID, PGobject (json), PgArray... all print their text form
      }
    };
  }

  static boolean toBoolean(Object value, PgType type) {
    if (value instanceof Boolean b) {
      return b;
    }
    if (value instanceof Number n) {
      return n.longValue() != 0;
    }
    throw PgDateTime.cannotEncode(value, type);
  }

  static Number toNumber(Object value, PgType type) {
    if (value instanceof Number n) {
      return n;
    }
    throw PgDateTime.cannotEncode(value, type);
  }

  /** An integral value as BigInteger, checked against the type's range. */
  static BigInteger integral(Object value, PgType type) {
    BigInteger v;
    if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
      v = BigInteger.valueOf(((Number) value).longValue());
    } else if (value instanceof BigInteger b) {
      v = b;
    } else if (value instanceof BigDecimal d) {
      try {
        v = d.toBigIntegerExact();
      } catch (ArithmeticException e) {
        throw new IllegalArgumentException("cannot encode fractional " + d + " as " + type.typeName(), e);
      }
    } else if (value instanceof Boolean b) {
      v = b ? BigInteger.ONE : BigInteger.ZERO;
    } else {
      throw PgDateTime.cannotEncode(value, type);
    }
    if (v.compareTo(min(type)) < 0 || v.compareTo(max(type)) > 0) {
      throw new IllegalArgumentException(v + " is out of range for PostgreSQL " + type.typeName());
    }
    return v;
  }

  static byte[] toBytes(Object value) {
    if (value instanceof byte[] bytes) {
      return bytes;
    }
    throw PgDateTime.cannotEncode(value, PgType.BYTEA);
  }

  private static String formatNumeric(Object value) {
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (Double.isNaN(d)) {
        return "NaN";
      }
      if (Double.isInfinite(d)) {
        return d > 0 ? "Infinity" : "-Infinity";
      }
      return new BigDecimal(value.toString()).toPlainString();
    }
    if (value instanceof BigDecimal d) {
      return d.scale() < 0 ? d.setScale(0).toPlainString() : d.toPlainString();
    }
    if (value instanceof BigInteger || value instanceof Long || value instanceof Integer
        || value instanceof Short || value instanceof Byte) {
      return value.toString();
    }
    throw PgDateTime.cannotEncode(value, PgType.NUMERIC);
  }

  /** float8 output as PostgreSQL 12+ prints it: shortest round-trip digits, %g-style exponent. */
  static String formatDouble(double d) {
    return formatFloatingPoint(d, Double.toString(d), 15);
  }

  /** float4 output as PostgreSQL 12+ prints it. */
  static String formatFloat(float f) {
    return formatFloatingPoint(f, Float.toString(f), 6);
  }

  private static String formatFloatingPoint(double d, String javaDigits, int fixedExponentLimit) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "Infinity" : "-Infinity";
    }
    if (d == 0) {
      return 1 / d < 0 ? "-0" : "0";
    }
    BigDecimal digits = new BigDecimal(javaDigits).stripTrailingZeros();
    int exponent = digits.precision() - digits.scale() - 1;
    if (exponent >= -4 && exponent < fixedExponentLimit) {
      return digits.toPlainString();
    }
    String mantissa = digits.unscaledValue().abs().toString();
    StringBuilder sb = new StringBuilder(mantissa.length() + 8);
    if (digits.signum() < 0) {
      sb.append('-');
    }
    sb.append(mantissa.charAt(0));
    if (mantissa.length() > 1) {
      sb.append('.').append(mantissa, 1, mantissa.length());
    }
    sb.append('e').append(exponent < 0 ? '-' : '+');
    int abs = Math.abs(exponent);
    if (abs < 10) {
      sb.append('0');
    }
    return sb.append(abs).toString();
  }

  // ------------------------------------------------------------ decode

  /**
   * A Java value for {@code setObject}; date/time text in a shape other than ISO (e.g. 'now',
   * 'epoch', 'Jan 8 1999') is returned unchanged as a String for the backend to interpret.
   */
  static Object decode(String text, PgType type, ZoneId zone) {
    return switch (type) {
      case BOOL -> parseBoolean(text);
      case INT2 -> parseIntegral(text, type).shortValue();
      case INT4 -> parseIntegral(text, type).intValue();
      case INT8, OID -> parseIntegral(text, type).longValue();
      case FLOAT4 -> (float) parseFloatingPoint(text, true);
      case FLOAT8 -> parseFloatingPoint(text, false);
      case NUMERIC -> parseNumeric(text);
      case BYTEA -> parseBytea(text);
      case UUID -> parseUuid(text);
      case TEXT, VARCHAR, BPCHAR, JSON, JSONB -> text;
      case DATE -> orText(PgDateTime.parseDate(text), text);
      case TIME -> orText(PgDateTime.parseTime(text), text);
      case TIMESTAMP -> orText(PgDateTime.parseTimestamp(text), text);
      case TIMESTAMPTZ -> orText(PgDateTime.parseTimestampTz(text, zone), text);
    };
  }

  private static Object orText(Object parsed, String text) {
    return parsed != null ? parsed : text;
  }

  /** PostgreSQL's boolin: t/true/y/yes/on/1 and f/false/n/no/off/0, unique prefixes, any case. */
  static Boolean parseBoolean(String text) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    if (!t.isEmpty()) {
      if ("true".startsWith(t) || "yes".startsWith(t) || t.equals("1") || (t.length() >= 2 && "on".startsWith(t))) {
        return Boolean.TRUE;
      }
      if ("false".startsWith(t) || "no".startsWith(t) || t.equals("0") || (t.length() >= 2 && "off".startsWith(t))) {
        return Boolean.FALSE;
      }
    }
    throw ValueFormatException.invalidText("boolean", text);
  }

  /** Decimal, or 0x/0o/0b prefixed, with '_' between digits (PostgreSQL 16 syntax). */
  static BigInteger parseIntegral(String text, PgType type) {
    String label = label(type);
    String t = text.strip();
    int i = 0;
    boolean negative = false;
    if (!t.isEmpty() && (t.charAt(0) == '+' || t.charAt(0) == '-')) {
      negative = t.charAt(0) == '-';
      i = 1;
    }
    int radix = 10;
    if (t.length() > i + 1 && t.charAt(i) == '0') {
      char p = Character.toLowerCase(t.charAt(i + 1));
      radix = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 10;
      if (radix != 10) {
        i += 2;
      }
    }
    String digits = withoutUnderscores(t, i, radix);
    if (digits == null) {
      throw ValueFormatException.invalidText(label, text);
    }
    BigInteger v = new BigInteger(digits, radix);
    if (negative) {
      v = v.negate();
    }
    if (v.compareTo(min(type)) < 0 || v.compareTo(max(type)) > 0) {
      throw ValueFormatException.outOfRange(label, text);
    }
    return v;
  }

  /** The digits from {@code start} with single underscores between digits removed; null if invalid. */
  private static String withoutUnderscores(String t, int start, int radix) {
    StringBuilder sb = new StringBuilder(t.length() - start);
    for (int i = start; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c == '_') {
        boolean between = i > start && i + 1 < t.length() && t.charAt(i - 1) != '_' && Character.digit(t.charAt(i + 1), radix) >= 0;
        if (!between) {
          return null;
        }
      } else if (Character.digit(c, radix) >= 0 && c < 128) {
        sb.append(c);
      } else {
        return null;
      }
    }
    return sb.length() == 0 ? null : sb.toString();
  }

  static double parseFloatingPoint(String text, boolean float4) {
    String label = float4 ? "real" : "double precision";
    String t = text.strip();
    Double special = specialFloat(t);
    if (special != null) {
      return special;
    }
    if (!DECIMAL.matcher(t).matches()) {
      throw ValueFormatException.invalidText(label, text);
    }
    double v = float4 ? Float.parseFloat(t) : Double.parseDouble(t);
    if (Double.isInfinite(v)) {
      throw ValueFormatException.outOfRange(label, text);
    }
    return v;
  }

  private static Double specialFloat(String t) {
    switch (t.toLowerCase(Locale.ROOT)) {
      case "nan", "+nan", "-nan":
        return Double.NaN;
      case "infinity", "+infinity", "inf", "+inf":
        return Double.POSITIVE_INFINITY;
      case "-infinity", "-inf":
        return Double.NEGATIVE_INFINITY;
      default:
        return null;
    }
  }

  /** A BigDecimal, or a Double for NaN/Infinity (what pgjdbc uses for those numerics). */
  static Object parseNumeric(String text) {
    String t = text.strip();
    Double special = specialFloat(t);
    if (special != null) {
      return special;
    }
    String plain = t.indexOf('_') >= 0 ? numericWithoutUnderscores(t) : t;
    if (plain == null || !DECIMAL.matcher(plain).matches()) {
      throw ValueFormatException.invalidText("numeric", text);
    }
    BigDecimal v;
    try {
      v = new BigDecimal(plain);
    } catch (NumberFormatException e) {
      throw ValueFormatException.outOfRange("numeric", text);
    }
    long exponent = (long) v.precision() - v.scale();
    if (exponent > MAX_NUMERIC_EXPONENT || v.scale() > MAX_NUMERIC_EXPONENT) {
      throw ValueFormatException.outOfRange("numeric", text);
    }
    return v;
  }

  private static String numericWithoutUnderscores(String t) {
    StringBuilder sb = new StringBuilder(t.length());
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c == '_') {
        if (i == 0 || i + 1 >= t.length() || !isAsciiDigit(t.charAt(i - 1)) || !isAsciiDigit(t.charAt(i + 1))) {
          return null;
        }
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  private static boolean isAsciiDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** Hex format ("\x0a0b", whitespace allowed between bytes) or the traditional escape format. */
  static byte[] parseBytea(String text) {
    byte[] raw = text.getBytes(StandardCharsets.UTF_8);
    if (raw.length >= 2 && raw[0] == '\\' && raw[1] == 'x') {
      return parseByteaHex(raw, text);
    }
    byte[] out = new byte[raw.length];
    int n = 0;
    for (int i = 0; i < raw.length; ) {
      if (raw[i] != '\\') {
        out[n++] = raw[i++];
      } else if (i + 1 < raw.length && raw[i + 1] == '\\') {
        out[n++] = '\\';
        i += 2;
      } else if (i + 3 < raw.length && isOctal(raw[i + 1], '3') && isOctal(raw[i + 2], '7') && isOctal(raw[i + 3], '7')) {
        out[n++] = (byte) ((raw[i + 1] - '0') << 6 | (raw[i + 2] - '0') << 3 | (raw[i + 3] - '0'));
        i += 4;
      } else {
        throw ValueFormatException.invalidText("bytea", text);
      }
    }
    return Arrays.copyOf(out, n);
  }

  private static boolean isOctal(byte b, char max) {
    return b >= '0' && b <= max;
  }

  private static byte[] parseByteaHex(byte[] raw, String text) {
    byte[] out = new byte[(raw.length - 2) / 2];
    int n = 0;
    for (int i = 2; i < raw.length; ) {
      if (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
        i++;
        continue;
      }
      int hi = i + 1 < raw.length ? Character.digit(raw[i], 16) : -1;
      int lo = hi >= 0 ? Character.digit(raw[i + 1], 16) : -1;
      if (lo < 0) {
        throw ValueFormatException.invalidText("bytea", text);
      }
      out[n++] = (byte) (hi << 4 | lo);
      i += 2;
    }
    return Arrays.copyOf(out, n);
  }

  /** Standard form, braces, missing or extra hyphens between groups, any case. */
  static UUID parseUuid(String text) {
    String t = text.strip();
    if (t.length() >= 2 && t.charAt(0) == '{' && t.charAt(t.length() - 1) == '}') {
      t = t.substring(1, t.length() - 1);
    }
    String hex = t.replace("-", "");
    if (hex.length() != 32 || t.startsWith("-") || t.endsWith("-") || t.contains("--")) {
      throw ValueFormatException.invalidText("uuid", text);
    }
    for (int i = 0; i < 32; i++) {
      if (Character.digit(hex.charAt(i), 16) < 0 || hex.charAt(i) > 127) {
        throw ValueFormatException.invalidText("uuid", text);
      }
    }
    return new UUID(Long.parseUnsignedLong(hex, 0, 16, 16), Long.parseUnsignedLong(hex, 16, 32, 16));
  }

  // ------------------------------------------------------------ ranges and labels

  private static final BigInteger OID_MAX = BigInteger.valueOf(0xFFFF_FFFFL);

  static BigInteger min(PgType type) {
    return switch (type) {
      case INT2 -> BigInteger.valueOf(Short.MIN_VALUE);
      case INT4 -> BigInteger.valueOf(Integer.MIN_VALUE);
      case OID -> BigInteger.ZERO;
      default -> BigInteger.valueOf(Long.MIN_VALUE);
    };
  }

  static BigInteger max(PgType type) {
    return switch (type) {
      case INT2 -> BigInteger.valueOf(Short.MAX_VALUE);
      case INT4 -> BigInteger.valueOf(Integer.MAX_VALUE);
      case OID -> OID_MAX;
      default -> BigInteger.valueOf(Long.MAX_VALUE);
    };
  }

  /** The type name PostgreSQL uses in "invalid input syntax for type ..." messages. */
  private static String label(PgType type) {
    return switch (type) {
      case INT2 -> "smallint";
      case INT4 -> "integer";
      case INT8 -> "bigint";
      default -> type.typeName();
    };
  }
}
