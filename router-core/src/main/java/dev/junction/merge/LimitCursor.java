package dev.junction.merge;

import java.sql.SQLException;

/**
 * OFFSET and LIMIT over the merged stream. Stops pulling the moment the limit is reached and
 * closes the input, so shard connections are released before the application finishes reading.
 */
final class LimitCursor implements RowCursor {

  private final RowCursor input;
  private final long offset;
  private final long limit;
  private long skipped;
  private long returned;
  private boolean done;

  /** @param limit rows to return, or -1 for all */
  LimitCursor(RowCursor input, long offset, long limit) {
    this.input = input;
    this.offset = offset;
    this.limit = limit;
  }

  @Override
  public boolean next() throws SQLException {
    if (done) {
      return false;
    }
    if (limit >= 0 && returned >= limit) {
      return finish();
    }
    while (skipped < offset) {
      if (!input.next()) {
        return finish();
      }
      skipped++;
    }
    if (!input.next()) {
      return finish();
    }
    returned++;
    return true;
  }

  private boolean finish() throws SQLException {
    done = true;
    input.close();
    return false;
  }

  @Override
  public Object[] row() {
    if (done) {
      throw new IllegalStateException("no current row");
    }
    return input.row();
  }

  @Override
  public void close() throws SQLException {
    done = true;
    input.close();
  }
}
