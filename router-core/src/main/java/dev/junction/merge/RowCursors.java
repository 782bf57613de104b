package dev.junction.merge;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** Adapters between {@link RowCursor} and plain collections, for callers that hold rows in memory. */
public final class RowCursors {

  private RowCursors() {}

  /** At most {@code maxRows} rows of {@code input} (JDBC's Statement.setMaxRows over a merged result). */
  public static RowCursor limit(RowCursor input, long maxRows) {
    return new LimitCursor(input, 0, maxRows);
  }

  /** A cursor over rows already in memory. */
  public static RowCursor of(List<Object[]> rows) {
    return of(rows.iterator());
  }

  /** A cursor over an iterator; closing it only stops iteration. */
  public static RowCursor of(Iterator<Object[]> rows) {
    return new RowCursor() {
      private Object[] current;
      private boolean positioned;
      private boolean closed;

      @Override
      public boolean next() {
        positioned = !closed && rows.hasNext();
        current = positioned ? rows.next() : null;
        return positioned;
      }

      @Override
      public Object[] row() {
        if (!positioned) {
          throw new IllegalStateException("no current row: call next() first and only while it returns true");
        }
        return current;
      }

      @Override
      public void close() {
        closed = true;
        positioned = false;
        current = null;
      }
    };
  }

  /** Reads every remaining row, then closes the cursor. */
  public static List<Object[]> toList(RowCursor cursor) throws SQLException {
    try (cursor) {
      List<Object[]> out = new ArrayList<>();
      while (cursor.next()) {
        out.add(cursor.row());
      }
      return out;
    }
  }

  /** Closes every cursor, even when some fail; the first failure is thrown, later ones suppressed. */
  static void closeAll(List<? extends RowCursor> cursors, boolean[] closed) throws SQLException {
    SQLException first = null;
    for (int i = 0; i < cursors.size(); i++) {
      if (closed != null && closed[i]) {
        continue;
      }
      if (closed != null) {
        closed[i] = true;
      }
      try {
        cursors.get(i).close();
      } catch (SQLException | RuntimeException e) {
        SQLException wrapped =
            e instanceof SQLException s ? s : new SQLException("closing shard result " + i + " failed", e);
        if (first == null) {
          first = wrapped;
        } else {
          first.addSuppressed(wrapped);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
