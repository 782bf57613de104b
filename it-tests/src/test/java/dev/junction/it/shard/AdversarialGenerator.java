package dev.junction.it.shard;

import dev.junction.it.shard.QueryCase.Family;
import dev.junction.it.shard.QueryCase.Order;
import dev.junction.it.shard.QueryCase.Route;
import java.util.List;
import java.util.Random;

/**
 * The query families of issue #10, where a scatter planner that "accepts unless known broken"
 * returns silently wrong answers: derived tables and CTEs (DISTINCT, GROUP BY, LIMIT/OFFSET, window
 * functions), alias shadowing, ORDER BY a key whose output is an expression of it, collations (an
 * ICU and a nondeterministic one created by the test, see {@link Specials#collations}), outer joins
 * with the broadcast table, special values ({@link Specials}) and errors in the middle of a fan-out.
 *
 * <p>Each family mixes shapes Junction must refuse (0AJ00) with near neighbours it must answer
 * exactly, so that a planner refusing everything would not pass either: the IT counts both.
 */
final class AdversarialGenerator {
  private final SqlFlavor flavor;
  private final Random rnd;
  private final boolean pg;

  AdversarialGenerator(SqlFlavor flavor, Random rnd) {
    this.flavor = flavor;
    this.rnd = rnd;
    this.pg = flavor == SqlFlavor.POSTGRESQL;
  }

  /** One case of {@code family}; {@code id} numbers it. */
  QueryCase generate(Family family, int id) {
    return switch (family) {
      case DERIVED -> derived(id);
      case CTE -> cte(id);
      case SHADOW -> shadow(id);
      case KEY_EXPR_ORDER -> keyExpressionOrder(id);
      case COLLATION -> collation(id);
      case OUTER_BROADCAST -> outerBroadcast(id);
      case SPECIAL_VALUES -> specialValues(id);
      case FANOUT_ERROR -> fanoutError(id);
      default -> throw new IllegalArgumentException(family.name());
    };
  }

  private int small() {
    return 1 + rnd.nextInt(40);
  }

  private String status() {
    return DataSet.STATUSES.get(rnd.nextInt(DataSet.STATUSES.size()));
  }

  private QueryCase derived(int id) {
    int limit = small();
    int qty = 1 + rnd.nextInt(9);
    String[] sql = {
        "SELECT count(*) FROM (SELECT DISTINCT status FROM orders) x",
        "SELECT count(*) FROM (SELECT DISTINCT note FROM orders) x",
        "SELECT count(*) AS n FROM (SELECT DISTINCT customer_id FROM orders WHERE qty > " + qty + ") x",
        "SELECT x.order_id FROM (SELECT * FROM orders ORDER BY order_id LIMIT " + limit + ") x",
        "SELECT count(*) FROM (SELECT order_id FROM orders ORDER BY order_id LIMIT " + limit + " OFFSET " + small() + ") x",
        "SELECT max(rn) FROM (SELECT row_number() OVER (ORDER BY order_id) AS rn FROM orders) x",
        "SELECT max(c) FROM (SELECT status, count(*) AS c FROM orders GROUP BY status) x",
        "SELECT avg(n) FROM (SELECT status, sum(qty) AS n FROM orders GROUP BY status) x",
        "SELECT count(*) FROM (SELECT customer_id, count(*) AS n FROM orders GROUP BY customer_id HAVING count(*) > "
            + (1 + rnd.nextInt(5)) + ") x",
        "SELECT o.order_id FROM orders o JOIN (SELECT customer_id, max(order_id) AS m FROM orders GROUP BY customer_id) x"
            + " ON x.customer_id = o.customer_id AND x.m = o.order_id",
        // row-preserving derived tables: answered exactly
        "SELECT x.order_id, x.amount FROM (SELECT order_id, amount FROM orders WHERE qty > " + qty + ") x ORDER BY x.order_id"
            + " LIMIT " + limit,
        "SELECT x.status, count(*) AS n, sum(x.amount) AS total FROM (SELECT status, amount FROM orders WHERE qty < " + qty
            + ") x GROUP BY x.status",
        "SELECT c.customer_id, r.name FROM customers c JOIN (SELECT code, name FROM regions WHERE code <> 'EU') r"
            + " ON r.code = c.region ORDER BY c.customer_id",
        "SELECT order_id, rank() OVER (ORDER BY amount) AS rk FROM orders",
        "SELECT status FROM orders UNION SELECT name FROM regions",
        "SELECT customer_id FROM orders WHERE qty > " + qty + " INTERSECT SELECT customer_id FROM customers",
    };
    int pick = rnd.nextInt(sql.length);
    Order order = sql[pick].contains("ORDER BY x.order_id") || sql[pick].contains("ORDER BY c.customer_id") ? Order.TOTAL
        : Order.NONE;
    return new QueryCase(id, Family.DERIVED, Route.SCATTER, sql[pick], List.of(), rnd.nextBoolean(), order, new int[0],
        sql[pick].contains("LIMIT") && order == Order.TOTAL);
  }

