package dev.junction.shard;

import java.util.ArrayList;
import java.util.List;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Parenthesis;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.expression.operators.conditional.OrExpression;
import net.sf.jsqlparser.expression.operators.relational.EqualsTo;
import net.sf.jsqlparser.expression.operators.relational.ExpressionList;
import net.sf.jsqlparser.expression.operators.relational.InExpression;
import net.sf.jsqlparser.schema.Column;

/**
 * Reads the shard-key predicates of a query block: from the top-level AND-conjuncts of its
 * conditions, {@code key = v}, {@code key IN (...)} and {@code (key = a OR key = b)} pin a table
 * reference to the shards of those values, and {@code a.key = b.key} co-locates two references.
 * Anything else says nothing about shards, which is always safe: it only widens the route.
 */
final class KeyPredicates {

  /** A restriction of one table reference to the rows whose key is one of {@code values}. */
  record Pin(TableRef ref, List<KeyValue> values) {}

  private final EquivalenceClasses classes;
  final List<Pin> pins = new ArrayList<>();

  KeyPredicates(EquivalenceClasses classes) {
    this.classes = classes;
  }

  /** Reads every block's co-locations and pins. */
  void read(List<QueryScope> scopes) {
    for (QueryScope scope : scopes) {
      for (TableRef[] pair : scope.usingJoins) {
        classes.union(pair[0], pair[1]);
      }
      for (Expression conjunct : conjuncts(scope)) {
        colocate(conjunct, scope);
      }
    }
    for (QueryScope scope : scopes) {
      for (Expression condition : scope.restricting) {
        for (Expression conjunct : conjuncts(condition, new ArrayList<>())) {
          Pin pin = pin(conjunct, scope);
          if (pin != null) {
            pins.add(pin);
          }
        }
      }
    }
  }

  private List<Expression> conjuncts(QueryScope scope) {
    List<Expression> out = new ArrayList<>();
    scope.restricting.forEach(c -> conjuncts(c, out));
    scope.joining.forEach(c -> conjuncts(c, out));
    return out;
  }

  private void colocate(Expression conjunct, QueryScope scope) {
    if (conjunct instanceof EqualsTo eq) {
      TableRef left = key(eq.getLeftExpression(), scope);
      TableRef right = key(eq.getRightExpression(), scope);
      if (left != null && right != null) {
        classes.union(left, right);
      }
    }
  }

  /** {@code key = v}, {@code v = key}, {@code key IN (v, ...)} or an OR of those on one reference. */
  private Pin pin(Expression e, QueryScope scope) {
    e = unwrap(e);
    if (e instanceof EqualsTo eq) {
      TableRef ref = key(eq.getLeftExpression(), scope);
      KeyValue value = KeyValue.of(eq.getRightExpression());
      if (ref == null) {
        ref = key(eq.getRightExpression(), scope);
        value = KeyValue.of(eq.getLeftExpression());
      }
      return ref == null || value == null ? null : new Pin(ref, List.of(value)); // key = key: no value
    }
    if (e instanceof InExpression in && !in.isNot() && in.getRightExpression() instanceof ExpressionList<?> list) {
      TableRef ref = key(in.getLeftExpression(), scope);
      if (ref == null) {
        return null;
      }
      List<KeyValue> values = new ArrayList<>();
      for (Expression item : list) {
        KeyValue value = KeyValue.of(item);
        if (value == null) {
          return null;
        }
        values.add(value);
      }
      return new Pin(ref, values);
    }
    if (e instanceof OrExpression or) {
      Pin left = pin(or.getLeftExpression(), scope);
      Pin right = pin(or.getRightExpression(), scope);
      if (left == null || right == null || left.ref() != right.ref()) {
        return null;
      }
      List<KeyValue> values = new ArrayList<>(left.values());
      values.addAll(right.values());
      return new Pin(left.ref(), values);
    }
    return null;
  }

  private TableRef key(Expression e, QueryScope scope) {
    e = unwrap(e);
    return e instanceof Column column ? scope.keyOf(column) : null;
  }

  private static List<Expression> conjuncts(Expression e, List<Expression> out) {
    e = unwrap(e);
    if (e instanceof AndExpression and) {
      conjuncts(and.getLeftExpression(), out);
      conjuncts(and.getRightExpression(), out);
    } else if (e != null) {
      out.add(e);
    }
    return out;
  }

  static Expression unwrap(Expression e) {
    while (true) {
      if (e instanceof Parenthesis p) {
        e = p.getExpression();
      } else if (e instanceof ExpressionList<?> list && list.size() == 1 && !(e instanceof net.sf.jsqlparser.expression.RowConstructor)) {
        e = list.get(0);
      } else {
        return e;
      }
    }
  }
}
