package dev.junction.jdbc.internal;

import java.sql.Array;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.NClob;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.Map;

/**
 * A delegating result set whose driver objects that may act on the physical connection the rows came from are
 * leased to it ({@link #lease()}), so none of them acts on that connection once it went back to the pool (issue
 * #12): arrays and LOBs pass through {@link JunctionLobs}, the metadata through {@link LeasedMetaData}. It unwraps
 * to the driver's result set while open.
 */
abstract class GuardedResultSet extends DelegatingResultSet {

  GuardedResultSet(ResultSet delegate) {
    super(delegate);
  }

  /** While objects read from this result set may still use its physical connection. */
  abstract Lease lease();

  /** The Junction statement a refcursor value's result set answers {@code getStatement()} with (null: none). */
  abstract java.sql.Statement owner();

  /** The driver metadata last wrapped, and its wrapper: handed out again for the same driver object. */
  private ResultSetMetaData driverMetaData;
  private ResultSetMetaData metaData;

  /**
   * The driver's metadata, leased: pgjdbc's runs catalog queries on its connection lazily (see
   * {@link LeasedMetaData}). One wrapper per driver object, as row mappers ask for it on every row.
   */
  @Override
  public ResultSetMetaData getMetaData() throws SQLException {
    ResultSetMetaData d = delegate().getMetaData();
    if (d != driverMetaData || metaData == null) {
      metaData = LeasedMetaData.of(d, lease());
      driverMetaData = d;
    }
    return metaData;
  }

  @Override public Array getArray(int i) throws SQLException { return JunctionLobs.array(delegate().getArray(i), lease()); }
  @Override public Array getArray(String c) throws SQLException { return JunctionLobs.array(delegate().getArray(c), lease()); }
  @Override public Blob getBlob(int i) throws SQLException { return JunctionLobs.blob(delegate().getBlob(i), lease()); }
  @Override public Blob getBlob(String c) throws SQLException { return JunctionLobs.blob(delegate().getBlob(c), lease()); }
  @Override public Clob getClob(int i) throws SQLException { return JunctionLobs.clob(delegate().getClob(i), lease()); }
  @Override public Clob getClob(String c) throws SQLException { return JunctionLobs.clob(delegate().getClob(c), lease()); }
  @Override public NClob getNClob(int i) throws SQLException { return JunctionLobs.nclob(delegate().getNClob(i), lease()); }
  @Override public NClob getNClob(String c) throws SQLException { return JunctionLobs.nclob(delegate().getNClob(c), lease()); }
  @Override public Object getObject(int i) throws SQLException { return JunctionLobs.object(delegate().getObject(i), lease(), owner()); }
  @Override public Object getObject(String c) throws SQLException { return JunctionLobs.object(delegate().getObject(c), lease(), owner()); }
  @Override public Object getObject(int i, Map<String, Class<?>> map) throws SQLException {
    return JunctionLobs.object(delegate().getObject(i, map), lease(), owner());
  }
  @Override public Object getObject(String c, Map<String, Class<?>> map) throws SQLException {
    return JunctionLobs.object(delegate().getObject(c, map), lease(), owner());
  }
  @Override public <T> T getObject(int i, Class<T> type) throws SQLException {
    return JunctionLobs.object(delegate().getObject(i, type), type, lease(), owner());
  }
  @Override public <T> T getObject(String c, Class<T> type) throws SQLException {
    return JunctionLobs.object(delegate().getObject(c, type), type, lease(), owner());
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    ResultSet d = delegate();
    return iface.isInstance(d) ? iface.cast(d) : d.unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return true;
    }
    ResultSet d = delegate();
    return iface.isInstance(d) || d.isWrapperFor(iface);
  }
}