  private QueryCase cte(int id) {
    int qty = 1 + rnd.nextInt(9);
    String[] sql = {
        "WITH x AS (SELECT status, count(*) AS c FROM orders GROUP BY status) SELECT max(c) FROM x",
        "WITH x AS (SELECT DISTINCT note FROM orders) SELECT count(*) FROM x",
        "WITH x AS (SELECT order_id FROM orders ORDER BY amount DESC, order_id LIMIT " + small() + ") SELECT count(*),"
            + " max(order_id) FROM x",
        "WITH x AS (SELECT order_id, row_number() OVER (PARTITION BY status ORDER BY order_id) AS rn FROM orders)"
            + " SELECT count(*) FROM x WHERE rn = 1",
        "WITH r2 AS (SELECT code, name FROM regions) SELECT r2.name, count(*) AS n FROM customers c JOIN r2"
            + " ON r2.code = c.region GROUP BY r2.name",
        // row-preserving CTE: answered exactly
        "WITH big AS (SELECT order_id, customer_id, amount FROM orders WHERE qty > " + qty + ") SELECT customer_id,"
            + " count(*) AS n FROM big GROUP BY customer_id ORDER BY customer_id",
        "WITH big AS (SELECT order_id, amount FROM orders WHERE qty > " + qty + ") SELECT order_id, amount FROM big"
            + " ORDER BY order_id LIMIT " + small(),
        "WITH b AS (SELECT order_id, status FROM orders) SELECT a.order_id FROM b a JOIN b ON a.status = b.status"
            + " WHERE a.order_id < 30 AND b.order_id < 30",
        // a CTE named like the table it reads: its body reads the real table (was routed to one shard)
        "WITH orders AS (SELECT order_id, customer_id, qty FROM orders WHERE qty > " + qty + ") SELECT count(*), sum(qty)"
            + " FROM orders",
        "WITH orders AS (SELECT order_id, qty FROM orders WHERE qty > " + qty + ") SELECT order_id, qty FROM orders"
            + " ORDER BY order_id LIMIT " + small(),
    };
    int pick = rnd.nextInt(sql.length);
    Order order = sql[pick].contains("ORDER BY customer_id") || sql[pick].contains("ORDER BY order_id LIMIT") ? Order.TOTAL
        : Order.NONE;
    return new QueryCase(id, Family.CTE, Route.SCATTER, sql[pick], List.of(), rnd.nextBoolean(), order, new int[0],
        sql[pick].contains("LIMIT") && order == Order.TOTAL);
  }

  private QueryCase shadow(int id) {
    String[] sql = {
        "SELECT qty % 3 AS qty FROM orders GROUP BY qty",
        "SELECT qty % 3 AS qty, count(*) AS n FROM orders GROUP BY qty",
        "SELECT lower(status) AS status, count(*) AS n FROM orders GROUP BY status",
        "SELECT upper(note) AS note FROM orders GROUP BY note",
        "SELECT lower(note) AS note, count(*) AS n, max(order_id) AS m FROM orders GROUP BY note",
        "SELECT coalesce(region, 'none') AS region FROM customers GROUP BY region",
        // the alias wins in ORDER BY (both databases and the merger): answered exactly
        "SELECT qty % 3 AS qty, order_id FROM orders ORDER BY qty, order_id",
        "SELECT lower(status) AS ls, count(*) AS n FROM orders GROUP BY ls",
        "SELECT lower(status) AS status, order_id FROM orders ORDER BY status DESC, order_id LIMIT " + small(),
    };
    int pick = rnd.nextInt(sql.length);
    Order order = sql[pick].contains(", order_id") && sql[pick].contains("ORDER BY") ? Order.TOTAL : Order.NONE;
    return new QueryCase(id, Family.SHADOW, Route.SCATTER, sql[pick], List.of(), rnd.nextBoolean(), order, new int[0],
        sql[pick].contains("LIMIT"));
  }

