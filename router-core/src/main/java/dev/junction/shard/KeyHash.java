package dev.junction.shard;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The one hash that decides where a shard key lives: XXH64 (seed 0) of the key's canonical bytes.
 *
 * <p>WHY it is fixed: rows are physically placed by this function, so a different hash (or a
 * different encoding of the same key) would silently route reads away from existing data. It
 * therefore depends on nothing but this class and {@link XxHash64}, is pinned by golden vectors
 * in the tests, and must never change. New key types may be added; existing encodings may not.
 *
 * <p>Canonical encodings:
 * <ul>
 *   <li><b>Integral</b> — {@code Long}, {@code Integer}, {@code Short}, {@code Byte}, and
 *       {@code BigInteger}/{@code BigDecimal} holding a whole number within the range of
 *       {@code long} (so {@code 42.00} is accepted, {@code 42.5} is not): the 8 big-endian bytes
 *       of the value as a {@code long}. An {@code int 42} and a {@code long 42} therefore land on
 *       the same shard, whatever width the driver hands us.</li>
 *   <li><b>String</b> — its UTF-8 bytes (no terminator, no normalisation; an unpaired surrogate
 *       encodes as {@code '?'}, as {@link String#getBytes(java.nio.charset.Charset)} does).</li>
 *   <li><b>UUID</b> — 16 bytes: most significant long big-endian, then least significant long
 *       big-endian (the RFC 4122 byte order of the textual form).</li>
 *   <li><b>byte[]</b> — the bytes as they are.</li>
 * </ul>
 * Encodings carry no type tag: a key's type is decided by its column, and a column has one type.
 * The string {@code "42"} is <em>not</em> the integer 42. Everything else (floating point, dates,
 * booleans, characters, ...) is rejected, because it has no encoding we could promise to keep.
 *
 * <p>{@code Long} and {@code Integer} keys (and UUIDs) hash without allocating.
 */
public final class KeyHash {

  /** Named in every rejection so the caller knows what to pass instead. */
  static final String ACCEPTED_TYPES =
      "Long, Integer, Short, Byte, BigInteger or BigDecimal (whole numbers within the range of "
          + "long), String, UUID, byte[]";

  private KeyHash() {}

  /**
   * Hash of a shard key of any accepted type.
   *
   * @throws IllegalArgumentException if the key is null or not of an accepted type, or is a
   *     BigInteger/BigDecimal that is fractional or outside the range of long
   */
  public static long hash(Object key) {
    if (key instanceof Long) {
      return XxHash64.hashBigEndian((Long) key);
    }
    if (key instanceof Integer) {
      return XxHash64.hashBigEndian((Integer) key);
    }
    if (key instanceof String) {
      return ofString((String) key);
    }
    if (key instanceof UUID) {
      return ofUuid((UUID) key);
    }
    if (key instanceof byte[]) {
      return ofBytes((byte[]) key);
    }
    return XxHash64.hashBigEndian(integralValue(key));
  }

  /** Hash of an integral key; equal to {@code hash(value)} for every integral type. */
  public static long ofLong(long value) {
    return XxHash64.hashBigEndian(value);
  }

  /** Hash of a text key: XXH64 of its UTF-8 bytes. */
  public static long ofString(String value) {
    byte[] utf8 = requireKey(value).getBytes(StandardCharsets.UTF_8);
    return XxHash64.hash(utf8, 0, utf8.length);
  }

  /** Hash of a UUID key: XXH64 of its 16 big-endian bytes. */
  public static long ofUuid(UUID value) {
    requireKey(value);
    return XxHash64.hashBigEndian(value.getMostSignificantBits(), value.getLeastSignificantBits());
  }

  /** Hash of a binary key, or of bytes already in canonical form. */
  public static long ofBytes(byte[] value) {
    return XxHash64.hash(requireKey(value), 0, value.length);
  }

  /**
   * The canonical bytes of a key — what {@link #hash(Object)} hashes. Allocates; meant for
   * explain output, override tables and tests, not for the routing hot path.
   */
  public static byte[] canonicalBytes(Object key) {
    if (key instanceof String) {
      return ((String) key).getBytes(StandardCharsets.UTF_8);
    }
    if (key instanceof UUID) {
      UUID uuid = (UUID) key;
      return ByteBuffer.allocate(16)
          .putLong(uuid.getMostSignificantBits())
          .putLong(uuid.getLeastSignificantBits())
          .array();
    }
    if (key instanceof byte[]) {
      return ((byte[]) key).clone();
    }
    return canonicalBytes(integralValue(key));
  }

  /** The canonical bytes of an integral key: 8 bytes, big-endian. */
  public static byte[] canonicalBytes(long value) {
    return ByteBuffer.allocate(Long.BYTES).putLong(value).array();
  }

  /** True if {@code key} is of a type this class can hash (value range is not checked). */
  public static boolean isSupportedType(Object key) {
    return key instanceof Long || key instanceof Integer || key instanceof String
        || key instanceof UUID || key instanceof byte[] || key instanceof Short
        || key instanceof Byte || key instanceof BigInteger || key instanceof BigDecimal;
  }

  private static long integralValue(Object key) {
    if (key instanceof Long || key instanceof Integer || key instanceof Short
        || key instanceof Byte) {
      return ((Number) key).longValue();
    }
    if (key instanceof BigInteger) {
      BigInteger big = (BigInteger) key;
      if (big.bitLength() > 63) {
        throw outOfRange(key);
      }
      return big.longValue();
    }
    if (key instanceof BigDecimal) {
      BigDecimal dec = (BigDecimal) key;
      if (dec.signum() != 0 && dec.stripTrailingZeros().scale() > 0) {
        throw new IllegalArgumentException("Shard key " + abbreviate(dec)
            + " (java.math.BigDecimal) has a fractional part; a numeric shard key must be a whole"
            + " number within the range of long. Accepted key types: " + ACCEPTED_TYPES + ".");
      }
      try {
        return dec.longValueExact();
      } catch (ArithmeticException e) {
        throw outOfRange(key);
      }
    }
    requireKey(key);
    throw new IllegalArgumentException("Unsupported shard key type " + key.getClass().getName()
        + " (value " + abbreviate(key) + "). Accepted key types: " + ACCEPTED_TYPES + ". Floating"
        + " point, temporal and other types have no stable canonical encoding; shard on an"
        + " integer, text, UUID or binary column.");
  }

  private static IllegalArgumentException outOfRange(Object key) {
    return new IllegalArgumentException("Shard key " + abbreviate(key) + " ("
        + key.getClass().getName() + ") is outside the range of long ["
        + Long.MIN_VALUE + ", " + Long.MAX_VALUE + "]; integral shard keys are hashed as 8-byte"
        + " longs. Accepted key types: " + ACCEPTED_TYPES + ".");
  }

  private static <T> T requireKey(T key) {
    if (key == null) {
      throw new IllegalArgumentException("Shard key is null; a NULL key has no shard. Route such"
          + " a statement to all shards, or reject it. Accepted key types: " + ACCEPTED_TYPES
          + ".");
    }
    return key;
  }

  private static String abbreviate(Object key) {
    String text = key.toString();
    return text.length() <= 64 ? text : text.substring(0, 61) + "...";
  }
}
