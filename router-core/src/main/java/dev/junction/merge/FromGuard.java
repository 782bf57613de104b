package dev.junction.merge;

import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.select.FromItem;
import net.sf.jsqlparser.statement.select.Join;
import net.sf.jsqlparser.statement.select.OrderByElement;
import net.sf.jsqlparser.statement.select.SelectItem;
import net.sf.jsqlparser.statement.select.LateralSubSelect;
import net.sf.jsqlparser.statement.select.ParenthesedFromItem;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.TableFunction;
import net.sf.jsqlparser.statement.select.WithItem;
import net.sf.jsqlparser.util.TablesNamesFinder;

/**
 * The FROM part of the scatter allow-list: accepts only FROM clauses whose per-shard results are a
 * partition of the single-database result, so that concatenating (then merging) them is exact.
 *
 * <h2>Design notes</h2>
 *
 * <p>Every FROM item is either <b>partitioned</b> (it reads a sharded table: each of its rows lives on
 * exactly one shard) or <b>replicated</b> (a broadcast table, a table function, or a derived table
 * that reads only broadcast tables: every shard holds all of it). The shard planner has already
 * refused joins of sharded tables that are not co-located, so what remains is:
 *
 * <ul>
 *   <li><b>Inner and cross joins</b> of partitioned and replicated items are exact: every output row
 *       is produced by the one shard holding its partitioned input rows.
 *   <li><b>Outer joins</b> are exact only when every <em>preserved</em> side is partitioned. A
 *       preserved replicated side (broadcast {@code LEFT JOIN} sharded, sharded {@code RIGHT JOIN}
 *       broadcast, any {@code FULL JOIN} with a broadcast table) would emit its unmatched rows once
 *       per shard: refused.
 *   <li><b>Derived tables, LATERAL subqueries and CTEs</b> that read a sharded table would run on
 *       each shard's slice only (DISTINCT, GROUP BY, LIMIT, window functions inside them would all
 *       be per shard): refused. Over broadcast tables only they are replicated items and exact.
 *   <li>Anything else in FROM (VALUES lists, unknown item kinds) is refused: the list is an
 *       allow-list, not a deny-list.
 * </ul>
 */
final class FromGuard {

  private final Set<String> broadcast;

  /** @param broadcast lower-case names of the broadcast tables (every other table is taken as sharded) */
  FromGuard(Set<String> broadcast) {
    this.broadcast = broadcast;
  }

  /** One check: the CTEs in scope and whether a derived item over a sharded table was met. */
  private final class Check {
    final Map<String, Boolean> ctePartitioned = new HashMap<>();
    String derivedPartitioned;

    /** Classifies a join chain and checks its outer joins; true if any item is partitioned. */
    boolean chain(FromItem first, List<Join> joins) throws SQLFeatureNotSupportedException {
      boolean left = partitioned(first);
      for (Join join : joins) {
        boolean right = partitioned(join.getRightItem());
        boolean leftPreserved = join.isLeft() || join.isFull() || (join.isOuter() && !join.isRight())
            || (join.isApply() && join.isOuter());
        boolean rightPreserved = join.isRight() || join.isFull();
        if ((leftPreserved && !left) || (rightPreserved && !right)) {
          String kind = join.isFull() ? "FULL" : join.isRight() ? "RIGHT" : "LEFT";
          throw Unsupported.of(
              "the " + kind + " JOIN " + join.getRightItem() + " whose preserved side reads only broadcast tables",
              "each shard would add the broadcast rows that have no match among its own rows, so an unmatched"
                  + " broadcast row would appear once per shard instead of once",
              "Join the other way round (sharded LEFT JOIN broadcast), use an inner join, or "
                  + Unsupported.ROUTE_TO_ONE_SHARD_LOWER);
        }
        left |= right;
      }
      return left;
    }

    boolean partitioned(FromItem item) throws SQLFeatureNotSupportedException {
      if (item instanceof Table t) {
        String name = normalize(t.getName());
        if (t.getSchemaName() == null && ctePartitioned.containsKey(name)) {
          boolean p = ctePartitioned.get(name);
          if (p) {
            derivedPartitioned = "the WITH query (CTE) " + t.getName();
          }
          return p;
        }
        return !broadcast.contains(name);
      }
      if (item instanceof ParenthesedFromItem p) {
        return chain(p.getFromItem(), p.getJoins() == null ? List.of() : p.getJoins());
      }
      if (item instanceof TableFunction) {
        return false;
      }
      if (item instanceof ParenthesedSelect ps) {
        String what = (item instanceof LateralSubSelect ? "the LATERAL subquery " : "the derived table (subquery in FROM) ")
            + aliasOf(item);
        List<String> sharded = shardedTablesIn(ps.getSelect(), ctePartitioned);
        if (sharded.isEmpty()) {
          return false;
        }
        if (item instanceof LateralSubSelect || !rowPreserving(ps.getSelect())) {
          throw perShard(what + " over the sharded table " + sharded.get(0));
        }
        derivedPartitioned = what;
        return true;
      }
      throw Unsupported.of(
          "the FROM item " + item, "the planner only splits FROM clauses of tables, joins and table functions",
          "Rewrite it as a join of tables, or " + Unsupported.ROUTE_TO_ONE_SHARD_LOWER);
    }