  private QueryCase keyExpressionOrder(int id) {
    int limit = small();
    List<String> both = List.of(
        "SELECT CAST(order_id AS char(12)) AS oid FROM orders ORDER BY order_id LIMIT " + limit,
        "SELECT CAST(created_at AS date) AS day, order_id FROM orders ORDER BY created_at, order_id LIMIT " + limit,
        "SELECT CAST(created_at AS date) AS created_at, order_id FROM orders ORDER BY created_at, order_id",
        "SELECT order_id, amount * -1 AS amount FROM orders ORDER BY amount, order_id LIMIT " + limit);
    List<String> pgOnly = List.of(
        "SELECT created_at::date, order_id FROM orders ORDER BY created_at, order_id",
        "SELECT order_id::text FROM orders ORDER BY order_id LIMIT " + limit,
        "SELECT created::text, customer_id FROM customers ORDER BY created, customer_id",
        "SELECT created_at::date FROM orders GROUP BY created_at::date ORDER BY created_at",
        "SELECT customer_id::text FROM customers GROUP BY customer_id::text ORDER BY customer_id",
        "SELECT qty::text FROM orders GROUP BY qty::text ORDER BY qty",
        "SELECT d::text, id FROM specials ORDER BY d, id",
        "SELECT id::text, id FROM specials ORDER BY specials.id",
        "SELECT lower(status), order_id FROM orders ORDER BY lower, order_id LIMIT " + limit);
    List<String> mariaOnly = List.of(
        "SELECT CAST(created_at AS date), order_id FROM orders ORDER BY created_at, order_id LIMIT " + limit,
        "SELECT date(created_at) AS created_at, order_id FROM orders ORDER BY created_at DESC, order_id LIMIT " + limit,
        "SELECT CAST(order_id AS char) FROM orders ORDER BY order_id LIMIT " + limit);
    List<String> mine = pg ? pgOnly : mariaOnly;
    String sql = rnd.nextBoolean() ? both.get(rnd.nextInt(both.size())) : mine.get(rnd.nextInt(mine.size()));
    // every ORDER BY above ends in a unique column, or sorts a unique column alone
    boolean total = sql.contains("order_id LIMIT") || sql.endsWith("order_id") || sql.endsWith("customer_id")
        || sql.endsWith(", id") || sql.endsWith("specials.id");
    return new QueryCase(id, Family.KEY_EXPR_ORDER, Route.SCATTER, sql, List.of(), rnd.nextBoolean(),
        total ? Order.TOTAL : Order.NONE, new int[0], sql.contains("LIMIT"));
  }

  private QueryCase collation(int id) {
    int limit = small();
    List<String> pgSql = List.of(
        "SELECT order_id, note FROM orders ORDER BY note COLLATE " + Specials.PG_ICU + ", order_id LIMIT " + limit,
        "SELECT note COLLATE " + Specials.PG_NONDETERMINISTIC + " AS n, count(*) AS c FROM orders GROUP BY note COLLATE "
            + Specials.PG_NONDETERMINISTIC,
        "SELECT DISTINCT note COLLATE " + Specials.PG_NONDETERMINISTIC + " AS n FROM orders",
        "SELECT max(note COLLATE " + Specials.PG_ICU + ") AS m FROM orders",
        "SELECT order_id, note FROM orders ORDER BY note COLLATE \"C\", order_id LIMIT " + limit,
        "SELECT order_id, note FROM orders ORDER BY note COLLATE \"de-x-icu\", order_id LIMIT " + limit,
        // code-point order and filters: answered exactly
        "SELECT order_id, note FROM orders ORDER BY note COLLATE ucs_basic, order_id LIMIT " + limit,
        "SELECT count(*) FROM orders WHERE note COLLATE " + Specials.PG_NONDETERMINISTIC + " = 'GIFT'",
        "SELECT order_id FROM orders WHERE note COLLATE " + Specials.PG_ICU + " > 'b' ORDER BY order_id LIMIT " + limit);
    List<String> mariaSql = List.of(
        "SELECT order_id, note FROM orders ORDER BY note COLLATE utf8mb4_unicode_ci, order_id LIMIT " + limit,
        "SELECT note COLLATE utf8mb4_general_ci AS n, count(*) AS c FROM orders GROUP BY note COLLATE utf8mb4_general_ci",
        "SELECT DISTINCT note COLLATE utf8mb4_unicode_ci AS n FROM orders",
        "SELECT max(note COLLATE utf8mb4_unicode_ci) AS m FROM orders",
        "SELECT order_id, note FROM orders ORDER BY note COLLATE utf8mb4_bin, order_id LIMIT " + limit,
        "SELECT order_id, note FROM orders ORDER BY note COLLATE utf8mb4_nopad_bin, order_id LIMIT " + limit,
        "SELECT count(*) FROM orders WHERE note COLLATE utf8mb4_general_ci = 'GIFT'",
        "SELECT order_id FROM orders WHERE note COLLATE utf8mb4_unicode_ci > 'b' ORDER BY order_id LIMIT " + limit);
    List<String> list = pg ? pgSql : mariaSql;
    String sql = list.get(rnd.nextInt(list.size()));
    boolean total = sql.contains("order_id LIMIT");
    return new QueryCase(id, Family.COLLATION, Route.SCATTER, sql, List.of(), rnd.nextBoolean(),
        total ? Order.TOTAL : Order.NONE, new int[0], sql.contains("LIMIT"));
  }

