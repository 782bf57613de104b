package dev.junction.merge;

import java.sql.SQLException;
import java.sql.SQLSyntaxErrorException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.sf.jsqlparser.expression.Alias;
import net.sf.jsqlparser.expression.AnalyticExpression;
import net.sf.jsqlparser.expression.AnalyticType;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.MySQLGroupConcat;
import net.sf.jsqlparser.expression.NullValue;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.statement.select.OrderByElement;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.SelectItem;

/**
 * Plans a SELECT with GROUP BY or aggregates: every shard returns partial aggregates per group,
 * and the merger re-groups and combines them.
 *
 * <ul>
 *   <li>Each select item gets a {@link Combine} role: an aggregate combines its partials, a GROUP
 *       BY expression is a key, anything else must be constant per group and keeps its first value.
 *   <li>AVG(x) is rewritten to SUM(x) plus a hidden COUNT(x); the merger divides.
 *   <li>string_agg/group_concat/array_agg without ORDER BY inside stay as written, plus hidden
 *       columns with the separator (and, for group_concat, the partial's length and the shard's
 *       group_concat_max_len); the merger concatenates the partials ({@link Multisets}). Anywhere but
 *       as their own select item (HAVING, ORDER BY, DISTINCT, expressions) they are refused.
 *   <li>COALESCE(SUM|MIN|MAX(x), literal) stays as written plus a hidden COUNT(x) that tells the
 *       merger which shards' values are the literal ({@link CoalescedAggregate}).
 *   <li>Arithmetic over COUNT/SUM/AVG ({@code round(avg(x), 2)}, {@code sum(a) / count(*)}) is
 *       computed by the merger from the aggregates' merged columns; the shards return a typed NULL
 *       in its place ({@link AggregateExpression}).
 *   <li>GROUP BY expressions not in the select list become hidden key columns.
 *   <li>HAVING terms (top-level AND) that use aggregates are removed from the shard statement and
 *       compiled into a {@link RowFilter}; terms over group keys only stay on the shards, where a
 *       group's key is the same everywhere.
 *   <li>ORDER BY is resolved to (possibly hidden) columns; the shards sort and limit only when the
 *       sort keys fully order the groups by GROUP BY columns (then a group in the global top n+m is
 *       in every shard's top n+m, with all its partials), otherwise shards return every group.
 *   <li>DISTINCT moves entirely to the merger: applied to partial rows it would merge distinct
 *       groups whose partial aggregates happen to be equal.
 * </ul>
 */
final class AggregationPlanner {

  record Result(List<ColumnMerge> merges, RowFilter having, List<SortKey> order, boolean pushDown) {}

  private final PlainSelect ps;
  private final ShardColumns columns;
  private final MergeDialect dialect;
  private final List<String> labels;
  private final boolean limited;
  private final ShardKeys keys;
  private final ColumnMerge[] visibleRoles;
  private final List<ColumnMerge> hiddenRoles = new ArrayList<>();

  AggregationPlanner(PlainSelect ps, ShardColumns columns, MergeDialect dialect, List<String> labels, boolean limited,
                     ShardKeys keys) {
    this.ps = ps;
    this.keys = keys;
    this.columns = columns;
    this.dialect = dialect;
    this.labels = labels;
    this.limited = limited;
    this.visibleRoles = new ColumnMerge[columns.itemCount()];
  }

  Result plan() throws SQLException {
    if (columns.hasStar()) {
      throw Unsupported.of(
          "SELECT * with GROUP BY or aggregates",
          "the merger must know which column is which aggregate or group key",
          "List the columns explicitly");
    }
    classifySelectItems();
    markGroupKeys();
    for (int i = 0; i < visibleRoles.length; i++) {
      if (visibleRoles[i] == null) {
        visibleRoles[i] = ColumnMerge.of(Combine.FIRST);
      }
    }
    if (ps.getDistinct() != null) {
      for (int i = 0; i < visibleRoles.length; i++) {
        if (isMultiset(visibleRoles[i])) {
          throw multisetElsewhere(columns.item(i).getExpression(), "SELECT DISTINCT");
        }
      }
    }
    RowFilter having = splitHaving();
    List<SortKey> order = resolveOrder();
    boolean pushDown = decidePushDown(order, having);
    if (!pushDown) {
      ps.setOrderByElements(null);
    }
    ps.setDistinct(null);
    List<ColumnMerge> merges = new ArrayList<>(List.of(visibleRoles));
    merges.addAll(hiddenRoles);
    return new Result(merges, having, order, pushDown);
  }

