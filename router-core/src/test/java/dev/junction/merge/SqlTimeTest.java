package dev.junction.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Time;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL's {@code time}/{@code timetz} and MySQL's {@code TIME} semantics as the merge sees them (the end-to-end
 * oracle is ShardedDifferentialIT's SPECIAL_VALUES family, against an unsharded database).
 */
class SqlTimeTest {

  static SqlTime tz(String text) {
    return SqlTime.of(new Time(0), text, true);
  }

  static SqlTime time(String text) {
    return SqlTime.of(new Time(0), text, false);
  }

  static boolean sameGroup(SqlTime a, SqlTime b) {
    return SqlValues.groupingKey(a).equals(SqlValues.groupingKey(b));
  }

  @Test
  void timetzIsEqualOnlyWithTheSameTimeAndZone() {
    // the same instant (11:00 UTC), but not equal in PostgreSQL; pgjdbc gives both as one java.sql.Time
    assertThat(sameGroup(tz("12:00:00+01"), tz("11:00:00+00"))).isFalse();
    assertThat(SqlValues.compare(tz("12:00:00+01"), tz("11:00:00+00"))).as("same UTC time: the zone east of UTC first")
        .isNegative();
    assertThat(sameGroup(tz("11:00:00+00"), tz("11:00:00+00:00"))).isTrue();
    assertThat(SqlValues.compare(tz("11:00:00+00"), tz("11:00:00+00:00"))).isZero();
    assertThat(sameGroup(tz("12:00:00.0001+01"), tz("12:00:00.0005+01"))).isFalse();
    assertThat(SqlValues.compare(tz("23:00:00-02"), tz("01:00:00+00"))).as("by UTC time: 25:00 after 01:00").isPositive();
    assertThat(SqlValues.compare(tz("00:00:00+14"), tz("01:00:00+00"))).as("-14:00 UTC first").isNegative();
    assertThat(SqlValues.compare(tz("10:30:00-00:30"), tz("11:00:00+00"))).as("one instant: zone east first").isPositive();
  }

  @Test
  void timeKeepsMicrosecondsAndTheEndOfTheDay() {
    assertThat(sameGroup(time("12:00:00.0001"), time("12:00:00.0009"))).isFalse();
    assertThat(SqlValues.compare(time("12:00:00.0001"), time("12:00:00.0009"))).isNegative();
    assertThat(sameGroup(time("12:00:00.0001"), time("12:00:00.000100"))).isTrue();
    assertThat(SqlValues.compare(time("24:00:00"), time("23:59:59.999999"))).isPositive();
    assertThat(sameGroup(time("24:00:00"), time("00:00:00"))).isFalse();
    // MySQL TIME: a signed duration up to 838 hours
    assertThat(SqlValues.compare(time("-01:00:00"), time("00:00:00"))).isNegative();
    assertThat(SqlValues.compare(time("100:00:00.5"), time("23:59:59"))).isPositive();
  }

  @Test
  void anOffsetTimeCarriesTheZoneAsTheTextDoes() {
    assertThat(sameGroup(SqlTime.of(null, java.time.OffsetTime.parse("12:00+01:00")), tz("12:00:00+01"))).isTrue();
    assertThat(SqlValues.compare(SqlTime.of(null, java.time.OffsetTime.parse("12:00+01:00")),
        SqlTime.of(null, java.time.OffsetTime.parse("11:00Z")))).isNegative();
    assertThat(sameGroup(SqlTime.of(null, java.time.OffsetTime.of(java.time.LocalTime.MAX, java.time.ZoneOffset.UTC)),
        tz("24:00:00+00"))).as("pgjdbc's 24:00").isTrue();
    assertThatThrownBy(() -> SqlValues.groupingKey(SqlTime.of(null, (java.time.OffsetTime) null)))
        .isInstanceOf(UnmergeableValueException.class);
  }

  @Test
  void theApplicationGetsTheDriversValue() {
    Time driver = new Time(3_600_000);
    assertThat(SqlTime.of(driver, "01:00:00", false).value()).isSameAs(driver);
  }

  @Test
  void aTextItCannotReadIsRefusedNotGuessed() {
    SqlTime odd = tz("allballs");
    assertThatThrownBy(() -> SqlValues.groupingKey(odd)).isInstanceOf(UnmergeableValueException.class);
    assertThatThrownBy(() -> SqlValues.compare(odd, tz("11:00:00+00"))).isInstanceOf(UnmergeableValueException.class);
    assertThatThrownBy(() -> SqlValues.groupingKey(time(null))).isInstanceOf(UnmergeableValueException.class);
    assertThatThrownBy(() -> SqlValues.groupingKey(time("12:0:00"))).isInstanceOf(UnmergeableValueException.class);
  }
}
