package dev.junction.jdbc.internal;

import dev.junction.health.EndpointState;
import dev.junction.route.RouteReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * Micrometer meters for every routing decision. Counters are created up front per shard and reason
 * so the statement path only increments (no registry lookups, no tag allocation).
 *
 * <ul>
 *   <li>{@code junction.route} (counter; tags shard, target=primary|replica, reason)</li>
 *   <li>{@code junction.fence.wait} (timer; tags shard, outcome=caught-up|timeout)</li>
 *   <li>{@code junction.fence.record.failures} (counter; fences that could not be written to the store)</li>
 *   <li>{@code junction.replica.lag.ms}, {@code junction.replica.lag.bytes}, {@code junction.replica.in.rotation},
 *       {@code junction.endpoint.circuit.closed} (gauges; tags shard, endpoint)</li>
 *   <li>{@code junction.replica.retries} (counter; reads retried after a replica failed)</li>
 * </ul>
 */
final class RoutingMetrics {
  private final Map<String, EnumMap<RouteReason, Counter>> routes = new HashMap<>();
  private final Map<String, Timer> fenceCaughtUp = new HashMap<>();
  private final Map<String, Timer> fenceTimeout = new HashMap<>();
  private final Counter fenceRecordFailures;
  private final Counter replicaRetries;
  private final Counter fencesClamped;

  RoutingMetrics(MeterRegistry registry, Iterable<ShardRuntime> shards) {
    for (ShardRuntime shard : shards) {
      EnumMap<RouteReason, Counter> byReason = new EnumMap<>(RouteReason.class);
      for (RouteReason reason : RouteReason.values()) {
        byReason.put(reason, Counter.builder("junction.route").description("Statements routed, by target and reason")
            .tag("shard", shard.name).tag("target", reason.isReplica() ? "replica" : "primary").tag("reason", reason.tag())
            .register(registry));
      }
      routes.put(shard.name, byReason);
      fenceCaughtUp.put(shard.name, Timer.builder("junction.fence.wait").tag("shard", shard.name).tag("outcome", "caught-up")
          .description("Time fenced reads waited for a replica").register(registry));
      fenceTimeout.put(shard.name, Timer.builder("junction.fence.wait").tag("shard", shard.name).tag("outcome", "timeout")
          .description("Time fenced reads waited for a replica").register(registry));
      endpointGauges(registry, shard.primary.state());
      for (EndpointState r : shard.replicaStates) {
        endpointGauges(registry, r);
        Gauge.builder("junction.replica.lag.ms", r, EndpointState::lagMillis).tag("shard", r.shard()).tag("endpoint", r.name())
            .description("Replica lag in milliseconds (-1: unknown)").register(registry);
        Gauge.builder("junction.replica.lag.bytes", r, EndpointState::lagBytes).tag("shard", r.shard()).tag("endpoint", r.name())
            .description("Replica lag in WAL bytes (-1: unknown or not applicable)").register(registry);
        Gauge.builder("junction.replica.in.rotation", r, s -> s.inRotation() ? 1 : 0).tag("shard", r.shard()).tag("endpoint", r.name())
            .description("1 when the replica is within the lag threshold").register(registry);
      }
    }
    fenceRecordFailures = Counter.builder("junction.fence.record.failures")
        .description("Fences that could not be written to the fence store").register(registry);
    replicaRetries = Counter.builder("junction.replica.retries")
        .description("Reads retried elsewhere after failing on a replica").register(registry);
    fencesClamped = Counter.builder("junction.fence.clamped")
        .description("Fences found ahead of their primary (history lost by a failover or rebuild) and clamped to its head")
        .register(registry);
  }

  void fenceClamped(String shard) {
    fencesClamped.increment();
  }

  private static void endpointGauges(MeterRegistry registry, EndpointState s) {
    Gauge.builder("junction.endpoint.circuit.closed", s, st -> st.circuitClosed() ? 1 : 0)
        .tag("shard", s.shard()).tag("endpoint", s.name()).tag("role", s.role().name().toLowerCase())
        .description("1 when the endpoint accepts connections, 0 while its circuit is open").register(registry);
  }

  void route(String shard, RouteReason reason) {
    routes.get(shard).get(reason).increment();
  }

  double routed(String shard, RouteReason reason) {
    return routes.get(shard).get(reason).count();
  }

  void fenceWait(String shard, long nanos, boolean caughtUp) {
    (caughtUp ? fenceCaughtUp : fenceTimeout).get(shard).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  void fenceRecordFailed() {
    fenceRecordFailures.increment();
  }

  void replicaRetried() {
    replicaRetries.increment();
  }
}