  private void classifySelectItems() throws SQLException {
    for (int i = 0; i < columns.itemCount(); i++) {
      @SuppressWarnings("unchecked")
      SelectItem<Expression> item = (SelectItem<Expression>) columns.item(i);
      Expression e = item.getExpression();
      AggregateCalls.Call call = AggregateCalls.recognize(e, keys);
      if (call == null) {
        CoalescedAggregate.Shape coalesced = CoalescedAggregate.recognize(e, keys);
        if (coalesced != null) {
          visibleRoles[i] = coalescedRole(coalesced.call());
          continue;
        }
        AggregateExpression expression = AggregateExpression.recognize(e, dialect, keys);
        if (expression != null) {
          visibleRoles[i] = expressionRole(item, expression);
          continue;
        }
        if (!ExpressionScan.of(e).aggregates.isEmpty()) {
          throw aggregateInExpression(e, "the select item");
        }
        continue;
      }
      checkArguments(call);
      if (call.combine() == Combine.CONCAT || call.combine() == Combine.ARRAY) {
        visibleRoles[i] = multisetRole(call);
        continue;
      }
      if (call.combine() != Combine.AVG) {
        visibleRoles[i] = ColumnMerge.of(call.combine());
        continue;
      }
      item.setExpression(renamed(e, "SUM"));
      if (item.getAlias() == null && labels.get(i).indexOf('?') < 0) {
        // keep the shard result's label what AVG would have been called; a '?' inside a quoted
        // alias could be mistaken for a parameter by client-side statement parsers
        item.setAlias(new Alias(Labels.asAlias(labels.get(i), dialect), true));
      }
      ShardColumns.Ref count = columns.addHidden(renamed(e, "COUNT"));
      hiddenRoles.add(ColumnMerge.of(Combine.COUNT));
      visibleRoles[i] = ColumnMerge.avg(columns.absolute(count));
    }
  }

  /**
   * The role of an arithmetic expression over aggregates ({@link AggregateExpression}): each
   * aggregate becomes a merged column (a selected one is reused), and the shards compute
   * {@code CASE WHEN 1 = 0 THEN <expression> END} in its place, a NULL of the expression's type that
   * gives the result set its metadata without evaluating anything on partial values.
   */
  private ColumnMerge expressionRole(SelectItem<Expression> item, AggregateExpression expression) throws SQLException {
    for (AggregateExpression.Agg a : expression.aggregates()) {
      ShardColumns.Ref ref = aggregateColumn(a.call);
      a.column = columns.absolute(ref);
      if (a.call.combine() == Combine.AVG) {
        a.partner = role(a.column).partner();
      }
    }
    net.sf.jsqlparser.expression.WhenClause when = new net.sf.jsqlparser.expression.WhenClause()
        .withWhenExpression(new net.sf.jsqlparser.expression.operators.relational.EqualsTo(new LongValue(1), new LongValue(0)))
        .withThenExpression(item.getExpression());
    net.sf.jsqlparser.expression.CaseExpression carrier = new net.sf.jsqlparser.expression.CaseExpression();
    carrier.setWhenClauses(new ArrayList<>(List.of(when)));
    item.setExpression(carrier);
    return ColumnMerge.expression(expression);
  }

