package dev.junction.merge;

import dev.junction.shard.ShardedTable;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.NullValue;
import net.sf.jsqlparser.statement.select.OrderByElement;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.SelectItem;

/**
 * Rewrites a SELECT that must run on several shards into the statement each shard runs and a
 * {@link MergeSpec} saying how to combine their results.
 *
 * <h2>Design notes</h2>
 *
 * <p><b>What each shard must return.</b> A shard sees a slice of the rows, so it can only do work
 * whose result stays correct after merging:
 *
 * <ul>
 *   <li><b>ORDER BY</b> stays on the shards: each shard's result arrives sorted and the merger
 *       interleaves them in a streaming k-way merge. ORDER BY items that are not in the select list
 *       (including with {@code SELECT *}) become hidden trailing columns, so the merger has the
 *       values to compare; they are stripped from merged rows. NULL placement is made explicit per
 *       sort key from the dialect (PostgreSQL: NULL is largest; MySQL/MariaDB: smallest) unless the
 *       query says NULLS FIRST/LAST.
 *   <li><b>LIMIT n OFFSET m</b> (any spelling) becomes {@code LIMIT n+m} on the shards with no
 *       offset; the merger skips m and stops after n. With {@code ?} parameters the shard limit is
 *       a parameter computed at execution ({@link ScatterPlan#bind}), so one plan serves every
 *       execution of a prepared statement.
 *   <li><b>Aggregates and GROUP BY</b> are computed per shard as partials and combined by the
 *       merger ({@link AggregationPlanner}); AVG travels as SUM and COUNT. {@code COUNT(DISTINCT key)}
 *       of the one sharded table's shard key is summed ({@link ShardKeys}), and
 *       {@code COALESCE(aggregate, numeric literal)} is merged as the aggregate with the literal
 *       as fallback ({@link CoalescedAggregate}). Partials that cannot be combined (other
 *       COUNT(DISTINCT), string and statistical aggregates) are rejected.
 *   <li><b>DISTINCT</b> stays on the shards (less to transfer) and is applied again after merging.
 * </ul>
 *
 * <p><b>An allow-list.</b> Only shapes whose merge is provably exact are planned; before any rewrite
 * the statement passes {@link LexicalGuard} (literal spellings the parser mangles), {@link ClauseGuard}
 * (clauses), {@link FromGuard} (derived tables, CTEs and outer joins with broadcast tables),
 * {@link NameGuard} (alias shadowing and PostgreSQL's implicit output names) and
 * {@link CollationGuard} (collations other than code-point order). docs/sharding.md lists the same
 * shapes, and {@code ShardingDocsTest} keeps the two in step.
 *
 * <p><b>What is rejected</b>, with SQLState 0AJ00 and a message naming the construct and what to do
 * instead: window functions, DISTINCT ON, set operations, locking clauses, SELECT INTO,
 * ROLLUP/CUBE/GROUPING SETS, aggregates inside expressions (except {@code COALESCE(aggregate,
 * numeric literal)} and the arithmetic over COUNT/SUM/AVG of {@link AggregateExpression}), aggregating subqueries in the select list, non-mergeable aggregates, HAVING terms over aggregates beyond comparisons/BETWEEN/IN/IS
 * NULL, ORDER BY outside the select list with DISTINCT, and LIMIT/OFFSET that are neither literals
 * nor {@code ?}.
 *
 * <p><b>Parameters.</b> Positional {@code ?} parameters are tracked through every move and copy
 * ({@link ParameterMarkers}); {@link ShardParameters} maps the application's parameter list to the
 * shard statement's. Numbered ({@code $1}) and named parameters are passed through unchanged and
 * refused where the rewrite would have to drop or compute one.
 *
 * <p><b>Parsing</b> happens on the calling thread. The planner is stateless and thread-safe;
 * plans depend only on the SQL text and dialect, so callers can cache them.
 */
public final class ScatterSelectPlanner {

  private final FromGuard fromGuard;
  private final Map<String, ShardedTable> shardedTables;

  /** A planner that takes every table as sharded (the most conservative reading of outer joins). */
  public ScatterSelectPlanner() {
    this(Set.of());
  }

  /**
   * A planner that knows the broadcast tables but not the shard keys: {@code COUNT(DISTINCT key)}
   * is refused like any other {@code COUNT(DISTINCT)}.
   */
  public ScatterSelectPlanner(Set<String> broadcastTables) {
    this(broadcastTables, Map.of());
  }

