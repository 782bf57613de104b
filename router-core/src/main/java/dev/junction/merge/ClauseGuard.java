package dev.junction.merge;

import java.sql.SQLFeatureNotSupportedException;
import java.util.List;
import java.util.Locale;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.select.Fetch;
import net.sf.jsqlparser.statement.select.GroupByElement;
import net.sf.jsqlparser.statement.select.OrderByElement;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.SelectItem;
import net.sf.jsqlparser.statement.select.SetOperationList;

/**
 * Rejects SELECT shapes whose per-shard results cannot be merged into the right answer, each with
 * a message naming the construct and what to do instead. Runs before any rewriting.
 */
final class ClauseGuard {

  private ClauseGuard() {}

  /** The single PlainSelect of the statement, or an error for anything else. */
  static PlainSelect plainSelect(Statement statement) throws SQLFeatureNotSupportedException {
    Statement s = statement;
    while (s instanceof ParenthesedSelect p && !hasTail(p)) {
      s = p.getSelect();
    }
    if (s instanceof PlainSelect ps) {
      return ps;
    }
    if (s instanceof SetOperationList list) {
      String op = list.getOperations().isEmpty() ? "UNION" : list.getOperations().get(0).toString();
      throw Unsupported.of(
          "the set operation " + op.toUpperCase(Locale.ROOT),
          "each shard would apply it to its own rows only, so duplicates across shards and"
              + " INTERSECT/EXCEPT would come out wrong",
          "Run each SELECT as its own scatter query and combine them in the application, or "
              + Unsupported.ROUTE_TO_ONE_SHARD_LOWER);
    }
    if (s instanceof Select) {
      throw Unsupported.of(
          "this form of SELECT (" + s.getClass().getSimpleName() + ")",
          "only a plain SELECT ... FROM ... can be split across shards",
          "Rewrite it as a plain SELECT, or " + Unsupported.ROUTE_TO_ONE_SHARD_LOWER);
    }
    throw Unsupported.of(
        "the " + s.getClass().getSimpleName().toUpperCase(Locale.ROOT) + " statement",
        "only SELECT statements fan out to several shards and need merging",
        "Send writes and other statements to the shard that owns the rows");
  }

  private static boolean hasTail(Select s) {
    return s.getOrderByElements() != null || s.getLimit() != null || s.getOffset() != null
        || s.getFetch() != null || s.getForMode() != null || s.getWithItemsList() != null;
  }

  static void check(PlainSelect ps) throws SQLFeatureNotSupportedException {
    if (ps.getForMode() != null || ps.getForUpdateTable() != null || ps.isSkipLocked() || ps.getWait() != null) {
      throw Unsupported.of(
          "the locking clause FOR " + (ps.getForMode() == null ? "UPDATE" : ps.getForMode().getValue()),
          "it would take row locks on several shards, which no single transaction commits atomically",
          "Lock rows on one shard (add a shard-key predicate), inside a transaction on that shard");
    }
    if ((ps.getIntoTables() != null && !ps.getIntoTables().isEmpty()) || ps.getIntoTempTable() != null) {
      throw Unsupported.of(
          "SELECT ... INTO", "every shard would write its own copy of the target",
          "Select the rows and insert them through the router");
    }
    if (ps.getWindowDefinitions() != null && !ps.getWindowDefinitions().isEmpty()) {
      throw Unsupported.of(
          "the WINDOW clause", "a window sees only the rows of one shard",
          "Compute the window in the application over the merged rows, or "
              + Unsupported.ROUTE_TO_ONE_SHARD_LOWER);
    }
    if (ps.getQualify() != null) {
      throw Unsupported.of("QUALIFY", "it filters on window functions, which see one shard only",
          Unsupported.ROUTE_TO_ONE_SHARD);
    }
    if (ps.getTop() != null || ps.getFirst() != null || ps.getSkip() != null) {
      throw Unsupported.of("TOP/FIRST/SKIP", "the planner understands row limits written as LIMIT/OFFSET or FETCH",
          "Use LIMIT n OFFSET m (or OFFSET m ROWS FETCH FIRST n ROWS ONLY)");
    }
    if (ps.getLimitBy() != null || (ps.getLimit() != null && ps.getLimit().getByExpressions() != null)) {
      throw Unsupported.of("LIMIT ... BY", "a per-group limit cannot be applied by shards that see part of each group",
          Unsupported.ROUTE_TO_ONE_SHARD);
    }
    if (ps.getMySqlSqlCalcFoundRows()) {
      throw Unsupported.of("SQL_CALC_FOUND_ROWS", "FOUND_ROWS() would report one shard's count",
          "Run a separate SELECT COUNT(*) scatter query");
    }
    if (ps.getDistinct() != null && ps.getDistinct().getOnSelectItems() != null) {
      throw Unsupported.of(
          "DISTINCT ON", "the row kept per key depends on rows that other shards hold",
          "Select the candidate rows ordered by the key and keep the first per key in the application, or "
              + Unsupported.ROUTE_TO_ONE_SHARD_LOWER);
    }
    checkGroupBy(ps.getGroupBy());
    checkFetch(ps.getFetch());
    if (ps.getOrderByElements() != null) {
      for (OrderByElement o : ps.getOrderByElements()) {
        if (o.isMysqlWithRollup()) {
          throw rollup();
        }
        checkNoWindow(o.getExpression());
      }
    }
    for (SelectItem<?> item : ps.getSelectItems()) {
      checkNoWindow(item.getExpression());
      checkSubqueries(item.getExpression());
    }
    checkNoWindow(ps.getHaving());
  }

