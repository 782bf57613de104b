package dev.junction.merge;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;
import net.sf.jsqlparser.expression.CastExpression;
import net.sf.jsqlparser.expression.DoubleValue;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.Parenthesis;
import net.sf.jsqlparser.expression.SignedExpression;
import net.sf.jsqlparser.expression.operators.arithmetic.Addition;
import net.sf.jsqlparser.expression.operators.arithmetic.Division;
import net.sf.jsqlparser.expression.operators.arithmetic.Multiplication;
import net.sf.jsqlparser.expression.operators.arithmetic.Subtraction;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;

/**
 * An arithmetic expression over aggregates in the select list — {@code sum(a) / count(*)},
 * {@code round(avg(x), 2)}, {@code sum(a) - sum(b)}, {@code round(sum(x)::numeric / count(*), 2)} —
 * that the merger evaluates on the merged row, with the database's own arithmetic (issue #10).
 *
 * <p>The shards return each aggregate as a hidden column (merged exactly like a selected aggregate)
 * and, in the expression's place, {@code CASE WHEN 1 = 0 THEN <expression> END}: always NULL and
 * never evaluated, so no shard can fail on its partial values, but typed by the database exactly as
 * the expression, so the result set metadata is the server's. The merger then computes the value.
 *
 * <p><b>The grammar</b> is what can be evaluated with the server's exact semantics:
 *
 * <ul>
 *   <li>operands: {@code COUNT} (also {@code COUNT(DISTINCT shard key)}), {@code SUM} and {@code AVG}
 *       calls, integer and decimal literals (optionally signed, no exponent); at run time a
 *       partial that is not an integer or exact decimal (a float, interval or money sum) is refused;
 *   <li>PostgreSQL: {@code + - * /} at any depth, {@code round(e)}, {@code round(e, n)},
 *       {@code e::numeric} and {@code CAST(e AS numeric)}. Integer operands follow int4/int8 rules
 *       (a literal is int4 when it fits, else int8, else numeric): integer division truncates,
 *       overflow raises {@code integer out of range} / {@code bigint out of range} (22003). Numeric
 *       addition, subtraction and multiplication are exact; division takes {@code select_div_scale}'s
 *       scale and rounds half away from zero ({@link Averages#postgresDivScale}); {@code round} on
 *       numeric rounds half away from zero to {@code max(n, 0)} decimals. Division by zero raises
 *       {@code division by zero} (22012). {@code round()} of an integer is double precision on
 *       PostgreSQL and is refused when it happens (write {@code round(x::numeric)});
 *   <li>MariaDB/MySQL: {@code + - *} over integers (BIGINT, overflow refused: the server's error
 *       text quotes the expression) and decimals (exact; scale at most 38, 65 digits), and at most
 *       one division — as the whole expression or as the argument of an outer {@code ROUND(e, n)}.
 *       The server keeps more digits of a quotient than it shows ({@code (2/3)*3} is {@code 2.0000}),
 *       so a quotient (or {@code AVG}, which is one) inside further arithmetic is refused. The
 *       quotient has the dividend's scale plus {@code div_precision_increment} (assumed to be the
 *       default 4), rounded half up; by zero it is NULL. {@code ROUND(q, n)} is taken only for
 *       {@code n} up to that scale and is the exact quotient rounded half away from zero.
 *   <li>NULL in any operand gives NULL (after both operands are evaluated, so the errors an operand
 *       raises are raised as the server raises them).
 * </ul>
 *
 * <p>Everything else (MIN/MAX, which keep the column's type, columns, functions, parameters,
 * other casts, {@code %}, {@code DIV}) stays refused with 0AJ00 and a rewrite.
 */
final class AggregateExpression {

  /** A node of the accepted grammar. */
  sealed interface Node permits Agg, Lit, Bin, Round, ToNumeric {}

