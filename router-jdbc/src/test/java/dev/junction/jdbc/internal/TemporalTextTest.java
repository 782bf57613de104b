package dev.junction.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.merge.MergeDialect;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TemporalTextTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "2024-03-04T12:11:00       | POSTGRESQL | 6 | 2024-03-04 12:11:00",
      "2024-03-04T12:11:00.5     | POSTGRESQL | 6 | 2024-03-04 12:11:00.5",
      "2024-03-04T12:11:00.123456| POSTGRESQL | 6 | 2024-03-04 12:11:00.123456",
      "2024-01-09T18:03          | MARIADB    | 0 | 2024-01-09 18:03:00",
      "2024-01-09T18:03:00.5     | MARIADB    | 3 | 2024-01-09 18:03:00.500",
      "2024-01-09T18:03:00.5     | MYSQL      | 0 | 2024-01-09 18:03:00",
  })
  void dateTimesPrintLikeTheDriver(String value, MergeDialect dialect, int scale, String expected) {
    LocalDateTime t = LocalDateTime.parse(value.strip());
    assertThat(TemporalText.format(t, dialect, scale, "timestamp")).isEqualTo(expected);
    assertThat(TemporalText.format(Timestamp.valueOf(t), dialect, scale, "timestamp")).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "2024-03-04T12:11:00Z        | 2024-03-04 12:11:00+00",
      "2024-03-04T12:11:00.25+05:30| 2024-03-04 12:11:00.25+05:30",
      "2024-03-04T12:11:00-03:00   | 2024-03-04 12:11:00-03",
  })
  void offsetsPrintLikePostgres(String value, String expected) {
    assertThat(TemporalText.format(OffsetDateTime.parse(value.strip()), MergeDialect.POSTGRESQL, 6, "timestamptz"))
        .isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "08:05:03     | POSTGRESQL | 6 | 08:05:03",
      "08:05:03.1   | POSTGRESQL | 6 | 08:05:03.1",
      "08:05:03.1   | MARIADB    | 2 | 08:05:03.10",
  })
  void timesPrintLikeTheDriver(String value, MergeDialect dialect, int scale, String expected) {
    assertThat(TemporalText.format(LocalTime.parse(value.strip()), dialect, scale, "time")).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"abc", "42"})
  void otherValuesAreNotTemporal(String value) {
    assertThat(TemporalText.format(value, MergeDialect.POSTGRESQL, 0, "text")).isNull();
    assertThat(TemporalText.format(ZoneOffset.UTC, MergeDialect.POSTGRESQL, 0, "text")).isNull();
  }
}
