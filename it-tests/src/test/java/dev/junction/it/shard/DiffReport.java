package dev.junction.it.shard;

import dev.junction.it.shard.QueryCase.Family;
import dev.junction.it.shard.QueryCase.Route;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Counts per query family and route, and the mismatches, for one dialect's run. */
public final class DiffReport {
  private final String label;
  private final Map<Family, int[]> byFamily = new EnumMap<>(Family.class);
  private final Map<Route, int[]> byRoute = new EnumMap<>(Route.class);
  private final List<String> mismatches = new ArrayList<>();
  private int queries;

  public DiffReport(String label) {
    this.label = label;
  }

  public void record(QueryCase q, String mismatch) {
    queries++;
    int bad = mismatch == null ? 0 : 1;
    int[] f = byFamily.computeIfAbsent(q.family(), k -> new int[2]);
    f[0]++;
    f[1] += bad;
    int[] r = byRoute.computeIfAbsent(q.route(), k -> new int[2]);
    r[0]++;
    r[1] += bad;
    if (mismatch != null) {
      mismatches.add(q.describe() + "\n    " + mismatch);
    }
  }

  public List<String> mismatches() {
    return mismatches;
  }

  public int queries() {
    return queries;
  }

  public String summary() {
    StringBuilder sb = new StringBuilder();
    sb.append(label).append(": ").append(queries).append(" queries, ").append(mismatches.size()).append(" mismatches;");
    byRoute.forEach((route, n) -> sb.append(' ').append(route.name().toLowerCase(java.util.Locale.ROOT)).append(' ').append(n[0])
        .append(n[1] > 0 ? " (" + n[1] + " bad)" : ""));
    sb.append("\n  by family:");
    byFamily.forEach((family, n) -> sb.append(' ').append(family.name().toLowerCase(java.util.Locale.ROOT)).append(' ').append(n[0])
        .append(n[1] > 0 ? " (" + n[1] + " bad)" : ""));
    return sb.toString();
  }
}
