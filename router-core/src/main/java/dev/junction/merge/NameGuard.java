package dev.junction.merge;

import java.sql.SQLFeatureNotSupportedException;
import java.util.List;
import net.sf.jsqlparser.expression.CaseExpression;
import net.sf.jsqlparser.expression.CastExpression;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.ArrayConstructor;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.operators.relational.ExistsExpression;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.OrderByElement;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.SelectItem;
import net.sf.jsqlparser.statement.select.SetOperationList;

/**
 * Refuses name references whose meaning differs between the database and the merger.
 *
 * <h2>Design notes</h2>
 *
 * <ul>
 *   <li><b>Alias shadowing in GROUP BY and HAVING.</b> In {@code SELECT g % 3 AS g ... GROUP BY g}
 *       both PostgreSQL and MySQL group by the <em>table column</em> g (FROM columns win over
 *       aliases there), while the merger can only group the shard rows by what it receives: the
 *       output column g, i.e. {@code g % 3}. Groups that differ in g but agree in {@code g % 3} would
 *       be merged. The planner cannot see the schema, so it refuses whenever a bare GROUP BY/HAVING
 *       name equals the alias of a different expression.
 *   <li><b>Implicit output names in ORDER BY (PostgreSQL).</b> PostgreSQL names the output of
 *       {@code ts::date} "ts", of {@code lower(s)} "lower", of a CASE "case"; {@code ORDER BY ts}
 *       then sorts by the output expression, not by the column. Whether a shard resolved the name to
 *       the output or to the column is not visible in its rows, so such an ORDER BY is refused and
 *       the user is asked to write an explicit alias (then the merger sorts by that column) or a
 *       qualified column ({@code t.ts}, which PostgreSQL never resolves to an output column). A
 *       scalar subquery is named after its output column, EXISTS "exists", ARRAY(...) "array".
 * </ul>
 */
final class NameGuard {

  /** The implicit name of an output PostgreSQL names in a way this class does not read. */
  static final String UNKNOWN = new String("?unknown?");

  private NameGuard() {}

  static void check(PlainSelect ps, MergeDialect dialect) throws SQLFeatureNotSupportedException {
    List<SelectItem<?>> items = ps.getSelectItems();
    if (ps.getGroupBy() != null && ps.getGroupBy().getGroupByExpressionList() != null) {
      for (Object o : ps.getGroupBy().getGroupByExpressionList()) {
        if (o instanceof Expression e) {
          checkShadowing(e, items, "GROUP BY", dialect, columnNames(ps));
        }
      }
    }
    if (ps.getHaving() != null && !dialect.isMySqlFamily()) {
      // PostgreSQL never resolves HAVING names to output aliases; MySQL does (its documented ambiguity,
      // a name that is also a GROUP BY column, is refused above)
      for (Column c : ExpressionScan.of(ps.getHaving()).columns) {
        checkShadowing(c, items, "HAVING", dialect, null);
      }
    }
    if (ps.getOrderByElements() != null && !dialect.isMySqlFamily()) {
      for (OrderByElement o : ps.getOrderByElements()) {
        checkImplicitName(o.getExpression(), items, dialect);
      }
    }
  }

  /**
   * Column references in the select list, WHERE and ON (where aliases are not visible): a name that
   * appears there is a column of the FROM tables (or of an outer query).
   */
  private static List<Column> columnNames(PlainSelect ps) {
    List<Expression> parts = new java.util.ArrayList<>();
    ps.getSelectItems().forEach(i -> parts.add(i.getExpression()));
    parts.add(ps.getWhere());
    if (ps.getJoins() != null) {
      ps.getJoins().forEach(j -> parts.addAll(j.getOnExpressions()));
    }
    List<Column> out = new java.util.ArrayList<>();
    for (Expression e : parts) {
      if (e != null) {
        out.addAll(ExpressionScan.of(e).columns);
      }
    }
    return out;
  }

