package dev.junction.merge;

import java.math.BigDecimal;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import net.sf.jsqlparser.expression.DoubleValue;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.NotExpression;
import net.sf.jsqlparser.expression.NullValue;
import net.sf.jsqlparser.expression.SignedExpression;
import net.sf.jsqlparser.expression.StringValue;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.expression.operators.conditional.OrExpression;
import net.sf.jsqlparser.expression.operators.relational.Between;
import net.sf.jsqlparser.expression.operators.relational.EqualsTo;
import net.sf.jsqlparser.expression.operators.relational.ExpressionList;
import net.sf.jsqlparser.expression.operators.relational.GreaterThan;
import net.sf.jsqlparser.expression.operators.relational.GreaterThanEquals;
import net.sf.jsqlparser.expression.operators.relational.InExpression;
import net.sf.jsqlparser.expression.operators.relational.IsNullExpression;
import net.sf.jsqlparser.expression.operators.relational.MinorThan;
import net.sf.jsqlparser.expression.operators.relational.MinorThanEquals;
import net.sf.jsqlparser.expression.operators.relational.NotEqualsTo;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.statement.select.Select;

/**
 * Compiles the part of a HAVING clause that must wait for merged groups into a {@link RowFilter}.
 *
 * <p>Supported: AND, OR, NOT and parentheses over comparisons ({@code = <> != < <= > >=}),
 * BETWEEN, IN (list) and IS [NOT] NULL, whose operands are aggregate calls, GROUP BY columns or
 * other select-list columns, literals (numbers, strings, NULL) and {@code ?} parameters. Other
 * constant expressions ({@code DATE '2024-01-01'}, {@code now()}) are computed by the shards as
 * hidden columns, so they keep the database's own typing. Arithmetic on aggregates
 * ({@code SUM(x) / COUNT(*) > 2}), LIKE, subqueries and functions around aggregates are rejected
 * with a message suggesting the select-list form.
 */
final class HavingCompiler {

  /** Resolves operands to absolute columns of the merged row, adding hidden columns as needed. */
  interface Columns {
    /** The aggregate call {@code e} is, or null ({@link AggregateCalls#recognize(Expression)} unless overridden). */
    default AggregateCalls.Call recognize(Expression e) throws SQLException {
      return AggregateCalls.recognize(e);
    }

    int aggregate(AggregateCalls.Call call) throws SQLException;

    int value(Expression e) throws SQLException;
  }

  private final Columns columns;

  private HavingCompiler(Columns columns) {
    this.columns = columns;
  }

  static RowFilter compile(Expression condition, Columns columns) throws SQLException {
    return new HavingCompiler(columns).condition(condition);
  }

  /** Splits a condition into its top-level AND terms. */
  static List<Expression> conjuncts(Expression e) {
    List<Expression> out = new ArrayList<>();
    addConjuncts(unwrap(e), out);
    return out;
  }

  private static void addConjuncts(Expression e, List<Expression> out) {
    if (e instanceof AndExpression and) {
      addConjuncts(unwrap(and.getLeftExpression()), out);
      addConjuncts(unwrap(and.getRightExpression()), out);
    } else {
      out.add(e);
    }
  }

  static Expression unwrap(Expression e) {
    while (e instanceof ParenthesedExpressionList<?> p && p.size() == 1) {
      e = p.get(0);
    }
    return e;
  }

  private RowFilter condition(Expression e) throws SQLException {
    e = unwrap(e);
    if (e instanceof AndExpression and) {
      return new RowFilters.And(condition(and.getLeftExpression()), condition(and.getRightExpression()));
    }
    if (e instanceof OrExpression or) {
      return new RowFilters.Or(condition(or.getLeftExpression()), condition(or.getRightExpression()));
    }
    if (e instanceof NotExpression not) {
      return new RowFilters.Not(condition(not.getExpression()));
    }
    RowFilters.Op op = comparison(e);
    if (op != null) {
      var binary = (net.sf.jsqlparser.expression.BinaryExpression) e;
      return new RowFilters.Comparison(op, operand(binary.getLeftExpression()), operand(binary.getRightExpression()));
    }
    if (e instanceof Between b) {
      return new RowFilters.Between(
          operand(b.getLeftExpression()), operand(b.getBetweenExpressionStart()),
          operand(b.getBetweenExpressionEnd()), b.isNot());
    }
    if (e instanceof IsNullExpression n) {
      return new RowFilters.IsNull(operand(n.getLeftExpression()), n.isNot());
    }
    if (e instanceof InExpression in && in.getRightExpression() instanceof ExpressionList<?> list
        && !(in.getRightExpression() instanceof Select)) {
      List<RowFilters.Operand> candidates = new ArrayList<>(list.size());
      for (Expression c : list) {
        candidates.add(operand(c));
      }
      return new RowFilters.In(operand(in.getLeftExpression()), candidates, in.isNot());
    }
    throw unsupported(e, "condition");
  }

