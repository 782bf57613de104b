package dev.junction.merge;

import java.util.ArrayList;
import java.util.List;
import net.sf.jsqlparser.expression.AnalyticExpression;
import net.sf.jsqlparser.expression.AnalyticType;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.ExpressionVisitorAdapter;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.JsonAggregateFunction;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.Select;

/**
 * Finds aggregate calls, window functions, subqueries and column references inside one expression,
 * without descending into subqueries (their aggregates are their own business).
 */
final class ExpressionScan extends ExpressionVisitorAdapter<Void> {

  final List<Expression> aggregates = new ArrayList<>();
  final List<AnalyticExpression> windows = new ArrayList<>();
  final List<Select> subqueries = new ArrayList<>();
  final List<Column> columns = new ArrayList<>();

  private ExpressionScan() {}

  static ExpressionScan of(Expression e) {
    ExpressionScan scan = new ExpressionScan();
    if (e != null) {
      e.accept(scan, null);
    }
    return scan;
  }

  static boolean isWindow(AnalyticExpression a) {
    AnalyticType t = a.getType();
    return t == AnalyticType.OVER || t == AnalyticType.WITHIN_GROUP_OVER || a.getWindowName() != null;
  }

  @Override
  public <S> Void visit(Function function, S context) {
    if (AggregateCalls.isAggregateName(function.getName())) {
      aggregates.add(function);
    }
    return super.visit(function, context);
  }

  @Override
  public <S> Void visit(AnalyticExpression analytic, S context) {
    if (isWindow(analytic)) {
      windows.add(analytic);
    } else {
      aggregates.add(analytic);
    }
    return super.visit(analytic, context);
  }

  @Override
  public <S> Void visit(net.sf.jsqlparser.expression.MySQLGroupConcat groupConcat, S context) {
    aggregates.add(groupConcat);
    return super.visit(groupConcat, context);
  }

  @Override
  public <S> Void visit(JsonAggregateFunction function, S context) {
    aggregates.add(function);
    return null;
  }

  @Override
  public <S> Void visit(Column column, S context) {
    columns.add(column);
    return null;
  }

  @Override
  public <S> Void visit(ParenthesedSelect select, S context) {
    subqueries.add(select);
    return null;
  }

  @Override
  public <S> Void visit(Select select, S context) {
    subqueries.add(select);
    return null;
  }
}
