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
  private final Map<Route, long[]> nanosByRoute = new EnumMap<>(Route.class);
  private final List<String> mismatches = new ArrayList<>();
  private final Map<String, Integer> opcodes = new java.util.TreeMap<>();
  private final Map<String, List<String>> routeDisagreements = new java.util.TreeMap<>();
  private final Map<Family, int[]> refusedByFamily = new EnumMap<>(Family.class);
  private final Map<Family, int[]> errorsByFamily = new EnumMap<>(Family.class);
  private final Map<String, Integer> refusalConstructs = new java.util.TreeMap<>();
  private int queries;
  private int refused;
  private int sameErrors;

  public DiffReport(String label) {
    this.label = label;
  }

  /**
   * Records the opcode Junction reported for a query ({@code JunctionConnection.lastShardRoute()}).
   * A different opcode than the ring predicts is not a wrong result, so it is reported, not failed:
   * e.g. a key lookup that scatters is correct but slow.
   */
  public void route(QueryCase q, String opcode) {
    if (opcode == null) {
      return;
    }
    opcodes.merge(opcode, 1, Integer::sum);
    if (!opcode.equals(q.route().name())) {
      routeDisagreements.computeIfAbsent(q.route() + " expected, " + opcode + " taken", k -> new ArrayList<>())
          .add(q.describe());
    }
  }

  /** Time of one query through Junction and on the oracle. */
  public void time(QueryCase q, long junctionNanos, long oracleNanos) {
    long[] t = nanosByRoute.computeIfAbsent(q.route(), k -> new long[3]);
    t[0] += junctionNanos;
    t[1] += oracleNanos;
    t[2]++;
  }

  public Map<String, List<String>> routeDisagreements() {
    return routeDisagreements;
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

  /** Junction refused the query with 0AJ00 (acceptable for {@link Family#mayRefuse()} families only). */
  public void refusal(QueryCase q, String message) {
    record(q, null);
    refused++;
    refusedByFamily.computeIfAbsent(q.family(), k -> new int[1])[0]++;
    int end = message.indexOf(" is not supported");
    String construct = (end > 0 ? message.substring(0, end) : message).replaceAll("[0-9]+", "N");
    refusalConstructs.merge(construct.length() > 90 ? construct.substring(0, 90) + "..." : construct, 1, Integer::sum);
  }

  /** The oracle and Junction failed with the same error. */
  public void sameError(QueryCase q) {
    record(q, null);
    sameErrors++;
    errorsByFamily.computeIfAbsent(q.family(), k -> new int[1])[0]++;
  }

  public int refused() {
    return refused;
  }

  public Map<String, Integer> refusalConstructs() {
    return refusalConstructs;
  }

  public List<String> mismatches() {
    return mismatches;
  }

  public int queries() {
    return queries;
  }

  public String summary() {
    StringBuilder sb = new StringBuilder();
    sb.append(label).append(": ").append(queries).append(" queries, ").append(mismatches.size()).append(" mismatches, ")
        .append(refused).append(" refused (0AJ00), ").append(sameErrors).append(" failed with the oracle's error;");
    byRoute.forEach((route, n) -> sb.append(' ').append(route.name().toLowerCase(java.util.Locale.ROOT)).append(' ').append(n[0])
        .append(n[1] > 0 ? " (" + n[1] + " bad)" : ""));
    if (!opcodes.isEmpty()) {
      sb.append("\n  opcodes Junction reported:");
      opcodes.forEach((op, n) -> sb.append(' ').append(op.toLowerCase(java.util.Locale.ROOT)).append(' ').append(n));
    }
    if (!nanosByRoute.isEmpty()) {
      sb.append("\n  mean ms per query, junction/oracle:");
      nanosByRoute.forEach((route, t) -> sb.append(' ').append(route.name().toLowerCase(java.util.Locale.ROOT))
          .append(String.format(" %.1f/%.1f", t[0] / 1e6 / t[2], t[1] / 1e6 / t[2])));
    }
    sb.append("\n  by family:");
    byFamily.forEach((family, n) -> sb.append(' ').append(family.name().toLowerCase(java.util.Locale.ROOT)).append(' ').append(n[0])
        .append(n[1] > 0 ? " (" + n[1] + " bad)" : "")
        .append(refusedByFamily.containsKey(family) ? " (" + refusedByFamily.get(family)[0] + " refused)" : "")
        .append(errorsByFamily.containsKey(family) ? " (" + errorsByFamily.get(family)[0] + " same error)" : ""));
    return sb.toString();
  }
}
