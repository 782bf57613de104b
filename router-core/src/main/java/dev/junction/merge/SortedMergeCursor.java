package dev.junction.merge;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Streaming k-way merge of shard results that are each already sorted by the plan's ORDER BY.
 * Holds one row per shard (O(k) memory) and pulls a shard's next row only when its previous one
 * has been handed out, so a consumer that stops after n rows causes at most n + k - 1 pulls.
 * Ties go to the lower shard index, which makes the merge equal to a stable sort of the shard
 * results concatenated in order.
 */
final class SortedMergeCursor implements RowCursor {

  private record Head(int shard, Object[] row) {}

  private final List<? extends RowCursor> shards;
  private final MergeSpec spec;
  private final boolean[] closed;
  private PriorityQueue<Head> queue;
  private int refill = -1;
  private int width = -1;
  private Object[] current;

  SortedMergeCursor(List<? extends RowCursor> shards, MergeSpec spec) {
    this.shards = shards;
    this.spec = spec;
    this.closed = new boolean[shards.size()];
  }

  @Override
  public boolean next() throws SQLException {
    try {
      if (queue == null) {
        start();
      } else if (refill >= 0) {
        Head h = pull(refill);
        if (h != null) {
          queue.add(h);
        }
      }
      refill = -1;
      Head head = queue.poll();
      if (head == null) {
        current = null;
        return false;
      }
      current = head.row();
      refill = head.shard();
      return true;
    } catch (IllegalArgumentException e) {
      throw ShardRows.dataError(e);
    }
  }

  private void start() throws SQLException {
    List<Head> heads = new ArrayList<>(shards.size());
    for (int i = 0; i < shards.size(); i++) {
      Head h = pull(i);
      if (h != null) {
        heads.add(h);
      }
    }
    RowComparator rows = heads.isEmpty() ? null : RowComparator.of(spec.order(), width, spec.hiddenColumns());
    queue = new PriorityQueue<>(Math.max(1, heads.size()), (a, b) -> {
      int c = rows.compare(a.row(), b.row());
      return c != 0 ? c : Integer.compare(a.shard(), b.shard());
    });
    queue.addAll(heads);
  }

  private Head pull(int shard) throws SQLException {
    RowCursor cursor = shards.get(shard);
    if (cursor.next()) {
      Object[] row = ShardRows.check(cursor.row(), ShardRows.expectedWidth(spec), spec.hiddenColumns(), shard);
      if (width < 0) {
        width = row.length;
      } else if (row.length != width) {
        throw new SQLException("shard results disagree on the column count: " + row.length + " vs "
            + width + "; every shard must have the same schema", "42804");
      }
      return new Head(shard, row);
    }
    closed[shard] = true;
    cursor.close();
    return null;
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
