package dev.junction.reshard;

import dev.junction.shard.ShardRing;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a resharding will move, before anything moves: the arcs whose owner changes (and pinned keys),
 * the share of the hash space per (from, to) pair, and per table and source the rows and bytes that
 * move, counted by reading the keys.
 */
public record ReshardPlan(ShardRing from, ShardRing to, MovingArcs arcs, List<TableEstimate> tables) {

  /** Rows of one table on one source shard, and those that move (to which shard). */
  public record TableEstimate(String table, String source, long rows, long movingRows, long movingBytes,
                              Map<String, Long> movingRowsByTarget) {}

  public long movingRows() {
    return tables.stream().mapToLong(TableEstimate::movingRows).sum();
  }

  public long totalRows() {
    return tables.stream().mapToLong(TableEstimate::rows).sum();
  }

  /** Explain-style text. */
  public String render() {
    StringBuilder out = new StringBuilder();
    out.append("Resharding plan\n");
    out.append("  from ").append(from.describe().replace("\n", "\n       ").stripTrailing()).append('\n');
    out.append("  to   ").append(to.describe().replace("\n", "\n       ").stripTrailing()).append('\n');
    out.append(String.format(Locale.ROOT, "  moving arcs: %,d of the ring's arcs change owner, %.2f%% of the hash space%n",
        arcs.arcs().size(), 100 * arcs.totalShare()));
    for (String a : from.shardIds()) {
      for (String b : to.shardIds()) {
        double share = arcs.share(a, b);
        if (share > 0) {
          out.append(String.format(Locale.ROOT, "    %s -> %s  %.2f%% of the hash space%n", a, b, 100 * share));
        }
      }
    }
    for (Map.Entry<Object, String[]> pin : arcs.pinsMoving().entrySet()) {
      out.append("    pinned key ").append(pin.getKey()).append(": ").append(pin.getValue()[0]).append(" -> ")
          .append(pin.getValue()[1]).append('\n');
    }
    out.append("  rows that move (counted from the keys on each source):\n");
    out.append(String.format(Locale.ROOT, "    %-20s %-8s %12s %12s %8s %12s  %s%n", "table", "source", "rows", "moving", "share",
        "bytes", "to"));
    for (TableEstimate t : tables) {
      out.append(String.format(Locale.ROOT, "    %-20s %-8s %,12d %,12d %7.2f%% %12s  %s%n", t.table(), t.source(), t.rows(),
          t.movingRows(), t.rows() == 0 ? 0.0 : 100.0 * t.movingRows() / t.rows(), Progress.bytes(t.movingBytes()),
          t.movingRowsByTarget()));
    }
    out.append(String.format(Locale.ROOT, "  total: %,d of %,d rows move (%.2f%%); nothing has moved yet.%n", movingRows(),
        totalRows(), totalRows() == 0 ? 0.0 : 100.0 * movingRows() / totalRows()));
    return out.toString();
  }
}