  /** An aggregate call; {@code column} is its merged column (for AVG the raw SUM, {@code partner} its COUNT). */
  static final class Agg implements Node {
    final AggregateCalls.Call call;
    int column = -1;
    int partner = -1;

    Agg(AggregateCalls.Call call) {
      this.call = call;
    }
  }

  /** A literal: Integer/Long/BigDecimal typed as the dialect types it. */
  record Lit(Object value) implements Node {}

  record Bin(char op, Node left, Node right) implements Node {}

  /** {@code round(arg)} ({@code digits} null) or {@code round(arg, digits)}. */
  record Round(Node arg, Integer digits) implements Node {}

  /** PostgreSQL {@code ::numeric}. */
  record ToNumeric(Node arg) implements Node {}

  private static final int PG_MAX_ROUND_DIGITS = 1000;
  private static final int MARIADB_MAX_SCALE = 38;
  private static final int MARIADB_MAX_PRECISION = 65;
  private static final int MARIADB_DIV_INCREMENT = 4;

  private final Node root;
  private final MergeDialect dialect;
  private final String text;
  private final List<Agg> aggregates;

  private AggregateExpression(Node root, MergeDialect dialect, String text, List<Agg> aggregates) {
    this.root = root;
    this.dialect = dialect;
    this.text = text;
    this.aggregates = aggregates;
  }

  /** The aggregate operands, in order; the planner assigns their columns. */
  List<Agg> aggregates() {
    return aggregates;
  }

  Node root() {
    return root;
  }

  /**
   * The expression {@code e} is, or null when it contains no aggregate or is itself a bare call
   * (handled elsewhere).
   *
   * @throws SQLException 0AJ00 naming the part outside the grammar; 22012/22003 for a constant part
   *     the server would reject while planning ({@code 1 / 0})
   */
  static AggregateExpression recognize(Expression e, MergeDialect dialect, ShardKeys keys) throws SQLException {
    if (ExpressionScan.of(e).aggregates.isEmpty()) {
      return null;
    }
    List<Agg> aggs = new ArrayList<>();
    Node root = new Reader(e, dialect, keys, aggs).read(e);
    if (root instanceof Agg) {
      return null;
    }
    if (dialect.isMySqlFamily()) {
      checkMySqlQuotients(e, root, true);
    }
    return new AggregateExpression(root, dialect, ParameterMarkers.display(e.toString()), List.copyOf(aggs));
  }

  /** A quotient (or AVG) only as the root or the argument of a root ROUND. */
  private static void checkMySqlQuotients(Expression e, Node n, boolean top) throws SQLException {
    if (n instanceof Round r) {
      checkMySqlQuotients(e, r.arg(), top);
      return;
    }
    boolean quotient = n instanceof Bin b && b.op() == '/' || n instanceof Agg a && a.call.combine() == Combine.AVG;
    if (quotient && !top) {
      throw refused(e, "a quotient (" + (n instanceof Agg ? "AVG is one" : "/") + ") inside further arithmetic:"
              + " the server keeps more digits of it than it shows ((2/3)*3 is 2.0000), which the merger cannot reproduce",
          "Compute the quotient last (for example (SUM(a) - SUM(b)) / COUNT(*)), or select the aggregates as their own"
              + " columns and compute the expression in the application");
    }
    if (n instanceof Bin b) {
      checkMySqlQuotients(e, b.left(), false);
      checkMySqlQuotients(e, b.right(), false);
    }
  }

  private static final class Reader {
    private final Expression whole;
    private final MergeDialect dialect;
    private final ShardKeys keys;
    private final List<Agg> aggs;

    Reader(Expression whole, MergeDialect dialect, ShardKeys keys, List<Agg> aggs) {
      this.whole = whole;
      this.dialect = dialect;
      this.keys = keys;
      this.aggs = aggs;
    }

