package dev.junction.it.shard;

import dev.junction.it.shard.QueryCase.Family;
import dev.junction.it.shard.QueryCase.Order;
import dev.junction.it.shard.QueryCase.Route;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.LongToIntFunction;

/**
 * A seeded generator of SELECTs over the differential schema that runs unchanged on the oracle and
 * through Junction: point and IN-list lookups, key-less range scans, ORDER BY with LIMIT/OFFSET,
 * aggregates, GROUP BY with HAVING and top-N, DISTINCT, co-located and broadcast joins.
 *
 * <p>Every ORDER BY is either made total with a unique tie-breaker ({@code order_id},
 * {@code customer_id} or every GROUP BY key) or marked {@link Order#PARTIAL} with its sort columns in
 * the select list, so the comparison can check exactly the part of the order the SQL determines.
 */
public final class QueryGenerator {
  static final List<String> ORDER_COLUMNS = List.of("order_id", "customer_id", "status", "amount", "qty", "created_at", "note");
  static final List<String> SORTABLE = List.of("status", "amount", "qty", "created_at", "note", "customer_id");
  static final List<String> GROUPABLE = List.of("status", "qty", "note", "customer_id");
  static final List<String> AGGREGATES = List.of("COUNT(*)", "COUNT(note)", "COUNT(amount)", "SUM(amount)", "SUM(qty)",
      "MIN(amount)", "MAX(amount)", "MIN(created_at)", "MAX(created_at)", "MIN(note)", "MAX(note)", "AVG(amount)",
      "AVG(qty)", "MIN(qty)", "MAX(order_id)", "count(*)", "sum(amount)", "avg(amount)");

  private final SqlFlavor flavor;
  private final List<Long> customerIds;
  private final List<List<Long>> idsByShard = new ArrayList<>();
  private final Random rnd;
  private final AdversarialGenerator adversarial;
  private int nextId = 1;

  public QueryGenerator(SqlFlavor flavor, List<Long> customerIds, int shardCount, LongToIntFunction shardOf, long seed) {
    this.flavor = flavor;
    this.customerIds = customerIds;
    for (int i = 0; i < shardCount; i++) {
      idsByShard.add(new ArrayList<>());
    }
    for (long id : customerIds) {
      idsByShard.get(shardOf.applyAsInt(id)).add(id);
    }
    this.rnd = new Random(seed);
    this.adversarial = new AdversarialGenerator(flavor, rnd);
  }

  public List<QueryCase> generate(int count) {
    List<QueryCase> out = new ArrayList<>(count);
    Family[] families = Family.values();
    // the issue #10 families (AGG_EXPR, DERIVED .. FANOUT_ERROR) take about a third of the queries
    int[] weights = {10, 8, 8, 14, 10, 8, 6, 8, 7, 9, 7, 2, 3, 7, 12, 10, 8, 6, 6, 8, 6, 7, 10, 4};
    int total = 0;
    for (int w : weights) {
      total += w;
    }
    for (int i = 0; i < count; i++) {
      int pick = rnd.nextInt(total);
      int f = 0;
      while (pick >= weights[f]) {
        pick -= weights[f++];
      }
      out.add(generate(families[f]));
    }
    return out;
  }

  /** {@code perFamily} queries of each of {@code families}, numbered from 100001 (apart from {@link #generate(int)}). */
  public List<QueryCase> generateFamilies(List<Family> families, int perFamily) {
    nextId = 100_001;
    List<QueryCase> out = new ArrayList<>();
    for (Family f : families) {
      for (int i = 0; i < perFamily; i++) {
        out.add(generate(f));
      }
    }
    return out;
  }

  QueryCase generate(Family family) {
    return switch (family) {
      case POINT -> point();
      case IN_LIST -> inList();
      case RANGE -> range();
      case ORDER_LIMIT -> orderLimit();
      case AGGREGATE -> aggregate();
      case GROUP_BY -> groupBy(Family.GROUP_BY, false, false);
      case GROUP_HAVING -> groupBy(Family.GROUP_HAVING, true, false);
      case GROUP_ORDER_LIMIT -> groupBy(Family.GROUP_ORDER_LIMIT, rnd.nextInt(3) == 0, true);
      case DISTINCT -> distinct();
      case JOIN_COLOCATED -> joinColocated();
      case JOIN_BROADCAST -> joinBroadcast();
      case BROADCAST_ONLY -> broadcastOnly();
      case DEFAULT_TABLE -> defaultTable();
      case EXPRESSIONS -> expressions();
      case AGG_EXPR -> aggregateExpressions();
      case HAVING_ONE_GROUP -> havingOneGroup();
      case AGG_ARITH -> aggregateArithmetic();
      case LIMIT_EXPR -> limitExpression();
      case MULTISET_AGG -> multisetAggregates();
      default -> adversarial.generate(family, nextId++);
    };
  }

  // ---- families ---------------------------------------------------------------------------------

  /** Aggregates COALESCE wraps: NULL-able sums, negative values, bigint values near 2^63, counts, the shard key. */
  static final List<String> COALESCED = List.of("SUM(amount)", "SUM(qty)", "MIN(amount)", "MAX(amount)", "MIN(qty)", "MAX(qty)",
      "COUNT(note)", "COUNT(*)", "SUM(0 - amount)", "MIN(0 - qty)", "MAX(0 - amount)", "SUM(qty * 900000000000000000)",
      "MAX(order_id * 1000000000000000)", "MIN(0 - order_id * 1000000000000000)", "SUM(order_id * 1000000000000000)",
      "COUNT(DISTINCT customer_id)", "MAX(customer_id)", "SUM(amount) FILTER (WHERE qty > 5)");
  /** Fallback literals: zero, negative, a decimal with scale, and one beyond bigint. */
  static final List<String> FALLBACKS = List.of("0", "-1", "7", "0.5", "-2.25", "0.00", "99999999999999999999");