  /**
   * @param broadcastTables names of the broadcast (reference) tables, which every shard holds in full;
   *     every other table in a multi-shard SELECT is taken as sharded
   * @param shardedTables the sharded tables with their shard keys (any map keys; the tables' own
   *     names are used), so that {@code COUNT(DISTINCT key)} of one of them can be summed per shard
   */
  public ScatterSelectPlanner(Set<String> broadcastTables, Map<String, ShardedTable> shardedTables) {
    Map<String, ShardedTable> byName = new HashMap<>();
    for (ShardedTable t : shardedTables.values()) {
      byName.put(FromGuard.normalize(t.name()), t);
    }
    this.shardedTables = Map.copyOf(byName);
    Set<String> names = new HashSet<>();
    for (String t : broadcastTables) {
      names.add(FromGuard.normalize(t));
    }
    this.fromGuard = new FromGuard(Set.copyOf(names));
  }

  /**
   * Plans one SELECT for scatter execution.
   *
   * @param sql a single SELECT statement
   * @param dialect the shards' dialect
   * @throws java.sql.SQLFeatureNotSupportedException (SQLState 0A000) when the statement cannot be
   *     merged correctly from per-shard results; the message names the construct and an alternative
   * @throws java.sql.SQLSyntaxErrorException for references the database would reject anyway, such
   *     as an ORDER BY position outside the select list
   */
  public ScatterPlan plan(String sql, MergeDialect dialect) throws SQLException {
    return plan(sql, dialect, ServerFunctions.UNCHECKED);
  }

  /**
   * The same, also refusing calls of aggregates the shards' catalog knows and the planner does not
   * (and of functions missing from a complete catalog): see {@link FunctionGuard}.
   */
  public ScatterPlan plan(String sql, MergeDialect dialect, ServerFunctions functions) throws SQLException {
    Objects.requireNonNull(sql, "sql");
    Objects.requireNonNull(dialect, "dialect");
    LexicalGuard.check(sql, dialect);
    SelectParser.Parsed parsed = SelectParser.parse(sql, dialect);
    PlainSelect ps = ClauseGuard.plainSelect(parsed.statement());
    ClauseGuard.check(ps);
    FunctionGuard.check(parsed.statement(), functions, dialect);
    Parentheses.unwrapOrderAndGroup(ps);
    fromGuard.check(parsed.statement(), ps);
    NameGuard.check(ps, dialect);
    CollationGuard.check(ps, dialect);
    if (LimitClause.serverMustJudge(ps, dialect)) {
      // MariaDB/MySQL reject any expression in LIMIT, PostgreSQL an overflowing or negative one: the
      // shards get the statement as written and the application the server's own error. A width of
      // 0 columns makes any row a shard might return an error, never a merged answer.
      return new ScatterPlan(sql, new MergeSpec(dialect, List.of(), 0, 0, List.of(), null, false, List.of(),
          RowBound.NONE, RowBound.NONE), ShardParameters.passThrough(), 0);
    }
    ParameterMarkers.Style style =
        ParameterMarkers.collectAndMark(parsed.statement(), sql, parsed.positionalParameters());
    LimitClause rows = LimitClause.read(ps);
    ShardColumns columns = new ShardColumns(ps, dialect);
    List<String> labels = columns.hasStar() ? List.of() : Labels.of(ps.getSelectItems(), dialect);
    boolean distinct = ps.getDistinct() != null;

    List<ColumnMerge> merges = List.of();
    RowFilter having = null;
    List<SortKey> order;
    boolean pushDown;
    if (isAggregating(ps)) {
      AggregationPlanner.Result result =
          new AggregationPlanner(ps, columns, dialect, labels, rows.limit.isPresent(),
              ShardKeys.of(ps, shardedTables, dialect)).plan();
      merges = result.merges();
      having = result.having();
      order = result.order();
      pushDown = result.pushDown();
    } else {
      checkHavingWithoutAggregation(ps, dialect);
      order = plainOrder(ps, columns, dialect, distinct);
      pushDown = true; // every global top n+m row is within its shard's top n+m (also for DISTINCT)
    }
    rows.rewriteForShard(ps, pushDown);
    columns.appendHiddenTo(ps);
    java.util.Set<Integer> codePoint = columns.hasStar() ? java.util.Set.of() : TextKeys.codePointColumns(ps, dialect);

    String shardSql = ps.toString();
    ShardParameters parameters;
    int parameterCount;
    if (style == ParameterMarkers.Style.NAMED) {
      parameters = ShardParameters.passThrough();
      parameterCount = 0;
    } else {
      ParameterMarkers.Rendered rendered = ParameterMarkers.render(shardSql);
      shardSql = rendered.sql();
      parameters = ShardParameters.positional(rendered.sources());
      parameterCount = parsed.positionalParameters();
    }
    MergeSpec spec = new MergeSpec(
        dialect, labels, columns.visibleCount(), columns.hiddenCount(), merges, having, distinct, order,
        rows.offset, rows.limit, codePoint);
    return new ScatterPlan(shardSql, spec, parameters, parameterCount);
  }

