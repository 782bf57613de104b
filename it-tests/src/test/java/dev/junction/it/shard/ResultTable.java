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
    if (!prepared && params.isEmpty()) {
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
        return read(rs);
      }
    }
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      SqlText.bind(ps, params);
      try (ResultSet rs = ps.executeQuery()) {
        return read(rs);
      }
    }
  }

  public static ResultTable read(ResultSet rs) throws SQLException {
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
        if (v != null && valueClasses[i - 1] == null) {
          valueClasses[i - 1] = v.getClass().getName();
        }
        row.add(normalise(v));
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
      try {
        Object array = a.getArray();
        return array instanceof Object[] items ? java.util.Arrays.deepToString(items) : a.toString();
      } catch (SQLException e) {
        return a.toString();
      }
    }
    return v.toString();
  }
}
