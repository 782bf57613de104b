package dev.junction.jdbc.internal;

import dev.junction.shard.ShardRoute;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Per-shard load, so a hot shard shows up on a dashboard before it shows up in an incident.
 * Meters are created up front; the statement path only increments.
 *
 * <ul>
 *   <li>{@code junction.shard.statements} (counter; tag shard): statement parts each shard ran</li>
 *   <li>{@code junction.shard.rows} (counter; tag shard): rows each shard returned to a merge</li>
 *   <li>{@code junction.shard.latency} (timer; tag shard): time of each shard's part, including its wait for a connection</li>
 *   <li>{@code junction.shard.routes} (counter; tag opcode): sharded statements by how their targets were chosen</li>
 * </ul>
 */
final class ShardMetrics {
  private final Counter[] statements;
  private final Counter[] rows;
  private final Timer[] latency;
  private final EnumMap<ShardRoute.Opcode, Counter> routes = new EnumMap<>(ShardRoute.Opcode.class);

  ShardMetrics(MeterRegistry registry, List<String> shardNames) {
    int n = shardNames.size();
    statements = new Counter[n];
    rows = new Counter[n];
    latency = new Timer[n];
    for (int i = 0; i < n; i++) {
      String shard = shardNames.get(i);
      statements[i] = Counter.builder("junction.shard.statements").tag("shard", shard)
          .description("Statement parts run on each shard").register(registry);
      rows[i] = Counter.builder("junction.shard.rows").tag("shard", shard)
          .description("Rows each shard returned to scatter-gather merges").register(registry);
      latency[i] = Timer.builder("junction.shard.latency").tag("shard", shard)
          .description("Time of each shard's statement part").register(registry);
    }
    for (ShardRoute.Opcode op : ShardRoute.Opcode.values()) {
      routes.put(op, Counter.builder("junction.shard.routes").tag("opcode", op.name().toLowerCase(java.util.Locale.ROOT))
          .description("Sharded statements by routing opcode").register(registry));
    }
  }

  void route(ShardRoute.Opcode opcode) {
    routes.get(opcode).increment();
  }

  void statement(int shard, long nanos) {
    statements[shard].increment();
    latency[shard].record(nanos, TimeUnit.NANOSECONDS);
  }

  void rows(int shard, long count) {
    if (count > 0) {
      rows[shard].increment(count);
    }
  }

  double statements(int shard) {
    return statements[shard].count();
  }

  double routed(ShardRoute.Opcode opcode) {
    return routes.get(opcode).count();
  }
}
