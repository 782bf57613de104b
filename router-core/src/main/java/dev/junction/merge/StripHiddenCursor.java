package dev.junction.merge;

import java.sql.SQLException;
import java.util.Arrays;

/** Drops the trailing hidden columns the planner added for the merger's own use. */
final class StripHiddenCursor implements RowCursor {

  private final RowCursor input;
  private final int hidden;
  private Object[] current;

  StripHiddenCursor(RowCursor input, int hidden) {
    this.input = input;
    this.hidden = hidden;
  }

  @Override
  public boolean next() throws SQLException {
    if (input.next()) {
      Object[] row = input.row();
      current = Arrays.copyOf(row, row.length - hidden);
      return true;
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
    input.close();
  }
}
