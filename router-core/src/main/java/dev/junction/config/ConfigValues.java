package dev.junction.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the text forms used in configuration (durations like {@code 250ms}, sizes like {@code 16MB}, enums). */
public final class ConfigValues {
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)?");
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|kb|mb|gb)?");

  private ConfigValues() {}

  public static Duration duration(String key, Object value) {
    String text = String.valueOf(value).trim().toLowerCase(Locale.ROOT);
    Matcher m = DURATION.matcher(text);
    if (!m.matches()) {
      throw new ConfigException(key, "not a duration: '" + value + "'; use a number with ms, s, m or h, e.g. 50ms, 5s, 1m");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "ms" : m.group(2);
    return switch (unit) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }

  public static long bytes(String key, Object value) {
    String text = String.valueOf(value).trim().toLowerCase(Locale.ROOT);
    Matcher m = SIZE.matcher(text);
    if (!m.matches()) {
      throw new ConfigException(key, "not a size: '" + value + "'; use a number with B, KB, MB or GB, e.g. 16MB");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2);
    return switch (unit) {
      case "kb" -> n << 10;
      case "mb" -> n << 20;
      case "gb" -> n << 30;
      default -> n;
    };
  }

  public static int integer(String key, Object value) {
    if (value instanceof Number n) {
      return n.intValue();
    }
    try {
      return Integer.parseInt(String.valueOf(value).trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(key, "not an integer: '" + value + "'");
    }
  }

  /** Accepts {@code round-robin}, {@code ROUND_ROBIN}, {@code round_robin}. */
  public static <E extends Enum<E>> E enumValue(String key, Object value, Class<E> type) {
    String normalized = String.valueOf(value).trim().toUpperCase(Locale.ROOT).replace('-', '_');
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equals(normalized)) {
        return constant;
      }
    }
    String accepted = String.join(", ", Arrays.stream(type.getEnumConstants())
        .map(c -> c.name().toLowerCase(Locale.ROOT).replace('_', '-')).toList());
    throw new ConfigException(key, "unknown value '" + value + "'; accepted values: " + accepted);
  }
}
