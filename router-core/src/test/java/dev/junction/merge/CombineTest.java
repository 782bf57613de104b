package dev.junction.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class CombineTest {

  private static Object sumAll(Combine c, Object... partials) {
    Object acc = c.first(partials[0]);
    for (int i = 1; i < partials.length; i++) {
      acc = c.add(acc, partials[i]);
    }
    return acc;
  }

  @Test
  void longSumsStayLongUntilTheyOverflow() {
    assertThat(sumAll(Combine.SUM, 1L, 2, (short) 3)).isEqualTo(6L);
    assertThat(sumAll(Combine.SUM, Long.MAX_VALUE, 1L))
        .isEqualTo(new BigDecimal(BigInteger.valueOf(Long.MAX_VALUE).add(BigInteger.ONE)));
    assertThat(sumAll(Combine.SUM, Long.MIN_VALUE, -1L, 5L))
        .isEqualTo(new BigDecimal(BigInteger.valueOf(Long.MIN_VALUE).subtract(BigInteger.ONE)).add(BigDecimal.valueOf(5)));
  }

  @Test
  void decimalAndFloatingSumsKeepTheirType() {
    assertThat(sumAll(Combine.SUM, new BigDecimal("1.10"), new BigDecimal("2.205"))).isEqualTo(new BigDecimal("3.305"));
    assertThat(sumAll(Combine.SUM, 0.5d, 0.25d)).isEqualTo(0.75d);
    assertThat(sumAll(Combine.SUM, 0.5f, 0.25f)).isEqualTo(0.75f);
    assertThat(sumAll(Combine.SUM, new BigInteger("5"), 1L)).isEqualTo(new BigDecimal("6"));
  }

  @Test
  void anyValueSkipsNullPartialsAsPostgresqlDoes() {
    assertThat(sumAll(Combine.ANY_VALUE, null, "b", "c")).isEqualTo("b");
    assertThat(sumAll(Combine.ANY_VALUE, "a", null)).isEqualTo("a");
    assertThat(sumAll(Combine.ANY_VALUE, null, null)).isNull();
  }

  @Test
  void sumIsNullOnlyWhenEveryPartialIs() {
    assertThat(sumAll(Combine.SUM, null, null)).isNull();
    assertThat(sumAll(Combine.SUM, null, 4L, null)).isEqualTo(4L);
  }

  @Test
  void countsAddAsLongs() {
    assertThat(sumAll(Combine.COUNT, 2, 3L, new BigDecimal("4"))).isEqualTo(9L);
    assertThat(Combine.COUNT.first(null)).isEqualTo(0L);
  }

  @Test
  void minAndMaxIgnoreNulls() {
    assertThat(sumAll(Combine.MIN, null, 3, 1L, null)).isEqualTo(1L);
    assertThat(sumAll(Combine.MAX, "a", null, "\uD83D\uDE00", "\uFFFD")).isEqualTo("\uD83D\uDE00");
    assertThat(sumAll(Combine.MAX, null, null)).isNull();
  }

  @Test
  void booleanAggregatesIgnoreNulls() {
    assertThat(sumAll(Combine.BOOL_AND, true, null, true)).isEqualTo(true);
    assertThat(sumAll(Combine.BOOL_AND, true, false)).isEqualTo(false);
    assertThat(sumAll(Combine.BOOL_OR, null, false, true)).isEqualTo(true);
    assertThat(sumAll(Combine.BOOL_OR, null, null)).isNull();
  }

  @Test
  void keysAndFirstKeepTheFirstValue() {
    assertThat(sumAll(Combine.FIRST, "x", "y")).isEqualTo("x");
    assertThat(sumAll(Combine.KEY, 1, 1L)).isEqualTo(1);
  }

  @Test
  void nonNumericSumIsAnError() {
    assertThatThrownBy(() -> sumAll(Combine.SUM, 1L, "2")).isInstanceOf(IllegalArgumentException.class);
  }
}
