package dev.junction.merge;

import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.function.IntFunction;

/**
 * Everything the {@link ResultMerger} needs to turn k shard results into the one result the
 * application asked for. Produced by {@link ScatterSelectPlanner}; data only, so it can be
 * cached with the plan, shown in an explain, and built by hand in tests.
 *
 * <p>Shard rows have {@code visibleColumns + hiddenColumns} columns. Hidden columns are trailing
 * columns the planner appended for the merger's own use (ORDER BY expressions not in the select
 * list, GROUP BY keys, the COUNT behind an AVG, aggregates used only in HAVING); merged rows have
 * only the visible ones.
 *
 * @param dialect of the shards; decides AVG scale
 * @param labels column labels of the visible columns as the database would name them; empty when
 *     the select list has a {@code *} (take them from the first shard's result metadata)
 * @param visibleColumns columns the application sees, or -1 when a {@code *} makes the count
 *     known only from the shard rows (then it is the row width minus {@code hiddenColumns})
 * @param hiddenColumns trailing shard columns stripped from merged rows
 * @param aggregation empty for a non-aggregating query; otherwise one entry per shard column
 *     saying how partial values combine ({@link Combine#KEY} entries are the GROUP BY key; none
 *     means one global group)
 * @param having condition on combined rows, or null
 * @param distinct remove duplicate visible rows after combining
 * @param order sort keys, major first; empty for no ORDER BY
 * @param offset rows to skip after merging and sorting
 * @param limit rows to return after the offset
 * @param codePointColumns absolute shard-column indexes whose expression carries an explicit
 *     code-point {@code COLLATE} (see {@link CollationGuard#exact}): their text keys merge exactly
 *     whatever the shards' column or database collations are, see {@link TextKeys}
 */
public record MergeSpec(
    MergeDialect dialect,
    List<String> labels,
    int visibleColumns,
    int hiddenColumns,
    List<ColumnMerge> aggregation,
    RowFilter having,
    boolean distinct,
    List<SortKey> order,
    RowBound offset,
    RowBound limit,
    java.util.Set<Integer> codePointColumns) {

  /** A spec without explicitly collated columns. */
  public MergeSpec(
      MergeDialect dialect, List<String> labels, int visibleColumns, int hiddenColumns, List<ColumnMerge> aggregation,
      RowFilter having, boolean distinct, List<SortKey> order, RowBound offset, RowBound limit) {
    this(dialect, labels, visibleColumns, hiddenColumns, aggregation, having, distinct, order, offset, limit,
        java.util.Set.of());
  }

  public MergeSpec {
    codePointColumns = java.util.Set.copyOf(codePointColumns);
    Objects.requireNonNull(dialect, "dialect");
    labels = List.copyOf(labels);
    aggregation = List.copyOf(aggregation);
    order = List.copyOf(order);
    Objects.requireNonNull(offset, "offset");
    Objects.requireNonNull(limit, "limit");
    if (visibleColumns < -1 || hiddenColumns < 0) {
      throw new IllegalArgumentException("bad column counts: visible=" + visibleColumns + " hidden=" + hiddenColumns);
    }
    if (visibleColumns >= 0 && !labels.isEmpty() && labels.size() != visibleColumns) {
      throw new IllegalArgumentException(labels.size() + " labels for " + visibleColumns + " visible columns");
    }
    if (!aggregation.isEmpty()) {
      if (visibleColumns < 0 || aggregation.size() != visibleColumns + hiddenColumns) {
        throw new IllegalArgumentException("aggregation needs one entry per shard column (and no SELECT *)");
      }
      for (ColumnMerge m : aggregation) {
        if (m.partner() >= aggregation.size() || m.length() >= aggregation.size() || m.maxLength() >= aggregation.size()) {
          throw new IllegalArgumentException("partner column " + m.partner() + " is out of range");
        }
      }
    } else if (having != null) {
      throw new IllegalArgumentException("HAVING needs an aggregation");
    }
    for (SortKey k : order) {
      int bound = k.hidden() ? hiddenColumns : visibleColumns;
      if (bound >= 0 && k.column() >= bound) {
        throw new IllegalArgumentException("sort key " + k + " is out of range");
      }
    }
  }

  /** A plain ordered (or unordered, when {@code order} is empty) merge with no hidden columns. */
  public static MergeSpec ordered(
      MergeDialect dialect, List<String> labels, List<SortKey> order, RowBound offset, RowBound limit) {
    return new MergeSpec(dialect, labels, labels.size(), 0, List.of(), null, false, order, offset, limit);
  }

  /** GROUP BY, aggregates or DISTINCT: the merger must see every row before emitting any. */
  public boolean isMaterializing() {
    return !aggregation.isEmpty() || distinct;
  }

  public boolean isAggregating() {
    return !aggregation.isEmpty();
  }

  /** True when no LIMIT, OFFSET or HAVING value still waits for a {@code ?} parameter. */
  public boolean isBound() {
    return !offset.isParameter() && !limit.isParameter() && (having == null || having.isBound());
  }

  /** This spec with LIMIT, OFFSET and HAVING parameters replaced by an execution's values. */
  public MergeSpec bind(List<?> parameters) throws SQLException {
    if (isBound()) {
      return this;
    }
    return new MergeSpec(
        dialect, labels, visibleColumns, hiddenColumns, aggregation,
        having == null ? null : having.bind(parameters),
        distinct, order, offset.bind(parameters, "OFFSET"), limit.bind(parameters, "LIMIT"), codePointColumns);
  }

  /** A compact one-line rendering; the golden rewrite tests compare against it. */
  @Override
  public String toString() {
    IntFunction<String> name =
        i -> visibleColumns >= 0 && i >= visibleColumns ? "h" + (i - visibleColumns) : "c" + i;
    StringBuilder sb = new StringBuilder("out=");
    sb.append(visibleColumns < 0 ? "*" : labels.toString());
    if (hiddenColumns > 0) {
      sb.append('+').append(hiddenColumns).append('h');
    }
    if (!aggregation.isEmpty()) {
      sb.append(" agg=[");
      for (int i = 0; i < aggregation.size(); i++) {
        ColumnMerge m = aggregation.get(i);
        sb.append(i == 0 ? "" : i == visibleColumns ? " | " : ", ");
        if (m.expression() != null) {
          sb.append("EXPR").append(m.expression().describe(name));
          continue;
        }
        sb.append(m.coalesced() ? "COALESCE_" : "").append(m.combine());
        if (m.partner() >= 0) {
          sb.append('(').append(name.apply(m.partner()));
          if (m.length() >= 0) {
            sb.append(", len=").append(name.apply(m.length())).append(", max=").append(name.apply(m.maxLength()));
          }
          sb.append(')');
        }
      }
      sb.append(']');
    }
    if (having != null) {
      sb.append(" having=").append(having.describe(name));
    }
    if (distinct) {
      sb.append(" distinct");
    }
    if (!order.isEmpty()) {
      sb.append(" order=[");
      for (int i = 0; i < order.size(); i++) {
        SortKey k = order.get(i);
        sb.append(i == 0 ? "" : ", ").append(k.describe((k.hidden() ? "h" : "c") + k.column()));
      }
      sb.append(']');
    }
    if (offset.isPresent()) {
      sb.append(" offset=").append(offset);
    }
    if (limit.isPresent()) {
      sb.append(" limit=").append(limit);
    }
    return sb.toString();
  }
}