  /**
   * COALESCE(aggregate, literal) and COUNT(DISTINCT customer_id), the shard key of every sharded
   * table, over orders, customers and specials: global and per group, with filters that leave
   * groups whose values are all NULL or match no row at all, HAVING, ORDER BY and LIMIT.
   */
  private QueryCase aggregateExpressions() {
    int table = rnd.nextInt(10);
    if (table == 0) {
      return aggregateExpressionsOn("customers", List.of("COALESCE(MAX(tier), -1)", "COALESCE(SUM(tier), 0)",
          "COALESCE(MIN(tier), 0.5)", "COUNT(DISTINCT customer_id)", "COALESCE(COUNT(DISTINCT customer_id), 0)"),
          List.of("region", "tier"), List.of("region IS NULL", "tier IS NULL", "tier > 100"));
    }
    if (table == 1) {
      return aggregateExpressionsOn("specials", List.of("COALESCE(SUM(n), 0)", "COALESCE(MAX(n), -1)", "COALESCE(MIN(n), 0.5)",
          "COUNT(DISTINCT customer_id)", "COALESCE(SUM(id), 0)", "COALESCE(MAX(id * 10000000000000000), -1)"),
          List.of("bo", "s"), List.of("n IS NULL", "id % 23 = 0", "id < 0"));
    }
    List<String> items = new ArrayList<>();
    // not MIN/MAX of timestamps or text: PostgreSQL rejects COALESCE(timestamp, integer), MariaDB returns
    // text, which Junction refuses to merge (0AJ00; ScatterAggregateExpressionsTest)
    for (String agg : pick(COALESCED, 1 + rnd.nextInt(3))) {
      boolean plain = agg.startsWith("COUNT(DISTINCT") && rnd.nextBoolean();
      String filter = agg.contains("FILTER") && flavor != SqlFlavor.POSTGRESQL ? agg.replace(" FILTER (WHERE qty > 5)", "") : agg;
      items.add(plain ? filter : "COALESCE(" + filter + ", " + FALLBACKS.get(rnd.nextInt(FALLBACKS.size())) + ")");
    }
    return aggregateExpressionsOn("orders", items, List.of("status", "note", "qty"),
        List.of("amount IS NULL", "amount > 99999999.00", "note IS NULL AND amount IS NULL"));
  }

