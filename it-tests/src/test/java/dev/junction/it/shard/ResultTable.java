package dev.junction.it.shard;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * A fully read result: column labels and rows of normalised values. Normalising only removes
 * differences of Java representation that one database could produce through two code paths
 * (Integer vs Long vs BigDecimal, java.sql.Timestamp vs LocalDateTime); numbers keep their scale
 * so that the comparison can see scale differences. {@code types} holds each column's
 * {@code java.sql.Types} name and {@code getColumnClassName}, which column {@code findColumn(label)} picks and the class
 * {@code getObject} returned (first non-null value), as an application
 * mapping columns sees them;
 * {@code strings} holds what {@code getString} returned for every value.
 */
public record ResultTable(List<String> labels, List<String> types, List<List<Object>> rows, List<List<String>> strings) {

  public static ResultTable query(Connection c, String sql, List<Object> params, boolean prepared) throws SQLException {
    return query(c, sql, params, prepared, List.of());
  }

  /** The same, reading the {@code multisets} columns as multisets of elements ({@link #read(ResultSet, List)}). */
  public static ResultTable query(Connection c, String sql, List<Object> params, boolean prepared,
                                  List<QueryCase.Multiset> multisets) throws SQLException {
    if (!prepared && params.isEmpty()) {
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
        return read(rs, multisets);
      }
    }
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      SqlText.bind(ps, params);
      try (ResultSet rs = ps.executeQuery()) {
        return read(rs, multisets);
      }
    }
  }

  public static ResultTable read(ResultSet rs) throws SQLException {
    return read(rs, List.of());
  }

  /**
   * Reads a result; a {@code multisets} column's value and getString text are replaced by a canonical
   * form of their elements in sorted order, so that two results with the same elements in another
   * order compare equal:
   * <ul>
   *   <li>string_agg/group_concat: the text split at every occurrence of the separator, the pieces
   *       sorted. Limits: a separator that occurs inside values splits them too, so this compares the
   *       multiset of pieces, which is equal whenever the multisets of values are (and differs for
   *       any missing, extra or changed value, separator or empty element); with an empty separator
   *       the pieces are single characters. NULL stays NULL.
   *   <li>array_agg: {@code getArray()}'s elements, each normalised like a column value, sorted; the
   *       getString text is split into its top-level element tokens as the server printed them
   *       (quotes and backslashes kept), sorted. The value class recorded is {@code java.sql.Array} with
   *       the element class of {@code getArray()}, so element types are compared too.
   * </ul>
   */
  public static ResultTable read(ResultSet rs, List<QueryCase.Multiset> multisets) throws SQLException {
    String[] separators = new String[rs.getMetaData().getColumnCount()];
    boolean[] arrays = new boolean[separators.length];
    for (QueryCase.Multiset m : multisets) {
      if (m.separator() == null) {
        arrays[m.column()] = true;
      } else {
        separators[m.column()] = m.separator();
      }
    }
    ResultSetMetaData md = rs.getMetaData();
    int n = md.getColumnCount();
    List<String> labels = new ArrayList<>(n);
    List<String> types = new ArrayList<>(n);
    for (int i = 1; i <= n; i++) {
      labels.add(md.getColumnLabel(i));
      types.add(java.sql.JDBCType.valueOf(md.getColumnType(i)).getName() + "/" + md.getColumnClassName(i)
          + " findColumn=" + rs.findColumn(labels.get(i - 1)));
    }
    List<List<Object>> rows = new ArrayList<>();
    List<List<String>> strings = new ArrayList<>();
    String[] valueClasses = new String[n];
    while (rs.next()) {
      List<Object> row = new ArrayList<>(n);
      List<String> text = new ArrayList<>(n);
      for (int i = 1; i <= n; i++) {
        Object v = rs.getObject(i);
        if (arrays[i - 1] && v instanceof java.sql.Array a) {
          Object elements = a.getArray();
          if (valueClasses[i - 1] == null) {
            valueClasses[i - 1] = "java.sql.Array of " + elements.getClass().getComponentType().getName();
          }
          List<String> parts = new ArrayList<>();
          for (int k = 0; k < java.lang.reflect.Array.getLength(elements); k++) {
            Object e = normalise(java.lang.reflect.Array.get(elements, k));
            parts.add(e == null ? "NULL" : e.getClass().getSimpleName() + ":" + e);
          }
          java.util.Collections.sort(parts);
          row.add("array " + String.join("\u0001", parts));
          text.add(arrayText(rs.getString(i)));
          continue;
        }
        if (v != null && valueClasses[i - 1] == null) {
          valueClasses[i - 1] = valueClass(v);
        }
        if (separators[i - 1] != null) {
          row.add(v == null ? null : "multiset " + pieces(v instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8)
              : v.toString(), separators[i - 1]));
          String s = rs.getString(i);
          text.add(s == null ? null : pieces(s, separators[i - 1]));
          continue;
        }
        // java.sql.Time holds milliseconds and no zone (toString: seconds): a time/timetz is compared by its text
        row.add(v instanceof java.sql.Time ? "time " + rs.getString(i) : normalise(v));
        text.add(rs.getString(i));
      }
      rows.add(row);
      strings.add(text);
    }
    for (int i = 0; i < n; i++) {
      types.set(i, types.get(i) + " getObject=" + (valueClasses[i] == null ? "-" : valueClasses[i]));
    }
    return new ResultTable(List.copyOf(labels), List.copyOf(types), rows, strings);
  }

  /** The pieces of {@code s} between separators (single characters for an empty separator), sorted. */
  static String pieces(String s, String separator) {
    List<String> parts = new ArrayList<>(separator.isEmpty()
        ? s.codePoints().mapToObj(Character::toString).toList()
        : java.util.Arrays.asList(s.split(java.util.regex.Pattern.quote(separator), -1)));
    java.util.Collections.sort(parts);
    return parts.size() + ":" + String.join("\u0001", parts);
  }

  /** A one-dimensional PostgreSQL array text's element tokens as printed (quoted ones with their quotes), sorted. */
  static String arrayText(String s) {
    if (s == null) {
      return null;
    }
    if (!s.startsWith("{") || !s.endsWith("}")) {
      return "not an array text: " + s;
    }
    List<String> tokens = new ArrayList<>();
    StringBuilder token = new StringBuilder();
    boolean quoted = false;
    for (int i = 1; i < s.length() - 1; i++) {
      char c = s.charAt(i);
      if (quoted && c == '\\') {
        token.append(c).append(s.charAt(++i));
        continue;
      }
      if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        tokens.add(token.toString());
        token.setLength(0);
        continue;
      }
      token.append(c);
    }
    if (s.length() > 2) {
      tokens.add(token.toString());
    }
    java.util.Collections.sort(tokens);
    return "array text " + String.join("\u0001", tokens);
  }

  /**
   * The class of a {@code getObject} value as an application relies on it: its class, except for a
   * {@link java.sql.Array}, which an application reads through the interface; the implementation (the
   * driver's, or the snapshot Junction hands out so that it never reads through a pooled connection) is
   * not part of the contract, so an array is named by the interface and the element class of
   * {@code getArray()} (or that getArray() fails), and {@link #normalise} compares its content.
   */
  public static String valueClass(Object v) {
    if (v instanceof java.sql.Array a) {
      try {
        Object elements = a.getArray();
        return "java.sql.Array of " + (elements == null ? "null" : elements.getClass().getComponentType().getName());
      } catch (SQLException e) {
        return "java.sql.Array whose getArray() fails [" + e.getSQLState() + "]";
      }
    }
    return v.getClass().getName();
  }

    public static Object normalise(Object v) {
    if (v == null || v instanceof String || v instanceof BigDecimal) {
      return v;
    }
    if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return BigDecimal.valueOf(((Number) v).longValue());
    }
    if (v instanceof BigInteger b) {
      return new BigDecimal(b);
    }
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        return "double " + d; // NaN and infinities have no BigDecimal
      }
      return BigDecimal.valueOf(d);
    }
    if (v instanceof Timestamp t) {
      return t.toLocalDateTime();
    }
    if (v instanceof java.sql.Date d) {
      return d.toLocalDate();
    }
    if (v instanceof OffsetDateTime t) {
      return t.toLocalDateTime();
    }
    if (v instanceof LocalDateTime || v instanceof java.time.LocalDate) {
      return v;
    }
    if (v instanceof Boolean b) {
      return b ? BigDecimal.ONE : BigDecimal.ZERO;
    }
    if (v instanceof byte[] b) {
      return "bytes " + java.util.HexFormat.of().formatHex(b);
    }
    if (v instanceof java.sql.Array a) {
      return array(a);
    }
    return v.toString();
  }

  /**
   * An array by content, as strictly as the driver's own array can be read: base type and base type
   * name, then every element with its class (nested arrays of a multidimensional array recursively,
   * bytes in hex), or the SQLState and message of a getArray() that fails (pgjdbc: numeric[] with NaN).
   */
  public static String array(java.sql.Array a) {
    StringBuilder out = new StringBuilder("array ");
    try {
      out.append(a.getBaseType()).append('/').append(a.getBaseTypeName()).append(' ');
    } catch (SQLException e) {
      out.append("base type fails [").append(e.getSQLState()).append("] ").append(e.getMessage()).append(' ');
    }
    try {
      elements(a.getArray(), out);
    } catch (SQLException e) {
      out.append("getArray() fails [").append(e.getSQLState()).append("] ").append(e.getMessage());
    }
    return out.toString();
  }

  private static void elements(Object e, StringBuilder out) {
    if (e == null) {
      out.append("NULL");
    } else if (e instanceof byte[] b) {
      out.append("bytes ").append(java.util.HexFormat.of().formatHex(b));
    } else if (e.getClass().isArray()) {
      out.append(e.getClass().getComponentType().getName()).append('{');
      for (int i = 0; i < java.lang.reflect.Array.getLength(e); i++) {
        out.append(i == 0 ? "" : ", ");
        elements(java.lang.reflect.Array.get(e, i), out);
      }
      out.append('}');
    } else {
      out.append(e.getClass().getName()).append(':').append(e);
    }
  }
}