  private static boolean isAggregating(PlainSelect ps) {
    if (ps.getGroupBy() != null) {
      return true;
    }
    for (SelectItem<?> item : ps.getSelectItems()) {
      if (!ExpressionScan.of(item.getExpression()).aggregates.isEmpty()) {
        return true;
      }
    }
    if (ps.getHaving() != null && !ExpressionScan.of(ps.getHaving()).aggregates.isEmpty()) {
      return true;
    }
    if (ps.getOrderByElements() != null) {
      for (OrderByElement o : ps.getOrderByElements()) {
        if (!ExpressionScan.of(o.getExpression()).aggregates.isEmpty()) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * PostgreSQL (and the SQL standard) makes a SELECT with HAVING one group even without GROUP BY or
   * aggregates: {@code SELECT 1 FROM t HAVING true} is one row however many rows t has, so every
   * shard's row concatenated would be one row per shard. MySQL and MariaDB instead filter rows with
   * such a HAVING, like WHERE, which merges as a plain scatter.
   */
  private static void checkHavingWithoutAggregation(PlainSelect ps, MergeDialect dialect) throws SQLException {
    if (ps.getHaving() != null && !dialect.isMySqlFamily()) {
      throw Unsupported.of(
          "HAVING " + ps.getHaving() + " without GROUP BY or aggregates",
          "PostgreSQL makes such a query one group of all rows, and each shard would return its own group's row",
          "Select an aggregate (for example count(*)) with it, or move the condition to WHERE");
    }
  }

  /** ORDER BY of a query without aggregation: resolve to select-list columns or append hidden ones. */
  private static List<SortKey> plainOrder(PlainSelect ps, ShardColumns columns, MergeDialect dialect, boolean distinct)
      throws SQLException {
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
        if (distinct) {
          throw distinctOrderNotSelected(e, columns.hasStar());
        }
        checkNoAliasReference(columns, e, "ORDER BY", dialect);
        ref = columns.addHidden(e);
      }
      keys.add(sortKey(ref, o, dialect));
    }
    return keys;
  }

  static SQLException distinctOrderNotSelected(Expression e, boolean star) {
    return Unsupported.of(
        "ORDER BY " + e + " with SELECT DISTINCT",
        star
            ? "with SELECT DISTINCT * the planner cannot tell which column of * it is"
            : "for SELECT DISTINCT, ORDER BY expressions must appear in the select list",
        "Add the expression to the select list (or list the columns instead of *) and order by it");
  }

  static SortKey sortKey(ShardColumns.Ref ref, OrderByElement o, MergeDialect dialect) {
    boolean descending = !o.isAsc();
    boolean nullsFirst = o.getNullOrdering() != null
        ? o.getNullOrdering() == OrderByElement.NullOrdering.NULLS_FIRST
        : dialect.nullsFirstByDefault(descending);
    return new SortKey(ref.index(), ref.hidden(), descending, nullsFirst);
  }

  /**
   * MySQL lets ORDER BY and HAVING expressions use select aliases, but a hidden select column
   * cannot; refuse instead of sending SQL the shard rejects with a confusing message.
   */
  static void checkNoAliasReference(ShardColumns columns, Expression e, String clause, MergeDialect dialect)
      throws SQLException {
    if (!dialect.isMySqlFamily()) {
      return;
    }
    String alias = columns.aliasReferencedIn(e);
    if (alias != null) {
      throw Unsupported.of(
          clause + " " + e,
          "it uses the select alias " + alias + " inside an expression, and the planner must copy the expression"
              + " into the select list where aliases are not visible",
          "Repeat the aliased expression instead of the alias, or select the whole "
              + clause.toLowerCase(Locale.ROOT) + " expression with its own alias and refer to that");
    }
  }
}
