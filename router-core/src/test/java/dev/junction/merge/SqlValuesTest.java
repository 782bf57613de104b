package dev.junction.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Timestamp;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class SqlValuesTest {

  @Test
  void numbersOfAnyClassCompareByValue() {
    assertThat(SqlValues.compare(1, 2L)).isNegative();
    assertThat(SqlValues.compare(new BigDecimal("1.00"), 1)).isZero();
    assertThat(SqlValues.compare(new BigInteger("18446744073709551616"), Long.MAX_VALUE)).isPositive();
    assertThat(SqlValues.compare(0.25d, new BigDecimal("0.25"))).isZero();
    assertThat(SqlValues.compare(2.5f, 2L)).isPositive();
    assertThat(SqlValues.compare((short) -1, (byte) -2)).isPositive();
  }

  @Test
  void aFloatAndAnExactNumberCompareAsDoublesAsTheDatabasesDo() {
    // HAVING max(f) = 0.1: PostgreSQL casts the literal to double precision (MariaDB compares as double)
    assertThat(SqlValues.compare(0.1d, new BigDecimal("0.1"))).isZero();
    assertThat(SqlValues.compare(0.1d, new BigDecimal("0.1000000000000000000001"))).isZero();
    assertThat(SqlValues.compare(0.1d + 0.2d, new BigDecimal("0.3"))).isPositive();
    assertThat(SqlValues.compare(new BigDecimal("0.1"), 0.1f)).isNegative(); // real 0.1 is 0.100000001490116...
  }

  @Test
  void anEnumGroupsByItsLabelButIsNotOrdered() {
    OrderlessText happy = new OrderlessText("happy", "mood");
    OrderlessText sad = new OrderlessText("sad", "mood");
    // PostgreSQL orders an enum by its declaration (sad < happy here), not by code point
    assertThatThrownBy(() -> SqlValues.compare(sad, happy)).isInstanceOf(UnmergeableValueException.class)
        .hasMessageContaining("column of type mood");
    assertThatThrownBy(() -> Combine.MIN.add(Combine.MIN.first(sad), happy)).isInstanceOf(UnmergeableValueException.class);
    assertThat(SqlValues.groupingKey(new OrderlessText("sad", "mood"))).isEqualTo(SqlValues.groupingKey(sad));
    assertThat(SqlValues.groupingKey(happy)).isNotEqualTo(SqlValues.groupingKey(sad));
  }

  @Test
  void doublesFollowPostgresSpecialValues() {
    assertThat(SqlValues.compare(Double.NaN, Double.POSITIVE_INFINITY)).isPositive();
    assertThat(SqlValues.compare(Double.NaN, Double.NaN)).isZero();
    assertThat(SqlValues.compare(Double.NaN, new BigDecimal("1e400"))).isPositive();
    assertThat(SqlValues.compare(new BigDecimal("1e400"), Double.POSITIVE_INFINITY)).isNegative();
    assertThat(SqlValues.compare(Double.NEGATIVE_INFINITY, Long.MIN_VALUE)).isNegative();
    assertThat(SqlValues.compare(-0.0d, 0.0d)).isZero();
  }

  @Test
  void stringsCompareByCodePointNotUtf16Unit() {
    String emoji = "\uD83D\uDE00"; // U+1F600, above every BMP character
    assertThat(SqlValues.compare(emoji, "\uFFFD")).isPositive();
    assertThat(emoji.compareTo("\uFFFD")).as("String.compareTo disagrees").isNegative();
    assertThat(SqlValues.compare("B", "a")).isNegative(); // binary, not case-insensitive
    assertThat(SqlValues.compare("a", "ab")).isNegative();
    assertThat(SqlValues.compare("", "")).isZero();
  }

  @Test
  void bytesCompareUnsigned() {
    assertThat(SqlValues.compare(new byte[] {(byte) 0x80}, new byte[] {0x7F})).isPositive();
    assertThat(SqlValues.compare(new byte[] {1}, new byte[] {1, 0})).isNegative();
  }

  @Test
  void uuidsCompareAsUnsignedBytesLikePostgres() {
    UUID high = UUID.fromString("80000000-0000-0000-0000-000000000000");
    UUID low = UUID.fromString("7fffffff-ffff-ffff-ffff-ffffffffffff");
    assertThat(SqlValues.compare(high, low)).isPositive();
    assertThat(high.compareTo(low)).as("UUID.compareTo is signed").isNegative();
  }

  @Test
  void temporalValuesCompareByInstant() {
    OffsetDateTime utc = OffsetDateTime.of(2024, 1, 1, 12, 0, 0, 0, ZoneOffset.UTC);
    OffsetDateTime plusTwo = utc.withOffsetSameInstant(ZoneOffset.ofHours(2));
    assertThat(SqlValues.compare(utc, plusTwo)).isZero();
    Timestamp a = Timestamp.valueOf("2024-01-01 00:00:00.000000001");
    Timestamp b = Timestamp.valueOf("2024-01-01 00:00:00.000000002");
    assertThat(SqlValues.compare(a, b)).isNegative();
    assertThat(SqlValues.compare(java.sql.Date.valueOf("2024-01-02"), java.sql.Date.valueOf("2024-01-01"))).isPositive();
    assertThat(SqlValues.compare(false, true)).isNegative();
  }

  @Test
  void unrelatedTypesAreAnErrorNotAnArbitraryOrder() {
    assertThatThrownBy(() -> SqlValues.compare("1", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("java.lang.String")
        .hasMessageContaining("same SQL type");
  }

  @Test
  void groupingKeysAreEqualWhenSqlValuesAre() {
    assertThat(SqlValues.groupingKey(1)).isEqualTo(SqlValues.groupingKey(1L));
    assertThat(SqlValues.groupingKey(new BigDecimal("1.00"))).isEqualTo(SqlValues.groupingKey(1));
    assertThat(SqlValues.groupingKey(new BigDecimal("0.50"))).isEqualTo(SqlValues.groupingKey(0.5d));
    assertThat(SqlValues.groupingKey(-0.0d)).isEqualTo(SqlValues.groupingKey(0));
    assertThat(SqlValues.groupingKey(new BigDecimal("0E-10"))).isEqualTo(SqlValues.groupingKey(0L));
    assertThat(SqlValues.groupingKey(new byte[] {1, 2})).isEqualTo(SqlValues.groupingKey(new byte[] {1, 2}));
    assertThat(SqlValues.groupingKey(Double.NaN)).isEqualTo(SqlValues.groupingKey(Double.NaN));
    assertThat(SqlValues.groupingKey(new BigDecimal("0.1"))).as("0.1d is not exactly 0.1").isNotEqualTo(SqlValues.groupingKey(0.1d));
    OffsetDateTime utc = OffsetDateTime.of(2024, 1, 1, 12, 0, 0, 0, ZoneOffset.UTC);
    assertThat(SqlValues.groupingKey(utc)).isEqualTo(SqlValues.groupingKey(utc.withOffsetSameInstant(ZoneOffset.ofHours(-5))));
    assertThat(SqlValues.groupingKey("a")).isNotEqualTo(SqlValues.groupingKey("A"));
  }
}
