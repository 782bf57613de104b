package dev.junction.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/**
 * PostgreSQL's binary numeric: Int16 ndigits, Int16 weight, Int16 sign, Int16 dscale, then ndigits
 * base-10000 digits, the first of which is multiplied by 10000^weight. NaN and ±Infinity are
 * special sign values; pgjdbc returns them as {@link Double}, so that is what they map to.
 */
final class PgNumeric {
  private static final int POSITIVE = 0x0000;
  private static final int NEGATIVE = 0x4000;
  private static final int NAN = 0xC000;
  private static final int PLUS_INFINITY = 0xD000;
  private static final int MINUS_INFINITY = 0xF000;
  /** PostgreSQL's NUMERIC_DSCALE_MASK. */
  private static final int MAX_DSCALE = 0x3FFF;
  private static final BigInteger TEN_THOUSAND = BigInteger.valueOf(10_000);

  private PgNumeric() {
  }

  static byte[] encode(BigDecimal value) {
    BigDecimal v = value.scale() < 0 ? value.setScale(0) : value;
    if (v.scale() > MAX_DSCALE) {
      throw new IllegalArgumentException("numeric scale " + v.scale() + " exceeds PostgreSQL's maximum of " + MAX_DSCALE);
    }
    int dscale = v.scale();
    String digits = v.unscaledValue().abs().toString();
    int integerDigits = digits.length() - dscale;
    // Align the decimal point to a base-10000 group boundary on both sides.
    int leadPad = integerDigits > 0 ? (4 - integerDigits % 4) % 4 : 0;
    int fractionDigits = dscale;
    int tailPad = (4 - fractionDigits % 4) % 4;
    StringBuilder aligned = new StringBuilder(digits.length() + 8);
    for (int i = 0; i < leadPad; i++) {
      aligned.append('0');
    }
    if (integerDigits < 0) {
      for (int i = integerDigits; i < 0; i++) {
        aligned.append('0'); // fraction starts with zeros not present in the unscaled digits
      }
    }
    aligned.append(digits);
    for (int i = 0; i < tailPad; i++) {
      aligned.append('0');
    }
    int groups = aligned.length() / 4;
    int integerGroups = integerDigits > 0 ? (integerDigits + leadPad) / 4 : 0;
    short[] base10000 = new short[groups];
    for (int g = 0; g < groups; g++) {
      base10000[g] = (short) Integer.parseInt(aligned, g * 4, g * 4 + 4, 10);
    }
    int first = 0;
    int last = groups - 1;
    int weight = integerGroups - 1;
    while (first <= last && base10000[first] == 0) {
      first++;
      weight--;
    }
    while (last >= first && base10000[last] == 0) {
      last--;
    }
    int ndigits = last - first + 1;
    if (ndigits == 0) {
      weight = 0;
    }
    if (weight > Short.MAX_VALUE || weight < Short.MIN_VALUE) {
      throw new IllegalArgumentException("numeric value " + value + " is out of PostgreSQL's range");
    }
    ByteBuf out = Unpooled.buffer(8 + 2 * ndigits);
    out.writeShort(ndigits);
    out.writeShort(weight);
    out.writeShort(v.signum() < 0 ? NEGATIVE : POSITIVE);
    out.writeShort(dscale);
    for (int i = first; i <= last; i++) {
      out.writeShort(base10000[i]);
    }
    return out.array();
  }

  static byte[] encodeSpecial(double value) {
    int sign = Double.isNaN(value) ? NAN : value > 0 ? PLUS_INFINITY : MINUS_INFINITY;
    return new byte[] {0, 0, 0, 0, (byte) (sign >>> 8), 0, 0, 0};
  }

  /** A {@link BigDecimal}, or a {@link Double} for NaN and the infinities. */
  static Object decode(byte[] bytes) {
    if (bytes.length < 8 || bytes.length % 2 != 0) {
      throw ValueFormatException.invalidBinary(PgType.NUMERIC, "length " + bytes.length);
    }
    ByteBuf in = Unpooled.wrappedBuffer(bytes);
    int ndigits = in.readUnsignedShort();
    int weight = in.readShort();
    int sign = in.readUnsignedShort();
    int dscale = in.readUnsignedShort();
    if (ndigits * 2 != in.readableBytes()) {
      throw ValueFormatException.invalidBinary(PgType.NUMERIC, ndigits + " digits declared, "
          + in.readableBytes() / 2 + " present");
    }
    switch (sign) {
      case NAN -> {
        return Double.NaN;
      }
      case PLUS_INFINITY -> {
        return Double.POSITIVE_INFINITY;
      }
      case MINUS_INFINITY -> {
        return Double.NEGATIVE_INFINITY;
      }
      case POSITIVE, NEGATIVE -> {
      }
      default -> throw ValueFormatException.invalidBinary(PgType.NUMERIC, String.format("invalid sign 0x%04x", sign));
    }
    if (dscale > MAX_DSCALE) {
      throw ValueFormatException.invalidBinary(PgType.NUMERIC, "invalid scale " + dscale);
    }
    BigInteger unscaled = BigInteger.ZERO;
    for (int i = 0; i < ndigits; i++) {
      int digit = in.readShort();
      if (digit < 0 || digit > 9999) {
        throw ValueFormatException.invalidBinary(PgType.NUMERIC, "invalid digit " + digit);
      }
      unscaled = unscaled.multiply(TEN_THOUSAND).add(BigInteger.valueOf(digit));
    }
    if (sign == NEGATIVE) {
      unscaled = unscaled.negate();
    }
    // The last digit's power of 10000 is weight - (ndigits - 1).
    BigDecimal value = new BigDecimal(unscaled).scaleByPowerOfTen(4 * (weight - ndigits + 1));
    try {
      return value.setScale(dscale, RoundingMode.UNNECESSARY);
    } catch (ArithmeticException e) {
      throw ValueFormatException.invalidBinary(PgType.NUMERIC, "digits beyond the declared scale " + dscale);
    }
  }
}
