package dev.junction.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * GROUP BY, DISTINCT and ORDER BY over several shards on values whose Java equality or order is not
 * the database's: the merge refuses (0AJ00) instead of splitting one SQL group in two. The values are
 * stand-ins with the drivers' own equality: an SQL array compares by identity (pgjdbc's PgArray, and
 * Junction's snapshot), an interval by its fields (pgjdbc's PGInterval: {@code 1 day} is not
 * {@code 24:00:00}), json and other driver objects by text.
 */
class UnmergeableValuesTest {

  private final ScatterSelectPlanner planner = new ScatterSelectPlanner();
  private final ResultMerger merger = new ResultMerger();

  /** An SQL array as drivers hand them out: equality by identity. */
  private static final class IdentityArray implements java.sql.Array {
    private final Object[] elements;

    IdentityArray(Object... elements) {
      this.elements = elements;
    }

    @Override public String getBaseTypeName() { return "int4"; }
    @Override public int getBaseType() { return java.sql.Types.INTEGER; }
    @Override public Object getArray() { return elements.clone(); }
    @Override public Object getArray(Map<String, Class<?>> map) { return getArray(); }
    @Override public Object getArray(long index, int count) { return Arrays.copyOfRange(elements, (int) index - 1, (int) index - 1 + count); }
    @Override public Object getArray(long index, int count, Map<String, Class<?>> map) { return getArray(index, count); }
    @Override public java.sql.ResultSet getResultSet() throws SQLException { throw new SQLFeatureNotSupportedException(); }
    @Override public java.sql.ResultSet getResultSet(Map<String, Class<?>> map) throws SQLException { throw new SQLFeatureNotSupportedException(); }
    @Override public java.sql.ResultSet getResultSet(long index, int count) throws SQLException { throw new SQLFeatureNotSupportedException(); }
    @Override public java.sql.ResultSet getResultSet(long index, int count, Map<String, Class<?>> map) throws SQLException { throw new SQLFeatureNotSupportedException(); }
    @Override public void free() {}
    @Override public String toString() { return Arrays.toString(elements); }
  }

  /** An interval as pgjdbc's PGInterval compares it: field by field, where PostgreSQL normalizes. */
  private record Interval(int days, int hours) {}

  private List<Object[]> run(String sql, List<List<Object[]>> shardRows) throws SQLException {
    BoundScatterPlan plan = planner.plan(sql, MergeDialect.POSTGRESQL).bind(List.of());
    List<RowCursor> cursors = new ArrayList<>();
    for (List<Object[]> rows : shardRows) {
      cursors.add(RowCursors.of(rows));
    }
    return RowCursors.toList(merger.merge(cursors, plan.spec()));
  }

  private static List<Object[]> rows(Object[]... rows) {
    return Arrays.asList(rows);
  }

  @Test
  void groupByOrDistinctOnAnArrayIsRefusedNotSplitIntoOneGroupPerShard() {
    // PostgreSQL: '{1,2}' on both shards is one group of 2 (and one DISTINCT row)
    for (String sql : List.of("SELECT arr, count(*) FROM t GROUP BY arr", "SELECT DISTINCT arr FROM t")) {
      List<List<Object[]>> shards = sql.contains("count")
          ? List.of(rows(new Object[] {new IdentityArray(1, 2), 1L}), rows(new Object[] {new IdentityArray(1, 2), 1L}))
          : List.of(rows(new Object[] {new IdentityArray(1, 2)}), rows(new Object[] {new IdentityArray(1, 2)}));
      assertThatThrownBy(() -> run(sql, shards)).as(sql)
          .isInstanceOfSatisfying(SQLFeatureNotSupportedException.class, e -> {
            assertThat(e.getSQLState()).isEqualTo("0AJ00");
            assertThat(e.getMessage()).contains("GROUP BY or DISTINCT on a column of an array, interval, json or other type").contains(" is not supported in a multi-shard SELECT: ")
                .contains("Add a shard-key predicate");
          });
    }
  }

  @Test
  void groupByAnIntervalLikeDriverObjectIsRefused() {
    // PostgreSQL: '1 day' = '24:00:00', one group; the driver's objects differ
    assertThatThrownBy(() -> run("SELECT iv, count(*) FROM t GROUP BY iv", List.of(
        rows(new Object[] {new Interval(1, 0), 1L}), rows(new Object[] {new Interval(0, 24), 1L}))))
        .isInstanceOfSatisfying(SQLFeatureNotSupportedException.class,
            e -> assertThat(e.getSQLState()).isEqualTo("0AJ00"));
  }

  @Test
  void orderByOrMaxOnAnUnorderedTypeIsRefusedAsUnsupportedNotAsATypeMismatch() {
    for (String sql : List.of("SELECT id, iv FROM t ORDER BY iv", "SELECT max(iv) FROM t")) {
      List<List<Object[]>> shards = sql.startsWith("SELECT id")
          ? List.of(rows(new Object[] {1L, new Interval(1, 0)}), rows(new Object[] {2L, new Interval(0, 25)}))
          : List.of(rows(new Object[] {new Interval(1, 0)}), rows(new Object[] {new Interval(0, 25)}));
      assertThatThrownBy(() -> run(sql, shards)).as(sql)
          .isInstanceOfSatisfying(SQLFeatureNotSupportedException.class, e -> {
            assertThat(e.getSQLState()).isEqualTo("0AJ00");
            assertThat(e.getMessage()).contains("ORDER BY, MIN or MAX on ").contains(" is not supported in a multi-shard SELECT: ");
          });
    }
  }

  @Test
  void provablyEqualTypesStillGroup() throws SQLException {
    List<Object[]> result = run("SELECT b, d, count(*) FROM t GROUP BY b, d", List.of(
        rows(new Object[] {true, java.time.LocalDate.of(2024, 1, 1), 1L}, new Object[] {false, null, 2L}),
        rows(new Object[] {true, java.time.LocalDate.of(2024, 1, 1), 3L}, new Object[] {false, null, 4L})));
    assertThat(result).hasSize(2);
    assertThat(result).extracting(r -> r[2]).containsExactlyInAnyOrder(4L, 6L);
  }

  @Test
  void differentClassesInOneColumnStayATypeMismatch() {
    assertThatThrownBy(() -> SqlValues.compare(1L, "1")).isInstanceOf(IncomparableValuesException.class);
    assertThatThrownBy(() -> SqlValues.groupingKey(new IdentityArray(1))).isInstanceOf(UnmergeableValueException.class);
    assertThatThrownBy(() -> SqlValues.compare(new Interval(1, 0), new Interval(1, 0)))
        .isInstanceOf(UnmergeableValueException.class);
  }
}
