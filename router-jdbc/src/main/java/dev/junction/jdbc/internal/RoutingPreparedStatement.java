package dev.junction.jdbc.internal;

import dev.junction.classify.Classification;
import java.sql.Connection;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A logical prepared statement. The SQL is classified once, when prepared; the target is chosen at
 * each execution (a fence may have appeared since). Parameters are recorded as small binders and
 * replayed onto the physical statement of whichever target runs the execution, so a failed replica
 * read can be re-run elsewhere with the same values, and batches keep one snapshot per row.
 */
final class RoutingPreparedStatement extends RoutingStatement implements PreparedStatement {
  /** Sets one parameter on a physical statement. */
  @FunctionalInterface
  interface Binder {
    void bind(PreparedStatement ps) throws SQLException;
  }

  private static final Binder[] NONE = new Binder[0];

  private final String sql;
  private final Classification classification;
  private Binder[] binders = NONE;
  private int highest;
  private List<Binder[]> batch;

  RoutingPreparedStatement(RoutingConnection conn, String sql, SqlFunction<Connection, PreparedStatement> factory) {
    super(conn, factory);
    this.sql = sql;
    this.classification = conn.ds.classifier.classify(sql);
  }

  private void bind(int index, Binder binder) throws SQLException {
    checkOpen();
    if (index < 1) {
      throw new SQLException("Junction: parameter index " + index + " is out of range (they start at 1)", "22023");
    }
    if (index > binders.length) {
      binders = Arrays.copyOf(binders, Math.max(index, binders.length * 2 + 4));
    }
    binders[index - 1] = binder;
    highest = Math.max(highest, index);
  }

  private static void apply(PreparedStatement ps, Binder[] values, int count) throws SQLException {
    for (int i = 0; i < count; i++) {
      if (values[i] != null) {
        values[i].bind(ps);
      }
    }
  }

  private <T> T runBound(SqlFunction<PreparedStatement, T> call) throws SQLException {
    Binder[] values = binders;
    int count = highest;
    return run(classification, sql, s -> {
      PreparedStatement ps = (PreparedStatement) s;
      apply(ps, values, count);
      return call.apply(ps);
    });
  }

  @Override public ResultSet executeQuery() throws SQLException { return results.query(runBound(PreparedStatement::executeQuery), facade); }
  @Override public int executeUpdate() throws SQLException { return runBound(PreparedStatement::executeUpdate); }
  @Override public long executeLargeUpdate() throws SQLException { return runBound(PreparedStatement::executeLargeUpdate); }
  @Override public boolean execute() throws SQLException { return runBound(PreparedStatement::execute); }

  @Override
  public void clearParameters() throws SQLException {
    checkOpen();
    Arrays.fill(binders, null);
    highest = 0;
  }

  @Override
  public void addBatch() throws SQLException {
    checkOpen();
    if (batch == null) {
      batch = new ArrayList<>();
    }
    batch.add(Arrays.copyOf(binders, highest));
  }

  @Override
  public void clearBatch() throws SQLException {
    checkOpen();
    batch = null;
  }

  @Override
  public int[] executeBatch() throws SQLException {
    checkOpen();
    List<Binder[]> rows = batch == null ? List.of() : batch;
    batch = null;
    if (rows.isEmpty()) {
      return new int[0];
    }
    return run(classification, sql, s -> {
      PreparedStatement ps = (PreparedStatement) s;
      for (Binder[] row : rows) {
        apply(ps, row, row.length);
        ps.addBatch();
      }
      return ps.executeBatch();
    });
  }

  @Override
  public long[] executeLargeBatch() throws SQLException {
    int[] counts = executeBatch();
    long[] large = new long[counts.length];
    for (int i = 0; i < counts.length; i++) {
      large[i] = counts[i];
    }
    return large;
  }

  /**
   * Result and parameter metadata: the last execution's statement's, or before one, a statement prepared on the
   * primary. Leased to that physical connection ({@link LeasedMetaData}): pgjdbc's looks columns and types up
   * through it lazily.
   */
  @Override
  public ResultSetMetaData getMetaData() throws SQLException {
    return describe((ps, lease) -> LeasedMetaData.of(ps.getMetaData(), lease));
  }

  @Override
  public ParameterMetaData getParameterMetaData() throws SQLException {
    return describe((ps, lease) -> LeasedMetaData.of(ps.getParameterMetaData(), lease));
  }

