package dev.junction.jdbc.internal;

import java.sql.Array;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.NClob;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;

/**
 * Which driver objects reached through a Junction object need wrapping because they act on their
 * physical connection after the statement that produced them ended (issue #12), measured on the
 * servers and drivers of the project's poms ({@code JdbcObjectsContract}'s LOB tests):
 *
 * <ul>
 *   <li><b>Arrays</b> (pgjdbc {@code PgArray}): type lookups and {@code getResultSet()} use the
 *       connection: always materialised ({@link JunctionArray}). Connector/J has no arrays.</li>
 *   <li><b>Blob, Clob, NClob</b>: pgjdbc's are large objects read through the connection: leased
 *       ({@link JunctionBlob}, {@link JunctionClob}). Connector/J's ({@code com.mysql.cj.jdbc.Blob},
 *       {@code Clob}, {@code NClob}) and MariaDB Connector/J's hold their bytes in memory and are
 *       handed out as they are, so they keep working after the connection went back, as they do
 *       without Junction. Any other class is leased: an unknown driver's LOB may be a locator
 *       (Connector/J's {@code BlobFromLocator}, with {@code emulateLocators=true}, runs a SELECT on its
 *       connection for every read).</li>
 *   <li><b>Result sets</b> (pgjdbc's for a {@code refcursor} value): their {@code getStatement()} would hand out
 *       the physical connection; wrapped ({@link CursorResultSet}).</li>
 *   <li><b>SQLXML</b> (pgjdbc {@code PgSQLXML}, Connector/J {@code MysqlSQLXML}) holds its text in memory;
 *       <b>Ref</b> and <b>Struct</b> are produced by neither driver ({@code getRef}, {@code createStruct}
 *       throw feature-not-supported): not wrapped.</li>
 * </ul>
 */
final class JunctionLobs {
  private JunctionLobs() {}

  /** LOB classes known to hold their content in memory, without a reference to a connection. */
  private static final Set<String> IN_MEMORY = Set.of(
      "com.mysql.cj.jdbc.Blob", "com.mysql.cj.jdbc.Clob", "com.mysql.cj.jdbc.NClob",
      "org.mariadb.jdbc.MariaDbBlob", "org.mariadb.jdbc.MariaDbClob");

  static boolean inMemory(Object lob) {
    return IN_MEMORY.contains(lob.getClass().getName());
  }

  static Array array(Array a, Lease lease) throws SQLException {
    return JunctionArray.of(a, lease);
  }

  static Blob blob(Blob b, Lease lease) {
    return b == null || b instanceof JunctionBlob || inMemory(b) ? b : new JunctionBlob(b, lease);
  }

  static Clob clob(Clob c, Lease lease) {
    if (c instanceof NClob n) {
      return nclob(n, lease);
    }
    return c == null || c instanceof JunctionClob || inMemory(c) ? c : new JunctionClob(c, lease);
  }

  static NClob nclob(NClob c, Lease lease) {
    return c == null || c instanceof JunctionClob || inMemory(c) ? c : new JunctionClob.N(c, lease);
  }

  /**
   * A value of {@code getObject}: arrays and LOBs as above; a driver result set (pgjdbc's for a {@code refcursor})
   * as a {@link CursorResultSet} answering {@code getStatement()} with {@code owner}; anything else as it is.
   */
  static Object object(Object v, Lease lease, Statement owner) throws SQLException {
    if (v == null || v instanceof String || v instanceof Number || v instanceof Boolean) {
      return v; // the common values, first: no interface checks
    }
    if (v instanceof ResultSet rs) {
      return CursorResultSet.of(rs, owner, lease);
    }
    if (v instanceof Array a) {
      return array(a, lease);
    }
    if (v instanceof Blob b) {
      return blob(b, lease);
    }
    if (v instanceof Clob c) {
      return clob(c, lease);
    }
    return v;
  }

  /** {@code getObject(i, type)}: the same, cast back to the type asked for. */
  static <T> T object(T v, Class<T> type, Lease lease, Statement owner) throws SQLException {
    Object guarded = object(v, lease, owner);
    return guarded == v || !type.isInstance(guarded) ? v : type.cast(guarded); // a driver class asked for by name stays the driver's
  }
}
