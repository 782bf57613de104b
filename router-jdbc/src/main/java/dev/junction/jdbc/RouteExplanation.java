package dev.junction.jdbc;

import dev.junction.classify.Classification;
import dev.junction.classify.PrimaryReason;
import dev.junction.config.JunctionConfig;
import dev.junction.health.EndpointState;
import dev.junction.position.ReplicationPosition;
import java.util.ArrayList;
import java.util.List;

/**
 * Why a statement would go where it goes, computed without executing it: the classification, the
 * target and reason an autocommit statement would get now, and the replicas' live state.
 */
public record RouteExplanation(String sql, Classification classification, String target, String reason,
                               String fence, List<String> replicas, String shards) {

  /** With sharding: this explanation, inside the shard it describes, with the shard route in front. */
  RouteExplanation withShards(String shardRoute) {
    return new RouteExplanation(sql, classification, target, reason, fence, replicas, shardRoute);
  }

  static RouteExplanation of(String sql, Classification c, ShardRuntime shard, ReplicationPosition fence,
                             JunctionConfig.Routing routing) {
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
    return new RouteExplanation(sql, c, target, reason, fence == null ? null : fence.toString(), replicas, null);
  }

  /** A multi-line, human-readable rendering (used by the proxy's {@code /explain}). */
  public String render() {
    StringBuilder sb = new StringBuilder();
    sb.append("statement:      ").append(sql.strip()).append('\n');
    sb.append("classification: ").append(classification.kind());
    if (classification.primaryReason() != PrimaryReason.NONE) {
      sb.append(" (primary: ").append(classification.primaryReason()).append(')');
    }
    if (!classification.tables().isEmpty()) {
      sb.append(", tables ").append(classification.tables());
    }
    sb.append('\n');
    if (shards != null) {
      sb.append("shards:         ").append(shards).append('\n');
    }
    sb.append("route:          ").append(target).append('\n');
    sb.append("reason:         ").append(reason).append('\n');
    if (fence != null) {
      sb.append("fence:          ").append(fence).append('\n');
    }
    for (String r : replicas) {
      sb.append("  ").append(r).append('\n');
    }
    return sb.toString();
  }
}
