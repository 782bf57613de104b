package dev.junction.jdbc.internal;

import dev.junction.JunctionSqlState;
import dev.junction.merge.MergeDialect;
import dev.junction.merge.MergeSpec;
import dev.junction.merge.TextKeys;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Types;

/**
 * Refuses a multi-shard merge that would compare or group text under a collation the merger cannot
 * reproduce (see {@link TextCollation}). Decided from the first shard's result metadata before any
 * row is read, so the cost is one pass over the key columns per statement and none per row.
 */
final class TextKeyGuard {

  private TextKeyGuard() {}

  /** The refusal, or null when no compared column of {@code spec} is text. */
  static SQLException check(MergeSpec spec, ResultSetMetaData md, TextCollation collation, MergeDialect dialect)
      throws SQLException {
    int width = md.getColumnCount();
    for (TextKeys.Use use : TextKeys.of(spec, width)) {
      if (use.column() >= width || !isText(md, use.column() + 1)) {
        continue;
      }
      boolean hidden = use.column() >= width - spec.hiddenColumns();
      String construct = use.construct() + " of a text value"
          + (hidden ? "" : " (result column " + md.getColumnLabel(use.column() + 1) + ")");
      String collate = dialect.isMySqlFamily() ? "COLLATE utf8mb4_nopad_bin" : "COLLATE ucs_basic";
      return new SQLFeatureNotSupportedException(
          construct + " is not supported in a multi-shard SELECT: the merger combines text across shards by code"
              + " point, but " + collation.reason() + ", so the merged rows would be ordered or grouped differently"
              + " from the database. Add an explicit " + collate + " to the expression (for example ORDER BY name "
              + collate + ", min(name " + collate + ")), give the column a code-point collation, or add a"
              + " shard-key predicate so the query runs on one shard.",
          JunctionSqlState.REFUSED);
    }
    return null;
  }

  private static boolean isText(ResultSetMetaData md, int column) throws SQLException {
    switch (md.getColumnType(column)) {
      case Types.CHAR, Types.VARCHAR, Types.LONGVARCHAR, Types.NCHAR, Types.NVARCHAR, Types.LONGNVARCHAR,
          Types.CLOB, Types.NCLOB:
        return true;
      default:
        return "java.lang.String".equals(md.getColumnClassName(column));
    }
  }
}
