package dev.junction.merge;

import java.sql.SQLException;

/**
 * The outermost merge cursor: when reading fails (a shard's result failed mid-stream, or rows could
 * not be compared or combined), every shard result is closed at once, not when the application gets
 * round to closing the merged result, so the other shards stop working for a result nobody will
 * read. The cursor then stays failed: a later {@link #next()} throws again instead of returning
 * false, which would read as a complete (and wrong) answer.
 */
final class FailClosedCursor implements RowCursor {

  private final RowCursor merged;
  private SQLException failure;

  FailClosedCursor(RowCursor merged) {
    this.merged = merged;
  }

  @Override
  public boolean next() throws SQLException {
    if (failure != null) {
      throw new SQLException("the merged result failed earlier and was closed: " + failure.getMessage(),
          failure.getSQLState(), failure.getErrorCode(), failure);
    }
    try {
      return merged.next();
    } catch (SQLException | RuntimeException e) {
      failure = e instanceof SQLException s ? s : new SQLException(String.valueOf(e.getMessage()), "XX000", e);
      try {
        merged.close();
      } catch (SQLException | RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  @Override
  public Object[] row() {
    return merged.row();
  }

  @Override
  public void close() throws SQLException {
    merged.close();
  }
}
