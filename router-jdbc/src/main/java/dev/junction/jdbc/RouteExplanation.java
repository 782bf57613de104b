package dev.junction.jdbc;

import dev.junction.classify.Classification;
import dev.junction.classify.PrimaryReason;
import java.util.List;

/**
 * Why a statement would go where it goes, computed without executing it: the classification, the
 * target and reason an autocommit statement would get now, and the replicas' live state.
 */
public record RouteExplanation(String sql, Classification classification, String target, String reason,
                               String fence, List<String> replicas, String shards) {

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