    Node read(Expression e) throws SQLException {
      if (e instanceof Parenthesis p) {
        return read(p.getExpression());
      }
      if (e instanceof ParenthesedExpressionList<?> p && p.size() == 1) {
        return read(p.get(0));
      }
      AggregateCalls.Call call = AggregateCalls.recognize(e, keys);
      if (call != null) {
        if (call.combine() != Combine.COUNT && call.combine() != Combine.SUM && call.combine() != Combine.AVG) {
          throw refused(whole, "the aggregate " + call.name().toUpperCase(Locale.ROOT) + " inside it: only COUNT, SUM"
                  + " and AVG are evaluated inside expressions (" + call.name().toUpperCase(Locale.ROOT)
                  + " keeps its column's type, whose arithmetic the merger does not reproduce)",
              "Select " + e + " as its own column and compute the expression in the application");
        }
        if (ExpressionScan.of(e).aggregates.size() > 1) {
          throw new java.sql.SQLSyntaxErrorException(
              "aggregate function calls cannot be nested: " + ParameterMarkers.display(e.toString()), "42803");
        }
        Agg a = new Agg(call);
        aggs.add(a);
        return a;
      }
      if (e instanceof LongValue v) {
        return literal(new BigDecimal(v.getBigIntegerValue()), true);
      }
      if (e instanceof DoubleValue d) {
        String t = d.toString();
        if (!t.matches("[0-9]*\\.[0-9]*") || t.equals(".")) {
          throw refused(whole, "the literal " + t + " (an exponent makes it a floating-point number)", "Write it without an exponent");
        }
        return literal(new BigDecimal(t.startsWith(".") ? "0" + t : t.endsWith(".") ? t + "0" : t)
            .setScale(t.length() - t.indexOf('.') - 1), false);
      }
      if (e instanceof SignedExpression s && (s.getSign() == '-' || s.getSign() == '+')) {
        Node inner = read(s.getExpression());
        if (!(inner instanceof Lit lit)) {
          throw refused(whole, "the sign in " + e, "Write 0 - (...) instead");
        }
        BigDecimal v = SqlValues.toBigDecimal((Number) lit.value());
        return literal(s.getSign() == '-' ? v.negate() : v, !(lit.value() instanceof BigDecimal) || isIntegralLiteral(lit));
      }
      char op = e instanceof Addition ? '+' : e instanceof Subtraction ? '-' : e instanceof Multiplication ? '*'
          : e instanceof Division ? '/' : 0;
      if (op != 0) {
        net.sf.jsqlparser.expression.BinaryExpression b = (net.sf.jsqlparser.expression.BinaryExpression) e;
        Node l = read(b.getLeftExpression());
        Node r = read(b.getRightExpression());
        Node n = new Bin(op, l, r);
        if (l instanceof Lit && r instanceof Lit && !(dialect.isMySqlFamily() && op == '/')) {
          // a constant part: the server folds it while planning, raising its errors whatever the rows
          return new Lit(new AggregateExpression(n, dialect, "", List.of()).evaluate(i -> null));
        }
        return n;
      }
      if (e instanceof Function f && f.getName() != null && f.getName().equalsIgnoreCase("round")) {
        int n = f.getParameters() == null ? 0 : f.getParameters().size();
        if (n == 1 || n == 2) {
          Node arg = read((Expression) f.getParameters().get(0));
          Integer digits = null;
          if (n == 2) {
            Expression d = (Expression) f.getParameters().get(1);
            java.math.BigInteger v = LimitClause.constant(d);
            if (v == null || v.abs().compareTo(BigInteger.valueOf(dialect.isMySqlFamily() ? 30 : PG_MAX_ROUND_DIGITS)) > 0) {
              throw refused(whole, "the digits " + d + " of round() (an integer literal up to "
                  + (dialect.isMySqlFamily() ? 30 : PG_MAX_ROUND_DIGITS) + " is evaluated)", "Use an integer literal");
            }
            digits = v.intValue();
          }
          return new Round(arg, digits);
        }
      }
      if (e instanceof CastExpression c && !dialect.isMySqlFamily() && c.getColDataType() != null
          && c.getColDataType().getDataType() != null
          && c.getColDataType().getDataType().equalsIgnoreCase("numeric")
          && (c.getColDataType().getArgumentsStringList() == null || c.getColDataType().getArgumentsStringList().isEmpty())
          && (c.getColDataType().getArrayData() == null || c.getColDataType().getArrayData().isEmpty())) {
        return new ToNumeric(read(c.getLeftExpression()));
      }
      throw refused(whole, "the part " + ParameterMarkers.display(e.toString()) + " of it: the merger evaluates only "
              + (dialect.isMySqlFamily()
                  ? "+, -, *, one final / and ROUND over COUNT, SUM, AVG and number literals"
                  : "+, -, *, /, round() and ::numeric over count, sum, avg and number literals"),
          "Select each aggregate as its own column (for example SUM(x) AS s, COUNT(y) AS n) and compute the expression"
              + " in the application, or " + Unsupported.ROUTE_TO_ONE_SHARD_LOWER);
    }

