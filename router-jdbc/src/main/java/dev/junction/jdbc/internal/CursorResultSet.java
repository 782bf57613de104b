package dev.junction.jdbc.internal;

import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.Locale;
import java.util.Map;

/**
 * The result set a PostgreSQL {@code refcursor} value reads as ({@code getObject} of a refcursor column, or of a
 * {@code REF_CURSOR}/{@code OTHER} OUT parameter of {@code {? = call f()}}): pgjdbc runs {@code FETCH ALL IN} the
 * cursor on its connection and hands out its own result set, whose {@code getStatement().getConnection()} is the
 * bare physical connection (issue #12). This one answers {@link #getStatement()} with the Junction statement that
 * produced the refcursor value (so its connection is the logical connection) and unwraps to the driver's.
 *
 * <h2>How long it stays readable: direct pgjdbc is the oracle</h2>
 *
 * <ul>
 *   <li>Without a default fetch size (pgjdbc's {@code defaultRowFetchSize}), pgjdbc reads every row of the cursor
 *       when {@code getObject} is called and closes the cursor at once: its rows are in memory, and direct pgjdbc
 *       reads them after COMMIT, after the statement closed, after the connection went back. So do we: reading
 *       rows is never refused (not leased, unlike a large object). Junction's rule for closed connections holds:
 *       once the logical connection is closed, it throws 08003.</li>
 *   <li>With a fetch size inside a transaction, pgjdbc reads the cursor through a portal, batch by batch; the
 *       portal ends with the transaction (direct pgjdbc: a later fetch fails, 34000). While the physical
 *       connection is this logical connection's, the driver fetches (and fails as it does directly); once it went
 *       back to the pool a fetch would run on another borrower's connection, so it is refused with the same
 *       SQLSTATE (34000) without touching the connection.</li>
 *   <li>What still acts on the connection after the rows are in: an array value (type lookups: a
 *       {@link JunctionArray} snapshot, taken only while the {@link Lease} holds, else 0F001) and a nested
 *       refcursor column (another {@code FETCH}: 34000 once the lease lapsed, which is what direct pgjdbc says
 *       after the transaction ended). Closing never reaches a connection the logical connection no longer holds.</li>
 * </ul>
 */
final class CursorResultSet extends GuardedResultSet {
  /** SQLSTATE invalid cursor name: what PostgreSQL answers for a cursor or portal that ended with its transaction. */
  static final String CURSOR_GONE = "34000";

  private final Statement statement;
  private final Lease lease;
  /** Whether pgjdbc reads further rows through a portal on the connection (fetch size in a transaction). */
  private final boolean streams;
  /** Per column: {@link #CURSOR} (its getObject runs FETCH on the connection), {@link #ARRAY} (type lookups), or 0. */
  private final byte[] columns;
  private static final byte CURSOR = 1;
  private static final byte ARRAY = 2;
  private boolean connectionClosed;

  private CursorResultSet(ResultSet physical, Statement statement, Lease lease, boolean streams, byte[] columns) {
    super(physical);
    this.statement = statement;
    this.lease = lease;
    this.streams = streams;
    this.columns = columns;
  }

  /**
   * Wraps a driver result set found as a value ({@code getObject}) of {@code statement}'s results, read now, while
   * {@code lease} holds: whether it streams and which of its columns are refcursors.
   */
  static ResultSet of(ResultSet physical, Statement statement, Lease lease) throws SQLException {
    if (physical instanceof CursorResultSet c) {
      return c.statement == statement ? c : new CursorResultSet(c.delegate(), statement, lease, c.streams, c.columns);
    }
    if (physical.isClosed()) { // pgjdbc's OUT value is one object: a second getObject hands out the closed one again
      return new CursorResultSet(physical, statement, lease, false, new byte[0]);
    }
    boolean streams = physical.getFetchSize() > 0 && physical.getType() == ResultSet.TYPE_FORWARD_ONLY
        && physical.getStatement() != null && !physical.getStatement().getConnection().getAutoCommit();
    ResultSetMetaData md = physical.getMetaData();
    byte[] columns = new byte[md.getColumnCount()];
    for (int i = 0; i < columns.length; i++) {
      columns[i] = isRefCursor(md, i + 1) ? CURSOR : md.getColumnType(i + 1) == Types.ARRAY ? ARRAY : 0;
    }
    return new CursorResultSet(physical, statement, lease, streams, columns);
  }

