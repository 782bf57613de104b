package dev.junction.merge;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The merge for GROUP BY, aggregates and DISTINCT: the same group (or duplicate) can come from
 * every shard, so every row must be seen before any is emitted. Reads the shards one after
 * another, combines partial rows per key in a hash map (memory bounded by the number of groups,
 * not rows), finishes expressions over aggregates, AVG and COALESCE columns, applies HAVING and DISTINCT, then sorts.
 *
 * <p>Without ORDER BY, groups come out in the order they were first seen, reading shards in list
 * order: unspecified by SQL but deterministic for deterministic shard results.
 */
final class CombiningCursor implements RowCursor {

  private final List<? extends RowCursor> shards;
  private final MergeSpec spec;
  private final long maxGroups;
  private final boolean[] closed;
  private List<Object[]> rows;
  private int position;
  private Object[] current;

  CombiningCursor(List<? extends RowCursor> shards, MergeSpec spec, long maxGroups) {
    this.shards = shards;
    this.spec = spec;
    this.maxGroups = maxGroups;
    this.closed = new boolean[shards.size()];
  }

  @Override
  public boolean next() throws SQLException {
    if (rows == null) {
      try {
        rows = combine();
      } catch (IllegalArgumentException e) {
        throw ShardRows.dataError(e);
      } catch (ArithmeticException e) {
        throw ShardRows.dataError(
            new IllegalArgumentException("combining partial aggregates: " + e.getMessage(), e));
      }
    }
    if (position < rows.size()) {
      current = rows.get(position++);
      return true;
    }
    current = null;
    return false;
  }

  private List<Object[]> combine() throws SQLException {
    List<ColumnMerge> merges = spec.aggregation();
    Combine[] combines = merges.stream().map(ColumnMerge::combine).toArray(Combine[]::new);
    int[] keyColumns = keyColumns(merges);
    int[] coalesced = coalescedColumns(merges);
    int[] limited = java.util.stream.IntStream.range(0, merges.size()).filter(i -> merges.get(i).length() >= 0).toArray();
    Object[] fallbacks = new Object[merges.size()];
    Map<GroupKey, Object[]> groups = new LinkedHashMap<>();
    int expected = ShardRows.expectedWidth(spec);
    for (int s = 0; s < shards.size(); s++) {
      RowCursor cursor = shards.get(s);
      while (cursor.next()) {
        Object[] row = ShardRows.check(cursor.row(), expected, spec.hiddenColumns(), s);
        if (merges.isEmpty()) {
          GroupKey key = GroupKey.ofPrefix(row, row.length - spec.hiddenColumns());
          if (groups.putIfAbsent(key, row) == null) {
            checkSize(groups.size());
          }
          continue;
        }
        for (int i : coalesced) {
          checkNumeric(row[i], combines[i], s);
          if (isZeroCount(row[merges.get(i).partner()])) {
            // this shard had no value to aggregate: its column is the COALESCE literal, not a partial
            fallbacks[i] = row[i];
            row[i] = null;
          }
        }
        GroupKey key = GroupKey.of(row, keyColumns);
        Object[] state = groups.get(key);
        if (state == null) {
          state = start(row, combines);
          groups.put(key, state);
          checkSize(groups.size());
        } else {
          for (int i = 0; i < state.length; i++) {
            state[i] = combines[i].add(state[i], row[i]);
          }
        }
        for (int i : limited) {
          ColumnMerge m = merges.get(i);
          if (row[i] != null) {
            Multisets.checkPartial((Multisets.Parts) state[i], row[m.length()], row[m.maxLength()], s);
          }
        }
      }
      closed[s] = true;
      cursor.close();
    }
    if (!merges.isEmpty() && keyColumns.length == 0 && groups.isEmpty()) {
      // a global aggregate returns one row even when no shard had any input
      groups.put(GroupKey.EMPTY, start(new Object[combines.length], combines));
    }
    List<Object[]> out = new ArrayList<>(groups.size());
    if (merges.isEmpty()) {
      out.addAll(groups.values());
    } else {
      Set<GroupKey> seen = spec.distinct() ? new HashSet<>() : null;
      for (Object[] row : groups.values()) {
        boolean mysql = spec.dialect().isMySqlFamily();
        if (mysql) {
          // MySQL HAVING may name an expression's alias; its arithmetic raises no error (x / 0 is NULL)
          finishExpressions(row, merges); // before AVG columns turn from sums into averages
        }
        Object[] raw = mysql ? null : row.clone();
        finishAverages(row, merges);
        for (int i : coalesced) {
          if (row[i] == null && isZeroCount(row[merges.get(i).partner()])) {
            row[i] = fallbacks[i]; // no shard had a value: the literal as the shards typed it
          }
        }
        if (spec.having() != null && !Boolean.TRUE.equals(spec.having().evaluate(row))) {
          continue;
        }
        finishMultisets(row, merges); // after HAVING: a group it drops raises no group_concat_max_len refusal
        if (!mysql) {
          // PostgreSQL computes the select list only for groups HAVING keeps: a division by zero in a
          // dropped group is no error
          finishExpressions(raw, merges);
          for (int i = 0; i < row.length; i++) {
            if (merges.get(i).expression() != null) {
              row[i] = raw[i];
            }
          }
        }
        if (seen != null && !seen.add(GroupKey.ofPrefix(row, spec.visibleColumns()))) {
          continue;
        }
        out.add(row);
      }
    }
    if (!spec.order().isEmpty() && !out.isEmpty()) {
      out.sort(RowComparator.of(spec.order(), out.get(0).length, spec.hiddenColumns()));
    }
    return out;
  }