  private interface Description<T> {
    T of(PreparedStatement physical, Lease lease) throws SQLException;
  }

  private <T> T describe(Description<T> description) throws SQLException {
    checkOpen();
    Connection on = lastConnection();
    if (on != null && last instanceof PreparedStatement ps) {
      return description.of(ps, conn.lease(on));
    }
    on = conn.primary();
    return description.of((PreparedStatement) physical(on, false), conn.lease(on));
  }

  // Statement's SQL-taking methods are not allowed on a PreparedStatement (JDBC 4.3, 13.2.4).
  @Override public ResultSet executeQuery(String sql) throws SQLException { throw notOnPrepared(); }
  @Override public int executeUpdate(String sql) throws SQLException { throw notOnPrepared(); }
  @Override public boolean execute(String sql) throws SQLException { throw notOnPrepared(); }
  @Override public void addBatch(String sql) throws SQLException { throw notOnPrepared(); }

  private static SQLException notOnPrepared() {
    return new SQLException("Junction: a PreparedStatement executes its own SQL; use execute()/executeQuery()/executeUpdate()", "HY000");
  }

  // ---------------------------------------------------------------- parameters (generated list: every JDBC setter)

  @Override public void setNull(int i, int sqlType) throws SQLException { bind(i, ps -> ps.setNull(i, sqlType)); }
  @Override public void setNull(int i, int sqlType, String typeName) throws SQLException { bind(i, ps -> ps.setNull(i, sqlType, typeName)); }
  @Override public void setBoolean(int i, boolean x) throws SQLException { bind(i, ps -> ps.setBoolean(i, x)); }
  @Override public void setByte(int i, byte x) throws SQLException { bind(i, ps -> ps.setByte(i, x)); }
  @Override public void setShort(int i, short x) throws SQLException { bind(i, ps -> ps.setShort(i, x)); }
  @Override public void setInt(int i, int x) throws SQLException { bind(i, ps -> ps.setInt(i, x)); }
  @Override public void setLong(int i, long x) throws SQLException { bind(i, ps -> ps.setLong(i, x)); }
  @Override public void setFloat(int i, float x) throws SQLException { bind(i, ps -> ps.setFloat(i, x)); }
  @Override public void setDouble(int i, double x) throws SQLException { bind(i, ps -> ps.setDouble(i, x)); }
  @Override public void setBigDecimal(int i, java.math.BigDecimal x) throws SQLException { bind(i, ps -> ps.setBigDecimal(i, x)); }
  @Override public void setString(int i, String x) throws SQLException { bind(i, ps -> ps.setString(i, x)); }
  @Override public void setNString(int i, String x) throws SQLException { bind(i, ps -> ps.setNString(i, x)); }
  @Override public void setBytes(int i, byte[] x) throws SQLException { bind(i, ps -> ps.setBytes(i, x)); }
  @Override public void setDate(int i, java.sql.Date x) throws SQLException { bind(i, ps -> ps.setDate(i, x)); }
  @Override public void setTime(int i, java.sql.Time x) throws SQLException { bind(i, ps -> ps.setTime(i, x)); }
  @Override public void setTimestamp(int i, java.sql.Timestamp x) throws SQLException { bind(i, ps -> ps.setTimestamp(i, x)); }
  @Override public void setDate(int i, java.sql.Date x, java.util.Calendar cal) throws SQLException { bind(i, ps -> ps.setDate(i, x, cal)); }
  @Override public void setTime(int i, java.sql.Time x, java.util.Calendar cal) throws SQLException { bind(i, ps -> ps.setTime(i, x, cal)); }
  @Override public void setTimestamp(int i, java.sql.Timestamp x, java.util.Calendar cal) throws SQLException { bind(i, ps -> ps.setTimestamp(i, x, cal)); }
  @Override public void setAsciiStream(int i, java.io.InputStream x, int length) throws SQLException { bind(i, ps -> ps.setAsciiStream(i, x, length)); }
  @Override public void setAsciiStream(int i, java.io.InputStream x, long length) throws SQLException { bind(i, ps -> ps.setAsciiStream(i, x, length)); }
  @Override public void setAsciiStream(int i, java.io.InputStream x) throws SQLException { bind(i, ps -> ps.setAsciiStream(i, x)); }
  @SuppressWarnings("deprecation")
  @Override public void setUnicodeStream(int i, java.io.InputStream x, int length) throws SQLException { bind(i, ps -> ps.setUnicodeStream(i, x, length)); }
  @Override public void setBinaryStream(int i, java.io.InputStream x, int length) throws SQLException { bind(i, ps -> ps.setBinaryStream(i, x, length)); }
  @Override public void setBinaryStream(int i, java.io.InputStream x, long length) throws SQLException { bind(i, ps -> ps.setBinaryStream(i, x, length)); }
  @Override public void setBinaryStream(int i, java.io.InputStream x) throws SQLException { bind(i, ps -> ps.setBinaryStream(i, x)); }
  @Override public void setCharacterStream(int i, java.io.Reader x, int length) throws SQLException { bind(i, ps -> ps.setCharacterStream(i, x, length)); }
  @Override public void setCharacterStream(int i, java.io.Reader x, long length) throws SQLException { bind(i, ps -> ps.setCharacterStream(i, x, length)); }
  @Override public void setCharacterStream(int i, java.io.Reader x) throws SQLException { bind(i, ps -> ps.setCharacterStream(i, x)); }
  @Override public void setNCharacterStream(int i, java.io.Reader x, long length) throws SQLException { bind(i, ps -> ps.setNCharacterStream(i, x, length)); }
  @Override public void setNCharacterStream(int i, java.io.Reader x) throws SQLException { bind(i, ps -> ps.setNCharacterStream(i, x)); }
  @Override public void setObject(int i, Object x, int targetSqlType) throws SQLException { bind(i, ps -> ps.setObject(i, x, targetSqlType)); }
  @Override public void setObject(int i, Object x) throws SQLException { bind(i, ps -> ps.setObject(i, x)); }
  @Override public void setObject(int i, Object x, int targetSqlType, int scaleOrLength) throws SQLException { bind(i, ps -> ps.setObject(i, x, targetSqlType, scaleOrLength)); }
  @Override public void setObject(int i, Object x, java.sql.SQLType targetSqlType, int scaleOrLength) throws SQLException { bind(i, ps -> ps.setObject(i, x, targetSqlType, scaleOrLength)); }
  @Override public void setObject(int i, Object x, java.sql.SQLType targetSqlType) throws SQLException { bind(i, ps -> ps.setObject(i, x, targetSqlType)); }
  @Override public void setRef(int i, java.sql.Ref x) throws SQLException { bind(i, ps -> ps.setRef(i, x)); }
  @Override public void setBlob(int i, java.sql.Blob x) throws SQLException { bind(i, ps -> ps.setBlob(i, x)); }
  @Override public void setClob(int i, java.sql.Clob x) throws SQLException { bind(i, ps -> ps.setClob(i, x)); }
  @Override public void setArray(int i, java.sql.Array x) throws SQLException { bind(i, ps -> ps.setArray(i, x)); }
  @Override public void setURL(int i, java.net.URL x) throws SQLException { bind(i, ps -> ps.setURL(i, x)); }
  @Override public void setRowId(int i, java.sql.RowId x) throws SQLException { bind(i, ps -> ps.setRowId(i, x)); }
  @Override public void setNClob(int i, java.sql.NClob x) throws SQLException { bind(i, ps -> ps.setNClob(i, x)); }
  @Override public void setSQLXML(int i, java.sql.SQLXML x) throws SQLException { bind(i, ps -> ps.setSQLXML(i, x)); }
  @Override public void setClob(int i, java.io.Reader x, long length) throws SQLException { bind(i, ps -> ps.setClob(i, x, length)); }
  @Override public void setClob(int i, java.io.Reader x) throws SQLException { bind(i, ps -> ps.setClob(i, x)); }
  @Override public void setBlob(int i, java.io.InputStream x, long length) throws SQLException { bind(i, ps -> ps.setBlob(i, x, length)); }
  @Override public void setBlob(int i, java.io.InputStream x) throws SQLException { bind(i, ps -> ps.setBlob(i, x)); }
  @Override public void setNClob(int i, java.io.Reader x, long length) throws SQLException { bind(i, ps -> ps.setNClob(i, x, length)); }
  @Override public void setNClob(int i, java.io.Reader x) throws SQLException { bind(i, ps -> ps.setNClob(i, x)); }
}