    private Lit literal(BigDecimal v, boolean integral) {
      if (!integral) {
        return new Lit(v);
      }
      BigInteger i = v.toBigIntegerExact();
      if (!dialect.isMySqlFamily() && i.bitLength() < 32) {
        return new Lit(i.intValue());
      }
      if (i.bitLength() < 64) {
        return new Lit(i.longValue());
      }
      return new Lit(new BigDecimal(i));
    }

    private static boolean isIntegralLiteral(Lit lit) {
      return !(lit.value() instanceof BigDecimal d) || d.scale() <= 0;
    }
  }

  private static SQLException refused(Expression e, String why, String instead) {
    return Unsupported.of("the select item " + ParameterMarkers.display(e.toString()),
        "it computes with aggregates, and " + why, instead);
  }

  // ---- evaluation -------------------------------------------------------------------------------

  /**
   * The value on a merged row whose AVG columns still hold the combined SUM (their partner the
   * COUNT): {@code column.apply(i)} reads absolute column {@code i}.
   */
  Object evaluate(IntFunction<Object> column) throws SQLException {
    return eval(root, column, true);
  }

  private Object eval(Node n, IntFunction<Object> column, boolean top) throws SQLException {
    if (n instanceof Lit l) {
      return l.value();
    }
    if (n instanceof Agg a) {
      return aggregate(a, column, top);
    }
    if (n instanceof ToNumeric t) {
      Object v = eval(t.arg(), column, false);
      return v == null ? null : SqlValues.toBigDecimal((Number) v);
    }
    if (n instanceof Round r) {
      return round(r, column);
    }
    Bin b = (Bin) n;
    if (dialect.isMySqlFamily() && b.op() == '/') {
      Object num = eval(b.left(), column, false);
      Object den = eval(b.right(), column, false);
      return mysqlQuotient(num, den, null);
    }
    Object l = eval(b.left(), column, false);
    Object r = eval(b.right(), column, false);
    if (l == null || r == null) {
      return null;
    }
    return dialect.isMySqlFamily() ? mysql(b.op(), l, r) : postgres(b.op(), l, r);
  }

  private Object aggregate(Agg a, IntFunction<Object> column, boolean top) throws SQLException {
    Object v = column.apply(a.column);
    if (v != null && !(v instanceof Long || v instanceof Integer || v instanceof BigDecimal)) {
      throw Unsupported.of(
          "the select item " + text + " over a " + v.getClass().getSimpleName() + " " + a.call.name().toUpperCase(Locale.ROOT),
          "the merger evaluates expressions over aggregates only for integer and exact decimal values"
              + " (floating-point, interval and money arithmetic is not reproduced)",
          "Select the aggregate as its own column and compute the expression in the application, or "
              + Unsupported.ROUTE_TO_ONE_SHARD_LOWER);
    }
    if (v instanceof Integer i && a.call.combine() != Combine.AVG) {
      v = i.longValue(); // COUNT and SUM are bigint on PostgreSQL
    }
    if (a.call.combine() != Combine.AVG) {
      return v;
    }
    Object count = column.apply(a.partner);
    if (dialect.isMySqlFamily()) {
      return mysqlQuotient(v, count, null);
    }
    return Averages.average(v, count, dialect);
  }