  private static RowFilters.Op comparison(Expression e) {
    if (e instanceof EqualsTo) {
      return RowFilters.Op.EQ;
    }
    if (e instanceof NotEqualsTo) {
      return RowFilters.Op.NE;
    }
    if (e instanceof GreaterThan) {
      return RowFilters.Op.GT;
    }
    if (e instanceof GreaterThanEquals) {
      return RowFilters.Op.GE;
    }
    if (e instanceof MinorThan) {
      return RowFilters.Op.LT;
    }
    if (e instanceof MinorThanEquals) {
      return RowFilters.Op.LE;
    }
    return null;
  }

  private RowFilters.Operand operand(Expression e) throws SQLException {
    e = unwrap(e);
    Object literal = literal(e);
    if (literal != NOT_A_LITERAL) {
      return new RowFilters.ValueOperand(literal);
    }
    int parameter = ParameterMarkers.positionalIndex(e);
    if (parameter > 0) {
      return new RowFilters.ParameterOperand(parameter);
    }
    if (ParameterMarkers.isNamed(e)) {
      throw Unsupported.of(
          "the parameter " + e + " in HAVING",
          "HAVING over aggregates is evaluated after merging, outside the database, and the planner"
              + " tracks only ? parameters",
          "Use a ? parameter");
    }
    if (e instanceof Select) {
      throw unsupported(e, "subquery");
    }
    AggregateCalls.Call call = columns.recognize(e);
    if (call != null) {
      return new RowFilters.ColumnOperand(columns.aggregate(call));
    }
    if (!ExpressionScan.of(e).aggregates.isEmpty()) {
      throw unsupported(e, "expression over aggregates");
    }
    return new RowFilters.ColumnOperand(columns.value(e));
  }

  private static final Object NOT_A_LITERAL = new Object();

  private static Object literal(Expression e) {
    if (e instanceof NullValue) {
      return null;
    }
    if (e instanceof LongValue v) {
      return v.getBigIntegerValue().bitLength() < 64 ? (Object) v.getValue() : new BigDecimal(v.getBigIntegerValue());
    }
    if (e instanceof DoubleValue) {
      return new BigDecimal(e.toString());
    }
    if (e instanceof StringValue s && (s.getPrefix() == null || s.getPrefix().isEmpty())) {
      return s.getNotExcapedValue();
    }
    if (e instanceof SignedExpression s
        && (s.getExpression() instanceof LongValue || s.getExpression() instanceof DoubleValue)) {
      Object magnitude = literal(s.getExpression());
      BigDecimal v = magnitude instanceof Long l ? BigDecimal.valueOf(l) : (BigDecimal) magnitude;
      v = s.getSign() == '-' ? v.negate() : v;
      return magnitude instanceof Long ? (Object) v.longValueExact() : v;
    }
    return NOT_A_LITERAL;
  }

  private static SQLException unsupported(Expression e, String what) {
    return Unsupported.of(
        "the HAVING " + what + " " + e,
        "a HAVING condition over aggregates is evaluated after the shards' groups are merged, and the merger"
            + " evaluates only comparisons, BETWEEN, IN (list) and IS NULL of aggregates, group columns,"
            + " literals and ? parameters, combined with AND/OR/NOT",
        "Select the expression as a column (SELECT ..., SUM(x) AS s, COUNT(*) AS n) and filter in the"
            + " application, or " + Unsupported.ROUTE_TO_ONE_SHARD_LOWER);
  }
}
