package dev.junction.spring;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringBootVersion;

/**
 * The Spring Boot lines the starter supports: 3.5.x and 4.0.x, both tested (the default build and
 * the {@code boot4} Maven profile). Boot 3 and 4 keep DataSource auto-configuration and the health
 * API in different packages; the starter names both and activates what the class path has. A later
 * 4.x starts with a warning (same major, not tested yet); anything else fails startup with a report
 * naming the supported lines, instead of a ClassNotFoundException deep in bean creation.
 */
final class SpringBootLine {
  static final String SUPPORTED = "3.5.x and 4.0.x";
  private static final Logger log = LoggerFactory.getLogger(SpringBootLine.class);

  private SpringBootLine() {}

  /** Thrown at startup on an unsupported line; {@link UnsupportedSpringBootFailureAnalyzer} reports it. */
  static final class UnsupportedSpringBootException extends IllegalStateException {
    private static final long serialVersionUID = 1L;
    private final String version;

    UnsupportedSpringBootException(String version) {
      super("Junction's Spring Boot starter supports Spring Boot " + SUPPORTED + ", not " + version);
      this.version = version;
    }

    String version() {
      return version;
    }
  }

  static void check() {
    check(SpringBootVersion.getVersion());
  }

  /** @param version e.g. "3.5.7"; null (unknown, e.g. a repackaged jar without a manifest) passes */
  static void check(String version) {
    if (version == null) {
      return;
    }
    String[] parts = version.split("[.-]");
    int major;
    int minor;
    try {
      major = Integer.parseInt(parts[0]);
      minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
    } catch (NumberFormatException e) {
      return;
    }
    if ((major == 3 && minor == 5) || (major == 4 && minor == 0)) {
      return;
    }
    if (major == 4 && minor > 0) {
      log.warn("Spring Boot {} has not been tested with Junction's starter (supported: {}); it is expected to work, "
          + "as within one major line the auto-configuration packages do not move.", version, SUPPORTED);
      return;
    }
    throw new UnsupportedSpringBootException(version);
  }
}
