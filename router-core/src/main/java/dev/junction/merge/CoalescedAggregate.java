package dev.junction.merge;

import java.sql.SQLException;
import java.util.Locale;
import net.sf.jsqlparser.expression.DoubleValue;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.Parenthesis;
import net.sf.jsqlparser.expression.SignedExpression;

/**
 * Recognises {@code COALESCE(aggregate, literal)} in the select list, the usual way of writing "0
 * when there is nothing to add up", and says how to merge it exactly.
 *
 * <p>The shards compute the whole {@code COALESCE} themselves, so the column has exactly the type
 * (and the literal exactly the text and scale) the database gives it: {@code coalesce(sum(int4), 0)}
 * is bigint and {@code coalesce(sum(int8), 0)} numeric on PostgreSQL, DECIMAL on MariaDB. What
 * the merger must not do is combine a shard's literal as if it were an aggregate (three shards
 * without rows would add up to three times the literal, or a MAX of negative numbers would come out
 * as 0). So for SUM, MIN and MAX each shard also returns a hidden {@code COUNT(arg)}: the aggregate
 * is NULL on a shard exactly when that count is 0, those partials are skipped, and a group whose
 * counts are all 0 keeps the literal as a shard computed it ({@link ColumnMerge#coalesced()}).
 * {@code COUNT} is never NULL, so its coalesced partials are simply added.
 *
 * <p>Why only a numeric literal without exponent: each shard converts its aggregate to the
 * coalesce's type before the merger sees it. The merger's SUM, MIN and MAX over converted partials
 * equal the conversion of the overall aggregate only when the conversion is exact and keeps order:
 * integer to wider integer or numeric/DECIMAL, numeric to a floating type the aggregate already had.
 * An integer or plain decimal literal gives exactly those (or an error the database raises itself,
 * such as PostgreSQL's "COALESCE types text and integer cannot be matched"). A string literal could
 * turn MariaDB numbers into text ({@code '10' < '9'}), and an exponent literal is a DOUBLE on MariaDB,
 * which would round each partial sum separately. Both are refused, as are AVG (computed by the
 * merger, not by the shards), other aggregates, parameters and more than two arguments. MariaDB
 * also accepts {@code COALESCE(MAX(temporal or text), 0)} and returns text (a {@code DATETIME}
 * becomes {@code varchar(26)}), whose order is not that of every type it renders
 * ({@code TIME '100:00:00'} sorts before {@code '99:00:00'}); the SQL does not show the type, so
 * the merger refuses a coalesced MIN/MAX whose shard values are not numbers (0AJ00, before any row
 * is returned).
 */
final class CoalescedAggregate {

  /** An accepted {@code COALESCE(call, literal)}. */
  record Shape(AggregateCalls.Call call) {}

  private CoalescedAggregate() {}

  /**
   * The shape {@code e} is, or null when {@code e} is not a {@code COALESCE} call.
   *
   * @throws SQLException (0AJ00) for a {@code COALESCE} over aggregates that cannot be merged exactly
   */
  static Shape recognize(Expression e, ShardKeys keys) throws SQLException {
    if (!(e instanceof Function f) || f.getName() == null
        || !f.getName().toLowerCase(Locale.ROOT).equals("coalesce")
        || ExpressionScan.of(e).aggregates.isEmpty()) {
      return null;
    }
    if (f.getParameters() == null || f.getParameters().size() != 2) {
      throw refused(e, "it has " + (f.getParameters() == null ? 0 : f.getParameters().size()) + " arguments");
    }
    Expression first = unwrap((Expression) f.getParameters().get(0));
    Expression second = (Expression) f.getParameters().get(1);
    AggregateCalls.Call call = AggregateCalls.recognize(first, keys);
    if (call == null) {
      throw refused(e, "its first argument is not an aggregate call");
    }
    if (call.combine() != Combine.COUNT && call.combine() != Combine.SUM && call.combine() != Combine.MIN
        && call.combine() != Combine.MAX) {
      throw refused(e, "its aggregate is " + call.name().toUpperCase(Locale.ROOT)
          + (call.combine() == Combine.AVG ? ", which the merger computes from SUM and COUNT" : ""));
    }
    if (!isNumericLiteral(second)) {
      throw refused(e, "its second argument " + ParameterMarkers.display(second.toString()) + " is not an integer or decimal literal (a string, an"
          + " exponent, an expression or a parameter could change the result type in a way the merge cannot"
          + " reproduce)");
    }
    return new Shape(call);
  }

  /** An integer or decimal literal without exponent, optionally signed. */
  static boolean isNumericLiteral(Expression e) {
    if (e instanceof SignedExpression s && (s.getSign() == '-' || s.getSign() == '+')) {
      e = s.getExpression();
    }
    if (e instanceof LongValue) {
      return true;
    }
    return e instanceof DoubleValue && e.toString().matches("[0-9]*\\.?[0-9]*");
  }

  private static Expression unwrap(Expression e) {
    while (e instanceof Parenthesis p) {
      e = p.getExpression();
    }
    return e;
  }

  private static SQLException refused(Expression e, String why) {
    return Unsupported.of(
        "the select item " + e,
        "only COALESCE(COUNT|SUM|MIN|MAX(...), <integer or decimal literal>) is merged exactly, and " + why,
        "Select the aggregate as its own column and apply the default in the application, or "
            + Unsupported.ROUTE_TO_ONE_SHARD_LOWER);
  }
}
