package dev.junction.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.Date;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KeyHashTest {

  /** Every integral representation of a value must hash like the long. */
  static Stream<Arguments> integralForms() {
    return Stream.of(
        Arguments.of(42L, 42L), Arguments.of(42, 42L), Arguments.of((short) 42, 42L),
        Arguments.of((byte) 42, 42L), Arguments.of(BigInteger.valueOf(42), 42L),
        Arguments.of(new BigDecimal("42"), 42L), Arguments.of(new BigDecimal("42.000"), 42L),
        Arguments.of(new BigDecimal("4.2E+1"), 42L), Arguments.of(-1, -1L),
        Arguments.of((byte) -1, -1L), Arguments.of(new BigDecimal("-1.0"), -1L),
        Arguments.of(new BigDecimal("1E+3"), 1000L), Arguments.of(BigDecimal.ZERO, 0L),
        Arguments.of(new BigDecimal("0.00"), 0L), Arguments.of(Integer.MIN_VALUE, -2147483648L),
        Arguments.of(new BigInteger("9223372036854775807"), Long.MAX_VALUE),
        Arguments.of(new BigInteger("-9223372036854775808"), Long.MIN_VALUE));
  }

  @ParameterizedTest(name = "[{index}] {0} hashes as long {1}")
  @MethodSource("integralForms")
  void integralTypesShareOneEncoding(Object key, long asLong) {
    assertThat(KeyHash.hash(key)).isEqualTo(KeyHash.ofLong(asLong));
    assertThat(KeyHash.canonicalBytes(key))
        .isEqualTo(ByteBuffer.allocate(8).putLong(asLong).array());
  }

  static Stream<Arguments> encodings() {
    UUID uuid = UUID.fromString("123e4567-e89b-12d3-a456-426614174000");
    return Stream.of(
        Arguments.of("customer-42", "customer-42".getBytes(StandardCharsets.UTF_8)),
        Arguments.of("", new byte[0]),
        Arguments.of("Grüße 日本 🦄", "Grüße 日本 🦄".getBytes(StandardCharsets.UTF_8)),
        Arguments.of(uuid, HexBytes.parse("123e4567e89b12d3a456426614174000")),
        Arguments.of(new byte[] {1, 2, 3}, new byte[] {1, 2, 3}),
        Arguments.of(7L, HexBytes.parse("0000000000000007")));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("encodings")
  void canonicalBytesAreTheDocumentedEncoding(Object key, byte[] expected) {
    assertThat(KeyHash.canonicalBytes(key)).isEqualTo(expected);
    assertThat(KeyHash.hash(key)).isEqualTo(KeyHash.ofBytes(expected));
  }

  @Test
  void typedEntryPointsAgreeWithTheGenericOne() {
    assertThat(KeyHash.ofString("abc")).isEqualTo(KeyHash.hash("abc"));
    UUID uuid = new UUID(-3, 99);
    assertThat(KeyHash.ofUuid(uuid)).isEqualTo(KeyHash.hash(uuid));
    assertThat(KeyHash.ofBytes(new byte[] {9})).isEqualTo(KeyHash.hash(new byte[] {9}));
  }

  @ParameterizedTest
  @MethodSource("randomLongs")
  void fastIntegralPathEqualsHashOfCanonicalBytes(long value) {
    assertThat(KeyHash.ofLong(value)).isEqualTo(KeyHash.ofBytes(KeyHash.canonicalBytes(value)));
    if (value == (int) value) {
      assertThat(KeyHash.hash((int) value)).isEqualTo(KeyHash.ofLong(value));
    }
  }

  static LongStream randomLongs() {
    return LongStream.concat(LongStream.of(0, -1, 1, 127, -128, 65535),
        new SplittableRandom(3).longs(16));
  }

  @Test
  void textIsNotTheNumberItSpells() {
    assertThat(KeyHash.hash("42")).isNotEqualTo(KeyHash.hash(42));
  }

  static Stream<Arguments> rejectedKeys() {
    return Stream.of(
        Arguments.of(1.5d, "java.lang.Double"), Arguments.of(1.0f, "java.lang.Float"),
        Arguments.of(LocalDate.of(2024, 1, 1), "java.time.LocalDate"),
        Arguments.of(new Date(0), "java.util.Date"), Arguments.of('x', "java.lang.Character"),
        Arguments.of(true, "java.lang.Boolean"), Arguments.of(new Object(), "java.lang.Object"),
        Arguments.of(new BigDecimal("42.5"), "fractional part"),
        Arguments.of(new BigInteger("9223372036854775808"), "outside the range of long"),
        Arguments.of(new BigDecimal("-9223372036854775809"), "outside the range of long"),
        Arguments.of(new BigDecimal("1E+100"), "outside the range of long"));
  }

  @ParameterizedTest(name = "{0} rejected: {1}")
  @MethodSource("rejectedKeys")
  void rejectsKeysWithoutAStableEncodingAndSaysWhatIsAccepted(Object key, String reason) {
    assertThatThrownBy(() -> KeyHash.hash(key))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(reason)
        .hasMessageContaining("Accepted key types: Long, Integer, Short, Byte, BigInteger or"
            + " BigDecimal (whole numbers within the range of long), String, UUID, byte[]");
    assertThatThrownBy(() -> KeyHash.canonicalBytes(key))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsNullWithAdvice() {
    assertThatThrownBy(() -> KeyHash.hash(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Shard key is null")
        .hasMessageContaining("all shards");
    assertThatThrownBy(() -> KeyHash.ofString(null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> KeyHash.ofUuid(null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> KeyHash.ofBytes(null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void supportedTypesAreExactlyTheDocumentedOnes() {
    assertThat(Stream.of(1L, 1, (short) 1, (byte) 1, BigInteger.ONE, BigDecimal.ONE, "", new UUID(0,
        0), new byte[0])).allMatch(KeyHash::isSupportedType);
    assertThat(Stream.of(1.0, 1f, 'c', true, LocalDate.MIN)).noneMatch(KeyHash::isSupportedType);
    assertThat(KeyHash.isSupportedType(null)).isFalse();
  }
}