  /**
   * @param columns column references of the query block; null: refuse on any shadowing alias. With
   *     a list, an alias is taken as shadowing only when its name also appears there as a column
   *     (the planner cannot see the schema; an alias of a fresh name, GROUP BY d for
   *     date_trunc('day', ts) AS d, stays allowed, and docs/sharding.md states the assumption)
   */
  private static void checkShadowing(Expression e, List<SelectItem<?>> items, String clause, MergeDialect dialect,
                                     List<Column> columns) throws SQLFeatureNotSupportedException {
    if (!ExpressionText.isBareColumn(e)) {
      return;
    }
    String name = ((Column) e).getColumnName();
    for (SelectItem<?> item : items) {
      if (item.getAlias() == null || !ExpressionText.sameName(item.getAlias().getName(), name, dialect)) {
        continue;
      }
      Expression x = item.getExpression();
      if (x instanceof Column c && ExpressionText.sameName(c.getColumnName(), name, dialect)) {
        continue; // "t.g AS g": the alias names the column itself
      }
      if (columns != null && columns.stream().noneMatch(c -> ExpressionText.sameName(c.getColumnName(), name, dialect))) {
        continue;
      }
      throw Unsupported.of(
          clause + " " + name + " where " + name + " is also the alias of " + x,
          "the database reads " + name + " in " + clause + " as the table column, but the merger only sees the"
              + " output column " + name + " (" + x + ") and would group by that instead",
          "Give the expression a different alias (" + x + " AS " + ExpressionText.unquote(name) + "_x), or write the "
              + clause + " item as the expression itself");
    }
  }

  private static void checkImplicitName(Expression e, List<SelectItem<?>> items, MergeDialect dialect)
      throws SQLFeatureNotSupportedException {
    if (!ExpressionText.isBareColumn(e)) {
      return;
    }
    String name = ((Column) e).getColumnName();
    for (SelectItem<?> item : items) {
      if (item.getAlias() != null && ExpressionText.sameName(item.getAlias().getName(), name, dialect)) {
        return; // an explicit alias: the output column, and the merger resolves it the same way
      }
    }
    for (SelectItem<?> item : items) {
      Expression x = item.getExpression();
      if (item.getAlias() != null || x instanceof Column) {
        continue;
      }
      String implicit = implicitName(x);
      if (implicit != null && (implicit == UNKNOWN || ExpressionText.sameName(implicit, name, dialect))) {
        throw Unsupported.of(
            "ORDER BY " + name + " where the select list outputs " + x + " under the implicit name "
                + (implicit == UNKNOWN ? "(one Junction cannot read)" : implicit),
            "PostgreSQL sorts by the output expression " + x + ", and the merger cannot reproduce that order from"
                + " the column " + name,
            "Give the expression an explicit alias and order by the alias (or by the expression), or qualify the column"
                + " (ORDER BY t." + name + ") to sort by the column itself");
      }
    }
  }

  /** The output column name PostgreSQL gives an unaliased expression (FigureColname), where it is a name. */
  static String implicitName(Expression e) {
    if (e instanceof Column c) {
      return c.getColumnName();
    }
    if (e instanceof CastExpression cast) {
      return implicitName(cast.getLeftExpression());
    }
    if (e instanceof ParenthesedExpressionList<?> list && list.size() == 1) {
      return implicitName(list.get(0));
    }
    if (e instanceof Function f && f.getName() != null) {
      String n = f.getName();
      int dot = n.lastIndexOf('.');
      return dot >= 0 ? n.substring(dot + 1) : n;
    }
    if (e instanceof CaseExpression) {
      return "case";
    }
    if (e instanceof ExistsExpression) {
      return "exists";
    }
    if (e instanceof ArrayConstructor) {
      return "array";
    }
    if (e instanceof ParenthesedSelect sub) {
      return subqueryName(sub);
    }
    return null;
  }

  /**
   * A scalar subquery is named after its one output column ({@code (SELECT r.name ...)} is "name").
   * Where that name cannot be read here (a star, VALUES), returns {@link #UNKNOWN}: any bare ORDER BY
   * name might then be it.
   */
  private static String subqueryName(ParenthesedSelect sub) {
    SelectItem<?> first = firstItem(sub);
    if (first == null || first.getExpression() instanceof AllColumns) {
      return UNKNOWN;
    }
    return first.getAlias() != null ? first.getAlias().getName() : implicitName(first.getExpression());
  }

  /** The first select item of a subquery (of its first branch for a set operation), or null. */
  static SelectItem<?> firstItem(ParenthesedSelect sub) {
    Select s = sub.getSelect();
    while (s instanceof ParenthesedSelect p) {
      s = p.getSelect();
    }
    if (s instanceof SetOperationList ops && !ops.getSelects().isEmpty()) {
      s = ops.getSelects().get(0);
      while (s instanceof ParenthesedSelect p) {
        s = p.getSelect();
      }
    }
    if (!(s instanceof PlainSelect ps) || ps.getSelectItems() == null || ps.getSelectItems().isEmpty()) {
      return null;
    }
    return ps.getSelectItems().get(0);
  }

}
