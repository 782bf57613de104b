package dev.junction.merge;

import java.math.BigInteger;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.util.Locale;
import net.sf.jsqlparser.expression.AllValue;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.NullValue;
import net.sf.jsqlparser.expression.SignedExpression;
import net.sf.jsqlparser.statement.select.Fetch;
import net.sf.jsqlparser.statement.select.Limit;
import net.sf.jsqlparser.statement.select.PlainSelect;

/**
 * Reads the row limit of a SELECT in any of its spellings — {@code LIMIT n OFFSET m}, MySQL's
 * {@code LIMIT m, n}, SQL:2008 {@code OFFSET m ROWS FETCH FIRST n ROWS ONLY} — and rewrites it for
 * the shards. A shard cannot know which of its rows the global OFFSET skips, so each shard returns
 * its first n + m rows and the merger applies OFFSET m LIMIT n to the merged stream.
 *
 * <p>Values must be integer literals or {@code ?} parameters; with a parameter the shard limit
 * becomes a {@code ?} computed at execution ({@link ShardParameters#COMPUTED_LIMIT}).
 */
final class LimitClause {

  final RowBound offset;
  final RowBound limit;

  private LimitClause(RowBound offset, RowBound limit) {
    this.offset = offset;
    this.limit = limit;
  }

  static LimitClause read(PlainSelect ps) throws SQLException {
    RowBound offset = RowBound.NONE;
    RowBound limit = RowBound.NONE;
    Limit l = ps.getLimit();
    if (l != null) {
      if (!l.isLimitAll() && !l.isLimitNull()) {
        limit = bound(l.getRowCount(), "LIMIT");
      }
      if (l.getOffset() != null) {
        offset = bound(l.getOffset(), "OFFSET");
      }
    }
    if (ps.getOffset() != null) {
      offset = bound(ps.getOffset().getOffset(), "OFFSET");
    }
    Fetch f = ps.getFetch();
    if (f != null) {
      limit = f.getExpression() == null ? RowBound.literal(1) : bound(f.getExpression(), "FETCH FIRST");
    }
    if (offset.isPresent() && !offset.isParameter() && offset.value() == 0) {
      offset = RowBound.NONE;
    }
    return new LimitClause(offset, limit);
  }

  private static RowBound bound(Expression e, String clause) throws SQLException {
    if (e == null || e instanceof AllValue || e instanceof NullValue) {
      return RowBound.NONE;
    }
    int parameter = ParameterMarkers.positionalIndex(e);
    if (parameter > 0) {
      return RowBound.parameter(parameter);
    }
    if (ParameterMarkers.isNamed(e)) {
      throw Unsupported.of(
          clause + " " + e,
          "the shards need LIMIT + OFFSET, which the planner can compute only for ? parameters and literals",
          "Write " + clause + " with a ? parameter or a literal");
    }
    BigInteger value = constant(e);
    if (value == null) {
      throw Unsupported.of(
          clause + " " + e,
          "the merger needs the row count as a number",
          "Use an integer literal or a ? parameter");
    }
    if (value.signum() < 0) {
      throw new SQLDataException(
          clause.toUpperCase(Locale.ROOT) + " must not be negative, got " + value,
          clause.equals("OFFSET") ? "2201X" : "2201W");
    }
    return RowBound.literal(value.bitLength() < 64 ? value.longValue() : Long.MAX_VALUE);
  }

  /**
   * The value of an integer constant expression: literals, signs, parentheses, {@code +}, {@code -}
   * and {@code *} ({@code LIMIT 2 + 3}, issue #10); null for anything else (division is left out: its
   * rounding differs between dialects).
   */
  static BigInteger constant(Expression e) {
    if (e instanceof LongValue v) {
      return v.getBigIntegerValue();
    }
    if (e instanceof SignedExpression s) {
      BigInteger inner = constant(s.getExpression());
      return inner == null ? null : s.getSign() == '-' ? inner.negate() : inner;
    }
    if (e instanceof net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList<?> p && p.size() == 1) {
      return constant(p.get(0));
    }
    if (e instanceof net.sf.jsqlparser.expression.BinaryExpression b) {
      BigInteger l = constant(b.getLeftExpression());
      BigInteger r = constant(b.getRightExpression());
      if (l == null || r == null) {
        return null;
      }
      if (b instanceof net.sf.jsqlparser.expression.operators.arithmetic.Addition) {
        return l.add(r);
      }
      if (b instanceof net.sf.jsqlparser.expression.operators.arithmetic.Subtraction) {
        return l.subtract(r);
      }
      if (b instanceof net.sf.jsqlparser.expression.operators.arithmetic.Multiplication) {
        return l.multiply(r);
      }
    }
    return null;
  }

  /**
   * Replaces the row limit of the shard statement: none when {@code pushDown} is false (the
   * merger needs every row), else LIMIT n + m (0 when n is 0) and never an OFFSET.
   */
  void rewriteForShard(PlainSelect ps, boolean pushDown) {
    ps.setOffset(null);
    Fetch fetch = ps.getFetch();
    if (!pushDown || !limit.isPresent()) {
      ps.setLimit(null);
      ps.setFetch(null);
      return;
    }
    Expression shardLimit;
    if (!limit.isParameter() && !offset.isParameter()) {
      long n = limit.value();
      shardLimit = new LongValue(n == 0 ? 0 : ScatterPlan.saturatedAdd(n, offset.orElse(0)));
    } else {
      shardLimit = ParameterMarkers.computedLimit();
    }
    if (fetch != null) {
      fetch.setExpression(shardLimit);
    } else {
      Limit l = new Limit();
      l.setRowCount(shardLimit);
      ps.setLimit(l);
    }
  }
}
