package dev.junction.merge;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import net.sf.jsqlparser.expression.AnalyticExpression;
import net.sf.jsqlparser.expression.ArrayConstructor;
import net.sf.jsqlparser.expression.CaseExpression;
import net.sf.jsqlparser.expression.CastExpression;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.operators.relational.ExistsExpression;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.SelectItem;

/**
 * Column labels as the database would report them, so the merged result is named like a
 * single-database result even where the shard statement computes something else (AVG becomes SUM).
 *
 * <p>PostgreSQL: the alias, else the column name, else the function name, else {@code ?column?}
 * (unquoted names folded to lower case). MySQL/MariaDB: the alias or column name as written, else
 * the expression text. The MySQL text is re-rendered by the parser, so unusual spacing in the
 * original can differ; prefer the shard result's metadata for columns the planner did not rewrite.
 */
final class Labels {

  private Labels() {}

  static List<String> of(List<SelectItem<?>> items, MergeDialect dialect) {
    List<String> out = new ArrayList<>(items.size());
    for (SelectItem<?> item : items) {
      out.add(of(item, dialect));
    }
    return out;
  }

  static String of(SelectItem<?> item, MergeDialect dialect) {
    if (item.getAlias() != null && item.getAlias().getName() != null) {
      return name(item.getAlias().getName(), dialect);
    }
    Expression e = item.getExpression();
    if (e instanceof Column c) {
      return name(c.getColumnName(), dialect);
    }
    if (dialect.isMySqlFamily()) {
      return ParameterMarkers.display(e.toString());
    }
    return postgresName(e);
  }

  private static String name(String identifier, MergeDialect dialect) {
    return dialect.isMySqlFamily() ? ExpressionText.unquote(identifier) : ExpressionText.fold(identifier);
  }

  /** PostgreSQL's FigureColname, for the expression kinds that matter in scatter queries. */
  private static String postgresName(Expression e) {
    if (e instanceof Column c) {
      return ExpressionText.fold(c.getColumnName());
    }
    if (e instanceof Function f && f.getName() != null) {
      return ExpressionText.fold(lastPart(f.getName()));
    }
    if (e instanceof AnalyticExpression a && a.getName() != null) {
      return ExpressionText.fold(lastPart(a.getName()));
    }
    if (e instanceof CastExpression cast) {
      String inner = postgresName(cast.getLeftExpression());
      if (!inner.equals("?column?")) {
        return inner;
      }
      return cast.getColDataType() == null ? inner
          : cast.getColDataType().getDataType().toLowerCase(Locale.ROOT);
    }
    if (e instanceof CaseExpression) {
      return "case";
    }
    if (e instanceof ParenthesedExpressionList<?> p && p.size() == 1) {
      return postgresName(p.get(0));
    }
    if (e instanceof ExistsExpression) {
      return "exists";
    }
    if (e instanceof ArrayConstructor) {
      return "array";
    }
    if (e instanceof ParenthesedSelect sub) { // a scalar subquery is named after its output column
      SelectItem<?> first = NameGuard.firstItem(sub);
      if (first != null && first.getAlias() != null && first.getAlias().getName() != null) {
        return ExpressionText.fold(first.getAlias().getName());
      }
      return first == null || first.getExpression() instanceof AllColumns ? "?column?" : postgresName(first.getExpression());
    }
    return "?column?";
  }

  private static String lastPart(String name) {
    int dot = name.lastIndexOf('.');
    return dot < 0 ? name : name.substring(dot + 1);
  }

  /** The label as an alias the shard database accepts, quoted when it must be. */
  static String asAlias(String label, MergeDialect dialect) {
    if (label.matches("[a-z_][a-z0-9_]*")) {
      return label;
    }
    if (dialect.isMySqlFamily()) {
      return "`" + label.replace("`", "``") + "`";
    }
    return "\"" + label.replace("\"", "\"\"") + "\"";
  }
}