  private QueryCase outerBroadcast(int id) {
    List<String> sql = new java.util.ArrayList<>(List.of(
        "SELECT r.code, c.customer_id FROM customers c RIGHT JOIN regions r ON r.code = c.region",
        "SELECT count(*) FROM customers c RIGHT JOIN regions r ON r.code = c.region",
        "SELECT r.code, count(c.customer_id) AS n FROM regions r LEFT JOIN customers c ON c.region = r.code GROUP BY r.code",
        "SELECT r.name, count(*) AS n FROM orders o JOIN customers c ON c.customer_id = o.customer_id"
            + " RIGHT JOIN regions r ON r.code = c.region GROUP BY r.name",
        // every preserved side is sharded: answered exactly
        "SELECT c.customer_id, r.name FROM customers c LEFT JOIN regions r ON r.code = c.region ORDER BY c.customer_id",
        "SELECT c.customer_id, r.name FROM regions r RIGHT JOIN customers c ON r.code = c.region ORDER BY c.customer_id",
        "SELECT count(*) FROM orders o LEFT JOIN customers c ON c.customer_id = o.customer_id LEFT JOIN regions r"
            + " ON r.code = c.region",
        "SELECT o.order_id, c.name FROM customers c RIGHT JOIN orders o ON o.customer_id = c.customer_id"
            + " WHERE o.qty = " + (1 + rnd.nextInt(9)) + " ORDER BY o.order_id"));
    if (pg) {
      sql.add("SELECT count(*) FROM customers c FULL JOIN regions r ON r.code = c.region");
      sql.add("SELECT r.code, c.customer_id FROM regions r FULL JOIN customers c ON r.code = c.region");
      sql.add("SELECT count(*) FROM orders o FULL JOIN customers c ON c.customer_id = o.customer_id");
    }
    String s = sql.get(rnd.nextInt(sql.size()));
    boolean total = s.contains("ORDER BY c.customer_id") || s.contains("ORDER BY o.order_id");
    return new QueryCase(id, Family.OUTER_BROADCAST, Route.SCATTER, s, List.of(), rnd.nextBoolean(),
        total ? Order.TOTAL : Order.NONE, new int[0], false);
  }