  private QueryCase aggregateExpressionsOn(String table, List<String> candidates, List<String> groupable, List<String> nullFilters) {
    List<String> items = table.equals("orders") ? candidates : pick(candidates, 1 + rnd.nextInt(candidates.size()));
    List<String> keys = rnd.nextInt(5) < 2 ? List.of() : pick(groupable, 1 + (rnd.nextInt(4) == 0 ? 1 : 0));
    List<String> select = new ArrayList<>(keys);
    List<String> aliases = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      boolean alias = flavor == SqlFlavor.MARIADB || rnd.nextInt(3) > 0;
      aliases.add(alias ? "c" + i : null);
      select.add(alias ? items.get(i) + " AS c" + i : items.get(i));
    }
    QueryBuilder b = new QueryBuilder(rnd, "SELECT " + String.join(", ", select) + " FROM " + table);
    Route route = keyPredicate(b, "", rnd.nextInt(5) == 0 ? 1 + rnd.nextInt(2) : 0);
    int filter = rnd.nextInt(6);
    if (filter < 2) {
      b.where(nullFilters.get(rnd.nextInt(nullFilters.size()))); // NULL-only groups, or no row at all
    } else if (filter == 2 && table.equals("orders")) {
      b.where(nonKeyPredicate(b, ""));
    }
    if (keys.isEmpty()) {
      return done(Family.AGG_EXPR, route, b, Order.NONE, null, false);
    }
    b.append(" GROUP BY " + String.join(", ", keys));
    if (rnd.nextInt(4) == 0) {
      b.append(rnd.nextBoolean() ? " HAVING COUNT(DISTINCT customer_id) > " + b.value(1 + rnd.nextInt(3))
          : " HAVING COUNT(*) >= " + b.value(1 + rnd.nextInt(5)));
    }
    int order = rnd.nextInt(3);
    if (order == 0) {
      return done(Family.AGG_EXPR, route, b, Order.NONE, null, false);
    }
    StringBuilder sql = new StringBuilder(" ORDER BY ");
    if (order == 2) {
      int i = rnd.nextInt(items.size());
      sql.append(aliases.get(i) != null ? aliases.get(i) : Integer.toString(keys.size() + i + 1))
          .append(rnd.nextBoolean() ? " DESC" : "").append(", ");
    }
    sql.append(orderList(keys));
    b.append(sql.toString());
    boolean limited = rnd.nextBoolean();
    if (limited) {
      b.append(limit(b));
    }
    return done(Family.AGG_EXPR, route, b, Order.TOTAL, null, limited);
  }

  /** PostgreSQL arithmetic over aggregates of orders (int4 qty, numeric(12,2) amount, bigint order_id). */
  static final List<String> ARITH_PG = List.of("round(avg(amount), 2)", "round(avg(qty), 2)", "sum(qty) / count(*)",
      "sum(amount) / count(*)", "sum(amount) - sum(qty)", "avg(amount) * 100", "round(sum(qty)::numeric / count(*), 2)",
      "count(note) * 100 / count(*)", "sum(qty) / count(note)", "round(sum(amount) / 7, 3)", "sum(amount) / count(amount)",
      "count(*) - count(note)", "round(avg(amount))", "round(sum(amount), -1)", "sum(order_id * 1000000000000000) / count(*)",
      "count(DISTINCT customer_id) * 2 + 1", "sum(qty) * 2147483647", "round(avg(qty) * 100, 1)", "(sum(amount) + 0.005) / 2",
      "sum(qty) + 2147483647", "count(*) * 1.5", "-2 * sum(qty)", "round(sum(amount) / count(*), 4)", "avg(qty) - avg(amount)",
      "sum(amount) * sum(qty) / 3", "round(avg(qty)::numeric, 0)", "CAST(sum(qty) AS numeric) / 3",
      "count(*) / 3", "sum(qty) % 7", "max(qty) - min(qty)");
  /** MariaDB: + - * and one final quotient, or ROUND of one. */
  static final List<String> ARITH_MARIA = List.of("ROUND(AVG(amount), 2)", "ROUND(AVG(qty), 2)", "SUM(qty) / COUNT(*)",
      "SUM(amount) / COUNT(*)", "SUM(amount) - SUM(qty)", "ROUND(SUM(qty) / COUNT(*), 2)", "COUNT(note) * 100 / COUNT(*)",
      "SUM(qty) / COUNT(note)", "ROUND(SUM(amount) / 7, 3)", "SUM(amount) / COUNT(amount)", "COUNT(*) - COUNT(note)",
      "ROUND(AVG(amount))", "ROUND(SUM(amount), -1)", "COUNT(DISTINCT customer_id) * 2 + 1", "ROUND(AVG(qty), 4)",
      "(SUM(amount) + 0.005) / 2", "COUNT(*) * 1.5", "-2 * SUM(qty)", "ROUND(SUM(amount) / COUNT(*), 6)",
      "SUM(amount) * SUM(qty) / 3", "ROUND(AVG(amount), 6)", "COUNT(*) / 3", "SUM(qty) * 2 - COUNT(*)",
      "ROUND(SUM(qty) * 1.25 / COUNT(*), 3)", "AVG(qty) * 100", "MAX(qty) - MIN(qty)");

  /**
   * Arithmetic over aggregates (issue #10): global and per group, with filters that leave no row, NULL-only
   * values or count(note) = 0 (PostgreSQL: division by zero, which Junction must raise as the oracle does;
   * MariaDB: NULL), HAVING and ORDER BY on the computed column. Shapes outside the grammar (MIN/MAX, %, a MariaDB
   * quotient inside arithmetic) are listed in {@link #ARITH_REFUSED} and not generated: a refusal counts as
   * a non-match in this family.
   */
  private QueryCase aggregateArithmetic() {
    boolean pg = flavor == SqlFlavor.POSTGRESQL;
    List<String> pool = new ArrayList<>(pg ? ARITH_PG : ARITH_MARIA);
    pool.removeAll(ARITH_REFUSED);
    List<String> items = pick(pool, 1 + rnd.nextInt(3));
    List<String> keys = rnd.nextInt(3) == 0 ? List.of() : pick(List.of("status", "qty", "note"), 1);
    List<String> select = new ArrayList<>(keys);
    List<String> aliases = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      boolean alias = !pg || rnd.nextInt(3) > 0;
      aliases.add(alias ? "e" + i : null);
      select.add(alias ? items.get(i) + " AS e" + i : items.get(i));
    }
    if (rnd.nextBoolean()) {
      select.add(rnd.nextBoolean() ? "COUNT(*)" : "SUM(amount)");
    }
    QueryBuilder b = new QueryBuilder(rnd, "SELECT " + String.join(", ", select) + " FROM orders");
    Route route = keyPredicate(b, "", rnd.nextInt(5) == 0 ? 1 + rnd.nextInt(2) : 0);
    switch (rnd.nextInt(6)) {
      case 0 -> b.where("note IS NULL"); // count(note) = 0 in every group
      case 1 -> b.where("amount > " + b.value(new BigDecimal("99999999.00"))); // no row at all
      case 2, 3 -> b.where(nonKeyPredicate(b, ""));
      default -> { }
    }
    if (keys.isEmpty()) {
      return done(Family.AGG_ARITH, route, b, Order.NONE, null, false);
    }
    b.append(" GROUP BY " + String.join(", ", keys));
    if (rnd.nextInt(4) == 0) {
      b.append(" HAVING COUNT(note) > " + b.value(rnd.nextInt(3)));
    }
    if (rnd.nextInt(3) == 0) {
      return done(Family.AGG_ARITH, route, b, Order.NONE, null, false);
    }
    StringBuilder order = new StringBuilder(" ORDER BY ");
    if (rnd.nextBoolean()) {
      int i = rnd.nextInt(items.size());
      order.append(aliases.get(i) != null ? aliases.get(i) : Integer.toString(keys.size() + i + 1))
          .append(rnd.nextBoolean() ? " DESC" : "").append(", ");
    }
    order.append(orderList(keys));
    b.append(order.toString());
    boolean limited = rnd.nextBoolean();
    if (limited) {
      b.append(limit(b));
    }
    return done(Family.AGG_ARITH, route, b, Order.TOTAL, null, limited);
  }

  /**
   * Separators: ones that occur inside the values (',' in "a,(b)", 'i' in "gift", "'" in "it's", 'é' in
   * "café"), several characters, and the empty one (then the comparison falls back to the multiset of
   * characters).
   */
  static final List<String> SEPARATORS = List.of(",", ", ", "", "|", "i", "'", "\u00e9", " ; ");

  /**
   * string_agg/array_agg (PostgreSQL) and group_concat (MariaDB) without ORDER BY inside (issue #10),
   * compared as multisets: ungrouped and per group (groups on one shard only: GROUP BY customer_id),
   * with filters that match nothing or leave NULL-only groups, empty strings and values containing
   * the separator, a separator as a literal or a ? parameter (PostgreSQL), DISTINCT of the shard key,
   * FILTER, elements that need quoting in an array's text form.
   */
  private QueryCase multisetAggregates() {
    boolean pg = flavor == SqlFlavor.POSTGRESQL;
    List<String> keys = rnd.nextInt(3) == 0 ? List.of() : pick(List.of("status", "qty", "note", "customer_id"), 1);
    List<String> select = new ArrayList<>(keys);
    List<QueryCase.Multiset> multisets = new ArrayList<>();
    List<Object> separatorParams = new ArrayList<>();
    int count = 1 + rnd.nextInt(3);
    StringBuilder items = new StringBuilder();
    for (int i = 0; i < count; i++) {
      String sep = SEPARATORS.get(rnd.nextInt(SEPARATORS.size()));
      String item;
      String separator = sep;
      if (pg) {
        boolean array = rnd.nextInt(3) == 0;
        if (array) {
          item = List.of("array_agg(note)", "array_agg(qty)", "array_agg(amount)", "array_agg(created_at)",
              "array_agg(status || ' \"q\\ {x}, ' || note)", "array_agg(DISTINCT customer_id)",
              "array_agg(note) FILTER (WHERE qty > 5)", "array_agg(CASE WHEN qty > 8 THEN NULL ELSE status END)")
              .get(rnd.nextInt(8));
          separator = null;
        } else {
          String arg = List.of("note", "status", "note || '|'", "CAST(qty AS text)", "lower(note)").get(rnd.nextInt(5));
          String sepSql;
          if (rnd.nextInt(3) == 0) {
            sepSql = "?";
            separatorParams.add(sep);
          } else {
            sepSql = SqlText.literal(sep);
          }
          item = "string_agg(" + arg + ", " + sepSql + ")" + (rnd.nextInt(6) == 0 ? " FILTER (WHERE qty > 3)" : "");
        }
      } else {
        String arg = List.of("note", "status", "qty", "amount", "status, note", "DISTINCT customer_id", "note, '|'")
            .get(rnd.nextInt(7));
        boolean defaultSeparator = rnd.nextInt(4) == 0;
        if (defaultSeparator) {
          separator = ",";
        }
        item = "GROUP_CONCAT(" + arg + (defaultSeparator ? "" : " SEPARATOR " + SqlText.literal(sep)) + ")";
      }
      multisets.add(new QueryCase.Multiset(keys.size() + i, separator));
      select.add(item + (!pg || rnd.nextBoolean() ? " AS m" + i : ""));
    }
    if (rnd.nextInt(3) == 0) {
      select.add("COUNT(*)");
    }
    // ? separators come first in the text, before any WHERE parameter
    QueryBuilder b = new QueryBuilder(rnd, "SELECT " + String.join(", ", select) + " FROM orders");
    separatorParams.forEach(b::param);
    Route route = keyPredicate(b, "", rnd.nextInt(5) == 0 ? 1 + rnd.nextInt(2) : 0);
    switch (rnd.nextInt(7)) {
      case 0 -> b.where("note IS NULL"); // string_agg/group_concat NULL in every group, array_agg of NULLs
      case 1 -> b.where("amount > " + b.value(new BigDecimal("99999999.00"))); // no row at all
      case 2 -> b.where("note = ''"); // only empty strings
      case 3, 4 -> b.where(nonKeyPredicate(b, ""));
      default -> { }
    }
    if (keys.isEmpty()) {
      return done(Family.MULTISET_AGG, route, b, Order.NONE, null, false, multisets);
    }
    b.append(" GROUP BY " + String.join(", ", keys));
    if (rnd.nextInt(4) == 0) {
      b.append(" HAVING COUNT(*) > " + b.value(rnd.nextInt(3)));
    }
    if (rnd.nextBoolean()) {
      return done(Family.MULTISET_AGG, route, b, Order.NONE, null, false, multisets);
    }
    b.append(" ORDER BY " + orderList(keys));
    boolean limited = rnd.nextBoolean();
    if (limited) {
      b.append(limit(b));
    }
    return done(Family.MULTISET_AGG, route, b, Order.TOTAL, null, limited, multisets);
  }

  /** Shapes outside the accepted grammar: refused with 0AJ00, so not generated in AGG_ARITH. */
  static final List<String> ARITH_REFUSED = List.of("sum(qty) % 7", "max(qty) - min(qty)", "AVG(qty) * 100",
      "MAX(qty) - MIN(qty)");

  /**
   * LIMIT/OFFSET as constant integer expressions (issue #10): PostgreSQL folds them (int4/int8 typing;
   * an int4 overflow or a negative value is the server's error), MariaDB rejects any with a syntax error
   * that Junction must pass on.
   */
  private QueryCase limitExpression() {
    boolean pg = flavor == SqlFlavor.POSTGRESQL;
    List<String> cols = List.of("order_id", "customer_id", "amount");
    QueryBuilder b = new QueryBuilder(rnd, "SELECT " + String.join(", ", cols) + " FROM orders");
    Route route = keyPredicate(b, "", rnd.nextInt(5) == 0 ? 2 : 0);
    if (rnd.nextBoolean()) {
      b.where(nonKeyPredicate(b, ""));
    }
    b.append(" ORDER BY " + (rnd.nextBoolean() ? "amount DESC" + nulls() + ", " : "") + "order_id");
    int n = rnd.nextInt(20);
    int m = rnd.nextInt(30);
    String limit = switch (rnd.nextInt(8)) {
      case 0 -> (n / 2) + " + " + (n - n / 2);
      case 1 -> "(" + (n + 3) + " - 3)";
      case 2 -> "2 * " + n;
      case 3 -> "1 - 2"; // negative: the server's error
      case 4 -> pg ? "2147483647 + 1" : "2 + 3"; // int4 overflow on PostgreSQL
      case 5 -> "2147483648 * 2 - 4294967290"; // int8 arithmetic: 6
      default -> n + " + 0";
    };
    String offset = rnd.nextBoolean() ? null : rnd.nextBoolean() ? m + " + 1" : Integer.toString(m);
    b.append(" LIMIT " + limit + (offset == null ? "" : " OFFSET " + offset));
    return done(Family.LIMIT_EXPR, route, b, Order.TOTAL, null, true);
  }

  /** Aggregates over orders whose totals differ from every shard's partial (thresholds below). */
  static final List<String> ONE_GROUP_AGGREGATES = List.of("COUNT(*)", "SUM(qty)", "COUNT(note)", "MAX(qty)", "MIN(amount)",
      "SUM(amount)", "AVG(qty)", "count(*)");

  /**
   * The one row of an aggregate without group keys, and HAVING on merged totals: constant HAVING
   * (false, true, 1 = 0, MariaDB's 0 and 1, a {@code ?}), HAVING thresholds between one shard's
   * count and the total, an aggregate term the made-up row of no input would pass next to a false
   * constant, WHERE matching nothing (count 0, sum NULL), LIMIT 0 and OFFSET 1; the same HAVING
   * with GROUP BY status and, on PostgreSQL, GROUP BY ().
   */
  private QueryCase havingOneGroup() {
    boolean pg = flavor == SqlFlavor.POSTGRESQL;
    int grouping = rnd.nextInt(pg ? 6 : 5); // 0..2 none, 3 GROUP BY status, 4 GROUP BY status, qty, 5 GROUP BY ()
    List<String> keys = grouping == 3 ? List.of("status") : grouping == 4 ? List.of("status", "qty") : List.of();
    List<String> select = new ArrayList<>(keys);
    select.addAll(pick(ONE_GROUP_AGGREGATES, 1 + rnd.nextInt(3)));
    QueryBuilder b = new QueryBuilder(rnd, "SELECT " + String.join(", ", select) + " FROM orders");
    Route route = keyPredicate(b, "", rnd.nextInt(5) == 0 ? 1 + rnd.nextInt(2) : 0);
    switch (rnd.nextInt(5)) {
      case 0 -> b.where("amount > " + b.value(new BigDecimal("99999999.00"))); // no row: count 0, sum NULL
      case 1 -> b.where(pg ? "false" : "1 = 0");
      case 2 -> b.where(nonKeyPredicate(b, ""));
      default -> { }
    }
    if (!keys.isEmpty()) {
      b.append(" GROUP BY " + String.join(", ", keys));
    } else if (grouping == 5) {
      b.append(" GROUP BY ()");
    }
    int threshold = List.of(0, 1, 10, 100, 400, 700, 900, 1100, 1500, 2000, 2600, 2900, 4000).get(rnd.nextInt(13));
    String having = switch (rnd.nextInt(12)) {
      case 0 -> null;
      case 1 -> rnd.nextBoolean() ? "1 = 0" : "2 < 1";
      case 2 -> rnd.nextBoolean() ? "1 = 1" : "NOT (1 = 0)";
      case 3 -> pg ? (rnd.nextBoolean() ? "false" : "true") : List.of("0", "1", "false", "true").get(rnd.nextInt(4));
      case 4 -> b.param(rnd.nextInt(2)) + " = 1";
      case 5, 6 -> "COUNT(*) > " + b.value(threshold);
      case 7 -> "SUM(qty) >= " + b.value(threshold * 5);
      case 8 -> "COUNT(*) >= 0 AND 1 = 0";
      case 9 -> "COUNT(*) = 0";
      case 10 -> "MAX(qty) IS NULL OR COUNT(*) > " + b.value(threshold);
      default -> "1 = 1 AND COUNT(*) < " + b.value(threshold);
    };
    if (having != null) {
      b.append(" HAVING " + having);
    }
    if (!keys.isEmpty()) {
      b.append(" ORDER BY " + orderList(keys));
    }
    boolean limited = true;
    switch (rnd.nextInt(6)) {
      case 0 -> b.append(" LIMIT 0");
      case 1 -> b.append(pg ? " OFFSET 1" : " LIMIT 5 OFFSET 1");
      case 2 -> b.append(" LIMIT " + b.value(1 + rnd.nextInt(3)) + " OFFSET " + b.value(rnd.nextInt(2)));
      default -> limited = false;
    }
    return done(Family.HAVING_ONE_GROUP, route, b, keys.isEmpty() ? Order.NONE : Order.TOTAL, null, limited);
  }

  private QueryCase point() {
    int shape = rnd.nextInt(6);
    if (shape == 0) {
      QueryBuilder b = new QueryBuilder(rnd, "SELECT * FROM customers");
      b.where("customer_id = " + b.value(someId()));
      return done(Family.POINT, Route.SINGLE, b, Order.NONE, null, false);
    }
    if (shape == 1) {
      QueryBuilder b = new QueryBuilder(rnd, "SELECT * FROM customers");
      b.where("customer_id = " + b.value(9_999_999L - rnd.nextInt(100))); // no such customer
      return done(Family.POINT, Route.SINGLE, b, Order.NONE, null, false);
    }
    if (shape == 2) {
      QueryBuilder b = new QueryBuilder(rnd, "SELECT order_id, status, amount FROM orders");
      b.where("order_id = " + b.value((long) 2 + rnd.nextInt(9000))); // no key: every shard
      return done(Family.POINT, Route.SCATTER, b, Order.NONE, null, false);
    }
    List<String> cols = selectColumns();
    QueryBuilder b = new QueryBuilder(rnd, "SELECT " + String.join(", ", cols) + " FROM orders");
    long id = someId();
    b.where(switch (rnd.nextInt(10)) {
      case 0 -> b.value(id) + " = customer_id";
      case 1 -> "customer_id = '" + id + "'"; // a string literal for a bigint key
      default -> "customer_id = " + b.value(id);
    });
    if (rnd.nextBoolean()) {
      b.where(nonKeyPredicate(b, ""));
    }
    return maybeOrdered(Family.POINT, Route.SINGLE, b, cols, false);
  }

  private QueryCase inList() {
    boolean customers = rnd.nextInt(4) == 0;
    List<String> cols = customers ? List.of("customer_id", "name", "region", "tier") : selectColumns();
    QueryBuilder b = new QueryBuilder(rnd, "SELECT " + String.join(", ", cols) + " FROM " + (customers ? "customers" : "orders"));
    Route route = keyPredicate(b, "", 2);
    if (!customers && rnd.nextBoolean()) {
      b.where(nonKeyPredicate(b, ""));
    }
    if (customers) {
      return done(Family.IN_LIST, route, b, Order.NONE, null, false);
    }
    return maybeOrdered(Family.IN_LIST, route, b, cols, false);
  }

  private QueryCase range() {
    List<String> cols = selectColumns();
    QueryBuilder b = new QueryBuilder(rnd, "SELECT " + String.join(", ", cols) + " FROM orders");
    b.where(nonKeyPredicate(b, ""));
    if (rnd.nextBoolean()) {
      b.where(nonKeyPredicate(b, ""));
    }
    return maybeOrdered(Family.RANGE, Route.SCATTER, b, cols, false);
  }

  private QueryCase orderLimit() {
    List<String> cols = selectColumns();
    QueryBuilder b = new QueryBuilder(rnd, "SELECT " + String.join(", ", cols) + " FROM orders");
    Route route = keyPredicate(b, "", rnd.nextInt(5) == 0 ? 1 + rnd.nextInt(2) : 0);
    if (rnd.nextBoolean()) {
      b.where(nonKeyPredicate(b, ""));
    }
    return ordered(Family.ORDER_LIMIT, route, b, cols, true);
  }

  private QueryCase aggregate() {
    if (rnd.nextInt(6) == 0) {
      QueryBuilder b = new QueryBuilder(rnd, "SELECT COUNT(*), COUNT(region), MIN(created), MAX(tier), AVG(tier), SUM(tier)"
          + " FROM customers");
      Route route = keyPredicate(b, "", rnd.nextInt(3));
      return done(Family.AGGREGATE, route, b, Order.NONE, null, false);
    }
    List<String> aggs = aggregateItems(1 + rnd.nextInt(5));
    QueryBuilder b = new QueryBuilder(rnd, "SELECT " + String.join(", ", aggs) + " FROM orders");
    Route route = keyPredicate(b, "", rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(2) : 0);
    int extra = rnd.nextInt(10);
    if (extra == 0) {
      b.where("amount > " + b.value(new BigDecimal("99999999.00"))); // matches nothing: one row of NULLs and zeros
    } else if (extra < 6) {
      b.where(nonKeyPredicate(b, ""));
    }
    return done(Family.AGGREGATE, route, b, Order.NONE, null, false);
  }

  /**
   * GROUP BY over orders. With {@code topN} the result is ordered by one aggregate and, unless the
   * case is deliberately partial, by every group key after it, then limited.
   */
  private QueryCase groupBy(Family family, boolean having, boolean topN) {
    List<String> keys = pick(GROUPABLE, 1 + (rnd.nextInt(3) == 0 ? 1 : 0));
    List<Aggregate> aggs = aggregates(1 + rnd.nextInt(3));
    List<String> select = new ArrayList<>();
    boolean hideKey = !topN && keys.size() == 1 && rnd.nextInt(8) == 0;
    if (!hideKey) {
      select.addAll(keys);
    }
    aggs.forEach(a -> select.add(a.item()));
    if (rnd.nextInt(3) == 0) {
      Collections.shuffle(select, rnd);
    }
    QueryBuilder b = new QueryBuilder(rnd, "SELECT " + String.join(", ", select) + " FROM orders");
    Route route = keyPredicate(b, "", rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(2) : 0);
    if (rnd.nextInt(3) == 0) {
      b.where(nonKeyPredicate(b, ""));
    }
    b.append(" GROUP BY " + String.join(", ", keys));
    if (having) {
      b.append(" HAVING " + havingPredicate(b, keys));
    }
    if (topN) {
      Aggregate agg = aggs.get(rnd.nextInt(aggs.size()));
      int column = select.indexOf(agg.item());
      String aggRef = switch (rnd.nextInt(3)) {
        case 0 -> Integer.toString(column + 1);
        case 1 -> agg.alias() == null ? agg.expression() : agg.alias();
        default -> agg.expression();
      };
      String dir = rnd.nextBoolean() ? " DESC" : "";
      boolean partial = rnd.nextInt(5) == 0;
      StringBuilder order = new StringBuilder(" ORDER BY ").append(aggRef).append(dir).append(nulls());
      if (!partial) {
        for (String k : keys) {
          order.append(", ").append(k).append(rnd.nextBoolean() ? " DESC" : "").append(nulls());
        }
      }
      b.append(order.toString());
      b.append(limit(b));
      if (partial) {
        return done(family, route, b, Order.PARTIAL, new int[] {column}, true);
      }
      return done(family, route, b, Order.TOTAL, null, true);
    }
    if (!hideKey && rnd.nextInt(3) == 0) {
      b.append(" ORDER BY " + orderList(keys));
      return done(family, route, b, Order.TOTAL, null, false);
    }
    return done(family, route, b, Order.NONE, null, false);
  }

  private QueryCase distinct() {
    if (rnd.nextInt(5) == 0) {
      QueryBuilder b = new QueryBuilder(rnd, "SELECT DISTINCT c.region, r.name FROM customers c LEFT JOIN regions r"
          + " ON r.code = c.region");
      return done(Family.DISTINCT, Route.SCATTER, b, Order.NONE, null, false);
    }
    List<String> cols = pick(GROUPABLE, 1 + rnd.nextInt(2));
    QueryBuilder b = new QueryBuilder(rnd, "SELECT DISTINCT " + String.join(", ", cols) + " FROM orders");
    Route route = keyPredicate(b, "", rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(2) : 0);
    if (rnd.nextBoolean()) {
      b.where(nonKeyPredicate(b, ""));
    }
    if (rnd.nextBoolean()) {
      b.append(" ORDER BY " + orderList(cols));
      boolean limited = rnd.nextBoolean();
      if (limited) {
        b.append(limit(b));
      }
      return done(Family.DISTINCT, route, b, Order.TOTAL, null, limited);
    }
    return done(Family.DISTINCT, route, b, Order.NONE, null, false);
  }

  private QueryCase joinColocated() {
    int shape = rnd.nextInt(4);
    if (shape == 0) {
      QueryBuilder b = new QueryBuilder(rnd, "SELECT c.region, COUNT(*) AS n, SUM(o.amount) AS total, AVG(o.qty) AS avg_qty"
          + " FROM orders o JOIN customers c ON c.customer_id = o.customer_id");
      Route route = keyPredicate(b, "o.", rnd.nextInt(3) == 0 ? 2 : 0);
      b.append(" GROUP BY c.region");
      if (rnd.nextBoolean()) {
        b.append(" ORDER BY n DESC, c.region" + nulls());
        return done(Family.JOIN_COLOCATED, route, b, Order.TOTAL, null, false);
      }
      return done(Family.JOIN_COLOCATED, route, b, Order.NONE, null, false);
    }
    if (shape == 1) {
      QueryBuilder b = new QueryBuilder(rnd, "SELECT c.customer_id, c.name, COUNT(o.order_id) AS order_count, MAX(o.amount) AS top_amount"
          + " FROM customers c LEFT JOIN orders o ON o.customer_id = c.customer_id");
      Route route = keyPredicate(b, "c.", rnd.nextInt(3));
      b.append(" GROUP BY c.customer_id, c.name ORDER BY 3 DESC, c.customer_id");
      b.append(limit(b));
      return done(Family.JOIN_COLOCATED, route, b, Order.TOTAL, null, true);
    }
    // USING (customer_id) joins on the shard key just like ON c.customer_id = o.customer_id
    String join = rnd.nextInt(10) == 0 ? " JOIN customers c USING (customer_id)" : " JOIN customers c ON c.customer_id = o.customer_id";
    String keyCol = join.contains("USING") ? "o.order_id, customer_id" : "o.order_id, o.customer_id";
    QueryBuilder b = new QueryBuilder(rnd, "SELECT " + keyCol + ", c.name, o.status, o.amount, c.region FROM orders o" + join);
    Route route = keyPredicate(b, rnd.nextBoolean() ? "o." : "c.", rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(2) : 0);
    if (rnd.nextBoolean()) {
      b.where(nonKeyPredicate(b, "o."));
    }
    if (rnd.nextInt(3) == 0) {
      return done(Family.JOIN_COLOCATED, route, b, Order.NONE, null, false);
    }
    b.append(rnd.nextBoolean() ? " ORDER BY o.amount DESC" + nulls() + ", o.order_id" : " ORDER BY o.order_id DESC");
    boolean limited = rnd.nextBoolean();
    if (limited) {
      b.append(limit(b));
    }
    return done(Family.JOIN_COLOCATED, route, b, Order.TOTAL, null, limited);
  }

  private QueryCase joinBroadcast() {
    int shape = rnd.nextInt(4);
    if (shape == 0) {
      QueryBuilder b = new QueryBuilder(rnd, "SELECT r.name, COUNT(*) AS customers, MIN(c.created) AS first_seen"
          + " FROM customers c JOIN regions r ON r.code = c.region GROUP BY r.name");
      if (rnd.nextBoolean()) {
        b.append(" ORDER BY customers DESC, r.name");
        return done(Family.JOIN_BROADCAST, Route.SCATTER, b, Order.TOTAL, null, false);
      }
      return done(Family.JOIN_BROADCAST, Route.SCATTER, b, Order.NONE, null, false);
    }
    if (shape == 1) {
      QueryBuilder b = new QueryBuilder(rnd, "SELECT r.code, SUM(o.amount) AS total, COUNT(*) AS n FROM orders o"
          + " JOIN customers c ON c.customer_id = o.customer_id JOIN regions r ON r.code = c.region");
      Route route = keyPredicate(b, "o.", rnd.nextInt(3) == 0 ? 2 : 0);
      b.append(" GROUP BY r.code ORDER BY total DESC, r.code");
      boolean limited = rnd.nextBoolean();
      if (limited) {
        b.append(limit(b));
      }
      return done(Family.JOIN_BROADCAST, route, b, Order.TOTAL, null, limited);
    }
    String join = shape == 2 ? " JOIN regions r ON r.code = c.region" : " LEFT JOIN regions r ON r.code = c.region";
    QueryBuilder b = new QueryBuilder(rnd, "SELECT c.customer_id, c.name, r.name AS region_name, c.tier FROM customers c" + join);
    Route route = keyPredicate(b, "c.", rnd.nextInt(3));
    if (rnd.nextBoolean()) {
      b.where("c.tier " + (rnd.nextBoolean() ? "IS NULL" : ">= " + b.value(1 + rnd.nextInt(3))));
    }
    if (rnd.nextBoolean()) {
      return done(Family.JOIN_BROADCAST, route, b, Order.NONE, null, false);
    }
    b.append(" ORDER BY region_name" + nulls() + ", c.customer_id DESC");
    boolean limited = rnd.nextBoolean();
    if (limited) {
      b.append(limit(b));
    }
    return done(Family.JOIN_BROADCAST, route, b, Order.TOTAL, null, limited);
  }

  private QueryCase broadcastOnly() {
    QueryBuilder b;
    switch (rnd.nextInt(3)) {
      case 0 -> b = new QueryBuilder(rnd, "SELECT code, name FROM regions ORDER BY code");
      case 1 -> {
        b = new QueryBuilder(rnd, "SELECT COUNT(*) AS n, MIN(name) FROM regions");
        b.where("code <> " + b.value("ANT"));
      }
      default -> b = new QueryBuilder(rnd, "SELECT name FROM regions WHERE name LIKE '%a%'");
    }
    return done(Family.BROADCAST_ONLY, Route.ANY, b, b.sql().contains("ORDER BY") ? Order.TOTAL : Order.NONE, null, false);
  }

  private QueryCase defaultTable() {
    if (rnd.nextBoolean()) {
      QueryBuilder b = new QueryBuilder(rnd, "SELECT message, COUNT(*) AS n, MAX(id) AS last_id FROM audit_log");
      b.append(" GROUP BY message ORDER BY n DESC, message");
      return done(Family.DEFAULT_TABLE, Route.DEFAULT, b, Order.TOTAL, null, false);
    }
    QueryBuilder b = new QueryBuilder(rnd, "SELECT id, customer_id, message FROM audit_log");
    int from = 1 + rnd.nextInt(100);
    b.where("id BETWEEN " + b.value(from) + " AND " + b.value(from + rnd.nextInt(30)));
    b.append(" ORDER BY customer_id" + nulls() + ", id");
    return done(Family.DEFAULT_TABLE, Route.DEFAULT, b, Order.TOTAL, null, false);
  }

  /** Computed select items, ORDER BY and GROUP BY expressions, GROUP BY by position and by alias. */
  private QueryCase expressions() {
    String size = "CASE WHEN amount >= 500 THEN 'big' WHEN amount IS NULL THEN 'none' ELSE 'small' END";
    QueryBuilder b;
    Route route;
    switch (rnd.nextInt(7)) {
      case 0 -> {
        b = new QueryBuilder(rnd, "SELECT order_id, amount * qty AS line_total, status FROM orders");
        route = keyPredicate(b, "", rnd.nextInt(4) == 0 ? 2 : 0);
        b.append(" ORDER BY line_total" + (rnd.nextBoolean() ? " DESC" : "") + nulls() + ", order_id");
        b.append(limit(b));
        return done(Family.EXPRESSIONS, route, b, Order.TOTAL, null, true);
      }
      case 1 -> {
        b = new QueryBuilder(rnd, "SELECT order_id, note FROM orders");
        route = keyPredicate(b, "", rnd.nextInt(4) == 0 ? 2 : 0);
        b.append(" ORDER BY COALESCE(note, 'zzz')" + (rnd.nextBoolean() ? " DESC" : "") + ", order_id DESC");
        b.append(limit(b));
        return done(Family.EXPRESSIONS, route, b, Order.TOTAL, null, true);
      }
      case 2 -> {
        b = new QueryBuilder(rnd, "SELECT qty % 3 AS bucket, COUNT(*) AS n, SUM(amount) AS total FROM orders");
        route = keyPredicate(b, "", rnd.nextInt(4) == 0 ? 2 : 0);
        b.append(" GROUP BY " + (rnd.nextBoolean() ? "qty % 3" : "bucket") + " ORDER BY bucket");
        return done(Family.EXPRESSIONS, route, b, Order.TOTAL, null, false);
      }
      case 3 -> {
        b = new QueryBuilder(rnd, "SELECT " + size + " AS size, COUNT(*) AS n, MAX(qty) AS max_qty FROM orders");
        route = keyPredicate(b, "", rnd.nextInt(4) == 0 ? 2 : 0);
        b.append(" GROUP BY " + (rnd.nextBoolean() ? "1" : size));
        return done(Family.EXPRESSIONS, route, b, Order.NONE, null, false);
      }
      case 4 -> {
        b = new QueryBuilder(rnd, "SELECT UPPER(status) AS s, MIN(created_at) AS first_at, COUNT(note) AS notes FROM orders");
        route = keyPredicate(b, "", rnd.nextInt(4) == 0 ? 1 : 0);
        b.append(" GROUP BY UPPER(status) ORDER BY 3 DESC, 1");
        return done(Family.EXPRESSIONS, route, b, Order.TOTAL, null, false);
      }
      case 5 -> {
        b = new QueryBuilder(rnd, "SELECT DISTINCT qty * 10 AS q10 FROM orders");
        route = keyPredicate(b, "", rnd.nextInt(4) == 0 ? 2 : 0);
        b.append(" ORDER BY q10 DESC");
        b.append(limit(b));
        return done(Family.EXPRESSIONS, route, b, Order.TOTAL, null, true);
      }
      default -> {
        b = new QueryBuilder(rnd, "SELECT order_id, customer_id, amount FROM orders");
        route = keyPredicate(b, "", rnd.nextInt(4) == 0 ? 2 : 0);
        b.append(" ORDER BY amount IS NULL, amount DESC, order_id");
        b.append(limit(b));
        return done(Family.EXPRESSIONS, route, b, Order.TOTAL, null, true);
      }
    }
  }

  // ---- pieces -----------------------------------------------------------------------------------

  /**
   * Adds a shard-key predicate on {@code prefix + customer_id}: mode 0 none, 1 equality, 2 an IN
   * list over 1..all shards. Returns the route a correct planner takes.
   */
  private Route keyPredicate(QueryBuilder b, String prefix, int mode) {
    if (mode == 0) {
      return Route.SCATTER;
    }
    if (mode == 1) {
      b.where(prefix + "customer_id = " + b.value(someId()));
      return Route.SINGLE;
    }
    int shards = 1 + rnd.nextInt(idsByShard.size());
    List<Integer> chosen = pick(shardIndexes(), shards);
    Set<Long> ids = new LinkedHashSet<>();
    for (int shard : chosen) {
      List<Long> onShard = idsByShard.get(shard);
      int n = 1 + rnd.nextInt(3);
      for (int i = 0; i < n; i++) {
        ids.add(onShard.get(rnd.nextInt(onShard.size())));
      }
    }
    List<Long> list = new ArrayList<>(ids);
    Collections.shuffle(list, rnd);
    boolean params = rnd.nextBoolean();
    List<String> items = new ArrayList<>();
    for (long id : list) {
      items.add(params ? b.param(id) : SqlText.literal(id));
    }
    if (list.size() == 2 && rnd.nextInt(4) == 0) {
      b.where("(" + prefix + "customer_id = " + items.get(0) + " OR " + prefix + "customer_id = " + items.get(1) + ")");
    } else {
      b.where(prefix + "customer_id IN (" + String.join(", ", items) + ")");
    }
    return shards == 1 ? Route.SINGLE : Route.MULTI;
  }

  private String nonKeyPredicate(QueryBuilder b, String p) {
    return switch (rnd.nextInt(12)) {
      case 0 -> p + "status = " + b.value(DataSet.STATUSES.get(rnd.nextInt(5)));
      case 1 -> p + "status IN (" + b.value(DataSet.STATUSES.get(rnd.nextInt(5))) + ", "
          + b.value(DataSet.STATUSES.get(rnd.nextInt(5))) + ")";
      case 2 -> {
        int lo = rnd.nextInt(900);
        yield p + "amount BETWEEN " + b.value(BigDecimal.valueOf(lo * 100L, 2)) + " AND "
            + b.value(BigDecimal.valueOf((lo + 50 + rnd.nextInt(300)) * 100L + 99, 2));
      }
      case 3 -> p + "qty >= " + b.value(1 + rnd.nextInt(10));
      case 4 -> p + "created_at >= " + b.value(time(DataSet.EPOCH.plusDays(rnd.nextInt(200)).plusMinutes(rnd.nextInt(1440))));
      case 5 -> p + "created_at < " + b.value(time(DataSet.EPOCH.plusDays(rnd.nextInt(200))));
      case 6 -> p + "note IS " + (rnd.nextBoolean() ? "" : "NOT ") + "NULL";
      case 7 -> p + "order_id < " + b.value((long) rnd.nextInt(9000));
      case 8 -> "(" + p + "amount > " + b.value(BigDecimal.valueOf(rnd.nextInt(1000))) + " OR " + p + "note = "
          + b.value(DataSet.NOTES.get(rnd.nextInt(DataSet.NOTES.size()))) + ")";
      case 9 -> p + "customer_id > " + b.value(someId());
      case 10 -> p + "customer_id NOT IN (" + b.value(someId()) + ", " + b.value(someId()) + ")";
      default -> p + "note LIKE " + b.value(rnd.nextBoolean() ? "g%" : "%r%");
    };
  }

  private String havingPredicate(QueryBuilder b, List<String> keys) {
    List<String> terms = new ArrayList<>();
    int n = 1 + rnd.nextInt(2);
    for (int i = 0; i < n; i++) {
      terms.add(switch (rnd.nextInt(7)) {
        case 0 -> "COUNT(*) > " + b.value(1 + rnd.nextInt(40));
        case 1 -> "SUM(amount) >= " + b.value(BigDecimal.valueOf(rnd.nextInt(20_000)));
        case 2 -> "MAX(qty) = " + b.value(10);
        case 3 -> "AVG(amount) < " + b.value(BigDecimal.valueOf(300 + rnd.nextInt(400)));
        case 4 -> "COUNT(note) BETWEEN " + b.value(1) + " AND " + b.value(5 + rnd.nextInt(60));
        case 5 -> "MIN(created_at) < " + b.value(time(DataSet.EPOCH.plusDays(rnd.nextInt(60))));
        default -> keys.contains("status") ? "status <> " + b.value("NEW") : "MAX(amount) IS NOT NULL";
      });
    }
    return String.join(" AND ", terms);
  }

  /** Random ORDER BY over the given columns with a unique tie-breaker (TOTAL), or PARTIAL. */
  private QueryCase ordered(Family family, Route route, QueryBuilder b, List<String> cols, boolean forceLimit) {
    List<String> sortCols = pick(SORTABLE, 1 + rnd.nextInt(2));
    boolean total = rnd.nextInt(4) != 0;
    List<String> visible = expand(cols);
    if (!total && !visible.containsAll(sortCols)) {
      total = true; // a partial order is only checkable through selected sort columns
    }
    List<String> items = new ArrayList<>();
    for (String c : sortCols) {
      int pos = visible.indexOf(c);
      String ref = pos >= 0 && rnd.nextInt(4) == 0 ? Integer.toString(pos + 1) : c;
      items.add(ref + (rnd.nextBoolean() ? " DESC" : rnd.nextBoolean() ? " ASC" : "") + nulls());
    }
    if (total) {
      items.add("order_id" + (rnd.nextBoolean() ? " DESC" : ""));
    }
    b.append(" ORDER BY " + String.join(", ", items));
    boolean limited = forceLimit || rnd.nextBoolean();
    if (limited) {
      b.append(limit(b));
    }
    if (total) {
      return done(family, route, b, Order.TOTAL, null, limited);
    }
    return done(family, route, b, Order.PARTIAL, sortCols.stream().mapToInt(visible::indexOf).toArray(), limited);
  }

  private QueryCase maybeOrdered(Family family, Route route, QueryBuilder b, List<String> cols, boolean forceLimit) {
    if (rnd.nextInt(3) == 0) {
      return done(family, route, b, Order.NONE, null, false);
    }
    return ordered(family, route, b, cols, forceLimit);
  }

  /** LIMIT/OFFSET in one of the spellings the dialect accepts, values as literals or parameters. */
  private String limit(QueryBuilder b) {
    int n = rnd.nextInt(30) == 0 ? 0 : 1 + rnd.nextInt(rnd.nextBoolean() ? 10 : 60);
    int offset = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(40);
    return switch (rnd.nextInt(flavor == SqlFlavor.MARIADB ? 5 : 4)) {
      case 0 -> " LIMIT " + b.value(n);
      case 1 -> " LIMIT " + b.value(n) + " OFFSET " + b.value(offset);
      case 2 -> " LIMIT " + b.param(n) + " OFFSET " + b.param(offset);
      case 3 -> " OFFSET " + offset + " ROWS FETCH " + (rnd.nextBoolean() ? "FIRST " : "NEXT ") + n + " ROWS ONLY";
      default -> " LIMIT " + b.value(offset) + ", " + b.value(n);
    };
  }

  private String orderList(List<String> cols) {
    List<String> items = new ArrayList<>();
    for (String c : cols) {
      items.add(c + (rnd.nextBoolean() ? " DESC" : "") + nulls());
    }
    return String.join(", ", items);
  }

  private String nulls() {
    if (!flavor.hasNullsClause() || rnd.nextInt(4) != 0) {
      return "";
    }
    return rnd.nextBoolean() ? " NULLS FIRST" : " NULLS LAST";
  }

  private List<String> selectColumns() {
    if (rnd.nextInt(5) == 0) {
      return List.of("*");
    }
    return pick(ORDER_COLUMNS, 2 + rnd.nextInt(4));
  }

  private static List<String> expand(List<String> cols) {
    return cols.equals(List.of("*")) ? ORDER_COLUMNS : cols;
  }

  /** An aggregate select item: its expression and optional alias. */
  record Aggregate(String expression, String alias) {
    String item() {
      return alias == null ? expression : expression + " AS " + alias;
    }
  }

  private List<Aggregate> aggregates(int n) {
    List<Aggregate> out = new ArrayList<>();
    for (String a : pick(AGGREGATES, n)) {
      if (out.stream().anyMatch(x -> x.expression().equalsIgnoreCase(a))) {
        continue;
      }
      out.add(new Aggregate(a, rnd.nextInt(3) == 0 ? "a" + out.size() : null));
    }
    return out;
  }

  private List<String> aggregateItems(int n) {
    return aggregates(n).stream().map(Aggregate::item).toList();
  }

  /** A timestamp value as an application might bind it: java.sql.Timestamp or LocalDateTime. */
  private Object time(java.time.LocalDateTime t) {
    return rnd.nextBoolean() ? java.sql.Timestamp.valueOf(t) : t;
  }

  private long someId() {
    return customerIds.get(rnd.nextInt(customerIds.size()));
  }

  private List<Integer> shardIndexes() {
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < idsByShard.size(); i++) {
      all.add(i);
    }
    return all;
  }

  private <T> List<T> pick(List<T> from, int n) {
    List<T> copy = new ArrayList<>(from);
    Collections.shuffle(copy, rnd);
    return new ArrayList<>(copy.subList(0, Math.min(n, copy.size())));
  }

  private QueryCase done(Family family, Route route, QueryBuilder b, Order order, int[] sortColumns, boolean limited) {
    return done(family, route, b, order, sortColumns, limited, List.of());
  }

  private QueryCase done(Family family, Route route, QueryBuilder b, Order order, int[] sortColumns, boolean limited,
                         List<QueryCase.Multiset> multisets) {
    boolean prepared = b.hasParams() || rnd.nextInt(4) == 0;
    return new QueryCase(nextId++, family, route, b.sql(), b.params(), prepared, order,
        sortColumns == null ? new int[0] : sortColumns, limited, List.copyOf(multisets));
  }
}
