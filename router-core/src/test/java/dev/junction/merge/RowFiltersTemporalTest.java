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

  /** issue #10: HAVING max(f) = 'NaN' failed inside the merge (22000); PostgreSQL reads the literal as a float. */
  @Test
  void specialFloatLiteralsCompareLikePostgres() {
    assertThat(RowFilters.compareCoercing(Double.NaN, "NaN")).isZero();
    assertThat(RowFilters.compareCoercing(Double.NaN, "nan")).isZero();
    assertThat(RowFilters.compareCoercing(1e300, "Infinity")).isNegative();
    assertThat(RowFilters.compareCoercing(Double.NEGATIVE_INFINITY, "-Infinity")).isZero();
    assertThat(RowFilters.compareCoercing(Double.NaN, "Infinity")).isPositive(); // NaN sorts above every number
    assertThat(RowFilters.compareCoercing(4.0, "4")).isZero();
  }

  @Test
  void infinityDateLiterals() {
    Date infinity = new Date(9223372036825200000L); // what pgjdbc returns for 'infinity'
    assertThat(RowFilters.compareCoercing(infinity, "infinity")).isZero();
    assertThat(RowFilters.compareCoercing(Date.valueOf(T.toLocalDate()), "infinity")).isNegative();
    assertThat(RowFilters.compareCoercing(Date.valueOf(T.toLocalDate()), "-infinity")).isPositive();
  }

  /**
   * pgjdbc sends a Timestamp parameter as text with a UTC offset and no type (what the proxy sees);
   * PostgreSQL's timestamp input ignores the offset, and so does the merge's HAVING (found by
   * ProxyShardedDifferentialIT: "HAVING compares a LocalDateTime with '2024-01-23 00:00:00+00'").
   */
  @Test
  void timestampTextWithAnOffsetComparesLikePostgresTimestampInput() {
    assertThat(RowFilters.compareCoercing(T, "2024-02-13 10:31:00+00")).isNegative();
    assertThat(RowFilters.compareCoercing(T, "2024-02-13 10:30:00+05:30")).isZero();
    String jvmOffset = java.time.ZoneId.systemDefault().getRules().getOffset(T).getId().replace("Z", "+00:00");
    assertThat(RowFilters.compareCoercing(Timestamp.valueOf(T), "2024-02-13 10:29:59.5" + jvmOffset)).isPositive();
    assertThat(RowFilters.withoutOffset("2024-02-13 10:30:00")).isEqualTo("2024-02-13 10:30:00");
  }

  /**
   * pgjdbc hands out timestamptz as a Timestamp too, and timestamptz input applies the offset: only
   * the JVM zone's own offset (pgjdbc's text for a Timestamp parameter) reads alike for both types.
   */
  @Test
  void aTimestampLiteralWithAnotherOffsetIsRefused() {
    String jvmOffset = java.time.ZoneId.systemDefault().getRules().getOffset(T).getId().replace("Z", "+00:00");
    String other = jvmOffset.equals("+05:30") ? "+01:00" : "+05:30";
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> RowFilters.compareCoercing(Timestamp.valueOf(T), "2024-02-13 10:30:00" + other))
        .isInstanceOf(UnmergeableValueException.class).hasMessageContaining("timestamptz column applies it");
    assertThat(RowFilters.compareCoercing(Timestamp.valueOf(T), "2024-02-13 10:30:00")).isZero();
  }
}
