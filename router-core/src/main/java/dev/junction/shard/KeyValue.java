package dev.junction.shard;

import java.math.BigInteger;
import net.sf.jsqlparser.expression.CastExpression;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.JdbcParameter;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.NullValue;
import net.sf.jsqlparser.expression.Parenthesis;
import net.sf.jsqlparser.expression.SignedExpression;
import net.sf.jsqlparser.expression.StringValue;

/**
 * Where a shard-key value comes from: a literal in the SQL text or the value bound to a {@code ?}.
 * Keeping the parameter position (not the value) is what lets one cached plan serve every
 * execution.
 */
sealed interface KeyValue {

  /** A literal; {@code value} is null for SQL NULL. */
  record Literal(Object value) implements KeyValue {}

  /** The bound value of the parameter at {@code index} (0 = first {@code ?} in the text). */
  record Parameter(int index) implements KeyValue {}

  /**
   * The key value an expression denotes — an integer, negative integer or string literal, NULL, a
   * {@code ?} parameter, or a cast of one of those — or null if it is anything else.
   */
  static KeyValue of(Expression e) {
    if (e instanceof CastExpression cast) {
      return of(cast.getLeftExpression());
    }
    if (e instanceof Parenthesis p) {
      return of(p.getExpression());
    }
    if (e instanceof JdbcParameter p && p.getIndex() != null) {
      return new Parameter(p.getIndex() - 1);
    }
    if (e instanceof LongValue l) {
      return new Literal(integer(l.getStringValue()));
    }
    if (e instanceof SignedExpression s && s.getExpression() instanceof LongValue l) {
      return new Literal(integer((s.getSign() == '-' ? "-" : "") + l.getStringValue()));
    }
    if (e instanceof StringValue s) {
      return new Literal(s.getValue().replace("''", "'"));
    }
    if (e instanceof NullValue) {
      return new Literal(null);
    }
    return null;
  }

  private static Object integer(String text) {
    BigInteger b = new BigInteger(text.trim());
    return b.bitLength() < 64 ? (Object) b.longValue() : b;
  }
}
