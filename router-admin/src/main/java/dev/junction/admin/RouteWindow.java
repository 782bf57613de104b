package dev.junction.admin;

import dev.junction.route.RouteReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts over the last minute, from the data source's cumulative Micrometer meters.
 *
 * <p>Design notes: the routing path only increments counters; it must not pay for the admin page.
 * So a sampler reads the cumulative counts once a second ({@link #sample}) into a ring of
 * {@link #CAPACITY} samples, and a window count is the difference between the newest sample and
 * the oldest one still inside the window. One writer (the sampler thread), readers take the ring
 * under its monitor: contention is one reader per admin request and one sample per second.
 */
final class RouteWindow {
  static final int WINDOW_SECONDS = 60;
  static final int CAPACITY = WINDOW_SECONDS + 1;
  private static final RouteReason[] REASONS = RouteReason.values();

  /** Cumulative counts at one instant: per reason, then fence waits caught-up, timed-out, record failures. */
  private record Sample(long nanos, long[] counts) {}

  private final MeterRegistry registry;
  private final Sample[] ring = new Sample[CAPACITY];
  private int newest = -1;
  private int size;

  RouteWindow(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Reads the cumulative meters now; call about once a second. */
  void sample(long nanos) {
    long[] counts = new long[REASONS.length + 3];
    for (Counter c : registry.find("junction.route").counters()) {
      String reason = c.getId().getTag("reason");
      for (int i = 0; i < REASONS.length; i++) {
        if (REASONS[i].tag().equals(reason)) {
          counts[i] += (long) c.count();
        }
      }
    }
    for (Timer t : registry.find("junction.fence.wait").timers()) {
      counts[REASONS.length + ("timeout".equals(t.getId().getTag("outcome")) ? 1 : 0)] += t.count();
    }
    Counter failures = registry.find("junction.fence.record.failures").counter();
    counts[REASONS.length + 2] = failures == null ? 0 : (long) failures.count();
    synchronized (ring) {
      newest = (newest + 1) % CAPACITY;
      ring[newest] = new Sample(nanos, counts);
      size = Math.min(size + 1, CAPACITY);
    }
  }

  /** The window's counts; before the second sample every count is 0. */
  View view() {
    List<Sample> samples = new ArrayList<>(CAPACITY);
    synchronized (ring) {
      for (int i = size - 1; i >= 0; i--) {
        samples.add(ring[(newest - i + CAPACITY) % CAPACITY]);
      }
    }
    Map<String, Long> byReason = new LinkedHashMap<>();
    List<long[]> perSecond = new ArrayList<>();
    if (samples.size() < 2) {
      for (RouteReason r : REASONS) {
        byReason.put(r.tag(), 0L);
      }
      return new View(0, byReason, perSecond, 0, 0, samples.isEmpty() ? 0 : samples.get(0).counts()[REASONS.length + 2]);
    }
    Sample first = samples.get(0);
    Sample last = samples.get(samples.size() - 1);
    for (int i = 0; i < REASONS.length; i++) {
      byReason.put(REASONS[i].tag(), last.counts()[i] - first.counts()[i]);
    }
    for (int s = 1; s < samples.size(); s++) {
      long primary = 0;
      long replica = 0;
      for (int i = 0; i < REASONS.length; i++) {
        long delta = samples.get(s).counts()[i] - samples.get(s - 1).counts()[i];
        if (REASONS[i].isReplica()) {
          replica += delta;
        } else {
          primary += delta;
        }
      }
      perSecond.add(new long[] {primary, replica});
    }
    int seconds = (int) Math.round((last.nanos() - first.nanos()) / 1e9);
    return new View(seconds, byReason, perSecond,
        last.counts()[REASONS.length] - first.counts()[REASONS.length],
        last.counts()[REASONS.length + 1] - first.counts()[REASONS.length + 1],
        last.counts()[REASONS.length + 2]);
  }

  record View(int seconds, Map<String, Long> byReason, List<long[]> perSecond, long waitsCaughtUp, long waitsTimedOut,
              long recordFailures) {}
}
