package dev.junction.config;

/** Invalid configuration, raised at startup; the message names the exact key and what it accepts. */
public final class ConfigException extends IllegalArgumentException {
  private final String key;

  public ConfigException(String key, String problem) {
    super(key + ": " + Redaction.redact(problem)); // a value echoed in a message may hold a secret
    this.key = key;
  }

  /** The full dotted key, e.g. {@code junction.shards[0].replicas[1].url}. */
  public String key() {
    return key;
  }
}
