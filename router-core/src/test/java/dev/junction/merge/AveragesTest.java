package dev.junction.merge;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * AVG finished from (sum, count) must print like the database's own AVG. PostgreSQL values below
 * are what {@code numeric} division gives (e.g. {@code SELECT 1.0 / 3} is 0.33333333333333333333,
 * {@code avg(1, 2)} is 1.5000000000000000).
 */
class AveragesTest {

  @ParameterizedTest(name = "postgres avg: {0} / {1} = {2}")
  @CsvSource({
      "3, 2, 1.5000000000000000",
      "5, 3, 1.6666666666666667",
      "6, 3, 2.0000000000000000",
      "-5, 3, -1.6666666666666667",
      "300000, 2, 150000.000000000000",
      "2.55, 2, 1.27500000000000000000",
      "1.0, 3, 0.33333333333333333333",
      "0, 5, 0.00000000000000000000",
      "123456789012345678901234567890, 7, 17636684144620811271604938270", // 16 significant digits need no decimals
  })
  void postgresNumericScale(String sum, long count, String expected) {
    Object avg = Averages.average(new BigDecimal(sum), count, MergeDialect.POSTGRESQL);
    assertThat(avg).isInstanceOf(BigDecimal.class);
    assertThat(((BigDecimal) avg).toPlainString()).isEqualTo(expected);
  }

  @Test
  void postgresIntegerSumsArriveAsLongs() {
    assertThat(Averages.average(3L, 2L, MergeDialect.POSTGRESQL)).isEqualTo(new BigDecimal("1.5000000000000000"));
  }

  @ParameterizedTest(name = "{3} avg: {0} / {1} = {2}")
  @CsvSource({
      "3, 2, 1.5000, MYSQL",
      "10, 3, 3.3333, MYSQL",
      "2.55, 2, 1.275000, MYSQL",
      "-2.5, 2, -1.25000, MARIADB",
      "1, 3, 0.3333, MARIADB",
  })
  void mysqlAddsFourDecimals(String sum, long count, String expected, MergeDialect dialect) {
    assertThat(((BigDecimal) Averages.average(new BigDecimal(sum), count, dialect)).toPlainString()).isEqualTo(expected);
  }

  @Test
  void floatingSumsGiveDoubles() {
    assertThat(Averages.average(3.0d, 2L, MergeDialect.POSTGRESQL)).isEqualTo(1.5d);
    assertThat(Averages.average(1.5f, 3L, MergeDialect.MYSQL)).isEqualTo(0.5d);
  }

  @Test
  void postgresqlRealSumsAreRefused() {
    // sum(real) accumulated in real on the shards; avg(real) accumulates in double precision
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Averages.average(Float.POSITIVE_INFINITY, 2L, MergeDialect.POSTGRESQL))
        .isInstanceOf(UnmergeableValueException.class).hasMessageContaining("avg(x::float8)");
  }

  @Test
  void noRowsGiveNull() {
    assertThat(Averages.average(null, 0L, MergeDialect.POSTGRESQL)).isNull();
    assertThat(Averages.average(BigDecimal.ZERO, 0L, MergeDialect.MYSQL)).isNull();
  }
}