  /**
   * The role of a selected {@code string_agg(x, sep)}, {@code group_concat(x [SEPARATOR s])} or
   * {@code array_agg(x)} ({@link Multisets}). The separator, a literal or a {@code ?} parameter, is
   * also returned by the shards as a hidden column, so the merger joins partials with exactly the
   * value the server used; for group_concat the shards also return {@code LENGTH(GROUP_CONCAT(...))}
   * and {@code @@session.group_concat_max_len}, which the merger checks for truncation.
   */
  private ColumnMerge multisetRole(AggregateCalls.Call call) throws SQLException {
    Expression e = call.node();
    boolean groupConcat = e instanceof MySQLGroupConcat;
    if (groupConcat != dialect.isMySqlFamily() || (!groupConcat && call.name().equals("group_concat"))) {
      throw Unsupported.of(
          "the aggregate " + e,
          (dialect.isMySqlFamily() ? "MariaDB/MySQL have GROUP_CONCAT, not " + call.name()
              : "PostgreSQL has string_agg and array_agg, not GROUP_CONCAT")
              + ", and the merger concatenates only the dialect's own aggregate",
          dialect.isMySqlFamily() ? "Use GROUP_CONCAT(x SEPARATOR ',')" : "Use string_agg(x, ',') or array_agg(x)");
    }
    if (call.combine() == Combine.ARRAY) {
      int n = e instanceof Function f ? (f.getParameters() == null ? 0 : f.getParameters().size())
          : ((AnalyticExpression) e).getOffset() == null ? 1 : 2;
      if (n != 1) {
        throw Unsupported.of("the aggregate " + e, "array_agg takes one argument", "Pass one argument");
      }
      return ColumnMerge.of(Combine.ARRAY);
    }
    if (groupConcat) {
      MySQLGroupConcat g = (MySQLGroupConcat) e;
      String separator = g.getSeparator() == null ? "','" : g.getSeparator();
      ShardColumns.Ref sep = columns.addHidden(new Column(separator)); // the literal exactly as written
      hiddenRoles.add(ColumnMerge.of(Combine.FIRST));
      Function length = new Function();
      length.setName("LENGTH");
      length.setParameters(new net.sf.jsqlparser.expression.operators.relational.ExpressionList<>(e));
      ShardColumns.Ref len = columns.addHidden(length);
      hiddenRoles.add(ColumnMerge.of(Combine.SUM));
      ShardColumns.Ref max = columns.addHidden(new Column("@@session.group_concat_max_len"));
      hiddenRoles.add(ColumnMerge.of(Combine.MIN));
      return ColumnMerge.concat(columns.absolute(sep), columns.absolute(len), columns.absolute(max));
    }
    Expression separator;
    int n;
    if (e instanceof Function f) {
      n = f.getParameters() == null ? 0 : f.getParameters().size();
      separator = n == 2 ? (Expression) f.getParameters().get(1) : null;
    } else {
      AnalyticExpression a = (AnalyticExpression) e;
      n = a.getDefaultValue() != null ? 3 : a.getOffset() != null ? 2 : 1;
      separator = a.getOffset();
    }
    if (n != 2) {
      throw Unsupported.of("the aggregate " + e, "string_agg takes a value and a separator", "Pass string_agg(x, ',')");
    }
    if (!isConstantSeparator(separator)) {
      throw Unsupported.of(
          "the separator " + ParameterMarkers.display(separator.toString()) + " of " + ParameterMarkers.display(e.toString()),
          "the database puts each row's own separator before its value, and the merger joins the shards' parts with"
              + " one separator, which it knows only for a literal or a ? parameter",
          "Use a string literal or a ? parameter as the separator");
    }
    ShardColumns.Ref sep = columns.addHidden(separator);
    hiddenRoles.add(ColumnMerge.of(Combine.FIRST));
    return ColumnMerge.concat(columns.absolute(sep), -1, -1);
  }

  /** A literal, NULL, a {@code ?} parameter, or a cast of one of those: the same value on every row of every shard. */
  private static boolean isConstantSeparator(Expression e) {
    while (e instanceof net.sf.jsqlparser.expression.Parenthesis p) {
      e = p.getExpression();
    }
    if (e instanceof net.sf.jsqlparser.expression.CastExpression c) {
      return isConstantSeparator(c.getLeftExpression());
    }
    return e instanceof net.sf.jsqlparser.expression.StringValue || e instanceof NullValue
        || ParameterMarkers.positionalIndex(e) > 0;
  }

  /** The refusal for string_agg/array_agg/group_concat anywhere but as a select item of their own. */
  static SQLException multisetElsewhere(Expression e, String where) {
    return Unsupported.of(
        where + " over the aggregate " + ParameterMarkers.display(e.toString()),
        "the merger answers it only as a select item of its own: its elements come from several shards in an"
            + " unspecified order, so comparing, sorting or computing with the value is not reproduced exactly",
        "Select it as its own column and filter, sort or compute in the application, or "
            + Unsupported.ROUTE_TO_ONE_SHARD_LOWER);
  }

  /**
   * The role of {@code COALESCE(call, literal)}, which the shards compute as written: added up for
   * COUNT (never NULL); for SUM/MIN/MAX combined over the shards whose hidden {@code COUNT(arg)}
   * says the aggregate was not NULL ({@link CoalescedAggregate}).
   */
  private ColumnMerge coalescedRole(AggregateCalls.Call call) throws SQLException {
    checkArguments(call);
    if (call.combine() == Combine.COUNT) {
      return ColumnMerge.of(Combine.SUM);
    }
    ShardColumns.Ref count = columns.addHidden(renamed(call.node(), "COUNT"));
    hiddenRoles.add(ColumnMerge.of(Combine.COUNT));
    return ColumnMerge.coalesced(call.combine(), columns.absolute(count));
  }

