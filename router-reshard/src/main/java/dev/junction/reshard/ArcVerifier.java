package dev.junction.reshard;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * VDiff-style verification of one table's moving rows: per moving arc, the row count and an
 * order-independent checksum (the sum modulo 2^64 of each row's fingerprint) on the source and on
 * the target; for arcs that differ, the rows that differ, by primary key.
 */
final class ArcVerifier {
  private final Resharding r;

  ArcVerifier(Resharding r) {
    this.r = r;
  }

  /** Count and checksum of one arc on one side. */
  record Sum(long rows, long checksum) {
    Sum plus(long fingerprint) {
      return new Sum(rows + 1, checksum + fingerprint);
    }
  }

  /** One row that differs: its primary key, and what each side has (null: no such row). */
  record RowDiff(String table, String primaryKey, String source, String target) {
    @Override
    public String toString() {
      String what = source == null ? "only on the target " + target
          : target == null ? "missing on the target (source " + source + ")" : "differs (source " + source + ", target " + target + ")";
      return table + " " + primaryKey + ": " + what;
    }
  }

  /** Result for one (table, source, target): arcs compared, arcs that differ, and the differing rows. */
  record Result(String table, String source, String target, int arcsCompared, long rows, Set<Integer> differingArcs,
                List<RowDiff> rowDiffs, int rechecked) {
    boolean ok() {
      return differingArcs.isEmpty();
    }
  }

  /**
   * Compares the rows of {@code table} moving from {@code source} to {@code target}; {@code onlyArcs}
   * restricts it to those arcs (null: all).
   */
  Result verify(TableInfo table, String source, String target, Set<Integer> onlyArcs) throws SQLException {
    Map<Integer, Sum> src = sums(table, source, source, target, onlyArcs);
    Map<Integer, Sum> dst = sums(table, target, source, target, onlyArcs);
    Set<Integer> differing = new java.util.TreeSet<>();
    Set<Integer> all = new java.util.TreeSet<>(src.keySet());
    all.addAll(dst.keySet());
    long rows = 0;
    for (Integer arc : all) {
      Sum a = src.getOrDefault(arc, new Sum(0, 0));
      Sum b = dst.getOrDefault(arc, new Sum(0, 0));
      rows += a.rows();
      if (!a.equals(b)) {
        differing.add(arc);
      }
    }
    List<RowDiff> diffs = differing.isEmpty() ? List.of() : rowDiffs(table, source, target, differing);
    return new Result(table.name(), source, target, all.size(), rows, differing, diffs, 0);
  }

  private Map<Integer, Sum> sums(TableInfo table, String on, String source, String target, Set<Integer> onlyArcs)
      throws SQLException {
    Map<Integer, Sum> out = new TreeMap<>();
    scan(table, on, source, target, onlyArcs, (arc, pk, fingerprint) ->
        out.merge(arc, new Sum(1, fingerprint), (x, y) -> new Sum(x.rows() + y.rows(), x.checksum() + y.checksum())));
    return out;
  }

  private interface RowSink {
    void accept(int arc, String pk, long fingerprint);
  }

  /** Streams {@code on}'s rows of keys moving from source to target, with their arc and fingerprint. */
  private void scan(TableInfo table, String on, String source, String target, Set<Integer> onlyArcs, RowSink sink)
      throws SQLException {
    int[] pk = table.pkIndexes();
    try (Connection c = r.shards.open(on)) {
      boolean autoCommit = c.getAutoCommit();
      c.setAutoCommit(false); // PostgreSQL streams with a fetch size only inside a transaction
      try (Statement s = c.createStatement()) {
        s.setFetchSize(r.shards.sqlDialect() == dev.junction.classify.Dialect.POSTGRESQL ? 5000 : Integer.MIN_VALUE);
        try (ResultSet rs = s.executeQuery("SELECT " + table.columnList() + " FROM " + r.shards.dialect.quote(table.name()))) {
          while (rs.next()) {
            Object key = Resharding.key(table, rs.getObject(table.keyIndex() + 1));
            if (!source.equals(r.from.shardFor(key)) || !target.equals(r.to.shardFor(key))) {
              continue;
            }
            int arc = r.arcOf(key);
            if (onlyArcs != null && !onlyArcs.contains(arc)) {
              continue;
            }
            StringBuilder pkText = new StringBuilder();
            for (int i = 0; i < pk.length; i++) {
              pkText.append(i == 0 ? "(" : ", ").append(rs.getString(pk[i] + 1));
            }
            sink.accept(arc, pkText.append(')').toString(), Rows.fingerprint(rs, table.columns().size()));
          }
        }
      } finally {
        c.rollback();
        c.setAutoCommit(autoCommit);
      }
    }
  }

  private List<RowDiff> rowDiffs(TableInfo table, String source, String target, Set<Integer> arcs) throws SQLException {
    Map<String, Long> a = new TreeMap<>();
    Map<String, Long> b = new TreeMap<>();
    scan(table, source, source, target, arcs, (arc, pk, f) -> a.put(pk, f));
    scan(table, target, source, target, arcs, (arc, pk, f) -> b.put(pk, f));
    List<RowDiff> out = new ArrayList<>();
    Set<String> keys = new java.util.TreeSet<>(a.keySet());
    keys.addAll(b.keySet());
    for (String pk : keys) {
      Long x = a.get(pk);
      Long y = b.get(pk);
      if (!java.util.Objects.equals(x, y)) {
        out.add(new RowDiff(table.name(), pk, x == null ? null : Long.toHexString(x), y == null ? null : Long.toHexString(y)));
      }
    }
    return out;
  }
}
