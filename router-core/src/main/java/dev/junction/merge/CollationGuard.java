package dev.junction.merge;

import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.sf.jsqlparser.expression.CollateExpression;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.ExpressionVisitorAdapter;
import net.sf.jsqlparser.statement.select.OrderByElement;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.SelectItem;

/**
 * Refuses explicit collations the merger cannot reproduce.
 *
 * <p>The merger compares strings by Unicode code point and groups them by exact equality (see
 * {@link SqlValues}). That is PostgreSQL's {@code "C"}/{@code "POSIX"}/{@code ucs_basic}/
 * {@code pg_c_utf8} order and MariaDB's {@code *_nopad_bin} and MySQL's {@code *_0900_bin} order. Any other collation (ICU or libc
 * locales, case- or accent-insensitive and other nondeterministic collations, MariaDB's PAD SPACE
 * {@code *_bin}) sorts or groups differently, so a {@code COLLATE} in a clause the merger evaluates
 * (select list, GROUP BY, HAVING, ORDER BY) is refused. COLLATE in WHERE and ON is fine: a row filter
 * runs wholly on the shard holding the row.
 *
 * <p>Column-level collations are invisible in the SQL text; docs/sharding.md states that text
 * columns sorted or grouped across shards must use a code-point collation.
 */
final class CollationGuard {

  static final Set<String> POSTGRES_EXACT = Set.of("c", "posix", "ucs_basic", "pg_c_utf8");

  private CollationGuard() {}

  static void check(PlainSelect ps, MergeDialect dialect) throws SQLFeatureNotSupportedException {
    List<Expression> merged = new ArrayList<>();
    for (SelectItem<?> item : ps.getSelectItems()) {
      merged.add(item.getExpression());
    }
    if (ps.getGroupBy() != null && ps.getGroupBy().getGroupByExpressionList() != null) {
      for (Object o : ps.getGroupBy().getGroupByExpressionList()) {
        if (o instanceof Expression e) {
          merged.add(e);
        }
      }
    }
    merged.add(ps.getHaving());
    if (ps.getOrderByElements() != null) {
      for (OrderByElement o : ps.getOrderByElements()) {
        merged.add(o.getExpression());
      }
    }
    for (Expression e : merged) {
      if (e == null) {
        continue;
      }
      Finder finder = new Finder();
      e.accept(finder, null);
      for (CollateExpression c : finder.found) {
        if (!exact(c.getCollate(), dialect)) {
          throw Unsupported.of(
              "COLLATE " + c.getCollate() + " (in " + e + ")",
              "the merger compares text by Unicode code point, which reproduces only byte-order collations"
                  + (dialect.isMySqlFamily() ? " (*_nopad_bin, *_0900_bin)" : " (\"C\", \"POSIX\", ucs_basic, pg_c_utf8)")
                  + "; this collation would sort or group the merged rows differently from the database",
              "Use a code-point collation" + (dialect.isMySqlFamily() ? " (utf8mb4_nopad_bin)" : " (COLLATE \"C\")")
                  + ", sort in the application, or " + Unsupported.ROUTE_TO_ONE_SHARD_LOWER);
        }
      }
    }
  }

  static boolean exact(String collation, MergeDialect dialect) {
    String n = ExpressionText.unquote(collation.trim());
    int dot = n.lastIndexOf('.');
    if (dot >= 0) {
      n = ExpressionText.unquote(n.substring(dot + 1));
    }
    n = n.toLowerCase(Locale.ROOT);
    if (dialect.isMySqlFamily()) {
      return n.endsWith("_nopad_bin") || n.endsWith("_0900_bin");
    }
    return POSTGRES_EXACT.contains(n);
  }

  private static final class Finder extends ExpressionVisitorAdapter<Void> {
    final List<CollateExpression> found = new ArrayList<>();

    @Override
    public <S> Void visit(CollateExpression c, S context) {
      found.add(c);
      return super.visit(c, context);
    }
  }
}