    /**
     * True for a plain filter and projection of tables: each of its rows comes from rows of one shard
     * and it neither removes, combines nor limits rows across them.
     */
    boolean rowPreserving(Select select) throws SQLFeatureNotSupportedException {
      if (!(select instanceof PlainSelect p)) {
        return false;
      }
      if (p.getDistinct() != null || p.getGroupBy() != null || p.getHaving() != null || p.getLimit() != null
          || p.getOffset() != null || p.getFetch() != null || p.getTop() != null || p.getFirst() != null
          || p.getSkip() != null || p.getQualify() != null || p.getLimitBy() != null
          || (p.getWindowDefinitions() != null && !p.getWindowDefinitions().isEmpty())
          || (p.getWithItemsList() != null && !p.getWithItemsList().isEmpty()) || p.getFromItem() == null) {
        return false;
      }
      for (SelectItem<?> item : p.getSelectItems()) {
        ExpressionScan scan = ExpressionScan.of(item.getExpression());
        if (!scan.aggregates.isEmpty() || !scan.windows.isEmpty() || !scan.subqueries.isEmpty()) {
          return false;
        }
      }
      if (p.getOrderByElements() != null) {
        for (OrderByElement o : p.getOrderByElements()) {
          ExpressionScan scan = ExpressionScan.of(o.getExpression());
          if (!scan.aggregates.isEmpty() || !scan.windows.isEmpty()) {
            return false;
          }
        }
      }
      String outer = derivedPartitioned;
      derivedPartitioned = null;
      chain(p.getFromItem(), p.getJoins() == null ? List.of() : p.getJoins());
      boolean nested = derivedPartitioned != null;
      derivedPartitioned = outer;
      return !nested;
    }
  }

  /** Checks the WITH clauses of the statement and the FROM clause of {@code ps}. */
  void check(Statement statement, PlainSelect ps) throws SQLFeatureNotSupportedException {
    Check check = new Check();
    List<WithItem<?>> with = new ArrayList<>();
    if (statement instanceof Select s && s.getWithItemsList() != null) {
      with.addAll(s.getWithItemsList());
    }
    if (ps != statement && ps.getWithItemsList() != null) {
      with.addAll(ps.getWithItemsList());
    }
    for (WithItem<?> item : with) {
      String name = normalize(item.getAlias().getName());
      Select body = item.getSelect();
      List<String> sharded = shardedTablesIn(body, check.ctePartitioned);
      if (sharded.isEmpty()) {
        check.ctePartitioned.put(name, false);
        continue;
      }
      Select inner = body instanceof ParenthesedSelect p ? p.getSelect() : body;
      if (item.isRecursive() || !check.rowPreserving(inner)) {
        throw perShard("the WITH query (CTE) " + item.getAlias().getName() + " over the sharded table " + sharded.get(0));
      }
      check.ctePartitioned.put(name, true);
    }
    if (ps.getFromItem() == null) {
      return;
    }
    List<Join> joins = ps.getJoins() == null ? List.of() : ps.getJoins();
    check.chain(ps.getFromItem(), joins);
    if (check.derivedPartitioned != null && (!joins.isEmpty() || hasSubqueries(ps))) {
      throw Unsupported.of(
          check.derivedPartitioned + " over a sharded table, joined with other tables or used next to subqueries",
          "the planner proves such a query exact only when the derived rows are the whole FROM clause",
          "Flatten it into the outer query (plain joins and conditions), or " + Unsupported.ROUTE_TO_ONE_SHARD_LOWER);
    }
  }

  private static boolean hasSubqueries(PlainSelect ps) {
    List<net.sf.jsqlparser.expression.Expression> parts = new ArrayList<>();
    for (SelectItem<?> item : ps.getSelectItems()) {
      parts.add(item.getExpression());
    }
    parts.add(ps.getWhere());
    parts.add(ps.getHaving());
    if (ps.getOrderByElements() != null) {
      ps.getOrderByElements().forEach(o -> parts.add(o.getExpression()));
    }
    for (net.sf.jsqlparser.expression.Expression e : parts) {
      if (e != null && !ExpressionScan.of(e).subqueries.isEmpty()) {
        return true;
      }
    }
    return false;
  }

  private static SQLFeatureNotSupportedException perShard(String what) {
    return Unsupported.of(
        what,
        "it would run on each shard over that shard's rows only, so its DISTINCT, GROUP BY, aggregates, LIMIT or"
            + " window functions would be per shard and the outer query would combine per-shard results",
        "Flatten it into the outer query (plain joins and conditions), run it as its own query, or "
            + Unsupported.ROUTE_TO_ONE_SHARD_LOWER);
  }

  private static String aliasOf(FromItem item) {
    return item.getAlias() == null ? "" : item.getAlias().getName();
  }

  /** Tables in {@code select} that are not broadcast (CTE names count as tables: refusing is safe). */
  private List<String> shardedTablesIn(Select select, Map<String, Boolean> ctes) {
    List<String> out = new ArrayList<>();
    Set<String> names;
    try {
      names = new TablesNamesFinder<Void>().getTables((Statement) select);
    } catch (Exception | StackOverflowError e) {
      return List.of("(unreadable subquery)");
    }
    for (String n : names) {
      String k = normalize(n);
      if (ctes.containsKey(k) ? ctes.get(k) : !broadcast.contains(k)) {
        out.add(n);
      }
    }
    return out;
  }

  /** The unqualified table name as a lower-case identifier without quotes. */
  static String normalize(String name) {
    String n = name;
    int dot = n.lastIndexOf('.');
    if (dot >= 0) {
      n = n.substring(dot + 1);
    }
    return ExpressionText.unquote(n).toLowerCase(Locale.ROOT);
  }
}
