package dev.junction.proxy.protocol;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postgresql.PGStatement;

/**
 * Date/time conversions between Java values and PostgreSQL's representations: ISO text as
 * PostgreSQL prints it with DateStyle ISO, microsecond counts from 2000-01-01 for binary, and
 * infinity, which pgjdbc maps to special {@code java.sql} instants and to {@code MAX}/{@code MIN}
 * of the java.time types.
 */
final class PgDateTime {
  static final long PG_EPOCH_DAY = LocalDate.of(2000, 1, 1).toEpochDay();
  static final long PG_EPOCH_SECOND = PG_EPOCH_DAY * 86_400;
  static final long MICROS_PER_DAY = 86_400_000_000L;

  private static final Pattern DATE = Pattern.compile(
      "(\\d{4,})-(\\d{1,2})-(\\d{1,2})(?:\\s+(BC|AD))?", Pattern.CASE_INSENSITIVE);
  private static final Pattern TIME = Pattern.compile("(\\d{1,2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,9}))?)?");
  private static final Pattern TIMESTAMP = Pattern.compile(
      "(\\d{4,})-(\\d{1,2})-(\\d{1,2})"
          + "(?:[ T](\\d{1,2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,9}))?)?)?"
          + "\\s*(Z|[+-]\\d{1,2}(?::?\\d{2}(?::?\\d{2})?)?)?"
          + "(?:\\s+(BC|AD))?",
      Pattern.CASE_INSENSITIVE);

  private PgDateTime() {
  }

  // ------------------------------------------------------------ Java value normalisation

  static LocalDate toLocalDate(Object value) {
    if (value instanceof LocalDate d) {
      return d;
    }
    if (value instanceof java.sql.Date d) {
      long millis = d.getTime();
      if (isPositiveInfinity(millis)) {
        return LocalDate.MAX;
      }
      if (isNegativeInfinity(millis)) {
        return LocalDate.MIN;
      }
      return d.toLocalDate();
    }
    if (value instanceof LocalDateTime ts) {
      return ts.toLocalDate();
    }
    throw cannotEncode(value, PgType.DATE);
  }

  static LocalTime toLocalTime(Object value) {
    if (value instanceof LocalTime t) {
      return t;
    }
    if (value instanceof java.sql.Time t) {
      // toLocalTime() drops milliseconds; pgjdbc builds Time values in the JVM's default zone.
      return Instant.ofEpochMilli(t.getTime()).atZone(ZoneId.systemDefault()).toLocalTime();
    }
    if (value instanceof OffsetTime t) {
      return t.toLocalTime();
    }
    throw cannotEncode(value, PgType.TIME);
  }

  static LocalDateTime toLocalDateTime(Object value) {
    if (value instanceof LocalDateTime ts) {
      return ts;
    }
    if (value instanceof java.sql.Timestamp ts) {
      long millis = ts.getTime();
      if (isPositiveInfinity(millis)) {
        return LocalDateTime.MAX;
      }
      if (isNegativeInfinity(millis)) {
        return LocalDateTime.MIN;
      }
      return ts.toLocalDateTime();
    }
    if (value instanceof java.sql.Date d) {
      LocalDate date = toLocalDate(d);
      return date.equals(LocalDate.MAX) ? LocalDateTime.MAX
          : date.equals(LocalDate.MIN) ? LocalDateTime.MIN : date.atStartOfDay();
    }
    if (value instanceof LocalDate d) {
      return d.atStartOfDay();
    }
    throw cannotEncode(value, PgType.TIMESTAMP);
  }

  /** A point in time; local date-times are taken to be in {@code zone} (the session time zone). */
  static OffsetDateTime toOffsetDateTime(Object value, ZoneId zone) {
    if (value instanceof OffsetDateTime ts) {
      return ts;
    }
    if (value instanceof ZonedDateTime ts) {
      return ts.toOffsetDateTime();
    }
    if (value instanceof Instant i) {
      return i.atOffset(ZoneOffset.UTC);
    }
    if (value instanceof java.sql.Timestamp ts) {
      long millis = ts.getTime();
      if (isPositiveInfinity(millis)) {
        return OffsetDateTime.MAX;
      }
      if (isNegativeInfinity(millis)) {
        return OffsetDateTime.MIN;
      }
      return ts.toInstant().atOffset(ZoneOffset.UTC);
    }
    if (value instanceof LocalDateTime ts) {
      if (ts.equals(LocalDateTime.MAX)) {
        return OffsetDateTime.MAX;
      }
      if (ts.equals(LocalDateTime.MIN)) {
        return OffsetDateTime.MIN;
      }
      return ts.atZone(zone).toOffsetDateTime();
    }
    throw cannotEncode(value, PgType.TIMESTAMPTZ);
  }

