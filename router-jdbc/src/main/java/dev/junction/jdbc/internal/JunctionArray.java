package dev.junction.jdbc.internal;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;

/**
 * A driver Array, materialised when the application gets it, so that it keeps working after its
 * physical connection went back to the pool (issue #12).
 *
 * <p>Design note: pgjdbc's {@code PgArray} keeps its connection. {@code getArray()} and
 * {@code getBaseTypeName()} look the element type up in the connection's type cache, which queries
 * {@code pg_type} for a type it has not seen (an enum, a domain, a composite), and {@code getResultSet()}
 * creates a driver statement on that connection, whose {@code getConnection()} is the bare physical
 * connection. So the elements, base type, base type name and text form are read once, at
 * {@code getArray}/{@code createArrayOf} time (the physical connection is then this logical
 * connection's), and answered from that snapshot afterwards. What the snapshot cannot answer (a
 * {@code getResultSet}, a custom type map) goes to the driver while the {@link Lease} holds, and fails
 * with {@link Lease#EXPIRED} after. {@code getResultSet()} answers with a Junction result set whose
 * {@code getStatement()} is null (as for metadata results). {@code toString()} is the driver's text form:
 * pgjdbc's {@code setArray} binds an Array that is not its own by {@code getBaseTypeName()} and
 * {@code toString()}, so a JunctionArray passed to a Junction statement binds correctly on whichever
 * connection or shard that statement runs, without touching the array's own connection.
 */
final class JunctionArray implements Array {
  private final Array physical;
  private final Lease lease;
  private final Object elements;
  /**
   * The driver's refusal to build the elements (pgjdbc: a numeric[] holding NaN has no BigDecimal), raised by
   * {@code getArray} as the driver's own array raises it, never by {@code getObject}/{@code getArray} of the row.
   */
  private final SQLException elementsError;
  private final int baseType;
  private final String baseTypeName;
  private final String text;
  private boolean freed;

  private JunctionArray(Array physical, Lease lease) throws SQLException {
    this.physical = physical;
    this.lease = lease;
    this.baseTypeName = physical.getBaseTypeName();
    this.baseType = physical.getBaseType();
    Object read = null;
    SQLException refused = null;
    try {
      read = physical.getArray();
    } catch (SQLException e) {
      refused = e;
    }
    this.elements = read;
    this.elementsError = refused;
    this.text = physical.toString();
  }

  /** Wraps {@code physical} (null stays null), reading its snapshot now, while {@code lease} holds. */
  static Array of(Array physical, Lease lease) throws SQLException {
    return physical == null || physical instanceof JunctionArray ? physical : new JunctionArray(physical, lease);
  }

  private void checkFreed() throws SQLException {
    if (freed) {
      throw new SQLException("Junction: free() was called on this Array", "0F001");
    }
  }

  private Array live(String call) throws SQLException {
    checkFreed();
    lease.check("Array (" + call + ")");
    return physical;
  }

  @Override
  public String getBaseTypeName() throws SQLException {
    checkFreed();
    return baseTypeName;
  }

  @Override
  public int getBaseType() throws SQLException {
    checkFreed();
    return baseType;
  }

  /** A fresh copy of the elements each time, as the driver returns a new array for every call. */
  @Override
  public Object getArray() throws SQLException {
    checkFreed();
    elements();
    return copy(0, elements == null ? 0 : java.lang.reflect.Array.getLength(elements));
  }

  @Override
  public Object getArray(Map<String, Class<?>> map) throws SQLException {
    return map == null || map.isEmpty() ? getArray() : live("getArray(map)").getArray(map);
  }

  @Override
  public Object getArray(long index, int count) throws SQLException {
    checkFreed();
    elements();
    int length = elements == null ? 0 : java.lang.reflect.Array.getLength(elements);
    if (index < 1 || count < 0 || index - 1 + count > length) {
      throw new SQLException("Junction: array index " + index + " and count " + count + " are out of range (the array has "
          + length + " elements; the first is 1)", "2202E");
    }
    return copy((int) (index - 1), count);
  }

  @Override
  public Object getArray(long index, int count, Map<String, Class<?>> map) throws SQLException {
    return map == null || map.isEmpty() ? getArray(index, count) : live("getArray(index, count, map)").getArray(index, count, map);
  }

  /** Throws what the driver threw when the elements were read, as its own array would on every call. */
  private void elements() throws SQLException {
    if (elementsError != null) {
      throw new SQLException(elementsError.getMessage(), elementsError.getSQLState(), elementsError.getErrorCode(), elementsError);
    }
  }

  private Object copy(int from, int count) {
    if (elements == null) {
      return null;
    }
    Object out = java.lang.reflect.Array.newInstance(elements.getClass().getComponentType(), count);
    System.arraycopy(elements, from, out, 0, count);
    return out;
  }

  @Override
  public ResultSet getResultSet() throws SQLException {
    return LeasedResultSet.of(live("getResultSet()").getResultSet(), lease);
  }

  @Override
  public ResultSet getResultSet(Map<String, Class<?>> map) throws SQLException {
    return LeasedResultSet.of(live("getResultSet(map)").getResultSet(map), lease);
  }

  @Override
  public ResultSet getResultSet(long index, int count) throws SQLException {
    return LeasedResultSet.of(live("getResultSet(index, count)").getResultSet(index, count), lease);
  }

  @Override
  public ResultSet getResultSet(long index, int count, Map<String, Class<?>> map) throws SQLException {
    return LeasedResultSet.of(live("getResultSet(index, count, map)").getResultSet(index, count, map), lease);
  }

  /** Frees the driver's array while the lease holds; the snapshot is dropped in any case. */
  @Override
  public void free() throws SQLException {
    if (freed) {
      return;
    }
    freed = true;
    if (lease.valid()) {
      physical.free();
    }
  }

  /** The driver's text form, read with the snapshot (pgjdbc: the array literal, used by {@code setArray}). */
  @Override
  public String toString() {
    return text;
  }
}
