package dev.junction.merge;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property-style checks of {@link ResultMerger} against brute force over the union of all shard
 * rows: random rows with NULLs, duplicates and mixed Java number classes, random sort keys,
 * directions, NULL placement, offsets and limits. Fixed seeds keep failures reproducible; each
 * failure message names shard count, seed and trial.
 */
class ResultMergerPropertyTest {

  private static final int TRIALS = 40;
  private final ResultMerger merger = new ResultMerger();

  static Stream<Arguments> shardsAndSeeds() {
    return IntStream.of(1, 2, 3, 8).boxed()
        .flatMap(k -> IntStream.of(11, 42, 2024).mapToObj(seed -> Arguments.of(k, (long) seed * 31 + k)));
  }

  // ---------------------------------------------------------------- ORDER BY (streaming k-way merge)

  @ParameterizedTest(name = "{0} shards, seed {1}")
  @MethodSource("shardsAndSeeds")
  void orderedMergeEqualsStableSortOfTheUnion(int shards, long seed) throws SQLException {
    Random random = new Random(seed);
    for (int trial = 0; trial < TRIALS; trial++) {
      boolean star = random.nextInt(4) == 0;
      int hidden = random.nextInt(2);
      int width = 4;
      int visible = width - hidden;
      int keyCount = 1 + random.nextInt(3);
      List<Integer> columns = new ArrayList<>(List.of(0, 1, 2, 3));
      java.util.Collections.shuffle(columns, random);
      int[] abs = new int[keyCount];
      boolean[] desc = new boolean[keyCount];
      boolean[] nullsFirst = new boolean[keyCount];
      List<SortKey> keys = new ArrayList<>();
      for (int i = 0; i < keyCount; i++) {
        abs[i] = columns.get(i);
        desc[i] = random.nextBoolean();
        nullsFirst[i] = random.nextBoolean();
        boolean isHidden = abs[i] >= visible;
        keys.add(new SortKey(isHidden ? abs[i] - visible : abs[i], isHidden, desc[i], nullsFirst[i]));
      }
      Comparator<Object[]> order = Oracle.rowOrder(abs, desc, nullsFirst);
      List<List<Object[]>> data = new ArrayList<>();
      for (int s = 0; s < shards; s++) {
        List<Object[]> rows = randomRows(random, random.nextInt(16));
        rows.sort(order); // each shard sorts its own rows
        data.add(rows);
      }
      RowBound offset = randomBound(random, 6);
      RowBound limit = randomBound(random, 25);
      MergeSpec spec = new MergeSpec(MergeDialect.POSTGRESQL, List.of(), star ? -1 : visible, hidden,
          List.of(), null, false, keys, offset, limit);

      List<Object[]> union = concat(data);
      union.sort(order);
      List<Object[]> expected = Oracle.strip(Oracle.window(union, offset.orElse(0), limit.orElse(-1)), visible);
      assertRowsEqual(merge(data, spec), expected, "shards=" + shards + " seed=" + seed + " trial=" + trial + " " + spec);
    }
  }

  @ParameterizedTest(name = "{0} shards, seed {1}")
  @MethodSource("shardsAndSeeds")
  void unorderedMergeConcatenatesInShardOrder(int shards, long seed) throws SQLException {
    Random random = new Random(seed);
    for (int trial = 0; trial < TRIALS; trial++) {
      List<List<Object[]>> data = new ArrayList<>();
      for (int s = 0; s < shards; s++) {
        data.add(randomRows(random, random.nextInt(10)));
      }
      RowBound offset = randomBound(random, 8);
      RowBound limit = randomBound(random, 20);
      MergeSpec spec = new MergeSpec(MergeDialect.MYSQL, List.of(), 3, 1, List.of(), null, false, List.of(), offset, limit);
      List<Object[]> expected = Oracle.strip(Oracle.window(concat(data), offset.orElse(0), limit.orElse(-1)), 3);
      assertRowsEqual(merge(data, spec), expected, "shards=" + shards + " seed=" + seed + " trial=" + trial);
    }
  }

