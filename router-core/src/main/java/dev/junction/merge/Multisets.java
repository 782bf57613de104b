package dev.junction.merge;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The merge of {@code string_agg(x, sep)}, {@code group_concat(x [SEPARATOR s])} and
 * {@code array_agg(x)} without ORDER BY inside them ({@link Combine#CONCAT}, {@link Combine#ARRAY}).
 *
 * <h2>Why concatenating the shards' partials is exact</h2>
 *
 * <p>Without ORDER BY inside the call the database returns the elements in an unspecified order (its
 * scan or hash order). The one database holding every row would return some order of the same
 * elements; concatenating the shards' partials, in shard order, is one such order. So the merged value
 * equals the oracle's <em>as a multiset of elements</em>, which is all the SQL promises.
 *
 * <ul>
 *   <li><b>NULLs.</b> string_agg and group_concat skip NULL inputs and return NULL for no input or
 *       only NULLs; array_agg keeps NULL elements and returns NULL over no rows. So a NULL partial means
 *       "this shard had no element for the group": it is left out and adds no separator. An empty
 *       string partial is a real element (or several) and is kept. No partial at all: NULL.
 *   <li><b>Separators.</b> The shards compute the separator expression (a literal or a {@code ?}) as
 *       a hidden column, so escapes, character sets and parameter types are the server's; joining
 *       partials puts exactly one separator between the last element of one partial and the first of
 *       the next, where the database would have put one. A NULL separator is empty (PostgreSQL adds
 *       none).
 *   <li><b>Text form of arrays.</b> PostgreSQL prints each element of a one-dimensional array on its
 *       own (quoted when it contains a delimiter, brace, quote, backslash or blank, is empty or is the
 *       word NULL), independently of its neighbours, and array_agg always has lower bound 1, so the text
 *       of the merged array is the partials' texts without their outer braces, joined by the element
 *       delimiter. {@code getArray()} is the concatenation of the partials' {@code getArray()} results,
 *       taken while the shard's result is still open. Multidimensional partials (array_agg over an
 *       array argument), bounds decorations and the {@code box} type (delimiter {@code ;}) are refused
 *       at run time. A user-defined base type with its own delimiter is not recognised (see
 *       docs/sharding.md).
 *   <li><b>group_concat_max_len</b> (MariaDB/MySQL) truncates every shard's partial and the database's
 *       own result, in bytes of the result's character set. The shards return
 *       {@code LENGTH(GROUP_CONCAT(...))} (bytes, after truncation) and
 *       {@code @@session.group_concat_max_len} as hidden columns. A truncated partial is at least
 *       {@code limit - 3} bytes long (the server cuts at a character boundary), so a partial of
 *       {@code limit - 3} bytes or more is refused as possibly truncated; otherwise the merged value
 *       is the untruncated one, whose length is the partials' lengths plus the separators', at most
 *       4 bytes per separator character, and it is refused when that bound exceeds the smallest
 *       shard limit (the one database would have truncated it). Both refusals happen at run time,
 *       with SQLState 0AJ00 and a message naming group_concat_max_len.
 * </ul>
 */
final class Multisets {

  private Multisets() {}

  /** The per-group state of a {@link Combine#CONCAT} or {@link Combine#ARRAY} column: its non-NULL partials. */
  static final class Parts {
    private final boolean array;
    final List<Object> values = new ArrayList<>(2);
    /** Set when some shard's partial may have been cut at group_concat_max_len. */
    String truncated;

    Parts(boolean array) {
      this.array = array;
    }

    Parts add(Object v) {
      if (v == null) {
        return this;
      }
      if (array) {
        if (!(v instanceof java.sql.Array a)) {
          throw new IncomparableValuesException("an array_agg partial must be an SQL array, got " + v.getClass().getName());
        }
        values.add(PartialArray.of(a));
      } else {
        if (!(v instanceof String) && !(v instanceof byte[])) {
          throw new IncomparableValuesException(
              "a string_agg/group_concat partial must be text or bytes, got " + v.getClass().getName());
        }
        values.add(v);
      }
      return this;
    }

    int size() {
      return values.size();
    }
  }

  /**
   * One shard's array_agg value, read while its result set is open. What the driver failed to read
   * (pgjdbc cannot decode a numeric[] holding NaN) is kept and thrown by the merged array's getter, as
   * the driver's own array would.
   */
  record PartialArray(String text, String baseTypeName, int baseType, SQLException typeError, Object elements,
                      SQLException elementsError) {
    static PartialArray of(java.sql.Array a) {
      String text = a.toString();
      String name = null;
      int type = 0;
      SQLException typeError = null;
      try {
        name = a.getBaseTypeName();
        type = a.getBaseType();
      } catch (SQLException e) {
        typeError = e;
      }
      try {
        return new PartialArray(text, name, type, typeError, a.getArray(), null);
      } catch (SQLException e) {
        return new PartialArray(text, name, type, typeError, null, e);
      }
    }
  }

  /**
   * The merged {@code string_agg}/{@code group_concat} value of one group.
   *
   * @param label the select item, for messages
   * @param separator the shards' value of the separator expression (NULL: none)
   * @param mysql MariaDB/MySQL: byte partials are joined with the separator's UTF-8 bytes (Junction's
   *     MariaDB/MySQL connections use utf8mb4)
   * @param lengthSum with a group_concat_max_len check: the sum of the partials' LENGTH(), else null
   * @param maxLength with the check: the smallest shard's group_concat_max_len, else null
   */
  static Object concat(Parts parts, String label, Object separator, boolean mysql, Object lengthSum, Object maxLength)
      throws SQLException {
    if (parts.truncated != null) {
      throw truncated(label, parts.truncated);
    }
    if (parts.size() == 0) {
      return null;
    }
    Object first = parts.values.get(0);
    if (first instanceof String) {
      if (separator != null && !(separator instanceof String)) {
        throw mixed(label, "a text result with a " + separator.getClass().getSimpleName() + " separator");
      }
      String sep = separator == null ? "" : (String) separator;
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < parts.size(); i++) {
        if (!(parts.values.get(i) instanceof String s)) {
          throw mixed(label, "text and byte partials");
        }
        if (i > 0) {
          sb.append(sep);
        }
        sb.append(s);
      }
      checkLength(label, parts.size(), sep.codePointCount(0, sep.length()) * 4L, lengthSum, maxLength);
      return sb.toString();
    }
    byte[] sep;
    if (separator == null) {
      sep = new byte[0];
    } else if (separator instanceof byte[] b) {
      sep = b;
    } else if (mysql && separator instanceof String s) {
      sep = s.getBytes(StandardCharsets.UTF_8);
    } else {
      throw mixed(label, "a bytea result with a text separator (cast the separator: '...'::bytea)");
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < parts.size(); i++) {
      if (!(parts.values.get(i) instanceof byte[] b)) {
        throw mixed(label, "text and byte partials");
      }
      if (i > 0) {
        out.writeBytes(sep);
      }
      out.writeBytes(b);
    }
    checkLength(label, parts.size(), sep.length, lengthSum, maxLength);
    return out.toByteArray();
  }

  /** Marks {@code parts} possibly truncated when a shard's partial is within 3 bytes of its limit. */
  static void checkPartial(Parts parts, Object length, Object maxLength, int shard) {
    if (length == null || maxLength == null || parts.truncated != null) {
      return;
    }
    long n = ((Number) length).longValue();
    long max = ((Number) maxLength).longValue();
    if (n > max - 4) {
      parts.truncated = "shard " + shard + " returned " + n + " bytes with group_concat_max_len = " + max
          + ", so its part may have been cut";
    }
  }

  private static void checkLength(String label, int parts, long separatorBytes, Object lengthSum, Object maxLength)
      throws SQLException {
    if (lengthSum == null || maxLength == null) {
      return;
    }
    long bound = ((Number) lengthSum).longValue() + (parts - 1) * separatorBytes;
    long max = ((Number) maxLength).longValue();
    if (bound > max) {
      throw truncated(label, "the merged value can be up to " + bound + " bytes, more than group_concat_max_len = "
          + max + ", where the one database would have cut it");
    }
  }

  private static SQLException truncated(String label, String why) {
    return Unsupported.of(
        label + " near group_concat_max_len",
        why + ", and a cut value cannot be reproduced from the shards' parts",
        "Raise the limit for the session (SET SESSION group_concat_max_len = 1048576, or more), or "
            + Unsupported.ROUTE_TO_ONE_SHARD_LOWER);
  }

  private static SQLException mixed(String label, String what) {
    return Unsupported.of(label, "the shards returned " + what + ", which the merger does not join",
        "Select the rows and aggregate them in the application, or " + Unsupported.ROUTE_TO_ONE_SHARD_LOWER);
  }

  /** The merged {@code array_agg} value of one group, or null when no shard had a row. */
  static java.sql.Array array(Parts parts, String label) throws SQLException {
    if (parts.size() == 0) {
      return null;
    }
    List<PartialArray> arrays = new ArrayList<>(parts.size());
    StringBuilder text = new StringBuilder("{");
    boolean any = false;
    for (Object o : parts.values) {
      PartialArray p = (PartialArray) o;
      String t = p.text();
      if (t == null || !t.startsWith("{") || !t.endsWith("}") || t.startsWith("{{")) {
        throw Unsupported.of(
            label + " over an array-typed argument",
            "a shard returned the multidimensional or bounded array " + t + ", whose dimensions the merger does not"
                + " check across shards",
            "Aggregate the elements (array_agg over unnest(...)) or " + Unsupported.ROUTE_TO_ONE_SHARD_LOWER);
      }
      if (p.baseTypeName() != null && p.baseTypeName().equalsIgnoreCase("box")) {
        throw Unsupported.of(label + " of box values", "box arrays use ';' between elements, which the merger does not join",
            Unsupported.ROUTE_TO_ONE_SHARD);
      }
      arrays.add(p);
      String inner = t.substring(1, t.length() - 1);
      if (inner.isEmpty()) {
        continue;
      }
      if (any) {
        text.append(',');
      }
      text.append(inner);
      any = true;
    }
    return new MergedArray(text.append('}').toString(), arrays);
  }

  /**
   * A merged array: {@code toString()} (what {@code getString} returns) is PostgreSQL's text form,
   * {@code getArray()} the concatenated elements as the driver typed them.
   */
  static final class MergedArray implements java.sql.Array {
    private final String text;
    private final List<PartialArray> parts;

    MergedArray(String text, List<PartialArray> parts) {
      this.text = text;
      this.parts = List.copyOf(parts);
    }

    private PartialArray typed() throws SQLException {
      PartialArray first = parts.get(0);
      if (first.typeError() != null) {
        throw first.typeError();
      }
      return first;
    }

    @Override
    public String getBaseTypeName() throws SQLException {
      return typed().baseTypeName();
    }

    @Override
    public int getBaseType() throws SQLException {
      return typed().baseType();
    }

    @Override
    public Object getArray() throws SQLException {
      for (PartialArray p : parts) {
        if (p.elementsError() != null) {
          throw p.elementsError();
        }
      }
      Class<?> component = null;
      int length = 0;
      for (PartialArray p : parts) {
        Object e = p.elements();
        if (e == null || !e.getClass().isArray()) {
          throw new SQLException("a shard's array has no elements to merge: " + e, "22000");
        }
        Class<?> c = e.getClass().getComponentType();
        component = component == null ? c : component == c ? c : Object.class;
        length += java.lang.reflect.Array.getLength(e);
      }
      if (component.isPrimitive()) {
        for (PartialArray p : parts) {
          if (p.elements().getClass().getComponentType() != component) {
            throw new SQLException("the shards' arrays have different element types", "22000");
          }
        }
      }
      Object out = java.lang.reflect.Array.newInstance(component, length);
      int at = 0;
      for (PartialArray p : parts) {
        int n = java.lang.reflect.Array.getLength(p.elements());
        System.arraycopy(p.elements(), 0, out, at, n);
        at += n;
      }
      return out;
    }

    @Override
    public Object getArray(Map<String, Class<?>> map) throws SQLException {
      if (map != null && !map.isEmpty()) {
        throw new SQLFeatureNotSupportedException("type maps for a merged array", "0A000");
      }
      return getArray();
    }

    @Override
    public Object getArray(long index, int count) throws SQLException {
      Object all = getArray();
      int length = java.lang.reflect.Array.getLength(all);
      if (index < 1 || count < 0 || index - 1 + count > length) {
        throw new SQLException("array index " + index + " count " + count + " is out of range 1.." + length, "2202E");
      }
      Object out = java.lang.reflect.Array.newInstance(all.getClass().getComponentType(), count);
      System.arraycopy(all, (int) index - 1, out, 0, count);
      return out;
    }

    @Override
    public Object getArray(long index, int count, Map<String, Class<?>> map) throws SQLException {
      if (map != null && !map.isEmpty()) {
        throw new SQLFeatureNotSupportedException("type maps for a merged array", "0A000");
      }
      return getArray(index, count);
    }

    @Override
    public java.sql.ResultSet getResultSet() throws SQLException {
      throw new SQLFeatureNotSupportedException(
          "getResultSet() of an array merged from several shards: use getArray()", "0A000");
    }

    @Override
    public java.sql.ResultSet getResultSet(Map<String, Class<?>> map) throws SQLException {
      return getResultSet();
    }

    @Override
    public java.sql.ResultSet getResultSet(long index, int count) throws SQLException {
      return getResultSet();
    }

    @Override
    public java.sql.ResultSet getResultSet(long index, int count, Map<String, Class<?>> map) throws SQLException {
      return getResultSet();
    }

    @Override
    public void free() {}

    @Override
    public String toString() {
      return text;
    }
  }
}
