package dev.junction.jdbc.internal;

import dev.junction.merge.MergeDialect;
import java.sql.Time;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The text a driver's {@code getString} gives for a date/time value, rebuilt from the value the
 * merger holds ({@code getObject} of the shard), so merged results read like single-shard ones:
 * PostgreSQL prints {@code 2024-03-04 12:11:00.5} (fraction trimmed, {@code timestamptz} with the
 * session's offset, which pgjdbc sets to the JVM's zone); MySQL and MariaDB print the fraction
 * padded to the column's declared precision ({@code DATETIME(3)}: {@code .500}).
 */
final class TemporalText {
  private TemporalText() {}

  /** The driver's text for {@code value}, or null when it is not a date/time value. */
  static String format(Object value, MergeDialect dialect, int scale, String typeName) {
    if (value instanceof Timestamp t) {
      return dateTime(t.toLocalDateTime(), dialect, scale, typeName);
    }
    if (value instanceof LocalDateTime t) {
      return dateTime(t, dialect, scale, typeName);
    }
    if (value instanceof OffsetDateTime t) {
      return t.toLocalDate() + " " + time(t.toLocalTime(), dialect, scale) + offset(t.getOffset());
    }
    if (value instanceof Time t) {
      return time(t.toLocalTime(), dialect, scale);
    }
    if (value instanceof LocalTime t) {
      return time(t, dialect, scale);
    }
    if (value instanceof java.sql.Date || value instanceof LocalDate) {
      return value.toString();
    }
    return null;
  }

  private static String dateTime(LocalDateTime t, MergeDialect dialect, int scale, String typeName) {
    String text = t.toLocalDate() + " " + time(t.toLocalTime(), dialect, scale);
    if (dialect == MergeDialect.POSTGRESQL && "timestamptz".equalsIgnoreCase(typeName)) {
      text += offset(ZoneId.systemDefault().getRules().getOffset(t));
    }
    return text;
  }

  private static String time(LocalTime t, MergeDialect dialect, int scale) {
    StringBuilder sb = new StringBuilder(15);
    two(sb, t.getHour()).append(':');
    two(sb, t.getMinute()).append(':');
    two(sb, t.getSecond());
    int nano = t.getNano();
    int digits = dialect == MergeDialect.POSTGRESQL ? significantDigits(nano) : Math.min(scale, 9);
    if (digits > 0) {
      sb.append('.');
      for (int i = 0, divisor = 100_000_000; i < digits; i++, divisor /= 10) {
        sb.append((char) ('0' + nano / divisor % 10));
      }
    }
    return sb.toString();
  }

  /** Fraction digits PostgreSQL prints: trailing zeros trimmed, none for a whole second. */
  private static int significantDigits(int nano) {
    if (nano == 0) {
      return 0;
    }
    int digits = 9;
    while (nano % 10 == 0) {
      nano /= 10;
      digits--;
    }
    return digits;
  }

  /** PostgreSQL's offset form: {@code +00}, {@code +05:30}, {@code -03}. */
  private static String offset(ZoneOffset offset) {
    int seconds = offset.getTotalSeconds();
    StringBuilder sb = new StringBuilder(seconds < 0 ? "-" : "+");
    seconds = Math.abs(seconds);
    two(sb, seconds / 3600);
    if (seconds % 3600 != 0) {
      sb.append(':');
      two(sb, seconds % 3600 / 60);
    }
    return sb.toString();
  }

  private static StringBuilder two(StringBuilder sb, int n) {
    if (n < 10) {
      sb.append('0');
    }
    return sb.append(n);
  }
}