  @ParameterizedTest(name = "{0} shards, seed {1}")
  @MethodSource("shardsAndSeeds")
  void orderedMergeStreamsAndStopsPullingAtTheLimit(int shards, long seed) throws SQLException {
    Random random = new Random(seed);
    for (int trial = 0; trial < TRIALS; trial++) {
      Comparator<Object[]> order = Oracle.rowOrder(new int[] {0}, new boolean[] {false}, new boolean[] {false});
      List<CountingCursor> cursors = new ArrayList<>();
      for (int s = 0; s < shards; s++) {
        List<Object[]> rows = randomRows(random, random.nextInt(40));
        rows.sort(order);
        cursors.add(new CountingCursor(rows));
      }
      long offset = random.nextInt(10);
      long limit = random.nextInt(10);
      MergeSpec spec = MergeSpec.ordered(MergeDialect.POSTGRESQL, List.of("a", "b", "c", "d"),
          List.of(new SortKey(0, false, false, false)), RowBound.literal(offset), RowBound.literal(limit));

      RowCursor merged = merger.merge(cursors, spec);
      assertThat(pulled(cursors)).as("merge() must not pull before next()").isZero();
      List<Object[]> out = RowCursors.toList(merged);

      assertThat(out.size()).isLessThanOrEqualTo((int) limit);
      assertThat(pulled(cursors))
          .as("rows pulled for offset %d limit %d over %d shards", offset, limit, shards)
          .isLessThanOrEqualTo(offset + limit + shards);
      assertThat(cursors).allSatisfy(c -> assertThat(c.closed).as("shard closed").isTrue());
    }
  }

  // ---------------------------------------------------------------- GROUP BY and aggregates

  /**
   * Shard rows for {@code SELECT g, count(*), count(x), sum(x), min(y), max(s), avg(y), sum(z),
   * avg(x), bool_and(b) ... GROUP BY g [, s]}: visible columns 0..9, hidden count(y) and count(x)
   * (the AVG partners) and, when grouping by s too, a hidden key s.
   */
  private static final int G = 0;
  private static final int VISIBLE = 10;