  private void markGroupKeys() throws SQLException {
    if (ps.getGroupBy() == null || ps.getGroupBy().getGroupByExpressionList() == null) {
      return;
    }
    for (Object o : ps.getGroupBy().getGroupByExpressionList()) {
      Expression g = (Expression) o;
      ShardColumns.Ref ref = columns.position(g, "GROUP BY");
      if (ref == null) {
        ref = columns.byText(g);
      }
      if (ref == null) {
        ref = columns.byAlias(g);
      }
      if (ref == null) {
        ref = columns.byOutputName(g);
      }
      if (ref == null) {
        if (!ExpressionScan.of(g).aggregates.isEmpty()) {
          throw new SQLSyntaxErrorException(
              "aggregate functions are not allowed in GROUP BY: " + ParameterMarkers.display(g.toString()), "42803");
        }
        columns.addHidden(g);
        hiddenRoles.add(ColumnMerge.of(Combine.KEY));
        continue;
      }
      int column = columns.absolute(ref);
      ColumnMerge current = role(column);
      if (current != null && (current.expression() != null
          || current.combine() != Combine.KEY && current.combine() != Combine.FIRST)) {
        throw new SQLSyntaxErrorException(
            "GROUP BY refers to the aggregate in select-list column " + (column + 1), "42803");
      }
      setRole(column, ColumnMerge.of(Combine.KEY));
    }
  }

  /**
   * Keeps aggregate-free HAVING terms on the shards when there are group keys and compiles the rest
   * for the merger. A group's key is the same on every shard, so a key-only (or constant) term
   * drops the group on all of them or none. Without group keys (no GROUP BY, or {@code GROUP BY
   * ()}) the whole input is one group that must give exactly one row or none: a term left on the
   * shards would make every shard drop its row, and the merger, which makes up the one row of an
   * aggregate over no input, could not tell that from shards without rows. There every term is
   * evaluated after merging ({@link #oneGroupTerm}).
   */
  private RowFilter splitHaving() throws SQLException {
    Expression having = ps.getHaving();
    if (having == null) {
      return null;
    }
    boolean oneGroup = !hasGroupKeys();
    List<Expression> onShards = new ArrayList<>();
    RowFilter merged = null;
    for (Expression term : HavingCompiler.conjuncts(having)) {
      if (!needsMergedGroups(term)) {
        if (oneGroup) {
          RowFilter f = oneGroupTerm(term);
          merged = merged == null ? f : new RowFilters.And(merged, f);
        } else {
          onShards.add(term);
        }
        continue;
      }
      RowFilter f = HavingCompiler.compile(term, new HavingCompiler.Columns() {
        @Override
        public AggregateCalls.Call recognize(Expression e) throws SQLException {
          return AggregateCalls.recognize(e, keys);
        }

        @Override
        public int aggregate(AggregateCalls.Call call) throws SQLException {
          return columns.absolute(aggregateColumn(call));
        }

        @Override
        public int value(Expression e) throws SQLException {
          return columns.absolute(valueColumn(e));
        }
      });
      merged = merged == null ? f : new RowFilters.And(merged, f);
    }
    Expression shardHaving = null;
    for (Expression term : onShards) {
      shardHaving = shardHaving == null ? term : new AndExpression(shardHaving, term);
    }
    ps.setHaving(shardHaving);
    return merged;
  }

  private boolean hasGroupKeys() {
    return ps.getGroupBy() != null && ps.getGroupBy().getGroupByExpressionList() != null
        && !ps.getGroupBy().getGroupByExpressionList().isEmpty();
  }

