package dev.junction.it.shard;

import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** Renders values as SQL literals both dialects accept, and binds them as JDBC parameters. */
public final class SqlText {
  private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  private SqlText() {}

  public static String literal(Object v) {
    if (v == null) {
      return "NULL";
    }
    if (v instanceof String s) {
      return "'" + s.replace("'", "''") + "'";
    }
    if (v instanceof BigDecimal d) {
      return d.toPlainString();
    }
    if (v instanceof Number n) {
      return n.toString();
    }
    if (v instanceof LocalDateTime t) {
      return "'" + TS.format(t) + "'";
    }
    if (v instanceof Timestamp t) {
      return "'" + TS.format(t.toLocalDateTime()) + "'";
    }
    if (v instanceof LocalDate d) {
      return "'" + d + "'";
    }
    if (v instanceof java.sql.Date d) {
      return "'" + d.toLocalDate() + "'";
    }
    throw new IllegalArgumentException("no literal for " + v.getClass());
  }

  /** The JDBC value to bind for a data-set value (java.time values as java.sql types). */
  public static Object jdbcValue(Object v) {
    if (v instanceof LocalDateTime t) {
      return Timestamp.valueOf(t);
    }
    if (v instanceof LocalDate d) {
      return java.sql.Date.valueOf(d);
    }
    return v;
  }

  /**
   * Binds query parameters as given: a {@code java.sql.Timestamp} with setTimestamp, a
   * {@code LocalDateTime} with JDBC 4.2 setObject (generated queries use both).
   */
  public static void bind(PreparedStatement ps, List<Object> params) throws SQLException {
    for (int i = 0; i < params.size(); i++) {
      Object v = params.get(i);
      if (v == null) {
        ps.setNull(i + 1, java.sql.Types.VARCHAR);
      } else if (v instanceof Timestamp t) {
        ps.setTimestamp(i + 1, t);
      } else {
        ps.setObject(i + 1, v);
      }
    }
  }

  public static void bind(PreparedStatement ps, int index, Object v, int nullType) throws SQLException {
    Object j = jdbcValue(v);
    if (j == null) {
      ps.setNull(index, nullType);
    } else if (j instanceof Timestamp t) {
      ps.setTimestamp(index, t);
    } else if (j instanceof java.sql.Date d) {
      ps.setDate(index, d);
    } else {
      ps.setObject(index, j);
    }
  }

  /** The statement with its parameters, for failure messages. */
  public static String describe(String sql, List<Object> params) {
    return params.isEmpty() ? sql : sql + "  -- params " + params;
  }
}
