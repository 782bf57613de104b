package dev.junction.shard;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.SQLDataException;
import java.util.Locale;
import java.util.UUID;

/**
 * The declared type of a shard-key column. Values reach the router in many shapes — a SQL literal
 * parsed as text, an {@code int} bound by one driver call and a {@code long} by another, a UUID as
 * a string — and must all hash as the column's one canonical type ({@link KeyHash}), or the same row
 * would be looked for on two shards.
 */
public enum KeyType {
  /** Integral columns (smallint, int, bigint): hashed as a 64-bit integer. */
  LONG,
  /** Text columns (char, varchar, text): hashed as UTF-8 bytes. */
  STRING,
  /** UUID columns: hashed as 16 bytes. */
  UUID;

  /**
   * Converts a key value to this type's canonical Java type.
   *
   * @throws SQLDataException (22023) when the value cannot be a value of this column type
   */
  public Object coerce(Object value) throws SQLDataException {
    if (value == null) {
      throw new SQLDataException("a shard key cannot be NULL", "22023");
    }
    try {
      return switch (this) {
        case LONG -> toLong(value);
        case STRING -> value instanceof String s ? s : value.toString();
        case UUID -> value instanceof java.util.UUID u ? u : java.util.UUID.fromString(value.toString().trim());
      };
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new SQLDataException("shard key value '" + value + "' (" + value.getClass().getSimpleName()
          + ") is not a valid " + name().toLowerCase(Locale.ROOT) + " key: " + e.getMessage(), "22023");
    }
  }

  private static Long toLong(Object value) {
    if (value instanceof Long l) {
      return l;
    }
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof BigInteger b) {
      return b.longValueExact();
    }
    if (value instanceof BigDecimal d) {
      return d.longValueExact();
    }
    if (value instanceof String s) {
      return new BigDecimal(s.trim()).longValueExact();
    }
    throw new IllegalArgumentException("expected an integer");
  }
}
