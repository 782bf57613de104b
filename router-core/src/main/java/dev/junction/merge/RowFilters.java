package dev.junction.merge;

import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/** The node types of a compiled HAVING condition ({@link RowFilter}). */
final class RowFilters {

  private RowFilters() {}

  /** A value inside a condition: a merged-row column, a literal, or a {@code ?} parameter. */
  interface Operand {
    Object value(Object[] row);

    Operand bind(List<?> parameters) throws SQLException;

    boolean isBound();

    String describe(IntFunction<String> columnNames);
  }

  record ColumnOperand(int index) implements Operand {
    @Override
    public Object value(Object[] row) {
      return row[index];
    }

    @Override
    public Operand bind(List<?> parameters) {
      return this;
    }

    @Override
    public boolean isBound() {
      return true;
    }

    @Override
    public String describe(IntFunction<String> columnNames) {
      return columnNames.apply(index);
    }
  }

  record ValueOperand(Object value) implements Operand {
    @Override
    public Object value(Object[] row) {
      return value;
    }

    @Override
    public Operand bind(List<?> parameters) {
      return this;
    }

    @Override
    public boolean isBound() {
      return true;
    }

    @Override
    public String describe(IntFunction<String> columnNames) {
      if (value == null) {
        return "NULL";
      }
      return value instanceof String s ? "'" + s.replace("'", "''") + "'" : value.toString();
    }
  }

  record ParameterOperand(int index) implements Operand {
    @Override
    public Object value(Object[] row) {
      throw new IllegalStateException("HAVING parameter ?" + index + " is unbound; bind the plan first");
    }

    @Override
    public Operand bind(List<?> parameters) throws SQLException {
      if (index > parameters.size()) {
        throw new SQLException(
            "HAVING refers to parameter " + index + " but only " + parameters.size() + " were bound", "07001");
      }
      return new ValueOperand(parameters.get(index - 1));
    }

    @Override
    public boolean isBound() {
      return false;
    }

    @Override
    public String describe(IntFunction<String> columnNames) {
      return "?" + index;
    }
  }

  enum Op {
    EQ("="), NE("<>"), LT("<"), LE("<="), GT(">"), GE(">=");

    final String symbol;

    Op(String symbol) {
      this.symbol = symbol;
    }

    boolean test(int c) {
      return switch (this) {
        case EQ -> c == 0;
        case NE -> c != 0;
        case LT -> c < 0;
        case LE -> c <= 0;
        case GT -> c > 0;
        case GE -> c >= 0;
      };
    }
  }

  record And(RowFilter left, RowFilter right) implements RowFilter {
    @Override
    public Boolean evaluate(Object[] row) {
      Boolean l = left.evaluate(row);
      if (Boolean.FALSE.equals(l)) {
        return false;
      }
      Boolean r = right.evaluate(row);
      if (Boolean.FALSE.equals(r)) {
        return false;
      }
      return l == null || r == null ? null : true;
    }

    @Override
    public RowFilter bind(List<?> parameters) throws SQLException {
      return new And(left.bind(parameters), right.bind(parameters));
    }

    @Override
    public boolean isBound() {
      return left.isBound() && right.isBound();
    }

    @Override
    public String describe(IntFunction<String> names) {
      return "(" + left.describe(names) + " AND " + right.describe(names) + ")";
    }
  }

  record Or(RowFilter left, RowFilter right) implements RowFilter {
    @Override
    public Boolean evaluate(Object[] row) {
      Boolean l = left.evaluate(row);
      if (Boolean.TRUE.equals(l)) {
        return true;
      }
      Boolean r = right.evaluate(row);
      if (Boolean.TRUE.equals(r)) {
        return true;
      }
      return l == null || r == null ? null : false;
    }

    @Override
    public RowFilter bind(List<?> parameters) throws SQLException {
      return new Or(left.bind(parameters), right.bind(parameters));
    }

    @Override
    public boolean isBound() {
      return left.isBound() && right.isBound();
    }

    @Override
    public String describe(IntFunction<String> names) {
      return "(" + left.describe(names) + " OR " + right.describe(names) + ")";
    }
  }

  record Not(RowFilter inner) implements RowFilter {
    @Override
    public Boolean evaluate(Object[] row) {
      Boolean v = inner.evaluate(row);
      return v == null ? null : !v;
    }

    @Override
    public RowFilter bind(List<?> parameters) throws SQLException {
      return new Not(inner.bind(parameters));
    }

    @Override
    public boolean isBound() {
      return inner.isBound();
    }

    @Override
    public String describe(IntFunction<String> names) {
      return "NOT " + inner.describe(names);
    }
  }

