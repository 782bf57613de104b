package dev.junction.it.shard;

import java.util.List;

/**
 * One generated query and what the comparison may rely on.
 *
 * @param family the query shape, for per-family counts
 * @param route where a correct planner sends it, derived from the ring (not from Junction)
 * @param prepared run as a PreparedStatement even without parameters
 * @param order how much of the row order the SQL determines
 * @param sortColumns with {@link Order#PARTIAL}: the result columns (0-based) that ORDER BY sorts by
 * @param limited LIMIT/OFFSET present: with a partial order, which tied rows make the cut is open
 */
public record QueryCase(int id, Family family, Route route, String sql, List<Object> params, boolean prepared, Order order,
                        int[] sortColumns, boolean limited, List<Multiset> multisets) {

  public QueryCase(int id, Family family, Route route, String sql, List<Object> params, boolean prepared, Order order,
                   int[] sortColumns, boolean limited) {
    this(id, family, route, sql, params, prepared, order, sortColumns, limited, List.of());
  }

  /**
   * A result column holding string_agg/group_concat (split by {@code separator}) or array_agg
   * ({@code separator} null) whose elements come in an unspecified order: compared as a multiset of
   * elements ({@link ResultTable}).
   */
  public record Multiset(int column, String separator) {}

  public enum Family {
    POINT, IN_LIST, RANGE, ORDER_LIMIT, AGGREGATE, GROUP_BY, GROUP_HAVING, GROUP_ORDER_LIMIT, DISTINCT,
    JOIN_COLOCATED, JOIN_BROADCAST, BROADCAST_ONLY, DEFAULT_TABLE, EXPRESSIONS,
    // issue #10 shapes answered exactly (never refused): COALESCE over aggregates, COUNT(DISTINCT shard key)
    AGG_EXPR,
    // HAVING and the one row of an aggregate without GROUP BY: constant HAVING, HAVING on totals, WHERE false, LIMIT 0, OFFSET 1
    HAVING_ONE_GROUP,
    // issue #10 families (AdversarialGenerator): Junction may refuse these with 0AJ00, never answer wrongly
    DERIVED, CTE, SHADOW, KEY_EXPR_ORDER, COLLATION, OUTER_BROADCAST, SPECIAL_VALUES, FANOUT_ERROR,
    // issue #10, generated apart (QueryGenerator.generateFamilies): answered exactly, never refused; where the
    // oracle fails (PostgreSQL division by zero, int4 overflow in LIMIT, MariaDB LIMIT expressions) Junction
    // must fail with the oracle's SQLState and message
    AGG_ARITH, LIMIT_EXPR,
    // issue #10, generated apart: string_agg/array_agg (PostgreSQL), group_concat (MariaDB) without ORDER BY inside,
    // answered exactly as multisets (never refused), compared element by element in any order
    MULTISET_AGG;

    /** True for families where a 0AJ00 refusal naming the construct is an acceptable outcome. */
    public boolean mayRefuse() {
      return ordinal() >= DERIVED.ordinal() && ordinal() <= FANOUT_ERROR.ordinal();
    }

    /** True for families whose statements the oracle may reject: Junction must then fail the same way. */
    public boolean mayFail() {
      return mayRefuse() || this == AGG_ARITH || this == LIMIT_EXPR;
    }
  }

  /** Targets a correct planner picks: one shard by key, a key subset, every shard, any one, the default. */
  public enum Route { SINGLE, MULTI, SCATTER, ANY, DEFAULT }

  /**
   * NONE: compare as multisets. TOTAL: the ORDER BY ends in a unique key, compare sequences.
   * PARTIAL: ties possible; compare the sequence of the sort columns, plus the multiset of whole rows
   * when no LIMIT/OFFSET cuts through a group of ties.
   */
  public enum Order { NONE, TOTAL, PARTIAL }

  public String describe() {
    return "#" + id + " [" + family + ", " + route + (prepared || !params.isEmpty() ? ", prepared" : "") + "] "
        + SqlText.describe(sql, params);
  }
}
