package dev.junction.merge;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import net.sf.jsqlparser.expression.AnalyticExpression;
import net.sf.jsqlparser.expression.AnalyticType;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.JsonAggregateFunction;
import net.sf.jsqlparser.expression.MySQLGroupConcat;
import net.sf.jsqlparser.statement.select.OrderByElement;
import java.util.List;

import java.sql.SQLFeatureNotSupportedException;

/**
 * Recognises aggregate calls and decides whether partial results from shards can be combined into
 * the right answer. COUNT, SUM, MIN, MAX, AVG (as SUM and COUNT), BOOL_AND/EVERY, BOOL_OR and
 * ANY_VALUE can, and so can {@code COUNT(DISTINCT shard key)} ({@link ShardKeys}) and STRING_AGG,
 * ARRAY_AGG and GROUP_CONCAT without ORDER BY inside, as multisets ({@link Multisets}); other DISTINCT
 * counts, sums and averages, ordered-set aggregates and the statistical and JSON aggregates cannot.
 *
 * <p>Only the built-in names below are recognised here: a user-defined aggregate looks like a scalar
 * function in the SQL, and {@link FunctionGuard} refuses it from the shards' catalog.
 */
final class AggregateCalls {

  /** A top-level aggregate call and how its partials combine. */
  record Call(Expression node, String name, Combine combine) {}

  private static final Map<String, Combine> MERGEABLE = Map.ofEntries(
      Map.entry("count", Combine.COUNT),
      Map.entry("sum", Combine.SUM),
      Map.entry("min", Combine.MIN),
      Map.entry("max", Combine.MAX),
      Map.entry("avg", Combine.AVG),
      Map.entry("bool_and", Combine.BOOL_AND),
      Map.entry("every", Combine.BOOL_AND),
      Map.entry("bool_or", Combine.BOOL_OR),
      Map.entry("any_value", Combine.ANY_VALUE),
      Map.entry("string_agg", Combine.CONCAT),
      Map.entry("group_concat", Combine.CONCAT),
      Map.entry("array_agg", Combine.ARRAY));

  private static final Set<String> UNMERGEABLE = Set.of(
      "json_agg", "jsonb_agg", "json_object_agg",
      "jsonb_object_agg", "json_arrayagg", "json_objectagg",
      // PostgreSQL 16: without these names they were merged as scalars (one shard's partial)
      "json_agg_strict", "jsonb_agg_strict", "json_object_agg_strict", "jsonb_object_agg_strict",
      "json_object_agg_unique", "jsonb_object_agg_unique", "json_object_agg_unique_strict",
      "jsonb_object_agg_unique_strict", "xmlagg", "stddev", "stddev_pop",
      "stddev_samp", "std", "variance", "var_pop", "var_samp", "bit_and", "bit_or", "bit_xor",
      "percentile_cont", "percentile_disc", "mode", "median", "corr", "covar_pop", "covar_samp",
      "regr_avgx", "regr_avgy", "regr_count", "regr_intercept", "regr_r2", "regr_slope",
      "regr_sxx", "regr_sxy", "regr_syy", "range_agg", "range_intersect_agg", "grouping",
      "approx_count_distinct", "listagg");

  private AggregateCalls() {}

  static boolean isAggregateName(String name) {
    String n = simpleName(name);
    return MERGEABLE.containsKey(n) || UNMERGEABLE.contains(n);
  }

  /**
   * The aggregate call {@code e} is, or null when it is not an aggregate call.
   *
   * @throws SQLFeatureNotSupportedException for aggregates whose partials cannot be combined and
   *     for window functions
   */
  static Call recognize(Expression e) throws SQLFeatureNotSupportedException {
    return recognize(e, ShardKeys.NONE);
  }

