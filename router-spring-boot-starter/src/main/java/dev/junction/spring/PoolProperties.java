package dev.junction.spring;

import java.time.Duration;

/**
 * HikariCP settings of one endpoint ({@code ...pool.*}). The defaults equal
 * {@link dev.junction.config.JunctionConfig.Pool#defaults()} (a unit test keeps them equal).
 */
public class PoolProperties {
  /** Largest number of physical connections to this server. */
  private int maximumSize = 10;

  /** Idle connections kept open. */
  private int minimumIdle = 0;

  /** How long getting a connection may wait; also bounds how long a dead server can stall a read (at least 250ms). */
  private Duration connectionTimeout = Duration.ofSeconds(2);

  /** Idle connections above minimum-idle are closed after this. */
  private Duration idleTimeout = Duration.ofMinutes(10);

  /** Connections are replaced after this age. */
  private Duration maxLifetime = Duration.ofMinutes(30);

  /** How long a connection liveness check may take. */
  private Duration validationTimeout = Duration.ofSeconds(1);

  public int getMaximumSize() {
    return maximumSize;
  }

  public void setMaximumSize(int maximumSize) {
    this.maximumSize = maximumSize;
  }

  public int getMinimumIdle() {
    return minimumIdle;
  }

  public void setMinimumIdle(int minimumIdle) {
    this.minimumIdle = minimumIdle;
  }

  public Duration getConnectionTimeout() {
    return connectionTimeout;
  }

  public void setConnectionTimeout(Duration connectionTimeout) {
    this.connectionTimeout = connectionTimeout;
  }

  public Duration getIdleTimeout() {
    return idleTimeout;
  }

  public void setIdleTimeout(Duration idleTimeout) {
    this.idleTimeout = idleTimeout;
  }

  public Duration getMaxLifetime() {
    return maxLifetime;
  }

  public void setMaxLifetime(Duration maxLifetime) {
    this.maxLifetime = maxLifetime;
  }

  public Duration getValidationTimeout() {
    return validationTimeout;
  }

  public void setValidationTimeout(Duration validationTimeout) {
    this.validationTimeout = validationTimeout;
  }
}