  private static boolean isPositiveInfinity(long millis) {
    return millis == PGStatement.DATE_POSITIVE_INFINITY || millis == PGStatement.DATE_POSITIVE_SMALLER_INFINITY;
  }

  private static boolean isNegativeInfinity(long millis) {
    return millis == PGStatement.DATE_NEGATIVE_INFINITY || millis == PGStatement.DATE_NEGATIVE_SMALLER_INFINITY;
  }

  static IllegalArgumentException cannotEncode(Object value, PgType type) {
    return new IllegalArgumentException("cannot encode a " + value.getClass().getName() + " as PostgreSQL "
        + type.typeName() + "; the column's PgType does not match the value the backend returned");
  }

  // ------------------------------------------------------------ rounding to PostgreSQL's microseconds

  static LocalTime roundToMicros(LocalTime t) {
    return t.getNano() % 1000 >= 500 ? t.plusNanos(500).truncatedTo(ChronoUnit.MICROS) : t.truncatedTo(ChronoUnit.MICROS);
  }

  static LocalDateTime roundToMicros(LocalDateTime t) {
    return t.getNano() % 1000 >= 500 ? t.plusNanos(500).truncatedTo(ChronoUnit.MICROS) : t.truncatedTo(ChronoUnit.MICROS);
  }

  // ------------------------------------------------------------ text output (DateStyle ISO)

  static String formatDate(LocalDate d) {
    if (d.equals(LocalDate.MAX)) {
      return "infinity";
    }
    if (d.equals(LocalDate.MIN)) {
      return "-infinity";
    }
    StringBuilder sb = new StringBuilder(13);
    appendDate(sb, d);
    appendEra(sb, d);
    return sb.toString();
  }

  static String formatTime(LocalTime t) {
    StringBuilder sb = new StringBuilder(15);
    if (t.equals(LocalTime.MAX)) {
      return "24:00:00"; // pgjdbc's mapping of PostgreSQL's end-of-day time
    }
    appendTime(sb, roundToMicrosOrMidnight(t));
    return sb.toString();
  }

  private static LocalTime roundToMicrosOrMidnight(LocalTime t) {
    // Rounding 23:59:59.9999996 up would wrap to 00:00; keep the last microsecond instead.
    LocalTime rounded = roundToMicros(t);
    return rounded.isBefore(t.truncatedTo(ChronoUnit.MICROS)) ? t.truncatedTo(ChronoUnit.MICROS) : rounded;
  }

  static String formatTimestamp(LocalDateTime ts) {
    if (ts.equals(LocalDateTime.MAX)) {
      return "infinity";
    }
    if (ts.equals(LocalDateTime.MIN)) {
      return "-infinity";
    }
    LocalDateTime t = roundToMicros(ts);
    StringBuilder sb = new StringBuilder(32);
    appendDate(sb, t.toLocalDate());
    sb.append(' ');
    appendTime(sb, t.toLocalTime());
    appendEra(sb, t.toLocalDate());
    return sb.toString();
  }

  /** The instant shown in {@code zone}, e.g. "2024-05-01 12:00:00+02" or "... 05:30:00+05:30". */
  static String formatTimestampTz(OffsetDateTime ts, ZoneId zone) {
    if (ts.equals(OffsetDateTime.MAX)) {
      return "infinity";
    }
    if (ts.equals(OffsetDateTime.MIN)) {
      return "-infinity";
    }
    OffsetDateTime local = ts.atZoneSameInstant(zone).toOffsetDateTime();
    LocalDateTime t = roundToMicros(local.toLocalDateTime());
    StringBuilder sb = new StringBuilder(40);
    appendDate(sb, t.toLocalDate());
    sb.append(' ');
    appendTime(sb, t.toLocalTime());
    appendOffset(sb, local.getOffset().getTotalSeconds());
    appendEra(sb, t.toLocalDate());
    return sb.toString();
  }

  private static void appendDate(StringBuilder sb, LocalDate d) {
    int year = d.getYear() <= 0 ? 1 - d.getYear() : d.getYear();
    pad(sb, year, 4);
    sb.append('-');
    pad(sb, d.getMonthValue(), 2);
    sb.append('-');
    pad(sb, d.getDayOfMonth(), 2);
  }

  private static void appendEra(StringBuilder sb, LocalDate d) {
    if (d.getYear() <= 0) {
      sb.append(" BC");
    }
  }

  private static void appendTime(StringBuilder sb, LocalTime t) {
    pad(sb, t.getHour(), 2);
    sb.append(':');
    pad(sb, t.getMinute(), 2);
    sb.append(':');
    pad(sb, t.getSecond(), 2);
    int micros = t.getNano() / 1000;
    if (micros != 0) {
      String digits = Integer.toString(1_000_000 + micros).substring(1);
      int end = digits.length();
      while (digits.charAt(end - 1) == '0') {
        end--;
      }
      sb.append('.').append(digits, 0, end);
    }
  }