  /**
   * The truth of a column the shards computed from a whole HAVING term: the aggregate-free terms
   * of a query without GROUP BY, which cannot stay in the shards' HAVING (a shard that drops its
   * one row leaves the merger nothing to tell "filtered out" from "no shard answered"). PostgreSQL
   * requires a boolean there; MySQL and MariaDB take a number as true when it is not zero.
   */
  record Truth(int index, boolean numbers) implements RowFilter {
    @Override
    public Boolean evaluate(Object[] row) {
      Object v = row[index];
      if (v == null || v instanceof Boolean) {
        return (Boolean) v;
      }
      if (numbers && v instanceof Number n) {
        if (n instanceof BigDecimal d) {
          return d.signum() != 0;
        }
        if (n instanceof java.math.BigInteger b) {
          return b.signum() != 0;
        }
        return n instanceof Double || n instanceof Float ? n.doubleValue() != 0 : n.longValue() != 0;
      }
      throw new IllegalArgumentException("the HAVING condition evaluated to a " + v.getClass().getSimpleName()
          + ", not a " + (numbers ? "boolean or number" : "boolean") + "; write it as a comparison");
    }

    @Override
    public RowFilter bind(List<?> parameters) {
      return this;
    }

    @Override
    public boolean isBound() {
      return true;
    }

    @Override
    public String describe(IntFunction<String> names) {
      return "TRUTH(" + names.apply(index) + ")";
    }
  }

  record Comparison(Op op, Operand left, Operand right) implements RowFilter {
    @Override
    public Boolean evaluate(Object[] row) {
      Object l = left.value(row);
      Object r = right.value(row);
      return l == null || r == null ? null : op.test(compareCoercing(l, r));
    }

    @Override
    public RowFilter bind(List<?> parameters) throws SQLException {
      return new Comparison(op, left.bind(parameters), right.bind(parameters));
    }

    @Override
    public boolean isBound() {
      return left.isBound() && right.isBound();
    }

    @Override
    public String describe(IntFunction<String> names) {
      return left.describe(names) + " " + op.symbol + " " + right.describe(names);
    }
  }

  record Between(Operand value, Operand low, Operand high, boolean negated) implements RowFilter {
    @Override
    public Boolean evaluate(Object[] row) {
      Boolean v = new And(new Comparison(Op.GE, value, low), new Comparison(Op.LE, value, high)).evaluate(row);
      if (v == null || !negated) {
        return v;
      }
      return !v;
    }

    @Override
    public RowFilter bind(List<?> parameters) throws SQLException {
      return new Between(value.bind(parameters), low.bind(parameters), high.bind(parameters), negated);
    }

    @Override
    public boolean isBound() {
      return value.isBound() && low.isBound() && high.isBound();
    }

    @Override
    public String describe(IntFunction<String> names) {
      return value.describe(names) + (negated ? " NOT" : "") + " BETWEEN " + low.describe(names)
          + " AND " + high.describe(names);
    }
  }

  record In(Operand value, List<Operand> candidates, boolean negated) implements RowFilter {
    In {
      candidates = List.copyOf(candidates);
    }

    @Override
    public Boolean evaluate(Object[] row) {
      Object v = value.value(row);
      if (v == null) {
        return null;
      }
      boolean unknown = false;
      for (Operand candidate : candidates) {
        Object c = candidate.value(row);
        if (c == null) {
          unknown = true;
        } else if (compareCoercing(v, c) == 0) {
          return !negated;
        }
      }
      return unknown ? null : negated;
    }

    @Override
    public RowFilter bind(List<?> parameters) throws SQLException {
      List<Operand> bound = new ArrayList<>(candidates.size());
      for (Operand c : candidates) {
        bound.add(c.bind(parameters));
      }
      return new In(value.bind(parameters), bound, negated);
    }

    @Override
    public boolean isBound() {
      return value.isBound() && candidates.stream().allMatch(Operand::isBound);
    }

    @Override
    public String describe(IntFunction<String> names) {
      StringBuilder sb = new StringBuilder(value.describe(names)).append(negated ? " NOT IN (" : " IN (");
      for (int i = 0; i < candidates.size(); i++) {
        sb.append(i == 0 ? "" : ", ").append(candidates.get(i).describe(names));
      }
      return sb.append(')').toString();
    }
  }

  record IsNull(Operand value, boolean negated) implements RowFilter {
    @Override
    public Boolean evaluate(Object[] row) {
      return (value.value(row) == null) != negated;
    }

    @Override
    public RowFilter bind(List<?> parameters) throws SQLException {
      return new IsNull(value.bind(parameters), negated);
    }

    @Override
    public boolean isBound() {
      return value.isBound();
    }

    @Override
    public String describe(IntFunction<String> names) {
      return value.describe(names) + (negated ? " IS NOT NULL" : " IS NULL");
    }
  }

  /**
   * Compares a merged value with a literal or parameter the way the database would after implicit
   * casts: a string literal against a number is read as a number, against a date or timestamp as
   * an ISO date or timestamp.
   */
  static int compareCoercing(Object l, Object r) {
    if (l instanceof String s && !(r instanceof String)) {
      return -compareCoercing(r, s);
    }
    if (r instanceof String s && !(l instanceof String)) {
      Object converted = convertLiteral(s, l);
      return SqlValues.compare(l, converted);
    }
    return SqlValues.compare(l, sameTemporalClass(r, l));
  }

