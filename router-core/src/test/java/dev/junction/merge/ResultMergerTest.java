package dev.junction.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLDataException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Edge cases of the merger that random data does not reach reliably. */
class ResultMergerTest {

  private final ResultMerger merger = new ResultMerger();

  private static MergeSpec globalCountAndAvg() {
    // SELECT count(*), avg(x): shard columns count, sum(x), hidden count(x)
    return new MergeSpec(MergeDialect.POSTGRESQL, List.of("count", "avg"), 2, 1,
        List.of(ColumnMerge.of(Combine.COUNT), ColumnMerge.avg(2), ColumnMerge.of(Combine.COUNT)),
        null, false, List.of(), RowBound.NONE, RowBound.NONE);
  }

  @Test
  void globalAggregateOverNoRowsIsOneRow() throws SQLException {
    assertThat(RowCursors.toList(merger.merge(List.of(), globalCountAndAvg())))
        .singleElement().satisfies(r -> assertThat(r).containsExactly(0L, null));
    List<RowCursor> empty = List.of(RowCursors.of(List.of()), RowCursors.of(List.of()));
    assertThat(RowCursors.toList(merger.merge(empty, globalCountAndAvg()))).hasSize(1);
  }

  @Test
  void groupedAggregateOverNoRowsIsEmpty() throws SQLException {
    MergeSpec grouped = new MergeSpec(MergeDialect.MYSQL, List.of("k", "n"), 2, 0,
        List.of(ColumnMerge.of(Combine.KEY), ColumnMerge.of(Combine.COUNT)), null, false, List.of(), RowBound.NONE, RowBound.NONE);
    assertThat(RowCursors.toList(merger.merge(List.of(RowCursors.of(List.of())), grouped))).isEmpty();
  }

  @Test
  void averagesCombineAcrossShards() throws SQLException {
    List<RowCursor> shards = List.of(
        RowCursors.of(List.<Object[]>of(new Object[] {2L, 3L, 2L})),
        RowCursors.of(List.<Object[]>of(new Object[] {1L, null, 0L})),
        RowCursors.of(List.<Object[]>of(new Object[] {4L, 2L, 1L})));
    assertThat(RowCursors.toList(merger.merge(shards, globalCountAndAvg())))
        .singleElement().satisfies(r -> assertThat(r).containsExactly(7L, new java.math.BigDecimal("1.6666666666666667")));
  }

  @Test
  void mixedTypesInASortColumnBecomeADataError() {
    MergeSpec spec = MergeSpec.ordered(MergeDialect.POSTGRESQL, List.of("a"),
        List.of(new SortKey(0, false, false, false)), RowBound.NONE, RowBound.NONE);
    List<RowCursor> shards = List.of(
        RowCursors.of(List.<Object[]>of(new Object[] {"x"})), RowCursors.of(List.<Object[]>of(new Object[] {1})));
    assertThatThrownBy(() -> RowCursors.toList(merger.merge(shards, spec)))
        .isInstanceOf(SQLDataException.class)
        .hasMessageContaining("same SQL type");
  }

  @Test
  void rowsOfTheWrongWidthAreRejected() {
    MergeSpec spec = MergeSpec.ordered(MergeDialect.POSTGRESQL, List.of("a", "b"), List.of(), RowBound.NONE, RowBound.NONE);
    assertThatThrownBy(() -> RowCursors.toList(merger.merge(List.of(RowCursors.of(List.<Object[]>of(new Object[] {1}))), spec)))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("has 1 columns but the scatter plan expects 2");
  }

  @Test
  void starQueriesFindHiddenColumnsFromTheEnd() throws SQLException {
    // SELECT * FROM t ORDER BY name: the shard row is (*..., name) and * turned out to be 3 columns
    MergeSpec spec = new MergeSpec(MergeDialect.POSTGRESQL, List.of(), -1, 1, List.of(), null, false,
        List.of(new SortKey(0, true, false, false)), RowBound.NONE, RowBound.literal(2));
    List<RowCursor> shards = List.of(
        RowCursors.of(List.<Object[]>of(new Object[] {1, "b", 9, "b"}, new Object[] {2, "d", 9, "d"})),
        RowCursors.of(List.<Object[]>of(new Object[] {3, "a", 9, "a"}, new Object[] {4, "c", 9, "c"})));
    List<Object[]> rows = RowCursors.toList(merger.merge(shards, spec));
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0)).containsExactly(3, "a", 9);
    assertThat(rows.get(1)).containsExactly(1, "b", 9);
  }

  @Test
  void groupCapFailsInsteadOfExhaustingMemory() {
    MergeSpec distinct = new MergeSpec(MergeDialect.POSTGRESQL, List.of("a"), 1, 0, List.of(), null, true,
        List.of(), RowBound.NONE, RowBound.NONE);
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      rows.add(new Object[] {i});
    }
    assertThatThrownBy(() -> RowCursors.toList(new ResultMerger(5).merge(List.of(RowCursors.of(rows)), distinct)))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("more than 5 groups")
        .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("54000");
  }

  @Test
  void closingTheMergedCursorClosesEveryShardAndReportsFailures() {
    List<ResultMergerPropertyTest.CountingCursor> closed = new ArrayList<>();
    RowCursor failing = new RowCursor() {
      @Override
      public boolean next() {
        return true;
      }

      @Override
      public Object[] row() {
        return new Object[] {1};
      }

      @Override
      public void close() throws SQLException {
        throw new SQLException("connection lost");
      }
    };
    ResultMergerPropertyTest.CountingCursor healthy = new ResultMergerPropertyTest.CountingCursor(List.<Object[]>of(new Object[] {2}));
    closed.add(healthy);
    MergeSpec spec = MergeSpec.ordered(MergeDialect.POSTGRESQL, List.of("a"), List.of(), RowBound.NONE, RowBound.NONE);
    RowCursor merged = merger.merge(List.of(failing, healthy), spec);
    assertThatThrownBy(merged::close).isInstanceOf(SQLException.class).hasMessage("connection lost");
    assertThat(healthy.closed).isTrue();
  }

  @Test
  void limitClosesShardsEarly() throws SQLException {
    ResultMergerPropertyTest.CountingCursor a = new ResultMergerPropertyTest.CountingCursor(
        List.<Object[]>of(new Object[] {1}, new Object[] {2}, new Object[] {3}));
    ResultMergerPropertyTest.CountingCursor b = new ResultMergerPropertyTest.CountingCursor(
        List.<Object[]>of(new Object[] {4}, new Object[] {5}));
    MergeSpec spec = MergeSpec.ordered(MergeDialect.POSTGRESQL, List.of("a"), List.of(), RowBound.literal(1), RowBound.literal(1));
    RowCursor merged = merger.merge(List.of(a, b), spec);
    assertThat(merged.next()).isTrue();
    assertThat(merged.row()).containsExactly(2);
    assertThat(merged.next()).isFalse();
    assertThat(a.closed && b.closed).as("closed as soon as the limit is reached").isTrue();
    assertThat(b.pulled).isZero();
  }
}