  static boolean isRefCursor(ResultSetMetaData md, int column) throws SQLException {
    return md.getColumnType(column) == Types.REF_CURSOR || "refcursor".equals(md.getColumnTypeName(column).toLowerCase(Locale.ROOT));
  }

  @Override
  ResultSet delegate() throws SQLException {
    ResultSet d = delegate;
    if (d == null || connectionClosed) {
      throw closed();
    }
    if (statement != null && JunctionResultSet.connectionClosed(statement)) {
      connectionClosed = true;
      delegate = null; // nothing to release on the server: the physical connection is not ours any more
      throw closed();
    }
    return d;
  }

  @Override
  SQLException closed() {
    return connectionClosed ? JunctionResultSet.closedResult(statement) : new SQLException("Junction: result set is closed",
        JunctionResultSet.CLOSED);
  }

  @Override
  Lease lease() {
    return lease;
  }

  @Override
  Statement owner() {
    return statement;
  }

  /** A movement that may fetch through the cursor's portal: refused once the portal's connection went back. */
  private ResultSet moving() throws SQLException {
    ResultSet d = delegate();
    if (streams && !lease.valid()) {
      throw new SQLException("Junction: this refcursor's result set reads its rows through the cursor's portal, which"
          + " ended with the transaction that opened it (its connection has gone back to the pool since). Read it"
          + " inside that transaction, or without a default fetch size (its rows are then read at getObject)",
          CURSOR_GONE);
    }
    return d;
  }

  /** A getter of {@code column} that may act on the connection: a nested refcursor (FETCH), an array (type lookups). */
  private void reading(int column) throws SQLException {
    delegate();
    byte kind = column >= 1 && column <= columns.length ? columns[column - 1] : 0;
    if (kind == 0 || lease.valid()) {
      return;
    }
    if (kind == CURSOR) {
      throw new SQLException("Junction: column " + column + " is a refcursor, and its cursor ended with the transaction"
          + " that opened it (its connection has gone back to the pool since). Read it inside that transaction",
          CURSOR_GONE);
    }
    throw Lease.expired("refcursor result's array (column " + column + ")");
  }

  private int column(String label) throws SQLException {
    return delegate().findColumn(label);
  }

  @Override public boolean next() throws SQLException { return moving().next(); }
  @Override public boolean isLast() throws SQLException { return moving().isLast(); }
  @Override public boolean isAfterLast() throws SQLException { return moving().isAfterLast(); }
  @Override public boolean last() throws SQLException { return moving().last(); }
  @Override public void afterLast() throws SQLException { moving().afterLast(); }
  @Override public boolean absolute(int row) throws SQLException { return moving().absolute(row); }
  @Override public boolean relative(int rows) throws SQLException { return moving().relative(rows); }

  @Override public java.sql.Array getArray(int i) throws SQLException { reading(i); return super.getArray(i); }
  @Override public java.sql.Array getArray(String c) throws SQLException { reading(column(c)); return super.getArray(c); }
  @Override public Object getObject(int i) throws SQLException { reading(i); return super.getObject(i); }
  @Override public Object getObject(String c) throws SQLException { reading(column(c)); return super.getObject(c); }
  @Override public Object getObject(int i, Map<String, Class<?>> map) throws SQLException {
    reading(i);
    return super.getObject(i, map);
  }
  @Override public Object getObject(String c, Map<String, Class<?>> map) throws SQLException {
    reading(column(c));
    return super.getObject(c, map);
  }
  @Override public <T> T getObject(int i, Class<T> type) throws SQLException {
    reading(i);
    return super.getObject(i, type);
  }
  @Override public <T> T getObject(String c, Class<T> type) throws SQLException {
    reading(column(c));
    return super.getObject(c, type);
  }

  @Override
  public Statement getStatement() throws SQLException {
    delegate();
    return statement;
  }

  /**
   * Closes the driver's result set while its physical connection is still this logical connection's (a streamed
   * one closes its portal there); afterwards there is nothing on the server to release, and pgjdbc's close would
   * send {@code CLOSE} for the cursor on whichever connection the pool lent it to, so it is only dropped.
   */
  @Override
  public void close() throws SQLException {
    ResultSet d = delegate;
    delegate = null;
    if (d != null && !connectionClosed && lease.valid()) {
      d.close();
    }
  }

  @Override
  public boolean isClosed() throws SQLException {
    ResultSet d = delegate;
    return d == null || connectionClosed || statement != null && JunctionResultSet.connectionClosed(statement) || d.isClosed();
  }

  @Override
  public String toString() {
    return "Junction refcursor result set wrapping " + delegate;
  }
}