  /**
   * A parameter bound as {@code java.time} (JDBC 4.2 {@code setObject}) against a driver that returns
   * {@code java.sql} types, or the reverse (MariaDB Connector/J returns LocalDateTime for DATETIME
   * while applications bind Timestamp): both are the same SQL value, so convert to the merged value's class.
   */
  private static Object sameTemporalClass(Object v, Object like) {
    if (v instanceof java.sql.Timestamp t && like instanceof LocalDateTime) {
      return t.toLocalDateTime();
    }
    if (v instanceof LocalDateTime t && like instanceof java.sql.Timestamp) {
      return java.sql.Timestamp.valueOf(t);
    }
    if (v instanceof java.sql.Date d && like instanceof LocalDate) {
      return d.toLocalDate();
    }
    if (v instanceof LocalDate d && like instanceof java.sql.Date) {
      return java.sql.Date.valueOf(d);
    }
    return v;
  }

  /** PostgreSQL's spellings of the special float values ('NaN', 'Infinity', '-inf', ...), or null. */
  static Double specialFloat(String s) {
    String t = s.trim().toLowerCase(java.util.Locale.ROOT);
    return switch (t) {
      case "nan" -> Double.NaN;
      case "infinity", "+infinity", "inf", "+inf" -> Double.POSITIVE_INFINITY;
      case "-infinity", "-inf" -> Double.NEGATIVE_INFINITY;
      default -> null;
    };
  }

  /** 1 for 'infinity', -1 for '-infinity' (PostgreSQL dates and timestamps), else 0. */
  private static int infinity(String s) {
    String t = s.trim().toLowerCase(java.util.Locale.ROOT);
    return t.equals("infinity") || t.equals("+infinity") ? 1 : t.equals("-infinity") ? -1 : 0;
  }

  private static final java.util.regex.Pattern TIME_OFFSET =
      java.util.regex.Pattern.compile("(\\d{4}-\\d\\d-\\d\\d[ T]\\d\\d:\\d\\d(?::\\d\\d(?:\\.\\d+)?)?)(?:Z|[+-]\\d\\d(?::?\\d\\d){0,2})");

  /**
   * A timestamp literal without its UTC offset: PostgreSQL's {@code timestamp} (without time zone)
   * input ignores one ({@code '2024-01-23 00:00:00+00'::timestamp} is midnight), and that is how
   * pgjdbc sends a {@code java.sql.Timestamp} parameter in text with an unspecified type.
   */
  static String withoutOffset(String s) {
    java.util.regex.Matcher m = TIME_OFFSET.matcher(s);
    return m.matches() ? m.group(1) : s;
  }

  /**
   * pgjdbc hands out {@code timestamp} and {@code timestamptz} alike as a {@code java.sql.Timestamp}
   * in the JVM's zone. A literal's offset is ignored by {@code timestamp} input but applied by
   * {@code timestamptz}: both readings agree only when it is the JVM zone's offset at that time
   * (as in pgjdbc's own text for a Timestamp parameter); any other offset is refused.
   */
  private static void checkOffsetIsTheDrivers(String literal, LocalDateTime local) {
    if (literal.equals(withoutOffset(literal))) {
      return;
    }
    String offset = literal.substring(withoutOffset(literal).length());
    java.time.ZoneOffset given;
    try {
      given = java.time.ZoneOffset.of(offset.equals("Z") ? "Z" : offset.length() == 3 ? offset + ":00" : offset);
    } catch (java.time.DateTimeException e) {
      throw UnmergeableValueException.offsetLiteral(literal);
    }
    if (!java.time.ZoneId.systemDefault().getRules().getValidOffsets(local).equals(java.util.List.of(given))) {
      throw UnmergeableValueException.offsetLiteral(literal);
    }
  }

  private static Object convertLiteral(String s, Object like) {
    try {
      if (like instanceof Number) {
        Double special = specialFloat(s);
        return special != null ? special : new BigDecimal(s.trim());
      }
      if ((like instanceof java.sql.Date || like instanceof java.sql.Timestamp) && infinity(s) != 0) {
        // pgjdbc's PGStatement.DATE_POSITIVE_INFINITY / DATE_NEGATIVE_INFINITY, the values it returns for 'infinity'
        long millis = infinity(s) > 0 ? 9223372036825200000L : -9223372036832400000L;
        return like instanceof java.sql.Date ? new java.sql.Date(millis) : new java.sql.Timestamp(millis);
      }
      if (like instanceof java.sql.Date) {
        return java.sql.Date.valueOf(LocalDate.parse(s.trim()));
      }
      if (like instanceof java.sql.Timestamp) {
        LocalDateTime local = LocalDateTime.parse(withoutOffset(s.trim()).replace(' ', 'T'));
        checkOffsetIsTheDrivers(s.trim(), local);
        return java.sql.Timestamp.valueOf(local);
      }
      if (like instanceof LocalDate) {
        return LocalDate.parse(s.trim());
      }
      if (like instanceof LocalDateTime) {
        return LocalDateTime.parse(withoutOffset(s.trim()).replace(' ', 'T'));
      }
    } catch (NumberFormatException | DateTimeParseException e) {
      throw new IncomparableValuesException(
          "HAVING compares a " + like.getClass().getSimpleName() + " with '" + s + "', which is not a valid "
              + like.getClass().getSimpleName() + " literal");
    }
    return s;
  }
}
