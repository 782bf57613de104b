package dev.junction.merge;

import java.sql.SQLException;

/**
 * A forward-only stream of rows that may fail and holds resources — the shape of a JDBC
 * {@link java.sql.ResultSet}, without its API. The merger reads shard results and returns its own
 * result through this interface, so an executor can feed it ResultSets read lazily and a
 * JDBC-facing ResultSet can wrap the merged cursor.
 *
 * <p>Contract: call {@link #next()} before the first {@link #row()}; {@code row()} returns the
 * current row and the array must not be modified or reused afterwards (the merger keeps
 * references to rows while it pulls others). {@link #close()} is idempotent.
 */
public interface RowCursor extends AutoCloseable {

  /** Advances to the next row; false when there is none. */
  boolean next() throws SQLException;

  /** The current row, one element per column; JDBC values as {@code getObject} returns them. */
  Object[] row();

  /** Releases the underlying result; safe to call more than once. */
  @Override
  void close() throws SQLException;
}
