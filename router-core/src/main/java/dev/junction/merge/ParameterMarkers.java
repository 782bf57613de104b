package dev.junction.merge;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.JdbcNamedParameter;
import net.sf.jsqlparser.expression.JdbcParameter;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.select.OrderByElement;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.SetOperationList;
import net.sf.jsqlparser.util.TablesNamesFinder;

/**
 * Tracks positional {@code ?} parameters through the rewrite. Each parameter node is made to print
 * as a private-use marker followed by its original index; after rendering the shard statement, the
 * markers are read left to right — which gives exactly the order in which the shard statement takes
 * its parameters, whatever was moved, copied or dropped — and replaced by {@code ?}.
 *
 * <p>Because markers carry the index, two expressions compare equal as text only if they use the
 * same parameters, which keeps {@code ORDER BY abs(x - ?)} from being matched to a select item
 * {@code abs(x - ?)} that takes a different value.
 */
final class ParameterMarkers {

  /** How the statement names its parameters. */
  enum Style {
    /** No parameters. */
    NONE,
    /** JDBC {@code ?}: tracked and remapped. */
    POSITIONAL,
    /** {@code $1}, {@code ?1} or {@code :name}: referenced by name, passed through unchanged. */
    NAMED
  }

  private static final char MARK = '\uE000';
  private static final String MARK_TEXT = String.valueOf(MARK);
  private static final Pattern MARKER = Pattern.compile(MARK + "(\\d+)");

  private ParameterMarkers() {}

  /**
   * Finds every parameter of the statement and marks the positional ones.
   *
   * @param positionalCount how many {@code ?} the parser numbered; every one of them must be found
   * @return the statement's parameter style
   */
  static Style collectAndMark(Statement statement, String sql, int positionalCount) throws SQLException {
    if (sql.indexOf(MARK) >= 0) {
      throw Unsupported.of(
          "the character U+E000", "the planner uses it internally to track parameters", "Remove it from the SQL text");
    }
    Set<JdbcParameter> positional = Collections.newSetFromMap(new IdentityHashMap<>());
    int[] named = {0};
    Finder finder = new Finder(positional, named);
    try {
      finder.getTables(statement);
    } catch (RuntimeException e) {
      if (positionalCount == 0) {
        return Style.NAMED; // nothing to remap; pass whatever parameters exist through
      }
      throw Unsupported.of(
          "this statement's parameter layout",
          "the planner could not locate every ? parameter (" + e.getMessage() + ")",
          "Inline the values, or " + Unsupported.ROUTE_TO_ONE_SHARD_LOWER);
    }
    if (!positional.isEmpty() && named[0] > 0) {
      throw Unsupported.of(
          "mixing ? with numbered or named parameters",
          "the shard statements could not be given a consistent parameter list",
          "Use only ? parameters");
    }
    if (named[0] > 0) {
      return Style.NAMED;
    }
    boolean[] seen = new boolean[positionalCount + 1];
    int found = 0;
    for (JdbcParameter p : positional) {
      Integer index = p.getIndex();
      if (index == null || index < 1 || index > positionalCount || seen[index]) {
        throw lost(positionalCount);
      }
      seen[index] = true;
      found++;
    }
    if (found != positionalCount) {
      throw lost(positionalCount);
    }
    for (JdbcParameter p : positional) {
      p.setParameterCharacter(MARK_TEXT);
      p.setUseFixedIndex(true);
    }
    return positional.isEmpty() ? Style.NONE : Style.POSITIONAL;
  }

  private static SQLException lost(int count) {
    return Unsupported.of(
        "a ? parameter in this position",
        "the planner could not track all " + count + " parameters through the rewrite",
        "Inline the value of the parameter the planner cannot see (for example inside a nested LIMIT), or "
            + Unsupported.ROUTE_TO_ONE_SHARD_LOWER);
  }

  /** A parameter node for the shard row limit computed at execution (LIMIT + OFFSET). */
  static JdbcParameter computedLimit() {
    return new JdbcParameter(ShardParameters.COMPUTED_LIMIT, true, MARK_TEXT);
  }

  /** The shard SQL with markers turned back into {@code ?}, and where each {@code ?} comes from. */
  record Rendered(String sql, List<Integer> sources) {}

  static Rendered render(String marked) {
    Matcher m = MARKER.matcher(marked);
    StringBuilder sql = new StringBuilder(marked.length());
    List<Integer> sources = new ArrayList<>();
    while (m.find()) {
      sources.add(Integer.parseInt(m.group(1)));
      m.appendReplacement(sql, "?");
    }
    m.appendTail(sql);
    return new Rendered(sql.toString(), sources);
  }

  /** Text for messages and labels: markers shown as {@code ?}. */
  static String display(String text) {
    return text.indexOf(MARK) < 0 ? text : MARKER.matcher(text).replaceAll("?");
  }

  /** Is {@code e} a positional parameter? Returns its index, or 0. */
  static int positionalIndex(Expression e) {
    if (e instanceof JdbcParameter p && MARK_TEXT.equals(p.getParameterCharacter()) && p.getIndex() != null) {
      return p.getIndex();
    }
    return 0;
  }

  /** A numbered or named parameter, which cannot be dropped from or computed for a shard statement. */
  static boolean isNamed(Expression e) {
    return e instanceof JdbcNamedParameter || (e instanceof JdbcParameter && positionalIndex(e) == 0);
  }

  /**
   * Walks the whole statement. The table finder already visits FROM, WHERE, joins, subqueries and
   * select items; ORDER BY, GROUP BY, LIMIT, OFFSET and FETCH are added here.
   */
  private static final class Finder extends TablesNamesFinder<Void> {
    private final Set<JdbcParameter> positional;
    private final int[] named;

    Finder(Set<JdbcParameter> positional, int[] named) {
      this.positional = positional;
      this.named = named;
    }

    @Override
    public <S> Void visit(JdbcParameter parameter, S context) {
      if (parameter.isUseFixedIndex()) {
        named[0]++;
      } else {
        positional.add(parameter);
      }
      return null;
    }

    @Override
    public <S> Void visit(JdbcNamedParameter parameter, S context) {
      named[0]++;
      return null;
    }

    @Override
    public <S> Void visit(PlainSelect select, S context) {
      super.visit(select, context);
      if (select.getGroupBy() != null && select.getGroupBy().getGroupByExpressionList() != null) {
        select.getGroupBy().getGroupByExpressionList().accept(this, context);
      }
      visitTail(select, context);
      return null;
    }

    @Override
    public <S> Void visit(SetOperationList list, S context) {
      super.visit(list, context);
      visitTail(list, context);
      return null;
    }

    private <S> void visitTail(Select select, S context) {
      if (select.getOrderByElements() != null) {
        for (OrderByElement o : select.getOrderByElements()) {
          o.getExpression().accept(this, context);
        }
      }
      if (select.getLimit() != null) {
        accept(select.getLimit().getRowCount(), context);
        accept(select.getLimit().getOffset(), context);
      }
      if (select.getOffset() != null) {
        accept(select.getOffset().getOffset(), context);
      }
      if (select.getFetch() != null) {
        accept(select.getFetch().getExpression(), context);
      }
    }

    private <S> void accept(Expression e, S context) {
      if (e != null) {
        e.accept(this, context);
      }
    }
  }
}