  /**
   * An aggregate-free HAVING term of a query without group keys, computed by the shards as a hidden
   * column (the database's own types, collations and functions) and tested by the merger on the one
   * merged row. Without columns or subqueries the term has the same value on every shard: a
   * constant, a {@code ?} parameter, a function of those ({@code now()}; a volatile one such as
   * {@code random()} is taken from the first shard, one draw as in one database).
   */
  private RowFilter oneGroupTerm(Expression term) throws SQLException {
    ExpressionScan scan = ExpressionScan.of(term);
    if (!scan.subqueries.isEmpty()) {
      throw Unsupported.of(
          "the subquery in HAVING " + term + " without GROUP BY",
          "without GROUP BY the merger evaluates HAVING on the merged row, and a subquery would have to run"
              + " on the shards, each over its own rows",
          "Run the subquery separately, or " + Unsupported.ROUTE_TO_ONE_SHARD_LOWER);
    }
    if (!scan.columns.isEmpty()) {
      throw Unsupported.of(
          "the column " + scan.columns.get(0) + " outside an aggregate in HAVING " + term + " without GROUP BY",
          "without GROUP BY every shard would read the column from a different row of its own",
          "Compare an aggregate of it (for example MAX(" + scan.columns.get(0) + ")), or move the condition to WHERE");
    }
    ShardColumns.Ref ref = hiddenValue(term, "HAVING");
    return new RowFilters.Truth(columns.absolute(ref), dialect.isMySqlFamily());
  }

  private boolean needsMergedGroups(Expression term) {
    ExpressionScan scan = ExpressionScan.of(term);
    if (!scan.aggregates.isEmpty()) {
      return true;
    }
    if (dialect.isMySqlFamily()) { // MySQL resolves HAVING names to select aliases, e.g. HAVING n > 1
      for (Column c : scan.columns) {
        ShardColumns.Ref ref = columns.byAlias(c);
        if (ref != null && isAggregate(role(columns.absolute(ref)))) {
          return true;
        }
      }
    }
    return false;
  }

  private List<SortKey> resolveOrder() throws SQLException {
    List<SortKey> keys = new ArrayList<>();
    if (ps.getOrderByElements() == null) {
      return keys;
    }
    for (OrderByElement o : ps.getOrderByElements()) {
      Expression e = o.getExpression();
      if (e instanceof NullValue) {
        continue; // MySQL's ORDER BY NULL: no order
      }
      ShardColumns.Ref ref = columns.position(e, "ORDER BY");
      if (ref == null) {
        ref = columns.byAlias(e);
      }
      if (ref == null) {
        ref = columns.byText(e);
      }
      if (ref == null) {
        ref = columns.byOutputName(e);
      }
      if (ref == null) {
        AggregateCalls.Call call = AggregateCalls.recognize(e, this.keys);
        if (call != null) {
          ref = aggregateColumn(call);
        } else if (!ExpressionScan.of(e).aggregates.isEmpty()) {
          throw aggregateInExpression(e, "ORDER BY");
        } else {
          ref = hiddenValue(e, "ORDER BY");
        }
      }
      if (ref.hidden() && ps.getDistinct() != null) {
        throw ScatterSelectPlanner.distinctOrderNotSelected(e, false);
      }
      if (isMultiset(role(columns.absolute(ref)))) {
        throw multisetElsewhere(ref.hidden() ? e : columns.item(ref.index()).getExpression(), "ORDER BY " + e);
      }
      keys.add(ScatterSelectPlanner.sortKey(ref, o, dialect));
    }
    return keys;
  }

  private boolean decidePushDown(List<SortKey> order, RowFilter having) {
    if (!limited || ps.getGroupBy() == null || having != null || order.isEmpty() || ps.getDistinct() != null) {
      return false;
    }
    if (!dialect.isMySqlFamily()) {
      for (ColumnMerge m : visibleRoles) {
        if (m.expression() != null) {
          // PostgreSQL computes the select list of every group before sorting (a division by zero in a
          // group past the LIMIT is its error), so the merger must see every group too
          return false;
        }
      }
    }
    Set<Integer> keys = new HashSet<>();
    for (int i = 0; i < visibleRoles.length + hiddenRoles.size(); i++) {
      if (role(i).combine() == Combine.KEY) {
        keys.add(i);
      }
    }
    if (keys.isEmpty()) {
      return false;
    }
    Set<Integer> covered = new HashSet<>();
    for (SortKey k : order) {
      int column = k.hidden() ? visibleRoles.length + k.column() : k.column();
      if (role(column).combine() != Combine.KEY) {
        return false;
      }
      covered.add(column);
      if (covered.equals(keys)) {
        return true;
      }
    }
    return false;
  }

