package dev.junction.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.RepeatedTest;

/** The ring watcher's per-shard reconnect delay: 50 ms doubling to 1 s, never longer, jitter only shortens it. */
class RingWatcherBackoffTest {
  @RepeatedTest(50)
  void delaysDoubleFromThePollIntervalUpToTheCapWithJitterBelow() {
    long[] nominalMillis = {50, 100, 200, 400, 800, 1000, 1000};
    for (int failures = 1; failures <= nominalMillis.length; failures++) {
      long nominal = nominalMillis[failures - 1] * 1_000_000;
      assertThat(RingWatcher.retryDelayNanos(failures)).as("after %d failures", failures)
          .isBetween(nominal - nominal / 4, nominal);
    }
    assertThat(RingWatcher.retryDelayNanos(Integer.MAX_VALUE)).isLessThanOrEqualTo(RingWatcher.MAX_RETRY_DELAY.toNanos())
        .isPositive();
  }
}
