package dev.junction.merge;

import java.sql.SQLException;
import java.util.List;

/** Shard results one after another, in shard order: the merge for a query without ORDER BY. */
final class ConcatCursor implements RowCursor {

  private final List<? extends RowCursor> shards;
  private final MergeSpec spec;
  private final boolean[] closed;
  private int shard;
  private Object[] current;

  ConcatCursor(List<? extends RowCursor> shards, MergeSpec spec) {
    this.shards = shards;
    this.spec = spec;
    this.closed = new boolean[shards.size()];
  }

  @Override
  public boolean next() throws SQLException {
    while (shard < shards.size()) {
      RowCursor cursor = shards.get(shard);
      if (cursor.next()) {
        current = ShardRows.check(cursor.row(), ShardRows.expectedWidth(spec), spec.hiddenColumns(), shard);
        return true;
      }
      closed[shard] = true;
      cursor.close();
      shard++;
    }
    current = null;
    return false;
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
    RowCursors.closeAll(shards, closed);
  }
}
