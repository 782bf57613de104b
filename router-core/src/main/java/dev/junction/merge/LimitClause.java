package dev.junction.merge;

import java.math.BigInteger;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.util.List;
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
   * True when a LIMIT, OFFSET or FETCH value is a constant expression whose verdict belongs to the
   * server: MySQL and MariaDB accept no expression there at all (a syntax error, 42000), and on
   * PostgreSQL an int4/int8 overflow ({@code LIMIT 2147483647 + 1}: "integer out of range", 22003)
   * or a negative value (2201W/2201X) is the server's error. Such a statement is sent to the shards
   * as written, so the application gets the server's own error and message.
   */
  static boolean serverMustJudge(PlainSelect ps, MergeDialect dialect) {
    List<Expression> values = new java.util.ArrayList<>();
    Limit l = ps.getLimit();
    if (l != null) {
      values.add(l.getRowCount());
      values.add(l.getOffset());
    }
    if (ps.getOffset() != null) {
      values.add(ps.getOffset().getOffset());
    }
    if (ps.getFetch() != null) {
      values.add(ps.getFetch().getExpression());
    }
    for (Expression e : values) {
      if (e == null || e instanceof LongValue || ParameterMarkers.positionalIndex(e) > 0 || constant(e) == null) {
        continue; // a literal, a parameter, or not a constant at all (refused by read)
      }
      if (e instanceof SignedExpression s && s.getExpression() instanceof LongValue) {
        continue; // a signed literal: Junction's own 2201W, as before
      }
      if (dialect.isMySqlFamily() || postgresConstant(e) == null || postgresConstant(e) < 0) {
        return true;
      }
    }
    return false;
  }

  /** The value under PostgreSQL's int4/int8 typing; null when the server raises an overflow. */
  private static Long postgresConstant(Expression e) {
    Object v = typed(e);
    return v == null ? null : ((Number) v).longValue();
  }

  /** Integer (int4) or Long (int8), or null for overflow or a literal beyond int8 (numeric). */
  private static Object typed(Expression e) {
    if (e instanceof LongValue v) {
      BigInteger i = v.getBigIntegerValue();
      return i.bitLength() < 32 ? (Object) i.intValue() : i.bitLength() < 64 ? (Object) i.longValue() : null;
    }
    if (e instanceof SignedExpression s) {
      if (s.getExpression() instanceof LongValue v && s.getSign() == '-') {
        BigInteger i = v.getBigIntegerValue().negate();
        return i.bitLength() < 32 ? (Object) i.intValue() : i.bitLength() < 64 ? (Object) i.longValue() : null;
      }
      Object inner = typed(s.getExpression());
      if (inner == null || s.getSign() != '-') {
        return inner;
      }
      return inner instanceof Integer i ? (i == Integer.MIN_VALUE ? null : (Object) (-i))
          : ((Long) inner == Long.MIN_VALUE ? null : (Object) (-(Long) inner));
    }
    if (e instanceof net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList<?> p && p.size() == 1) {
      return typed(p.get(0));
    }
    if (e instanceof net.sf.jsqlparser.expression.BinaryExpression b) {
      Object l = typed(b.getLeftExpression());
      Object r = typed(b.getRightExpression());
      if (l == null || r == null) {
        return null;
      }
      long x = ((Number) l).longValue();
      long y = ((Number) r).longValue();
      long v;
      try {
        if (b instanceof net.sf.jsqlparser.expression.operators.arithmetic.Addition) {
          v = Math.addExact(x, y);
        } else if (b instanceof net.sf.jsqlparser.expression.operators.arithmetic.Subtraction) {
          v = Math.subtractExact(x, y);
        } else {
          v = Math.multiplyExact(x, y);
        }
      } catch (ArithmeticException overflow) {
        return null;
      }
      if (l instanceof Integer && r instanceof Integer) {
        return v == (int) v ? (Object) (int) v : null;
      }
      return v;
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