  @ParameterizedTest(name = "{0} shards, seed {1}")
  @MethodSource("shardsAndSeeds")
  void groupedAggregatesEqualAggregatesOverTheUnion(int shards, long seed) throws SQLException {
    Random random = new Random(seed);
    for (int trial = 0; trial < TRIALS; trial++) {
      boolean global = random.nextInt(5) == 0;
      boolean byS = !global && random.nextBoolean();
      int hidden = byS ? 3 : 2;
      List<ColumnMerge> merges = new ArrayList<>(List.of(
          ColumnMerge.of(global ? Combine.FIRST : Combine.KEY), ColumnMerge.of(Combine.COUNT),
          ColumnMerge.of(Combine.COUNT), ColumnMerge.of(Combine.SUM), ColumnMerge.of(Combine.MIN),
          ColumnMerge.of(Combine.MAX), ColumnMerge.avg(10), ColumnMerge.of(Combine.SUM), ColumnMerge.avg(11),
          ColumnMerge.of(Combine.BOOL_AND), ColumnMerge.of(Combine.COUNT), ColumnMerge.of(Combine.COUNT)));
      if (byS) {
        merges.add(ColumnMerge.of(Combine.KEY));
      }
      int[] keyColumns = global ? new int[0] : byS ? new int[] {G, 12} : new int[] {G};

      RowFilter having = null;
      int havingKind = random.nextInt(3);
      long threshold = random.nextInt(4);
      if (havingKind == 1) {
        having = new RowFilters.Comparison(RowFilters.Op.GE, new RowFilters.ColumnOperand(1), new RowFilters.ParameterOperand(1));
      } else if (havingKind == 2) {
        having = new RowFilters.Or(
            new RowFilters.Comparison(RowFilters.Op.GT, new RowFilters.ColumnOperand(3), new RowFilters.ValueOperand(threshold * 10)),
            new RowFilters.IsNull(new RowFilters.ColumnOperand(4), false));
      }

      // ORDER BY: none, the keys, count(*) DESC then the keys, or avg(y) then the keys
      int orderKind = random.nextInt(4);
      List<SortKey> keys = new ArrayList<>();
      List<int[]> oracleKeys = new ArrayList<>(); // {absolute column, desc, nullsFirst}
      if (orderKind == 2) {
        addKey(keys, oracleKeys, 1, false, true, random.nextBoolean());
      } else if (orderKind == 3) {
        addKey(keys, oracleKeys, 6, false, random.nextBoolean(), random.nextBoolean());
      }
      if (orderKind != 0) {
        for (int k : keyColumns) {
          addKey(keys, oracleKeys, k, k >= VISIBLE, random.nextBoolean(), random.nextBoolean());
        }
      }
      RowBound offset = randomBound(random, 4);
      RowBound limit = randomBound(random, 8);
      boolean pushDown = orderKind == 1 && !global && having == null && limit.isPresent();

      List<List<Object[]>> base = new ArrayList<>();
      List<List<Object[]>> partials = new ArrayList<>();
      for (int s = 0; s < shards; s++) {
        List<Object[]> rows = randomBaseRows(random, random.nextInt(25));
        base.add(rows);
        List<Object[]> shardGroups = aggregate(rows, global, byS);
        if (pushDown) { // the planner pushed LIMIT n+m down: each shard returns its first groups by key
          shardGroups.sort(oracleOrder(oracleKeys));
          shardGroups = Oracle.window(shardGroups, 0, limit.value() == 0 ? 0 : limit.value() + offset.orElse(0));
        }
        partials.add(shardGroups);
      }
      MergeSpec spec = new MergeSpec(MergeDialect.POSTGRESQL, List.of(), VISIBLE, hidden, merges, having, false,
          keys, offset, limit).bind(List.of(threshold));

      // oracle: groups over the union of base rows, in first-seen order of the partial rows
      Map<List<Object>, Object[]> expectedGroups = new LinkedHashMap<>();
      for (List<Object[]> shard : partials) {
        for (Object[] p : shard) {
          expectedGroups.putIfAbsent(groupKey(p, keyColumns), null);
        }
      }
      Map<List<Object>, Object[]> truth = new LinkedHashMap<>();
      for (Object[] row : aggregate(concat(base), global, byS)) {
        truth.put(groupKey(row, keyColumns), row);
      }
      List<Object[]> expected = new ArrayList<>();
      if (pushDown || orderKind != 0) {
        expected.addAll(truth.values());
      } else {
        for (List<Object> key : expectedGroups.keySet()) {
          expected.add(truth.get(key));
        }
      }
      List<Object[]> finished = new ArrayList<>();
      for (Object[] row : expected) {
        Object[] r = finish(row);
        boolean keep = switch (havingKind) {
          case 1 -> (Long) r[1] >= threshold;
          case 2 -> (r[3] != null && (Long) r[3] > threshold * 10) || r[4] == null;
          default -> true;
        };
        if (keep) {
          finished.add(r);
        }
      }
      if (!keys.isEmpty()) {
        finished.sort(oracleOrder(oracleKeys));
      }
      List<Object[]> want = Oracle.window(finished, offset.orElse(0), limit.orElse(-1));

      List<Object[]> got = merge(partials, spec);
      String where = "shards=" + shards + " seed=" + seed + " trial=" + trial + " " + spec;
      assertThat(got).as(where).hasSameSizeAs(want);
      for (int i = 0; i < got.size(); i++) {
        assertAggregateRow(got.get(i), want.get(i), where + " row " + i);
      }
    }
  }

  private static void addKey(List<SortKey> keys, List<int[]> oracle, int column, boolean hidden, boolean desc, boolean nullsFirst) {
    keys.add(new SortKey(hidden ? column - VISIBLE : column, hidden, desc, nullsFirst));
    oracle.add(new int[] {column, desc ? 1 : 0, nullsFirst ? 1 : 0});
  }

  private static Comparator<Object[]> oracleOrder(List<int[]> keys) {
    int[] cols = keys.stream().mapToInt(k -> k[0]).toArray();
    boolean[] desc = new boolean[keys.size()];
    boolean[] nf = new boolean[keys.size()];
    for (int i = 0; i < keys.size(); i++) {
      desc[i] = keys.get(i)[1] == 1;
      nf[i] = keys.get(i)[2] == 1;
    }
    Comparator<Object[]> byValues = Oracle.rowOrder(cols, desc, nf);
    // AVG (column 6) is compared on its exact value: sum / count
    return (a, b) -> byValues.compare(finish(a), finish(b));
  }

