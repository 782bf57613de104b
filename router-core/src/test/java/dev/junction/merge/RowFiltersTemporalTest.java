package dev.junction.merge;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Date;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.LocalDateTime;
import org.junit.jupiter.api.Test;

/**
 * HAVING compares merged values with bound parameters. The application may bind a timestamp as
 * {@code java.sql.Timestamp} or as {@code LocalDateTime} whatever class the driver returns for the
 * column (found by ShardedDifferentialIT: "cannot compare java.sql.Timestamp and
 * java.time.LocalDateTime in one merge column" for {@code HAVING MIN(created_at) < ?}).
 */
class RowFiltersTemporalTest {
  static final LocalDateTime T = LocalDateTime.of(2024, 2, 13, 10, 30);

  @Test
  void timestampColumnAgainstLocalDateTimeParameter() {
    assertThat(RowFilters.compareCoercing(Timestamp.valueOf(T), T.plusMinutes(1))).isNegative();
    assertThat(RowFilters.compareCoercing(Timestamp.valueOf(T), T)).isZero();
  }

  @Test
  void localDateTimeColumnAgainstTimestampParameter() {
    assertThat(RowFilters.compareCoercing(T, Timestamp.valueOf(T.minusSeconds(1)))).isPositive();
    assertThat(RowFilters.compareCoercing(T, Timestamp.valueOf(T))).isZero();
  }

  @Test
  void datesEitherWay() {
    LocalDate d = T.toLocalDate();
    assertThat(RowFilters.compareCoercing(Date.valueOf(d), d.plusDays(1))).isNegative();
    assertThat(RowFilters.compareCoercing(d, Date.valueOf(d.minusDays(1)))).isPositive();
  }
}