  private static void appendOffset(StringBuilder sb, int totalSeconds) {
    sb.append(totalSeconds < 0 ? '-' : '+');
    int abs = Math.abs(totalSeconds);
    pad(sb, abs / 3600, 2);
    int minutes = abs % 3600 / 60;
    int seconds = abs % 60;
    if (minutes != 0 || seconds != 0) {
      sb.append(':');
      pad(sb, minutes, 2);
    }
    if (seconds != 0) {
      sb.append(':');
      pad(sb, seconds, 2);
    }
  }

  private static void pad(StringBuilder sb, int value, int width) {
    String s = Integer.toString(value);
    for (int i = s.length(); i < width; i++) {
      sb.append('0');
    }
    sb.append(s);
  }

  // ------------------------------------------------------------ text input

  /** An ISO date, "infinity" or "-infinity"; {@code null} if the text has another shape. */
  static LocalDate parseDate(String text) {
    String t = text.strip();
    LocalDate infinity = infinity(t, LocalDate.MAX, LocalDate.MIN);
    if (infinity != null) {
      return infinity;
    }
    Matcher m = DATE.matcher(t);
    if (!m.matches()) {
      return null;
    }
    try {
      return date(m.group(1), m.group(2), m.group(3), m.group(4));
    } catch (DateTimeException | ArithmeticException | NumberFormatException e) {
      throw outOfRange(text);
    }
  }

  /** "HH:MM[:SS[.fraction]]"; {@code null} if the text has another shape. */
  static LocalTime parseTime(String text) {
    Matcher m = TIME.matcher(text.strip());
    if (!m.matches()) {
      return null;
    }
    try {
      return time(m.group(1), m.group(2), m.group(3), m.group(4));
    } catch (DateTimeException | NumberFormatException e) {
      throw outOfRange(text);
    }
  }

  /** An ISO timestamp; a zone offset, if present, is ignored as PostgreSQL does for timestamp. */
  static LocalDateTime parseTimestamp(String text) {
    String t = text.strip();
    LocalDateTime infinity = infinity(t, LocalDateTime.MAX, LocalDateTime.MIN);
    if (infinity != null) {
      return infinity;
    }
    Matcher m = TIMESTAMP.matcher(t);
    if (!m.matches()) {
      return null;
    }
    try {
      return localDateTime(m);
    } catch (DateTimeException | ArithmeticException | NumberFormatException e) {
      throw outOfRange(text);
    }
  }

  /** An ISO timestamp with optional offset; without one it is in {@code zone}. */
  static OffsetDateTime parseTimestampTz(String text, ZoneId zone) {
    String t = text.strip();
    OffsetDateTime infinity = infinity(t, OffsetDateTime.MAX, OffsetDateTime.MIN);
    if (infinity != null) {
      return infinity;
    }
    Matcher m = TIMESTAMP.matcher(t);
    if (!m.matches()) {
      return null;
    }
    try {
      LocalDateTime local = localDateTime(m);
      String offset = m.group(8);
      if (offset == null) {
        return local.atZone(zone).toOffsetDateTime();
      }
      return local.atOffset(offset(offset));
    } catch (DateTimeException | ArithmeticException | NumberFormatException e) {
      throw outOfRange(text);
    }
  }

  private static <T> T infinity(String t, T max, T min) {
    if (t.equalsIgnoreCase("infinity") || t.equalsIgnoreCase("+infinity")) {
      return max;
    }
    if (t.equalsIgnoreCase("-infinity")) {
      return min;
    }
    return null;
  }

  private static LocalDateTime localDateTime(Matcher m) {
    LocalDate date = date(m.group(1), m.group(2), m.group(3), m.group(9));
    if (m.group(4) == null) {
      return date.atStartOfDay();
    }
    LocalTime time = time(m.group(4), m.group(5), m.group(6), m.group(7));
    if (time.equals(LocalTime.MAX)) {
      return date.plusDays(1).atStartOfDay();
    }
    return date.atTime(time);
  }

  private static LocalDate date(String year, String month, String day, String era) {
    int y = Integer.parseInt(year);
    if (era != null && era.equalsIgnoreCase("BC")) {
      y = 1 - y;
    }
    return LocalDate.of(y, Integer.parseInt(month), Integer.parseInt(day));
  }