  private QueryCase specialValues(int id) {
    List<String> cols = Specials.columns(flavor);
    String col = cols.get(rnd.nextInt(cols.size()));
    List<String> sql = new java.util.ArrayList<>(List.of(
        "SELECT id, customer_id, " + String.join(", ", cols) + " FROM specials ORDER BY id",
        "SELECT id, " + col + " FROM specials WHERE " + col + " IS NOT NULL ORDER BY id",
        "SELECT * FROM specials ORDER BY id DESC LIMIT " + small(),
        "SELECT id, " + col + " FROM specials ORDER BY id LIMIT " + small() + " OFFSET " + rnd.nextInt(20),
        "SELECT count(*), count(f), max(f), min(f), max(d), min(d), max(ts), min(ts), sum(n), max(n), min(n), max(s), min(s)"
            + " FROM specials",
        "SELECT d, count(*) AS c FROM specials GROUP BY d",
        "SELECT f, count(*) AS c FROM specials GROUP BY f",
        "SELECT n, count(*) AS c FROM specials GROUP BY n",
        "SELECT s, count(*) AS c FROM specials GROUP BY s",
        "SELECT DISTINCT s FROM specials",
        "SELECT DISTINCT d FROM specials",
        "SELECT id, f FROM specials ORDER BY f, id",
        "SELECT id, d FROM specials ORDER BY d DESC, id",
        "SELECT id, ts FROM specials ORDER BY ts, id",
        "SELECT id, n FROM specials ORDER BY n DESC, id",
        "SELECT id, s FROM specials ORDER BY s, id",
        "SELECT s, max(f) AS m FROM specials GROUP BY s HAVING max(f) > 1",
        "SELECT b, count(*) AS c FROM specials GROUP BY b",
        "SELECT DISTINCT bo FROM specials",
        "SELECT bo, count(*) AS c FROM specials GROUP BY bo",
        // SUM/AVG of doubles depend on the order of addition (in one database too): not compared bit for bit
        "SELECT avg(n) AS a, count(f) AS cf FROM specials WHERE f < 1e100 AND f > -1e100"));
    // equal in SQL, not in Java (or not as java.sql.Time): grouped by count, ordered, and time by its value
    sql.add("SELECT count(*) AS c FROM specials GROUP BY z");
    sql.add("SELECT id, z FROM specials ORDER BY z, id");
    sql.add("SELECT t, count(*) AS c FROM specials GROUP BY t");
    sql.add("SELECT DISTINCT t FROM specials");
    sql.add("SELECT id, t FROM specials ORDER BY t, id");
    sql.add("SELECT max(t) AS hi, min(t) AS lo FROM specials");
    if (pg) {
      sql.add("SELECT count(*) AS c FROM specials GROUP BY ns");
      sql.add("SELECT id, ns FROM specials ORDER BY ns DESC, id");
      sql.add("SELECT tt, count(*) AS c FROM specials GROUP BY tt");
      sql.add("SELECT DISTINCT tt FROM specials");
      sql.add("SELECT id, tt FROM specials ORDER BY tt, id");
      sql.add("SELECT max(tt) AS hi, min(tt) AS lo FROM specials");
      sql.add("SELECT s, max(f) AS m FROM specials GROUP BY s HAVING max(f) = 'NaN'");
      sql.add("SELECT id, b, iv, arr, ni, bo FROM specials ORDER BY id");
      sql.add("SELECT id, tz FROM specials ORDER BY tz, id");
      sql.add("SELECT max(ni), min(ni), sum(ni) FROM specials");
      sql.add("SELECT ni, count(*) AS c FROM specials GROUP BY ni");
      // grouping and ordering on every special type, not only the numbers, text and dates above: arrays
      // and intervals have no Java equality that is PostgreSQL's, so the merge must refuse, never split groups
      sql.add("SELECT iv, count(*) AS c FROM specials GROUP BY iv");
      sql.add("SELECT DISTINCT iv FROM specials");
      sql.add("SELECT arr, count(*) AS c FROM specials GROUP BY arr");
      sql.add("SELECT DISTINCT arr FROM specials");
      sql.add("SELECT id, iv FROM specials ORDER BY iv, id");
      sql.add("SELECT max(iv), min(iv) FROM specials");
      sql.add("SELECT tz, count(*) AS c FROM specials GROUP BY tz");
      sql.add("SELECT DISTINCT ts FROM specials");
    } else {
      sql.add("SELECT id, b, bo FROM specials ORDER BY id");
    }
    String s = sql.get(rnd.nextInt(sql.size()));
    boolean total = s.contains(" id") && (s.endsWith("ORDER BY id") || s.contains(", id") || s.contains("ORDER BY id"));
    return new QueryCase(id, Family.SPECIAL_VALUES, Route.SCATTER, s, List.of(), rnd.nextBoolean(),
        total ? Order.TOTAL : Order.NONE, new int[0], s.contains("LIMIT"));
  }

  /** A statement that fails on some shard (the IT then checks that the same connection still works). */
  private QueryCase fanoutError(int id) {
    List<String> sql = new java.util.ArrayList<>(List.of(
        "SELECT o.order_id, (SELECT code FROM regions) AS c FROM orders o ORDER BY o.order_id",
        "SELECT count(*) FROM orders WHERE qty = (SELECT qty FROM orders o2 WHERE o2.customer_id = orders.customer_id"
            + " AND o2.order_id <> orders.order_id)"));
    if (pg) {
      sql.add("SELECT id, extract(epoch FROM ts)::bigint AS e FROM specials ORDER BY id");
      sql.add("SELECT id, f::bigint AS e FROM specials ORDER BY id");
      sql.add("SELECT order_id, 100 / (qty - " + (1 + rnd.nextInt(10)) + ") AS q FROM orders ORDER BY order_id");
      sql.add("SELECT id, CAST(s AS int) AS i FROM specials ORDER BY id");
    } else {
      sql.add("SELECT id, CAST(s AS int) AS i FROM specials ORDER BY id");
    }
    String s = sql.get(rnd.nextInt(sql.size()));
    return new QueryCase(id, Family.FANOUT_ERROR, Route.SCATTER, s, List.of(), rnd.nextBoolean(),
        s.contains("ORDER BY") ? Order.TOTAL : Order.NONE, new int[0], false);
  }
}