  /** Base rows: g, s, x, y, z, b. */
  private static List<Object[]> randomBaseRows(Random r, int n) {
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(new Object[] {
          nullOr(r, () -> r.nextInt(5)),
          nullOr(r, () -> new String[] {"a", "b", "\uD83D\uDE00", "\uFFFD"}[r.nextInt(4)]),
          nullOr(r, () -> r.nextInt(201) - 100),
          nullOr(r, () -> BigDecimal.valueOf(r.nextInt(2001) - 1000, 2)),
          nullOr(r, () -> (r.nextInt(41) - 20) / 4.0),
          nullOr(r, () -> r.nextInt(4) != 0)});
    }
    return rows;
  }

  /**
   * What a PostgreSQL shard returns for the aggregate query over {@code rows}: sum(int) is bigint
   * (Long), sum(numeric) numeric, sum(float8) float8, counts bigint.
   */
  private static List<Object[]> aggregate(List<Object[]> rows, boolean global, boolean byS) {
    Map<List<Object>, List<Object[]>> groups = new LinkedHashMap<>();
    if (global) {
      groups.put(List.of(), new ArrayList<>());
    }
    for (Object[] row : rows) {
      List<Object> key = global ? List.of() : byS ? Arrays.asList(row[0], row[1]) : Arrays.asList(row[0]);
      groups.computeIfAbsent(key, k -> new ArrayList<>()).add(row);
    }
    List<Object[]> out = new ArrayList<>();
    for (Map.Entry<List<Object>, List<Object[]>> e : groups.entrySet()) {
      List<Object[]> g = e.getValue();
      Object[] p = new Object[byS ? 13 : 12];
      p[0] = global ? (Object) 7L : g.get(0)[0];
      p[1] = (long) g.size();
      p[2] = g.stream().filter(r -> r[2] != null).count();
      p[3] = g.stream().filter(r -> r[2] != null).map(r -> (long) (Integer) r[2]).reduce(Long::sum).orElse(null);
      p[4] = g.stream().map(r -> (BigDecimal) r[3]).filter(v -> v != null).min(BigDecimal::compareTo).orElse(null);
      p[5] = g.stream().map(r -> (String) r[1]).filter(v -> v != null).max(Oracle::compareValues).orElse(null);
      p[6] = g.stream().map(r -> (BigDecimal) r[3]).filter(v -> v != null).reduce(BigDecimal::add).orElse(null);
      p[7] = g.stream().map(r -> (Double) r[4]).filter(v -> v != null).reduce(Double::sum).orElse(null);
      p[8] = p[3];
      p[9] = g.stream().map(r -> (Boolean) r[5]).filter(v -> v != null).reduce(Boolean::logicalAnd).orElse(null);
      p[10] = g.stream().filter(r -> r[3] != null).count();
      p[11] = p[2];
      if (byS) {
        p[12] = g.get(0)[1];
      }
      out.add(p);
    }
    return out;
  }

  /** The oracle's final row: AVG columns as exact quotients (compared with a rounding check). */
  private static Object[] finish(Object[] partial) {
    Object[] r = partial.clone();
    r[6] = exactAverage(partial[6], partial[10]);
    r[8] = exactAverage(partial[8], partial[11]);
    return r;
  }

  private static Object exactAverage(Object sum, Object count) {
    if (sum instanceof ExactQuotient q) {
      return q;
    }
    long n = (Long) count;
    return sum == null || n == 0 ? null : new ExactQuotient(new BigDecimal(sum.toString()), n);
  }

  /** sum / count kept exact; a Number so the oracle comparator orders it numerically. */
  static final class ExactQuotient extends Number {
    final BigDecimal sum;
    final long count;

    ExactQuotient(BigDecimal sum, long count) {
      this.sum = sum;
      this.count = count;
    }

    @Override
    public String toString() {
      return sum.divide(BigDecimal.valueOf(count), 40, RoundingMode.HALF_EVEN).toPlainString();
    }

    @Override
    public int intValue() {
      return (int) doubleValue();
    }

    @Override
    public long longValue() {
      return (long) doubleValue();
    }

    @Override
    public float floatValue() {
      return (float) doubleValue();
    }

    @Override
    public double doubleValue() {
      return Double.parseDouble(toString());
    }
  }

  private static void assertAggregateRow(Object[] got, Object[] want, String where) {
    assertThat(got).as(where).hasSize(VISIBLE);
    for (int c = 0; c < VISIBLE; c++) {
      Object g = got[c];
      Object w = want[c];
      String at = where + " column " + c;
      if (w instanceof ExactQuotient q) {
        assertThat(g).as(at).isInstanceOf(BigDecimal.class);
        BigDecimal avg = (BigDecimal) g;
        assertThat(q.sum.divide(BigDecimal.valueOf(q.count), avg.scale(), RoundingMode.HALF_UP)).as(at).isEqualByComparingTo(avg);
        assertThat(avg.scale()).as(at + " scale").isGreaterThanOrEqualTo(16);
      } else if (w instanceof BigDecimal bw) {
        assertThat(g).as(at).isInstanceOf(BigDecimal.class);
        assertThat((BigDecimal) g).as(at).isEqualByComparingTo(bw);
      } else {
        assertThat(g).as(at).isEqualTo(w);
      }
    }
  }

  private static List<Object> groupKey(Object[] row, int[] keyColumns) {
    List<Object> key = new ArrayList<>();
    for (int k : keyColumns) {
      key.add(row[k]);
    }
    return key;
  }

  // ---------------------------------------------------------------- DISTINCT

  @ParameterizedTest(name = "{0} shards, seed {1}")
  @MethodSource("shardsAndSeeds")
  void distinctEqualsDistinctOverTheUnion(int shards, long seed) throws SQLException {
    Random random = new Random(seed);
    for (int trial = 0; trial < TRIALS; trial++) {
      boolean ordered = random.nextBoolean();
      int[] cols = {0, 1, 2};
      boolean[] desc = {random.nextBoolean(), random.nextBoolean(), random.nextBoolean()};
      boolean[] nf = {random.nextBoolean(), random.nextBoolean(), random.nextBoolean()};
      Comparator<Object[]> order = Oracle.rowOrder(cols, desc, nf);
      List<SortKey> keys = new ArrayList<>();
      if (ordered) {
        for (int c : cols) {
          keys.add(new SortKey(c, false, desc[c], nf[c]));
        }
      }
      RowBound offset = randomBound(random, 4);
      RowBound limit = randomBound(random, 10);
      long shardLimit = limit.isPresent() ? (limit.value() == 0 ? 0 : limit.value() + offset.orElse(0)) : -1;

      List<List<Object[]>> full = new ArrayList<>();
      List<List<Object[]>> returned = new ArrayList<>();
      for (int s = 0; s < shards; s++) {
        List<Object[]> rows = distinct(smallRows(random, random.nextInt(20))); // the shard's own DISTINCT
        if (ordered) {
          rows.sort(order);
        }
        full.add(rows);
        returned.add(Oracle.window(rows, 0, shardLimit)); // LIMIT n+m pushed down
      }
      MergeSpec spec = new MergeSpec(MergeDialect.MARIADB, List.of("a", "b", "c"), 3, 0, List.of(), null, true, keys, offset, limit);
      List<Object[]> got = merge(returned, spec);
      List<Object[]> all = distinct(concat(full));
      String where = "shards=" + shards + " seed=" + seed + " trial=" + trial + " " + spec;
      if (ordered) {
        all.sort(order);
        List<Object[]> want = Oracle.window(all, offset.orElse(0), limit.orElse(-1));
        assertThat(got).as(where).hasSameSizeAs(want);
        for (int i = 0; i < got.size(); i++) {
          assertThat(Oracle.sameValues(got.get(i), want.get(i), 3)).as(where + " row " + i).isTrue();
        }
      } else {
        // no ORDER BY: any window of the distinct rows is right; check size, distinctness, membership
        long expectedSize = Math.max(0, all.size() - offset.orElse(0));
        if (limit.isPresent()) {
          expectedSize = Math.min(expectedSize, limit.value());
        }
        assertThat(got).as(where).hasSize((int) expectedSize);
        assertThat(distinct(got)).as(where + " distinct").hasSameSizeAs(got);
        for (Object[] row : got) {
          assertThat(all.stream().anyMatch(r -> Oracle.sameValues(r, row, 3))).as(where + " member").isTrue();
        }
      }
    }
  }

  private static List<Object[]> distinct(List<Object[]> rows) {
    List<Object[]> out = new ArrayList<>();
    for (Object[] r : rows) {
      if (out.stream().noneMatch(o -> Oracle.sameValues(o, r, r.length))) {
        out.add(r);
      }
    }
    return out;
  }

  /** Small domains so DISTINCT has work: 1, 1L and 1.00 are the same value. */
  private static List<Object[]> smallRows(Random r, int n) {
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(new Object[] {
          nullOr(r, () -> randomNumber(r, 3)),
          nullOr(r, () -> new String[] {"x", "y"}[r.nextInt(2)]),
          nullOr(r, () -> new byte[] {(byte) (r.nextInt(3) * 127)})});
    }
    return rows;
  }

  // ---------------------------------------------------------------- data and plumbing

  /** Rows of: mixed-class number, string, byte[], small int — each sometimes NULL. */
  private static List<Object[]> randomRows(Random r, int n) {
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(new Object[] {
          nullOr(r, () -> randomNumber(r, 6)),
          nullOr(r, () -> new String[] {"", "a", "B", "b", "ä", "\uFFFD", "\uD83D\uDE00", "a\uD83D\uDE00"}[r.nextInt(8)]),
          nullOr(r, () -> randomBytes(r)),
          nullOr(r, () -> r.nextInt(4))});
    }
    return rows;
  }

  /** A value in [-range, range] as Integer, Long, BigDecimal (scale 0-2) or an exactly representable Double. */
  private static Object randomNumber(Random r, int range) {
    int v = r.nextInt(2 * range + 1) - range;
    return switch (r.nextInt(5)) {
      case 0 -> v;
      case 1 -> (long) v;
      case 2 -> BigDecimal.valueOf(v).setScale(r.nextInt(3));
      case 3 -> BigDecimal.valueOf(v * 25L, 2); // v / 4
      default -> v / 4.0;
    };
  }

  private static byte[] randomBytes(Random r) {
    byte[] b = new byte[r.nextInt(3)];
    for (int i = 0; i < b.length; i++) {
      b[i] = new byte[] {0, 1, 127, -128, -1}[r.nextInt(5)];
    }
    return b;
  }

  private static Object nullOr(Random r, java.util.function.Supplier<Object> value) {
    return r.nextInt(7) == 0 ? null : value.get();
  }

  private static RowBound randomBound(Random r, int max) {
    return r.nextInt(3) == 0 ? RowBound.NONE : RowBound.literal(r.nextInt(max + 1));
  }

  private static List<Object[]> concat(List<List<Object[]>> shards) {
    List<Object[]> all = new ArrayList<>();
    shards.forEach(all::addAll);
    return all;
  }

  private List<Object[]> merge(List<List<Object[]>> shards, MergeSpec spec) throws SQLException {
    List<RowCursor> cursors = new ArrayList<>();
    for (List<Object[]> rows : shards) {
      cursors.add(RowCursors.of(rows));
    }
    return RowCursors.toList(merger.merge(cursors, spec));
  }

  private static void assertRowsEqual(List<Object[]> got, List<Object[]> want, String where) {
    assertThat(got).as(where).hasSameSizeAs(want);
    for (int i = 0; i < got.size(); i++) {
      assertThat(Arrays.deepEquals(got.get(i), want.get(i)))
          .as("%s row %d: got %s want %s", where, i, Arrays.deepToString(got.get(i)), Arrays.deepToString(want.get(i)))
          .isTrue();
    }
  }

  private static long pulled(List<CountingCursor> cursors) {
    return cursors.stream().mapToLong(c -> c.pulled).sum();
  }

  /** A shard cursor that counts the rows handed out and records closing. */
  static final class CountingCursor implements RowCursor {
    private final List<Object[]> rows;
    private int position = -1;
    long pulled;
    boolean closed;

    CountingCursor(List<Object[]> rows) {
      this.rows = rows;
    }

    @Override
    public boolean next() {
      if (closed) {
        throw new IllegalStateException("next() after close()");
      }
      if (position + 1 < rows.size()) {
        position++;
        pulled++;
        return true;
      }
      return false;
    }

    @Override
    public Object[] row() {
      return rows.get(position);
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