  private static void checkGroupBy(GroupByElement groupBy) throws SQLFeatureNotSupportedException {
    if (groupBy == null) {
      return;
    }
    if (groupBy.isMysqlWithRollup() || (groupBy.getGroupingSets() != null && !groupBy.getGroupingSets().isEmpty())) {
      throw rollup();
    }
    List<?> list = groupBy.getGroupByExpressionList();
    if (list != null) {
      for (Object o : list) {
        if (o instanceof Function f && f.getName() != null) {
          String n = f.getName().toLowerCase(Locale.ROOT);
          if (n.equals("rollup") || n.equals("cube") || n.startsWith("grouping")) {
            throw rollup();
          }
        }
      }
    }
  }

  private static SQLFeatureNotSupportedException rollup() {
    return Unsupported.of(
        "ROLLUP/CUBE/GROUPING SETS", "super-aggregate rows cannot be rebuilt from per-shard subtotals by the merger",
        "Group by the detail columns and compute the subtotals in the application, or "
            + Unsupported.ROUTE_TO_ONE_SHARD_LOWER);
  }

  private static void checkFetch(Fetch fetch) throws SQLFeatureNotSupportedException {
    if (fetch == null || fetch.getFetchParameters() == null) {
      return;
    }
    for (String p : fetch.getFetchParameters()) {
      String u = p.toUpperCase(Locale.ROOT);
      if (u.contains("TIES") || u.contains("PERCENT")) {
        throw Unsupported.of(
            "FETCH ... " + p, "the merger applies plain row counts only",
            "Use FETCH FIRST n ROWS ONLY (or LIMIT n)");
      }
    }
  }

  private static void checkNoWindow(Expression e) throws SQLFeatureNotSupportedException {
    if (e == null) {
      return;
    }
    ExpressionScan scan = ExpressionScan.of(e);
    if (!scan.windows.isEmpty()) {
      throw AggregateCalls.windowFunction(scan.windows.get(0));
    }
  }

  /** A subquery in the select list that aggregates would aggregate one shard's rows only. */
  private static void checkSubqueries(Expression e) throws SQLFeatureNotSupportedException {
    for (Select sub : ExpressionScan.of(e).subqueries) {
      if (aggregates(sub)) {
        throw Unsupported.of(
            "the aggregating subquery " + sub,
            "in a scatter query it runs on each shard over that shard's rows only",
            "Run the subquery as its own query and pass its result as a parameter, or "
                + Unsupported.ROUTE_TO_ONE_SHARD_LOWER);
      }
    }
  }

  private static boolean aggregates(Select select) {
    if (select instanceof ParenthesedSelect p) {
      return aggregates(p.getSelect());
    }
    if (select instanceof SetOperationList list) {
      return list.getSelects().stream().anyMatch(ClauseGuard::aggregates);
    }
    if (select instanceof PlainSelect ps) {
      if (ps.getGroupBy() != null) {
        return true;
      }
      for (SelectItem<?> item : ps.getSelectItems()) {
        if (!ExpressionScan.of(item.getExpression()).aggregates.isEmpty()) {
          return true;
        }
      }
    }
    return false;
  }
}