  /** The column holding an aggregate's final value, adding hidden columns when it is not selected. */
  private ShardColumns.Ref aggregateColumn(AggregateCalls.Call call) throws SQLException {
    if (call.combine() == Combine.CONCAT || call.combine() == Combine.ARRAY) {
      throw multisetElsewhere(call.node(), "HAVING or ORDER BY");
    }
    ShardColumns.Ref existing = columns.byText(call.node());
    if (existing != null && isAggregate(role(columns.absolute(existing)))) {
      return existing;
    }
    checkArguments(call);
    Expression e = call.node();
    if (call.combine() != Combine.AVG) {
      ShardColumns.Ref ref = columns.addHidden(e);
      hiddenRoles.add(ColumnMerge.of(call.combine()));
      return ref;
    }
    ShardColumns.Ref sum = columns.addHidden(renamed(e, "SUM"), ExpressionText.of(e));
    hiddenRoles.add(null); // placeholder until the count column exists
    ShardColumns.Ref count = columns.addHidden(renamed(e, "COUNT"));
    hiddenRoles.add(ColumnMerge.of(Combine.COUNT));
    hiddenRoles.set(sum.index(), ColumnMerge.avg(columns.absolute(count)));
    return sum;
  }

  /** The column for a non-aggregate HAVING operand: a select-list or key column, else a hidden one. */
  private ShardColumns.Ref valueColumn(Expression e) throws SQLException {
    ShardColumns.Ref ref = columns.byText(e);
    if (ref == null && dialect.isMySqlFamily()) {
      ref = columns.byAlias(e);
    }
    if (ref == null) {
      ref = columns.byOutputName(e);
    }
    if (ref != null && isMultiset(role(columns.absolute(ref)))) {
      throw multisetElsewhere(ref.hidden() ? e : columns.item(ref.index()).getExpression(), "HAVING " + e);
    }
    return ref != null ? ref : hiddenValue(e, "HAVING");
  }

  private ShardColumns.Ref hiddenValue(Expression e, String clause) throws SQLException {
    ScatterSelectPlanner.checkNoAliasReference(columns, e, clause, dialect);
    ShardColumns.Ref ref = columns.addHidden(e);
    hiddenRoles.add(ColumnMerge.of(Combine.FIRST));
    return ref;
  }

  private ColumnMerge role(int column) {
    return column < visibleRoles.length ? visibleRoles[column] : hiddenRoles.get(column - visibleRoles.length);
  }

  private void setRole(int column, ColumnMerge merge) {
    if (column < visibleRoles.length) {
      visibleRoles[column] = merge;
    } else {
      hiddenRoles.set(column - visibleRoles.length, merge);
    }
  }

  private static boolean isMultiset(ColumnMerge m) {
    return m != null && (m.combine() == Combine.CONCAT || m.combine() == Combine.ARRAY);
  }

  private static boolean isAggregate(ColumnMerge m) {
    return m != null && (m.expression() != null || m.combine() != Combine.KEY && m.combine() != Combine.FIRST);
  }

  private static void checkArguments(AggregateCalls.Call call) throws SQLException {
    ExpressionScan scan = ExpressionScan.of(call.node());
    if (scan.aggregates.size() > 1) {
      throw new SQLSyntaxErrorException(
          "aggregate function calls cannot be nested: " + ParameterMarkers.display(call.node().toString()), "42803");
    }
  }

  /** The same call under another aggregate name (AVG to SUM or COUNT), keeping arguments and FILTER. */
  private static Expression renamed(Expression call, String name) {
    if (call instanceof Function f) {
      Function out = new Function();
      out.setName(sameCase(f.getName(), name));
      out.setParameters(f.getParameters());
      return out;
    }
    AnalyticExpression a = (AnalyticExpression) call;
    AnalyticExpression out = new AnalyticExpression();
    out.setName(sameCase(a.getName(), name));
    out.setExpression(a.getExpression());
    out.setType(AnalyticType.FILTER_ONLY);
    out.setFilterExpression(a.getFilterExpression());
    return out;
  }

  private static String sameCase(String original, String name) {
    return original.equals(original.toLowerCase(Locale.ROOT)) ? name.toLowerCase(Locale.ROOT) : name;
  }

  private static SQLException aggregateInExpression(Expression e, String where) {
    return Unsupported.of(
        where + " " + e,
        "it computes with aggregates, and the merger combines only bare aggregate calls"
            + " (COUNT, SUM, MIN, MAX, AVG, ...) whose partial results it knows how to add up",
        "Select each aggregate as its own column (for example SUM(x) AS s, COUNT(y) AS n) and compute"
            + " the expression in the application");
  }
}