  private Object round(Round r, IntFunction<Object> column) throws SQLException {
    int digits = r.digits() == null ? 0 : r.digits();
    if (dialect.isMySqlFamily()) {
      Node arg = r.arg();
      if (arg instanceof Bin b && b.op() == '/') {
        return mysqlQuotient(eval(b.left(), column, false), eval(b.right(), column, false), digits);
      }
      if (arg instanceof Agg a && a.call.combine() == Combine.AVG) {
        Object sum = column.apply(a.column);
        aggregate(a, column, false); // type check
        return mysqlQuotient(sum, column.apply(a.partner), digits);
      }
      Object v = eval(arg, column, false);
      if (v == null) {
        return null;
      }
      if (v instanceof Long l) {
        if (digits >= 0) {
          return l;
        }
        if (Math.abs(l) > 100_000_000_000_000_000L) {
          throw overflowRefused();
        }
        return BigDecimal.valueOf(l).setScale(digits, RoundingMode.HALF_UP).longValueExact();
      }
      return checkMySqlDecimal(((BigDecimal) v).setScale(digits, RoundingMode.HALF_UP).setScale(Math.max(digits, 0)));
    }
    Object v = eval(r.arg(), column, false);
    if (v == null) {
      return null;
    }
    if (!(v instanceof BigDecimal) && r.digits() == null) {
      throw Unsupported.of(
          "the select item " + text,
          "round() of an integer is double precision on PostgreSQL, which the merger does not reproduce",
          "Round a numeric: round((...)::numeric), or round(..., 0)");
    }
    BigDecimal d = SqlValues.toBigDecimal((Number) v).setScale(digits, RoundingMode.HALF_UP);
    return digits < 0 ? d.setScale(0) : d;
  }

  /** PostgreSQL int4/int8/numeric arithmetic. */
  private static Object postgres(char op, Object l, Object r) throws SQLException {
    if (!(l instanceof BigDecimal) && !(r instanceof BigDecimal)) {
      boolean int4 = l instanceof Integer && r instanceof Integer;
      long x = ((Number) l).longValue();
      long y = ((Number) r).longValue();
      long v;
      try {
        v = switch (op) {
          case '+' -> Math.addExact(x, y);
          case '-' -> Math.subtractExact(x, y);
          case '*' -> Math.multiplyExact(x, y);
          default -> {
            if (y == 0) {
              throw divisionByZero();
            }
            if (x == (int4 ? Integer.MIN_VALUE : Long.MIN_VALUE) && y == -1) {
              throw new ArithmeticException();
            }
            yield x / y;
          }
        };
      } catch (ArithmeticException overflow) {
        throw outOfRange(int4);
      }
      if (int4) {
        if (v != (int) v) {
          throw outOfRange(true);
        }
        return (int) v;
      }
      return v;
    }
    BigDecimal x = SqlValues.toBigDecimal((Number) l);
    BigDecimal y = SqlValues.toBigDecimal((Number) r);
    return switch (op) {
      case '+' -> x.add(y);
      case '-' -> x.subtract(y);
      case '*' -> x.multiply(y);
      default -> {
        if (y.signum() == 0) {
          throw divisionByZero();
        }
        yield x.divide(y, Averages.postgresDivScale(x, y), RoundingMode.HALF_UP);
      }
    };
  }

