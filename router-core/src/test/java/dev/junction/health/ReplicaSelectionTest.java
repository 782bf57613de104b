package dev.junction.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.position.PgLsn;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class ReplicaSelectionTest {
  static final LagPolicy POLICY = new LagPolicy(1000, 0, 500, 0);

  static EndpointState replica(String name, int weight, long replayed) {
    EndpointState s = new EndpointState("s0", name, EndpointState.Role.REPLICA, weight);
    s.observePosition(new PgLsn(replayed));
    return s;
  }

  @Test
  void roundRobinFollowsWeights() {
    EndpointState a = replica("a", 1, 0);
    EndpointState b = replica("b", 3, 0);
    ReplicaSelector selector = new ReplicaSelector(ReplicaSelector.Strategy.ROUND_ROBIN);
    Map<String, Integer> hits = new HashMap<>();
    for (int i = 0; i < 4000; i++) {
      hits.merge(selector.pick(new EndpointState[] {a, b}, null, null).name(), 1, Integer::sum);
    }
    assertThat(hits).containsEntry("a", 1000).containsEntry("b", 3000);
  }

  @ParameterizedTest
  @EnumSource(ReplicaSelector.Strategy.class)
  void aFencedReadOnlyGoesToAReplicaThatCoversTheFence(ReplicaSelector.Strategy strategy) {
    EndpointState behind = replica("behind", 1, 100);
    EndpointState ahead = replica("ahead", 1, 300);
    ReplicaSelector selector = new ReplicaSelector(strategy);
    EndpointState[] replicas = {behind, ahead};
    for (int i = 0; i < 100; i++) {
      assertThat(selector.pick(replicas, new PgLsn(200), null)).isSameAs(ahead);
      assertThat(selector.pick(replicas, new PgLsn(200), behind)).as("preferred but behind").isSameAs(ahead);
    }
    assertThat(selector.pick(replicas, new PgLsn(301), null)).isNull();
    assertThat(ReplicaSelector.mostAdvancedReadable(replicas)).isSameAs(ahead);
  }

  @ParameterizedTest
  @EnumSource(ReplicaSelector.Strategy.class)
  void openCircuitsAndLaggingReplicasAreSkipped(ReplicaSelector.Strategy strategy) {
    EndpointState down = replica("down", 1, 500);
    EndpointState lagging = replica("lagging", 1, 500);
    EndpointState fine = replica("fine", 1, 500);
    down.recordFailure("connection refused", 60_000, 60_000);
    lagging.recordLag(5_000, -1, POLICY);
    ReplicaSelector selector = new ReplicaSelector(strategy);
    for (int i = 0; i < 50; i++) {
      assertThat(selector.pick(new EndpointState[] {down, lagging, fine}, null, null)).isSameAs(fine);
    }
    down.recordSuccess();
    assertThat(down.readable()).isTrue();
  }

  @Test
  void leastLagPrefersTheFreshestReplica() {
    EndpointState slow = replica("slow", 1, 0);
    EndpointState quick = replica("quick", 1, 0);
    slow.recordLag(400, 9000, POLICY);
    quick.recordLag(10, 100, POLICY);
    ReplicaSelector selector = new ReplicaSelector(ReplicaSelector.Strategy.LEAST_LAG);
    for (int i = 0; i < 20; i++) {
      assertThat(selector.pick(new EndpointState[] {slow, quick}, null, null)).isSameAs(quick);
    }
  }

  /** Hysteresis: out above max-lag, back only below readmit-lag; unknown lag is out. */
  @ParameterizedTest
  @CsvSource({
      "true, 900, true",
      "true, 1001, false",
      "false, 800, false",
      "false, 499, true",
      "true, -1, false",
  })
  void lagHysteresis(boolean inRotation, long lagMillis, boolean expected) {
    assertThat(POLICY.nextInRotation(inRotation, lagMillis, -1)).isEqualTo(expected);
  }

  @Test
  void withABytesThresholdAReplicaWithinEitherLimitStays() {
    LagPolicy both = new LagPolicy(1000, 1 << 20, 500, 1 << 19);
    assertThat(both.nextInRotation(true, 60_000, 100)).as("idle primary: old replay timestamp, no bytes behind").isTrue();
    assertThat(both.nextInRotation(true, 10, 50L << 20)).isTrue();
    assertThat(both.nextInRotation(true, 60_000, 50L << 20)).isFalse();
  }

  @Test
  void circuitBackoffDoublesAndIsCapped() throws Exception {
    // Lower bounds only: a window can never close early, however slow the machine (no timed upper bounds).
    EndpointState s = replica("r", 1, 0);
    long start = System.nanoTime();
    s.recordFailure("x", 20, 60);
    assertThat(s.circuitClosed()).isFalse();
    assertThat(millisUntilClosed(s, start)).as("first window is 20 ms").isGreaterThanOrEqualTo(20);
    start = System.nanoTime();
    s.recordFailure("x", 20, 60);
    assertThat(millisUntilClosed(s, start)).as("second window is 40 ms").isGreaterThanOrEqualTo(40);
    assertThat(s.consecutiveFailures()).isEqualTo(2);
    for (int i = 0; i < 10; i++) {
      s.recordFailure("x", 20, 60);
    }
    start = System.nanoTime();
    s.recordFailure("x", 20, 60);
    assertThat(millisUntilClosed(s, start)).as("capped at 60 ms, not 20 * 2^12").isGreaterThanOrEqualTo(60).isLessThan(10_000);
  }

  /** Waits (bounded) until the circuit is half-open again; the milliseconds since {@code startNanos}. */
  private static long millisUntilClosed(EndpointState s, long startNanos) throws InterruptedException {
    long deadline = startNanos + 30_000_000_000L;
    while (!s.circuitClosed() && System.nanoTime() - deadline < 0) {
      Thread.sleep(1);
    }
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

}
