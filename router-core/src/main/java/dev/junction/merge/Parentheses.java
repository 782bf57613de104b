package dev.junction.merge;

import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Parenthesis;
import net.sf.jsqlparser.expression.operators.relational.ExpressionList;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.statement.select.OrderByElement;
import net.sf.jsqlparser.statement.select.PlainSelect;

/**
 * Drops the parentheses around whole ORDER BY and GROUP BY items, as PostgreSQL's and MariaDB's
 * parsers do: {@code ORDER BY (2)} is still a position and {@code ORDER BY (x)} still a bare name
 * that may be an output alias. Read as expressions, {@code (2)} would be a constant the merger sorts
 * (or groups) by, and {@code (x)} the table column instead of the output column.
 */
final class Parentheses {

  private Parentheses() {}

  /** Rewrites {@code ps} in place; the shard statement then carries the unwrapped items too. */
  static void unwrapOrderAndGroup(PlainSelect ps) {
    if (ps.getOrderByElements() != null) {
      for (OrderByElement o : ps.getOrderByElements()) {
        o.setExpression(unwrap(o.getExpression()));
      }
    }
    if (ps.getGroupBy() != null && ps.getGroupBy().getGroupByExpressionList() != null) {
      @SuppressWarnings("unchecked")
      ExpressionList<Expression> list = (ExpressionList<Expression>) ps.getGroupBy().getGroupByExpressionList();
      for (int i = 0; i < list.size(); i++) {
        list.set(i, unwrap(list.get(i)));
      }
    }
  }

  /** {@code e} without any number of enclosing single-item parentheses; a row {@code (a, b)} stays. */
  static Expression unwrap(Expression e) {
    Expression current = e;
    while (true) {
      if (current instanceof Parenthesis p) {
        current = p.getExpression();
      } else if (current instanceof ParenthesedExpressionList<?> list && list.size() == 1) {
        current = list.get(0);
      } else {
        return current;
      }
    }
  }
}
