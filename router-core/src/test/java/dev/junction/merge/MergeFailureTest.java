package dev.junction.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A shard result that fails mid-stream: the merge closes every other shard result at once (they
 * would otherwise keep their servers working until the application closes the merged result), and
 * the merged cursor stays failed instead of reading as a shorter, complete answer.
 */
class MergeFailureTest {

  private final ResultMerger merger = new ResultMerger();

  /** Rows 1..n, then a failure instead of row n + 1. */
  private static final class FailingAfter implements RowCursor {
    private final int rows;
    private int position;
    boolean closed;

    FailingAfter(int rows) {
      this.rows = rows;
    }

    @Override
    public boolean next() throws SQLException {
      if (position == rows) {
        throw new SQLException("on shard s1: division by zero", "22012");
      }
      position++;
      return true;
    }

    @Override
    public Object[] row() {
      return new Object[] {(long) position * 2};
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  private static ResultMergerPropertyTest.CountingCursor rows(long... values) {
    List<Object[]> out = new ArrayList<>();
    for (long v : values) {
      out.add(new Object[] {v});
    }
    return new ResultMergerPropertyTest.CountingCursor(out);
  }

  private static List<MergeSpec> shapes() {
    List<SortKey> byA = List.of(new SortKey(0, false, false, false));
    return List.of(
        MergeSpec.ordered(MergeDialect.POSTGRESQL, List.of("a"), byA, RowBound.NONE, RowBound.NONE),
        MergeSpec.ordered(MergeDialect.POSTGRESQL, List.of("a"), byA, RowBound.NONE, RowBound.literal(1000)),
        MergeSpec.ordered(MergeDialect.POSTGRESQL, List.of("a"), List.of(), RowBound.NONE, RowBound.NONE));
  }

  @Test
  void aShardFailingMidStreamClosesEveryShardAtOnceAndTheMergeStaysFailed() throws SQLException {
    for (MergeSpec spec : shapes()) {
      ResultMergerPropertyTest.CountingCursor before = rows(1, 3, 5, 7, 9, 11, 13, 15);
      FailingAfter failing = new FailingAfter(3);
      ResultMergerPropertyTest.CountingCursor after = rows(0, 100, 200, 300);
      RowCursor merged = merger.merge(List.of(before, failing, after), spec);
      int read = 0;
      SQLException failure = null;
      try {
        while (merged.next()) {
          read++;
        }
      } catch (SQLException e) {
        failure = e;
      }
      assertThat((Throwable) failure).as(spec + ": the failure reaches the reader").isNotNull();
      assertThat(failure.getSQLState()).isEqualTo("22012");
      assertThat(failure.getMessage()).contains("on shard s1");
      assertThat(read).as(spec + ": rows before the failure").isPositive();
      assertThat(before.closed && failing.closed && after.closed)
          .as(spec + ": every shard result closed when the failure surfaced, before the reader closes anything").isTrue();
      assertThatThrownBy(merged::next).as(spec + ": never a silent end of the result after a failure")
          .isInstanceOf(SQLException.class).hasMessageContaining("failed earlier").hasMessageContaining("on shard s1")
          .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("22012");
      merged.close();
    }
  }

  @Test
  void aCloseFailureDuringTheFailureIsAttachedNotLost() {
    FailingAfter failing = new FailingAfter(0);
    RowCursor closeFails = new RowCursor() {
      @Override
      public boolean next() {
        return true;
      }

      @Override
      public Object[] row() {
        return new Object[] {1L};
      }

      @Override
      public void close() throws SQLException {
        throw new SQLException("connection lost", "08006");
      }
    };
    MergeSpec spec = MergeSpec.ordered(MergeDialect.POSTGRESQL, List.of("a"),
        List.of(new SortKey(0, false, false, false)), RowBound.NONE, RowBound.NONE);
    RowCursor merged = merger.merge(List.of(closeFails, failing), spec);
    assertThatThrownBy(merged::next).isInstanceOf(SQLException.class).hasMessageContaining("division by zero")
        .satisfies(e -> assertThat(e.getSuppressed()).extracting(Throwable::getMessage).containsExactly("connection lost"));
    assertThat(failing.closed).isTrue();
  }
}
