package dev.junction.health;

/**
 * When a replica leaves and rejoins the read rotation.
 *
 * <p>A replica is too far behind when its lag exceeds {@code maxLagMillis} (and, when a byte
 * threshold is also set, exceeds {@code maxLagBytes} too: as GitLab does, a replica within either
 * threshold is healthy, because time lag alone misreads an idle primary). It rejoins only below the
 * lower readmit thresholds, so a replica hovering at the limit does not flap. Unknown lag
 * (negative: replication broken, or never measured) counts as too far behind.
 */
public record LagPolicy(long maxLagMillis, long maxLagBytes, long readmitLagMillis, long readmitLagBytes) {

  public LagPolicy {
    if (maxLagMillis <= 0) {
      throw new IllegalArgumentException("maxLagMillis must be > 0, got " + maxLagMillis);
    }
    if (readmitLagMillis > maxLagMillis) {
      throw new IllegalArgumentException("readmit lag (" + readmitLagMillis + " ms) must not exceed max lag (" + maxLagMillis + " ms)");
    }
  }

  boolean nextInRotation(boolean inRotation, long lagMillis, long lagBytes) {
    if (lagMillis < 0) {
      return false;
    }
    return inRotation
        ? within(lagMillis, lagBytes, maxLagMillis, maxLagBytes)
        : within(lagMillis, lagBytes, readmitLagMillis, readmitLagBytes);
  }

  private static boolean within(long millis, long bytes, long maxMillis, long maxBytes) {
    boolean timeOk = millis <= maxMillis;
    if (maxBytes <= 0 || bytes < 0) {
      return timeOk;
    }
    return timeOk || bytes <= maxBytes;
  }
}