  private static Object[] start(Object[] row, Combine[] combines) {
    Object[] state = new Object[row.length];
    for (int i = 0; i < state.length; i++) {
      state[i] = combines[i].first(row[i]);
    }
    return state;
  }

  private static void finishExpressions(Object[] row, List<ColumnMerge> merges) throws SQLException {
    for (int i = 0; i < row.length; i++) {
      AggregateExpression e = merges.get(i).expression();
      if (e != null) {
        row[i] = e.evaluate(c -> row[c]);
      }
    }
  }

  private void finishMultisets(Object[] row, List<ColumnMerge> merges) throws SQLException {
    for (int i = 0; i < row.length; i++) {
      ColumnMerge m = merges.get(i);
      if (m.combine() == Combine.CONCAT) {
        String label = i < spec.labels().size() ? spec.labels().get(i) : "column " + (i + 1);
        row[i] = Multisets.concat((Multisets.Parts) row[i], label, row[m.partner()], spec.dialect().isMySqlFamily(),
            m.length() >= 0 ? row[m.length()] : null, m.maxLength() >= 0 ? row[m.maxLength()] : null);
      } else if (m.combine() == Combine.ARRAY) {
        String label = i < spec.labels().size() ? spec.labels().get(i) : "column " + (i + 1);
        row[i] = Multisets.array((Multisets.Parts) row[i], label);
      }
    }
  }

  private void finishAverages(Object[] row, List<ColumnMerge> merges) {
    for (int i = 0; i < row.length; i++) {
      ColumnMerge m = merges.get(i);
      if (m.combine() == Combine.AVG) {
        row[i] = Averages.average(row[i], row[m.partner()], spec.dialect());
      }
    }
  }

  private static int[] coalescedColumns(List<ColumnMerge> merges) {
    return java.util.stream.IntStream.range(0, merges.size())
        .filter(i -> merges.get(i).coalesced())
        .toArray();
  }

  /**
   * COALESCE(MIN/MAX(x), numeric literal) is merged only when the shards return numbers: MariaDB
   * turns a temporal or text {@code x} into text, and text order is not the order of every type it
   * renders ({@code TIME '100:00:00'} sorts before {@code '99:00:00'}). PostgreSQL rejects those
   * types itself. Checked on every value, so the verdict does not depend on which rows exist.
   */
  private static void checkNumeric(Object v, Combine combine, int shard) throws SQLException {
    if (v != null && !(v instanceof Number) && (combine == Combine.MIN || combine == Combine.MAX)) {
      throw Unsupported.of(
          "COALESCE(" + combine + "(...), <literal>) over a " + v.getClass().getSimpleName() + " result (shard " + shard + ")",
          "the database converted the " + combine + " to text to match the numeric literal, and the merger can"
              + " order converted text exactly only for numbers",
          "Select " + combine + "(...) as its own column and apply the default in the application, or "
              + Unsupported.ROUTE_TO_ONE_SHARD_LOWER);
    }
  }

  private static boolean isZeroCount(Object count) {
    if (count instanceof java.math.BigDecimal d) {
      return d.signum() == 0;
    }
    return count == null || ((Number) count).longValue() == 0;
  }

  private static int[] keyColumns(List<ColumnMerge> merges) {
    return java.util.stream.IntStream.range(0, merges.size())
        .filter(i -> merges.get(i).combine() == Combine.KEY)
        .toArray();
  }

  private void checkSize(int size) throws SQLException {
    if (size > maxGroups) {
      throw new SQLException(
          "the scatter query produced more than " + maxGroups + " groups or distinct rows to combine in memory;"
              + " narrow it with a shard-key predicate so it runs on one shard, or raise the merger's group limit",
          "54000");
    }
  }

  @Override
  public Object[] row() {
    if (current == null) {
      throw new IllegalStateException("no current row");
    }
    return current;
  }

  @Override
  public void close() throws SQLException {
    current = null;
    rows = List.of();
    position = 0;
    RowCursors.closeAll(shards, closed);
  }
}