  /** MariaDB/MySQL BIGINT and DECIMAL arithmetic without division. */
  private static Object mysql(char op, Object l, Object r) throws SQLException {
    if (l instanceof Long x && r instanceof Long y) {
      try {
        return switch (op) {
          case '+' -> Math.addExact(x, y);
          case '-' -> Math.subtractExact(x, y);
          default -> Math.multiplyExact(x, y);
        };
      } catch (ArithmeticException overflow) {
        throw overflowRefused();
      }
    }
    BigDecimal x = SqlValues.toBigDecimal((Number) l);
    BigDecimal y = SqlValues.toBigDecimal((Number) r);
    BigDecimal v = switch (op) {
      case '+' -> x.add(y);
      case '-' -> x.subtract(y);
      default -> x.multiply(y);
    };
    return checkMySqlDecimal(v);
  }

  /**
   * A MariaDB/MySQL quotient: NULL for a NULL operand or a zero divisor; otherwise the exact
   * quotient rounded half up to the dividend's scale + 4 (or to {@code digits} for an outer ROUND,
   * which must not ask for more digits than the quotient shows).
   */
  private static Object mysqlQuotient(Object num, Object den, Integer digits) throws SQLException {
    if (num == null || den == null) {
      return null;
    }
    BigDecimal x = SqlValues.toBigDecimal((Number) num);
    BigDecimal y = SqlValues.toBigDecimal((Number) den);
    if (y.signum() == 0) {
      return null;
    }
    int scale = Math.min(Math.max(x.scale(), 0) + MARIADB_DIV_INCREMENT, MARIADB_MAX_SCALE);
    if (digits != null && digits > scale) {
      throw Unsupported.of(
          "ROUND(<quotient>, " + digits + ")",
          "the quotient shows " + scale + " decimals but the server rounds the more digits it keeps internally",
          "Round to at most " + scale + " decimals");
    }
    if (digits == null) {
      return checkMySqlDecimal(x.divide(y, scale, RoundingMode.HALF_UP));
    }
    BigDecimal v = x.divide(y, digits, RoundingMode.HALF_UP);
    return checkMySqlDecimal(digits < 0 ? v.setScale(0) : v);
  }

  private static BigDecimal checkMySqlDecimal(BigDecimal v) throws SQLException {
    if (v.scale() > MARIADB_MAX_SCALE || v.precision() - v.scale() + Math.max(v.scale(), 0) > MARIADB_MAX_PRECISION) {
      throw Unsupported.of(
          "a DECIMAL result of " + v.precision() + " digits, scale " + v.scale(),
          "it is beyond DECIMAL(65, 38), where the server rounds or clips in ways the merger does not reproduce",
          "Select the aggregates as their own columns and compute the expression in the application");
    }
    return v;
  }

  private static SQLException overflowRefused() {
    return Unsupported.of(
        "BIGINT arithmetic that overflows",
        "the server raises an error whose text quotes the expression, which the merger does not reproduce",
        "Run it on one shard, or compute it in the application");
  }

  private static SQLException divisionByZero() {
    return new SQLDataException("ERROR: division by zero", "22012");
  }

  private static SQLException outOfRange(boolean int4) {
    return new SQLDataException("ERROR: " + (int4 ? "integer" : "bigint") + " out of range", "22003");
  }

  /** A compact rendering for plan descriptions: aggregates as their merged columns. */
  String describe(IntFunction<String> name) {
    return describe(root, name);
  }

  private static String describe(Node n, IntFunction<String> name) {
    if (n instanceof Lit l) {
      return l.value() instanceof BigDecimal d ? d.toPlainString() : l.value().toString();
    }
    if (n instanceof Agg a) {
      return a.call.combine() == Combine.AVG
          ? "avg(" + name.apply(a.column) + "/" + name.apply(a.partner) + ")" : name.apply(a.column);
    }
    if (n instanceof ToNumeric t) {
      return describe(t.arg(), name) + "::numeric";
    }
    if (n instanceof Round r) {
      return "round(" + describe(r.arg(), name) + (r.digits() == null ? "" : ", " + r.digits()) + ")";
    }
    Bin b = (Bin) n;
    return "(" + describe(b.left(), name) + " " + b.op() + " " + describe(b.right(), name) + ")";
  }
}