  /**
   * The same, also accepting {@code COUNT(DISTINCT k)} where {@code keys} recognises {@code k} as
   * the shard key: its per-shard counts add up ({@link ShardKeys} says why).
   */
  static Call recognize(Expression e, ShardKeys keys) throws SQLFeatureNotSupportedException {
    if (e instanceof JsonAggregateFunction) {
      throw notMergeable(e, "JSON aggregate");
    }
    if (e instanceof MySQLGroupConcat g) {
      List<Expression> args = g.getExpressionList() == null ? List.of() : List.copyOf(g.getExpressionList());
      checkMultiset(e, "group_concat", g.getOrderByElements(), g.isDistinct(), args.size() == 1 ? args.get(0) : null, keys);
      return new Call(e, "group_concat", Combine.CONCAT);
    }
    String name;
    boolean distinct;
    if (e instanceof Function f) {
      name = simpleName(f.getName());
      distinct = f.isDistinct() || f.isUnique();
      if (!isAggregateName(name)) {
        return null;
      }
    } else if (e instanceof AnalyticExpression a) {
      if (ExpressionScan.isWindow(a)) {
        throw windowFunction(a);
      }
      name = simpleName(a.getName());
      if (a.getType() == AnalyticType.WITHIN_GROUP || a.getType() == AnalyticType.WITHIN_GROUP_OVER) {
        throw notMergeable(e, "ordered-set aggregate");
      }
      distinct = a.isDistinct() || a.isUnique();
      if (!isAggregateName(name)) {
        throw notMergeable(e, "aggregate");
      }
    } else {
      return null;
    }
    Combine combine = MERGEABLE.get(name);
    if (combine == null) {
      throw notMergeable(e, "aggregate");
    }
    if (combine == Combine.CONCAT || combine == Combine.ARRAY) {
      List<OrderByElement> inner = e instanceof Function f ? f.getOrderByElements() : ((AnalyticExpression) e).getFuncOrderBy();
      Expression first = e instanceof Function f
          ? (f.getParameters() == null || f.getParameters().isEmpty() ? null : (Expression) f.getParameters().get(0))
          : ((AnalyticExpression) e).getExpression();
      checkMultiset(e, name, inner, distinct, first, keys);
      return new Call(e, name, combine);
    }
    if (distinct && combine == Combine.COUNT && keys.isKey(onlyArgument(e))) {
      return new Call(e, name, Combine.COUNT); // every key's rows sit on one shard: the counts add up
    }
    if (distinct && (combine == Combine.COUNT || combine == Combine.SUM || combine == Combine.AVG)) {
      String keyNote = combine != Combine.COUNT ? ""
          : keys.key() != null ? " (only COUNT(DISTINCT " + keys.key() + "), the shard key, adds up across shards)"
          : keys.whyNot() != null ? " (COUNT(DISTINCT <shard key>) adds up across shards, but " + keys.whyNot() + ")"
          : "";
      throw Unsupported.of(
          e.toString(),
          "per-shard " + name.toUpperCase(Locale.ROOT) + "(DISTINCT ...) results cannot be combined,"
              + " because the same value can be counted on several shards" + keyNote,
          "Route it to one shard with a shard-key predicate, or select the DISTINCT values"
              + " (SELECT DISTINCT x ...) and " + (combine == Combine.COUNT ? "count" : "aggregate")
              + " them in the application");
    }
    return new Call(e, name, combine);
  }

  /**
   * string_agg, array_agg and group_concat merge as multisets ({@link Multisets}): refused with an
   * ORDER BY inside (the order of elements across shards is not reproduced: a k-way merge of the
   * partials' elements would need each element's sort key, and string_agg text cannot be split back
   * into elements), and with DISTINCT unless the argument is the shard key (then the shards' distinct
   * sets are disjoint, as for {@code COUNT(DISTINCT key)}).
   */
  private static void checkMultiset(Expression e, String name, List<OrderByElement> order, boolean distinct,
                                    Expression argument, ShardKeys keys) throws SQLFeatureNotSupportedException {
    String upper = name.toUpperCase(Locale.ROOT);
    if (order != null && !order.isEmpty()) {
      throw Unsupported.of(
          "ORDER BY inside " + e,
          "the merger concatenates the shards' " + upper + " results as an unordered multiset of elements,"
              + " which does not reproduce an order across shards",
          "Drop the ORDER BY inside " + upper + " (the elements then come in an unspecified order) and sort them in"
              + " the application, or " + Unsupported.ROUTE_TO_ONE_SHARD_LOWER);
    }
    if (distinct && !keys.isKey(argument)) {
      throw Unsupported.of(
          e.toString(),
          "per-shard " + upper + "(DISTINCT ...) results cannot be concatenated, because the same value can appear"
              + " on several shards" + (keys.key() != null ? " (only DISTINCT " + keys.key() + ", the shard key, is"
              + " disjoint across shards)" : ""),
          "Drop DISTINCT and remove duplicates in the application, or select the DISTINCT values"
              + " (SELECT DISTINCT x ...) and aggregate them in the application");
    }
  }

  /** The single argument of an aggregate call, or null when it has none or several. */
  private static Expression onlyArgument(Expression e) {
    if (e instanceof Function f) {
      return f.getParameters() != null && f.getParameters().size() == 1 && !f.isAllColumns()
          ? (Expression) f.getParameters().get(0) : null;
    }
    if (e instanceof AnalyticExpression a) {
      return a.getOffset() == null && a.getDefaultValue() == null && a.getKeep() == null ? a.getExpression() : null;
    }
    return null;
  }

  static SQLFeatureNotSupportedException windowFunction(Expression e) {
    return Unsupported.of(
        "the window function " + e,
        "a window sees only the rows of one shard, so its frames, ranks and running totals would be per shard",
        "Route the query to one shard with a shard-key predicate, or compute the window in the application"
            + " over the merged rows");
  }

  private static SQLFeatureNotSupportedException notMergeable(Expression e, String kind) {
    return Unsupported.of(
        "the " + kind + " " + e,
        "its per-shard results cannot be combined into the overall result"
            + " (mergeable: COUNT, SUM, MIN, MAX, AVG, BOOL_AND, BOOL_OR, EVERY, ANY_VALUE, and STRING_AGG, ARRAY_AGG,"
            + " GROUP_CONCAT without ORDER BY inside)",
        "Route the query to one shard with a shard-key predicate, or select the rows and aggregate them"
            + " in the application");
  }

  private static String simpleName(String name) {
    if (name == null) {
      return "";
    }
    int dot = name.lastIndexOf('.');
    return (dot < 0 ? name : name.substring(dot + 1)).replace("\"", "").replace("`", "").toLowerCase(Locale.ROOT);
  }
}