  private static LocalTime time(String hour, String minute, String second, String fraction) {
    int h = Integer.parseInt(hour);
    int min = Integer.parseInt(minute);
    int s = second == null ? 0 : Integer.parseInt(second);
    long nanos = 0;
    if (fraction != null) {
      nanos = Long.parseLong((fraction + "000000000").substring(0, 9));
    }
    if (h == 24 && min == 0 && s == 0 && nanos == 0) {
      return LocalTime.MAX;
    }
    LocalTime t = LocalTime.of(h, min, s);
    long micros = (nanos + 500) / 1000;
    if (t.toNanoOfDay() / 1000 + micros >= MICROS_PER_DAY) {
      return LocalTime.MAX;
    }
    return t.plusNanos(micros * 1000);
  }

  private static ZoneOffset offset(String offset) {
    if (offset.equalsIgnoreCase("Z")) {
      return ZoneOffset.UTC;
    }
    int sign = offset.charAt(0) == '-' ? -1 : 1;
    String digits = offset.substring(1).replace(":", "");
    int hours;
    int minutes = 0;
    int seconds = 0;
    if (digits.length() <= 2) {
      hours = Integer.parseInt(digits);
    } else {
      int hourDigits = digits.length() % 2 == 0 ? 2 : 1;
      hours = Integer.parseInt(digits.substring(0, hourDigits));
      minutes = Integer.parseInt(digits.substring(hourDigits, hourDigits + 2));
      if (digits.length() > hourDigits + 2) {
        seconds = Integer.parseInt(digits.substring(hourDigits + 2));
      }
    }
    return ZoneOffset.ofTotalSeconds(sign * (hours * 3600 + minutes * 60 + seconds));
  }

  private static ValueFormatException outOfRange(String text) {
    return new ValueFormatException(SqlStates.DATETIME_FIELD_OVERFLOW,
        "date/time field value out of range: \"" + text + "\"");
  }

  // ------------------------------------------------------------ binary representation

  static int toPgDays(LocalDate d) {
    if (d.equals(LocalDate.MAX)) {
      return Integer.MAX_VALUE;
    }
    if (d.equals(LocalDate.MIN)) {
      return Integer.MIN_VALUE;
    }
    long days = d.toEpochDay() - PG_EPOCH_DAY;
    if (days <= Integer.MIN_VALUE || days >= Integer.MAX_VALUE) {
      throw new IllegalArgumentException("date " + d + " is out of PostgreSQL's range");
    }
    return (int) days;
  }

  static LocalDate fromPgDays(int days) {
    if (days == Integer.MAX_VALUE) {
      return LocalDate.MAX;
    }
    if (days == Integer.MIN_VALUE) {
      return LocalDate.MIN;
    }
    return LocalDate.ofEpochDay(PG_EPOCH_DAY + days);
  }

  static long toPgMicros(LocalDateTime ts) {
    if (ts.equals(LocalDateTime.MAX)) {
      return Long.MAX_VALUE;
    }
    if (ts.equals(LocalDateTime.MIN)) {
      return Long.MIN_VALUE;
    }
    LocalDateTime t = roundToMicros(ts);
    long seconds = t.toEpochSecond(ZoneOffset.UTC) - PG_EPOCH_SECOND;
    return Math.addExact(Math.multiplyExact(seconds, 1_000_000L), t.getNano() / 1000);
  }

  static LocalDateTime fromPgMicros(long micros) {
    if (micros == Long.MAX_VALUE) {
      return LocalDateTime.MAX;
    }
    if (micros == Long.MIN_VALUE) {
      return LocalDateTime.MIN;
    }
    long seconds = Math.floorDiv(micros, 1_000_000L);
    long micro = Math.floorMod(micros, 1_000_000L);
    return LocalDateTime.ofEpochSecond(seconds + PG_EPOCH_SECOND, (int) (micro * 1000), ZoneOffset.UTC);
  }

  static long toPgMicros(OffsetDateTime ts) {
    if (ts.equals(OffsetDateTime.MAX)) {
      return Long.MAX_VALUE;
    }
    if (ts.equals(OffsetDateTime.MIN)) {
      return Long.MIN_VALUE;
    }
    return toPgMicros(ts.withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime());
  }

  static OffsetDateTime fromPgMicrosTz(long micros) {
    if (micros == Long.MAX_VALUE) {
      return OffsetDateTime.MAX;
    }
    if (micros == Long.MIN_VALUE) {
      return OffsetDateTime.MIN;
    }
    return fromPgMicros(micros).atOffset(ZoneOffset.UTC);
  }

  static long toMicrosOfDay(LocalTime t) {
    if (t.equals(LocalTime.MAX)) {
      return MICROS_PER_DAY;
    }
    long micros = (t.toNanoOfDay() + 500) / 1000;
    return Math.min(micros, MICROS_PER_DAY - 1);
  }

  static LocalTime fromMicrosOfDay(long micros) {
    if (micros == MICROS_PER_DAY) {
      return LocalTime.MAX;
    }
    return LocalTime.ofNanoOfDay(micros * 1000);
  }
}
