package dev.junction.jdbc.internal;

import dev.junction.merge.MergeDialect;
import dev.junction.merge.RowCursor;
import dev.junction.merge.SqlTime;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URL;
import java.sql.Array;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Date;
import java.sql.NClob;
import java.sql.Ref;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.RowId;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Statement;
import java.sql.Time;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.Calendar;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The application's view of a scatter-gather SELECT: a forward-only, read-only ResultSet over the
 * merged rows. Rows are pulled from the shards as the application calls {@link #next()}, so an
 * ordered merge streams. Getters convert the shard drivers' {@code getObject} values the way the
 * drivers themselves would for the common types; updates and scrolling are not supported.
 */
final class MergedResultSet implements ResultSet {
  private final RowCursor rows;
  private final SnapshotMetaData metaData;
  private final Statement statement;
  private final MergeDialect dialect;
  private final DriverText texts;
  private final Map<String, Integer> columnIndex = new HashMap<>();
  private Object[] current;
  private boolean wasNull;
  private boolean closed;
  private int rowNumber;
  private int fetchSize;

  MergedResultSet(RowCursor rows, SnapshotMetaData metaData, Statement statement, DriverText texts) throws SQLException {
    this.rows = rows;
    this.metaData = metaData;
    this.statement = statement;
    this.dialect = texts.dialect();
    this.texts = texts;
    for (int i = metaData.getColumnCount(); i >= 1; i--) {
      columnIndex.put(metaData.getColumnLabel(i).toLowerCase(Locale.ROOT), i); // the first of equal labels wins
    }
  }

  @Override
  public boolean next() throws SQLException {
    checkOpen();
    texts.forget(current);
    boolean more;
    try {
      more = rows.next();
    } catch (SQLException e) {
      ShardedStatement.readFailed(statement, e);
      throw e;
    }
    if (more) {
      current = rows.row();
      rowNumber++;
      return true;
    }
    current = null;
    rowNumber = 0;
    return false;
  }

  private Object value(int column) throws SQLException {
    checkOpen();
    if (current == null) {
      throw new SQLException("no current row: call next() first (and check that it returned true)", "24000");
    }
    if (column < 1 || column > current.length) {
      throw new SQLException("column index " + column + " is out of range 1.." + current.length, "22023");
    }
    Object v = current[column - 1];
    wasNull = v == null;
    if (v instanceof dev.junction.merge.OrderlessText t) {
      return t.text(); // the driver's String
    }
    return v instanceof SqlTime t ? t.value() : v; // the driver's value, as a one-shard result gives it
  }

  @Override
  public int findColumn(String label) throws SQLException {
    Integer i = columnIndex.get(label.toLowerCase(Locale.ROOT));
    if (i == null) {
      throw new SQLException("the result has no column labelled '" + label + "'", "42703");
    }
    return i;
  }

  private Number number(int column, String type) throws SQLException {
    Object v = value(column);
    if (v == null) {
      return null;
    }
    if (v instanceof Number n) {
      return n;
    }
    if (v instanceof Boolean b) {
      return b ? 1 : 0;
    }
    try {
      return new BigDecimal(v.toString().trim());
    } catch (NumberFormatException e) {
      throw new SQLDataException("column " + column + " value '" + v + "' is not a valid " + type, "22003");
    }
  }

  @Override public String getString(int column) throws SQLException {
    Object v = value(column);
    if (v == null) {
      return null;
    }
    String driver = texts.of(v);
    return driver != null ? driver : DriverText.format(v, dialect, metaData.getScale(column), metaData.getColumnTypeName(column));
  }

  @Override public boolean getBoolean(int column) throws SQLException {
    Object v = value(column);
    if (v == null) {
      return false;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof Number n) {
      return n.intValue() != 0;
    }
    String s = v.toString().trim().toLowerCase(Locale.ROOT);
    return s.equals("t") || s.equals("true") || s.equals("1") || s.equals("y") || s.equals("yes") || s.equals("on");
  }

  @Override public byte getByte(int column) throws SQLException { Number n = number(column, "byte"); return n == null ? 0 : n.byteValue(); }
  @Override public short getShort(int column) throws SQLException { Number n = number(column, "short"); return n == null ? 0 : n.shortValue(); }
  @Override public int getInt(int column) throws SQLException { Number n = number(column, "int"); return n == null ? 0 : n.intValue(); }
  @Override public long getLong(int column) throws SQLException { Number n = number(column, "long"); return n == null ? 0 : n.longValue(); }
  @Override public float getFloat(int column) throws SQLException { Number n = number(column, "float"); return n == null ? 0 : n.floatValue(); }
  @Override public double getDouble(int column) throws SQLException { Number n = number(column, "double"); return n == null ? 0 : n.doubleValue(); }

  @Override public BigDecimal getBigDecimal(int column) throws SQLException {
    Number n = number(column, "decimal");
    if (n == null) {
      return null;
    }
    if (n instanceof BigDecimal d) {
      return d;
    }
    if (n instanceof Double || n instanceof Float) {
      return BigDecimal.valueOf(n.doubleValue());
    }
    return n instanceof java.math.BigInteger b ? new BigDecimal(b) : BigDecimal.valueOf(n.longValue());
  }

  @Override @Deprecated public BigDecimal getBigDecimal(int column, int scale) throws SQLException {
    BigDecimal d = getBigDecimal(column);
    return d == null ? null : d.setScale(scale, RoundingMode.HALF_UP);
  }

  @Override public byte[] getBytes(int column) throws SQLException {
    Object v = value(column);
    return v == null ? null : v instanceof byte[] b ? b : v.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  @Override public Date getDate(int column) throws SQLException {
    Object v = value(column);
    if (v == null || v instanceof Date) {
      return (Date) v;
    }
    if (v instanceof LocalDate d) {
      return Date.valueOf(d);
    }
    if (v instanceof Timestamp t) {
      return new Date(t.getTime());
    }
    if (v instanceof LocalDateTime t) {
      return Date.valueOf(t.toLocalDate());
    }
    return Date.valueOf(v.toString().trim().substring(0, 10));
  }

  @Override public Time getTime(int column) throws SQLException {
    Object v = value(column);
    if (v == null || v instanceof Time) {
      return (Time) v;
    }
    if (v instanceof LocalTime t) {
      return Time.valueOf(t);
    }
    if (v instanceof Timestamp t) {
      return new Time(t.getTime());
    }
    return Time.valueOf(v.toString().trim());
  }

  @Override public Timestamp getTimestamp(int column) throws SQLException {
    Object v = value(column);
    if (v == null || v instanceof Timestamp) {
      return (Timestamp) v;
    }
    if (v instanceof LocalDateTime t) {
      return Timestamp.valueOf(t);
    }
    if (v instanceof OffsetDateTime t) {
      return Timestamp.from(t.toInstant());
    }
    if (v instanceof java.util.Date d) {
      return new Timestamp(d.getTime());
    }
    if (v instanceof LocalDate d) {
      return Timestamp.valueOf(d.atStartOfDay());
    }
    return Timestamp.valueOf(v.toString().trim());
  }

  @Override public Object getObject(int column) throws SQLException { return value(column); }

  @Override
  public <T> T getObject(int column, Class<T> type) throws SQLException {
    Object v = value(column);
    if (v == null) {
      return null;
    }
    if (type.isInstance(v)) {
      return type.cast(v);
    }
    Object converted;
    if (type == String.class) {
      converted = getString(column);
    } else if (type == Integer.class) {
      converted = getInt(column);
    } else if (type == Long.class) {
      converted = getLong(column);
    } else if (type == Short.class) {
      converted = getShort(column);
    } else if (type == Double.class) {
      converted = getDouble(column);
    } else if (type == Float.class) {
      converted = getFloat(column);
    } else if (type == BigDecimal.class) {
      converted = getBigDecimal(column);
    } else if (type == Boolean.class) {
      converted = getBoolean(column);
    } else if (type == Date.class) {
      converted = getDate(column);
    } else if (type == Timestamp.class) {
      converted = getTimestamp(column);
    } else if (type == Time.class) {
      converted = getTime(column);
    } else if (type == LocalDate.class) {
      converted = getDate(column).toLocalDate();
    } else if (type == LocalDateTime.class) {
      converted = getTimestamp(column).toLocalDateTime();
    } else if (type == java.util.UUID.class) {
      converted = java.util.UUID.fromString(v.toString());
    } else {
      throw new SQLFeatureNotSupportedException("cannot convert a " + v.getClass().getName() + " to " + type.getName()
          + " in a merged scatter-gather result; read it with getObject(int) and convert it in the application", dev.junction.JunctionSqlState.REFUSED);
    }
    return type.cast(converted);
  }

  @Override public Object getObject(int column, Map<String, Class<?>> map) throws SQLException { return value(column); }
  @Override public Date getDate(int column, Calendar cal) throws SQLException { return getDate(column); }
  @Override public Time getTime(int column, Calendar cal) throws SQLException { return getTime(column); }
  @Override public Timestamp getTimestamp(int column, Calendar cal) throws SQLException { return getTimestamp(column); }
  @Override public String getNString(int column) throws SQLException { return getString(column); }
  @Override public Reader getCharacterStream(int column) throws SQLException { String s = getString(column); return s == null ? null : new StringReader(s); }
  @Override public Reader getNCharacterStream(int column) throws SQLException { return getCharacterStream(column); }
  @Override public InputStream getBinaryStream(int column) throws SQLException { byte[] b = getBytes(column); return b == null ? null : new java.io.ByteArrayInputStream(b); }
  @Override public InputStream getAsciiStream(int column) throws SQLException { return getBinaryStream(column); }
  @Override @Deprecated public InputStream getUnicodeStream(int column) throws SQLException { return getBinaryStream(column); }
  @Override public URL getURL(int column) throws SQLException {
    String s = getString(column);
    try {
      return s == null ? null : new URL(s);
    } catch (java.net.MalformedURLException e) {
      throw new SQLDataException("not a URL: " + s, "22000", e);
    }
  }
  /**
   * A passed-through array: Junction's snapshot of the shard driver's ({@link JunctionArray}, read with
   * its row by {@link ResultSetCursor}; what needs the shard's connection fails with 0F001 once that went
   * back to its pool). A merged {@code array_agg}: the merger's own (the shards' elements concatenated;
   * {@code toString()} is PostgreSQL's text form).
   */
  @Override public Array getArray(int column) throws SQLException {
    Object v = value(column);
    if (v == null || v instanceof Array) {
      return (Array) v;
    }
    throw new SQLDataException("column " + column + " is not an array (" + v.getClass().getSimpleName() + ")", "22000");
  }

  @Override public String getString(String label) throws SQLException { return getString(findColumn(label)); }
  @Override public boolean getBoolean(String label) throws SQLException { return getBoolean(findColumn(label)); }
  @Override public byte getByte(String label) throws SQLException { return getByte(findColumn(label)); }
  @Override public short getShort(String label) throws SQLException { return getShort(findColumn(label)); }
  @Override public int getInt(String label) throws SQLException { return getInt(findColumn(label)); }
  @Override public long getLong(String label) throws SQLException { return getLong(findColumn(label)); }
  @Override public float getFloat(String label) throws SQLException { return getFloat(findColumn(label)); }
  @Override public double getDouble(String label) throws SQLException { return getDouble(findColumn(label)); }
  @Override @Deprecated public BigDecimal getBigDecimal(String label, int scale) throws SQLException { return getBigDecimal(findColumn(label), scale); }
  @Override public BigDecimal getBigDecimal(String label) throws SQLException { return getBigDecimal(findColumn(label)); }
  @Override public byte[] getBytes(String label) throws SQLException { return getBytes(findColumn(label)); }
  @Override public Date getDate(String label) throws SQLException { return getDate(findColumn(label)); }
  @Override public Time getTime(String label) throws SQLException { return getTime(findColumn(label)); }
  @Override public Timestamp getTimestamp(String label) throws SQLException { return getTimestamp(findColumn(label)); }
  @Override public Date getDate(String label, Calendar cal) throws SQLException { return getDate(findColumn(label)); }
  @Override public Time getTime(String label, Calendar cal) throws SQLException { return getTime(findColumn(label)); }
  @Override public Timestamp getTimestamp(String label, Calendar cal) throws SQLException { return getTimestamp(findColumn(label)); }
  @Override public Object getObject(String label) throws SQLException { return getObject(findColumn(label)); }
  @Override public <T> T getObject(String label, Class<T> type) throws SQLException { return getObject(findColumn(label), type); }
  @Override public Object getObject(String label, Map<String, Class<?>> map) throws SQLException { return getObject(findColumn(label)); }
  @Override public String getNString(String label) throws SQLException { return getString(findColumn(label)); }
  @Override public Reader getCharacterStream(String label) throws SQLException { return getCharacterStream(findColumn(label)); }
  @Override public Reader getNCharacterStream(String label) throws SQLException { return getCharacterStream(findColumn(label)); }
  @Override public InputStream getBinaryStream(String label) throws SQLException { return getBinaryStream(findColumn(label)); }
  @Override public InputStream getAsciiStream(String label) throws SQLException { return getBinaryStream(findColumn(label)); }
  @Override @Deprecated public InputStream getUnicodeStream(String label) throws SQLException { return getBinaryStream(findColumn(label)); }
  @Override public URL getURL(String label) throws SQLException { return getURL(findColumn(label)); }
  @Override public Array getArray(String label) throws SQLException { return getArray(findColumn(label)); }

  @Override public boolean wasNull() { return wasNull; }
  @Override public ResultSetMetaData getMetaData() throws SQLException { checkOpen(); return metaData; }
  @Override public Statement getStatement() throws SQLException { checkOpen(); return statement; }
  @Override public SQLWarning getWarnings() { return null; }
  @Override public void clearWarnings() {}
  @Override public String getCursorName() throws SQLException { throw unsupported("named cursors"); }
  @Override public int getRow() { return rowNumber; }
  @Override public boolean isBeforeFirst() { return rowNumber == 0 && current == null && !closed; }
  @Override public boolean isAfterLast() { return false; }
  @Override public boolean isFirst() { return rowNumber == 1; }
  @Override public boolean isLast() throws SQLException { throw unsupported("isLast() (it would need the next row of every shard)"); }
  @Override public int getType() { return TYPE_FORWARD_ONLY; }
  @Override public int getConcurrency() { return CONCUR_READ_ONLY; }
  @Override public int getHoldability() { return CLOSE_CURSORS_AT_COMMIT; }
  @Override public int getFetchDirection() { return FETCH_FORWARD; }
  @Override public void setFetchDirection(int direction) throws SQLException {
    if (direction != FETCH_FORWARD) {
      throw unsupported("fetch directions other than FETCH_FORWARD");
    }
  }
  @Override public void setFetchSize(int rows) { this.fetchSize = rows; }
  @Override public int getFetchSize() { return fetchSize; }
  @Override public boolean isClosed() { return closed; }

  @Override
  public void close() throws SQLException {
    if (!closed) {
      closed = true;
      current = null;
      rows.close();
    }
  }

  private void checkOpen() throws SQLException {
    if (closed) {
      throw JunctionResultSet.closedResult(statement);
    }
  }

  private static SQLFeatureNotSupportedException unsupported(String what) {
    return new SQLFeatureNotSupportedException("a merged scatter-gather result is forward-only and read-only: "
        + what + " is not supported; query one shard (add the shard key) for a driver result set", dev.junction.JunctionSqlState.REFUSED);
  }

  // ------------------------------------------------------------ navigation and updates: not supported

  /**
   * Why a merged row has no LOBs: its values were copied out of the shards' results when it was read, and
   * a pgjdbc large object reads through its shard's connection, which may be another borrower's by then.
   */
  private static final String COPIED = " (a merged row holds copies of the shards' values: read binary columns (bytea,"
      + " BLOB) with getBytes() and text with getString(); a PostgreSQL large object (an oid column) is read through its"
      + " shard's connection, inside a transaction)";

  @Override public void beforeFirst() throws SQLException { throw unsupported("beforeFirst()"); }
  @Override public void afterLast() throws SQLException { throw unsupported("afterLast()"); }
  @Override public boolean first() throws SQLException { throw unsupported("first()"); }
  @Override public boolean last() throws SQLException { throw unsupported("last()"); }
  @Override public boolean absolute(int row) throws SQLException { throw unsupported("absolute()"); }
  @Override public boolean relative(int rows) throws SQLException { throw unsupported("relative()"); }
  @Override public boolean previous() throws SQLException { throw unsupported("previous()"); }
  @Override public boolean rowUpdated() throws SQLException { throw unsupported("updates"); }
  @Override public boolean rowInserted() throws SQLException { throw unsupported("updates"); }
  @Override public boolean rowDeleted() throws SQLException { throw unsupported("updates"); }
  @Override public void updateNull(int c) throws SQLException { throw unsupported("updates"); }
  @Override public void updateBoolean(int c, boolean x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateByte(int c, byte x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateShort(int c, short x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateInt(int c, int x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateLong(int c, long x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateFloat(int c, float x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateDouble(int c, double x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateBigDecimal(int c, BigDecimal x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateString(int c, String x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateBytes(int c, byte[] x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateDate(int c, Date x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateTime(int c, Time x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateTimestamp(int c, Timestamp x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateAsciiStream(int c, InputStream x, int length) throws SQLException { throw unsupported("updates"); }
  @Override public void updateBinaryStream(int c, InputStream x, int length) throws SQLException { throw unsupported("updates"); }
  @Override public void updateCharacterStream(int c, Reader x, int length) throws SQLException { throw unsupported("updates"); }
  @Override public void updateObject(int c, Object x, int scaleOrLength) throws SQLException { throw unsupported("updates"); }
  @Override public void updateObject(int c, Object x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateNull(String c) throws SQLException { throw unsupported("updates"); }
  @Override public void updateBoolean(String c, boolean x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateByte(String c, byte x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateShort(String c, short x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateInt(String c, int x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateLong(String c, long x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateFloat(String c, float x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateDouble(String c, double x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateBigDecimal(String c, BigDecimal x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateString(String c, String x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateBytes(String c, byte[] x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateDate(String c, Date x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateTime(String c, Time x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateTimestamp(String c, Timestamp x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateAsciiStream(String c, InputStream x, int length) throws SQLException { throw unsupported("updates"); }
  @Override public void updateBinaryStream(String c, InputStream x, int length) throws SQLException { throw unsupported("updates"); }
  @Override public void updateCharacterStream(String c, Reader reader, int length) throws SQLException { throw unsupported("updates"); }
  @Override public void updateObject(String c, Object x, int scaleOrLength) throws SQLException { throw unsupported("updates"); }
  @Override public void updateObject(String c, Object x) throws SQLException { throw unsupported("updates"); }
  @Override public void insertRow() throws SQLException { throw unsupported("updates"); }
  @Override public void updateRow() throws SQLException { throw unsupported("updates"); }
  @Override public void deleteRow() throws SQLException { throw unsupported("updates"); }
  @Override public void refreshRow() throws SQLException { throw unsupported("refreshRow()"); }
  @Override public void cancelRowUpdates() throws SQLException { throw unsupported("updates"); }
  @Override public void moveToInsertRow() throws SQLException { throw unsupported("updates"); }
  @Override public void moveToCurrentRow() throws SQLException { throw unsupported("updates"); }
  @Override public Ref getRef(int c) throws SQLException { throw unsupported("REF values"); }
  @Override public Blob getBlob(int c) throws SQLException { throw unsupported("getBlob()" + COPIED); }
  @Override public Clob getClob(int c) throws SQLException { throw unsupported("getClob()" + COPIED); }
  @Override public Ref getRef(String c) throws SQLException { throw unsupported("REF values"); }
  @Override public Blob getBlob(String c) throws SQLException { throw unsupported("getBlob()" + COPIED); }
  @Override public Clob getClob(String c) throws SQLException { throw unsupported("getClob()" + COPIED); }
  @Override public void updateRef(int c, Ref x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateRef(String c, Ref x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateBlob(int c, Blob x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateBlob(String c, Blob x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateClob(int c, Clob x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateClob(String c, Clob x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateArray(int c, Array x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateArray(String c, Array x) throws SQLException { throw unsupported("updates"); }
  @Override public RowId getRowId(int c) throws SQLException { throw unsupported("ROWID"); }
  @Override public RowId getRowId(String c) throws SQLException { throw unsupported("ROWID"); }
  @Override public void updateRowId(int c, RowId x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateRowId(String c, RowId x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateNString(int c, String x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateNString(String c, String x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateNClob(int c, NClob x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateNClob(String c, NClob x) throws SQLException { throw unsupported("updates"); }
  @Override public NClob getNClob(int c) throws SQLException { throw unsupported("getNClob()" + COPIED); }
  @Override public NClob getNClob(String c) throws SQLException { throw unsupported("getNClob()" + COPIED); }
  @Override public SQLXML getSQLXML(int c) throws SQLException { throw unsupported("SQLXML"); }
  @Override public SQLXML getSQLXML(String c) throws SQLException { throw unsupported("SQLXML"); }
  @Override public void updateSQLXML(int c, SQLXML x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateSQLXML(String c, SQLXML x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateNCharacterStream(int c, Reader x, long length) throws SQLException { throw unsupported("updates"); }
  @Override public void updateNCharacterStream(String c, Reader reader, long length) throws SQLException { throw unsupported("updates"); }
  @Override public void updateAsciiStream(int c, InputStream x, long length) throws SQLException { throw unsupported("updates"); }
  @Override public void updateBinaryStream(int c, InputStream x, long length) throws SQLException { throw unsupported("updates"); }
  @Override public void updateCharacterStream(int c, Reader x, long length) throws SQLException { throw unsupported("updates"); }
  @Override public void updateAsciiStream(String c, InputStream x, long length) throws SQLException { throw unsupported("updates"); }
  @Override public void updateBinaryStream(String c, InputStream x, long length) throws SQLException { throw unsupported("updates"); }
  @Override public void updateCharacterStream(String c, Reader reader, long length) throws SQLException { throw unsupported("updates"); }
  @Override public void updateBlob(int c, InputStream inputStream, long length) throws SQLException { throw unsupported("updates"); }
  @Override public void updateBlob(String c, InputStream inputStream, long length) throws SQLException { throw unsupported("updates"); }
  @Override public void updateClob(int c, Reader reader, long length) throws SQLException { throw unsupported("updates"); }
  @Override public void updateClob(String c, Reader reader, long length) throws SQLException { throw unsupported("updates"); }
  @Override public void updateNClob(int c, Reader reader, long length) throws SQLException { throw unsupported("updates"); }
  @Override public void updateNClob(String c, Reader reader, long length) throws SQLException { throw unsupported("updates"); }
  @Override public void updateNCharacterStream(int c, Reader x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateNCharacterStream(String c, Reader reader) throws SQLException { throw unsupported("updates"); }
  @Override public void updateAsciiStream(int c, InputStream x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateBinaryStream(int c, InputStream x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateCharacterStream(int c, Reader x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateAsciiStream(String c, InputStream x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateBinaryStream(String c, InputStream x) throws SQLException { throw unsupported("updates"); }
  @Override public void updateCharacterStream(String c, Reader reader) throws SQLException { throw unsupported("updates"); }
  @Override public void updateBlob(int c, InputStream inputStream) throws SQLException { throw unsupported("updates"); }
  @Override public void updateBlob(String c, InputStream inputStream) throws SQLException { throw unsupported("updates"); }
  @Override public void updateClob(int c, Reader reader) throws SQLException { throw unsupported("updates"); }
  @Override public void updateClob(String c, Reader reader) throws SQLException { throw unsupported("updates"); }
  @Override public void updateNClob(int c, Reader reader) throws SQLException { throw unsupported("updates"); }
  @Override public void updateNClob(String c, Reader reader) throws SQLException { throw unsupported("updates"); }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    throw new SQLException("a merged scatter-gather result does not wrap " + iface.getName());
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return iface.isInstance(this);
  }
}
