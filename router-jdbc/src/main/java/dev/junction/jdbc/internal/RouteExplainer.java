package dev.junction.jdbc.internal;

import dev.junction.Junction;
import dev.junction.Scope;
import dev.junction.classify.Classification;
import dev.junction.config.JunctionConfig;
import dev.junction.fence.Fence;
import dev.junction.health.EndpointState;
import dev.junction.jdbc.RouteExplanation;
import dev.junction.position.ReplicationPosition;
import dev.junction.shard.ShardPlan;
import dev.junction.shard.ShardRoute;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Builds a {@link RouteExplanation} from the classifier, the shard plan and the live endpoint states,
 * without executing anything. Here rather than in the record because it reads the runtime's shards,
 * which are not API.
 */
final class RouteExplainer {
  private RouteExplainer() {}

  /** How {@code sql} would be routed now, in the current scope. */
  static RouteExplanation explain(DataSourceRuntime ds, String sql) {
    Classification c = ds.classifier.classify(sql);
    ShardRuntime shard = ds.defaultShard();
    String shards = null;
    ShardingRuntime sharding = ds.sharding;
    if (sharding != null) {
      try {
        ShardPlan plan = sharding.plan(sql);
        ShardRoute route = sql.indexOf('?') >= 0 ? null : plan.bind(List.of());
        if (route == null) {
          shards = plan.opcode().name().toLowerCase(Locale.ROOT) + " at most (the targets depend on parameter values)";
        } else {
          List<String> names = route.statements().stream().map(s -> sharding.shardNames().get(s.shard())).toList();
          shards = route.opcode().name().toLowerCase(Locale.ROOT) + " " + names + ": " + route.explanation();
          shard = sharding.ringOrder[route.statements().get(0).shard()];
        }
      } catch (SQLException e) {
        shards = "refused (" + e.getSQLState() + "): " + e.getMessage();
      }
    }
    Scope scope = Junction.currentScope();
    Fence fence = scope == null ? Fence.NONE : scope.fence();
    return of(sql, c, shard, fence.of(shard.name), ds.config.routing(), shards);
  }

  /** The explanation inside one shard; {@code shards} is the shard route in front, null without sharding. */
  static RouteExplanation of(String sql, Classification c, ShardRuntime shard, ReplicationPosition fence,
                             JunctionConfig.Routing routing, String shards) {
    List<String> replicas = new ArrayList<>();
    List<String> qualifying = new ArrayList<>();
    for (EndpointState r : shard.replicaStates) {
      boolean covers = r.covers(fence);
      replicas.add(String.format("%s: %s, %s, lag %d ms / %d bytes, replayed %s%s", r.name(),
          r.circuitClosed() ? "up" : "circuit open", r.inRotation() ? "in rotation" : "out of rotation (lag)",
          r.lagMillis(), r.lagBytes(), r.replayed(), fence == null ? "" : covers ? ", covers fence" : ", behind fence"));
      if (r.readable() && covers) {
        qualifying.add(r.name());
      }
    }
    String target;
    String reason;
    if (!c.replicaEligible()) {
      target = shard.name + "/" + shard.primary.state().name();
      reason = RoutingConnection.primaryReason(c).tag();
    } else if (shard.replicaStates.length == 0) {
      target = shard.name + "/" + shard.primary.state().name();
      reason = "primary-no-replica";
    } else if (!qualifying.isEmpty()) {
      target = "replica " + String.join(" | ", qualifying) + " (" + routing.replicaSelection().name().toLowerCase().replace('_', '-') + ")";
      reason = fence == null ? "replica" : "replica-fenced";
    } else if (fence != null) {
      target = "a replica that replays " + fence + " within " + routing.maxFenceWait().toMillis() + " ms, else the primary";
      reason = "replica-fence-waited | primary-fence-fallback";
    } else {
      target = shard.name + "/" + shard.primary.state().name();
      reason = "primary-no-replica";
    }
    return new RouteExplanation(sql, c, target, reason, fence == null ? null : fence.toString(), replicas, shards);
  }
}
