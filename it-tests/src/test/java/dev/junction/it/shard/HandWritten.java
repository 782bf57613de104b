package dev.junction.it.shard;

import dev.junction.it.shard.QueryCase.Family;
import dev.junction.it.shard.QueryCase.Order;
import dev.junction.it.shard.QueryCase.Route;
import java.util.ArrayList;
import java.util.List;

/**
 * Hand-written adversarial cases from the merge review: each names its finding, and Junction must
 * return the oracle's answer, or (where {@code mayRefuse}) refuse with 0AJ00; never another answer.
 * Kept apart from the seeded generators so that one shape is always run, whatever the seed.
 */
public final class HandWritten {

  /** A read: {@code finding} for the report, the query, and whether a named refusal is acceptable. */
  public record Read(String finding, QueryCase query, boolean mayRefuse) {}

  /** A write: the oracle's update count must be Junction's, or Junction refuses (0AJ00). */
  public record Write(String finding, String sql) {}

  private HandWritten() {}

  public static List<Read> reads(SqlFlavor flavor) {
    boolean pg = flavor == SqlFlavor.POSTGRESQL;
    List<Read> out = new ArrayList<>();
    // 1: a CTE named like the table it reads reads the real table (was routed to one shard)
    out.add(read("cte-self-name", "WITH orders AS (SELECT * FROM orders WHERE qty > 2) SELECT count(*), sum(qty) FROM orders",
        Order.NONE, false, false));
    out.add(read("cte-self-name", "WITH orders AS (SELECT order_id, qty FROM orders WHERE qty > 2) SELECT order_id, qty"
        + " FROM orders ORDER BY order_id LIMIT 20", Order.TOTAL, true, false));
    // 2: a parenthesised ORDER BY/GROUP BY position or alias is still a position or alias
    out.add(read("paren-position", "SELECT order_id, qty FROM orders ORDER BY (2) DESC, (1) LIMIT 7", Order.TOTAL, true, false));
    out.add(read("paren-position", "SELECT status, count(*) AS n FROM orders GROUP BY status ORDER BY (2) DESC, (1) LIMIT 3",
        Order.TOTAL, true, false));
    out.add(read("paren-position", "SELECT status, qty, count(*) AS n FROM orders GROUP BY (1), qty ORDER BY 1, 2", Order.TOTAL,
        false, false));
    out.add(read("paren-alias", "SELECT -qty AS qty, order_id FROM orders WHERE order_id < 60 ORDER BY (qty), order_id",
        Order.TOTAL, false, false));
    // 3: a scalar subquery's implicit output name ("name") is what PostgreSQL sorts by
    if (pg) {
      out.add(read("subquery-implicit-name", "SELECT c.customer_id, (SELECT r.name FROM regions r WHERE r.code = c.region)"
          + " FROM customers c ORDER BY name, customer_id LIMIT 5", Order.TOTAL, true, true));
      out.add(read("subquery-implicit-name", "SELECT c.customer_id, (SELECT r.name FROM regions r WHERE r.code = c.region),"
          + " EXISTS (SELECT 1 FROM regions r WHERE r.code = c.region) FROM customers c ORDER BY customer_id LIMIT 5",
          Order.TOTAL, true, false));
    }
    // 5: avg(real) accumulates in double precision, the shards' sum(real) in real (digits lost)
    if (pg) {
      out.add(read("avg-real", "SELECT avg(r) AS a FROM specials WHERE r BETWEEN -10 AND 10", Order.NONE, false, true));
    }
    // 6: HAVING max(f) = 0.1 compares as double precision (the literal is converted), not as the decimal 0.1
    out.add(read("having-float-literal", "SELECT customer_id, max(f) AS m FROM specials GROUP BY customer_id"
        + " HAVING max(f) = 0.1 ORDER BY customer_id", Order.TOTAL, false, false));
    // 6b: a timestamptz compares a literal's offset, a timestamp ignores it; a Timestamp does not say which (JVM in UTC)
    if (pg) {
      out.add(read("having-timestamptz-offset", "SELECT customer_id, max(tz) AS m FROM specials WHERE tz < 'infinity'"
          + " GROUP BY customer_id HAVING max(tz) > '2024-01-01 09:00:00+02' ORDER BY customer_id", Order.TOTAL, false, true));
    }
    // 8: a PostgreSQL enum arrives as a String but orders by its declaration (sad < ok < happy)
    if (pg) {
      String mood = "CAST(CASE WHEN qty > 6 THEN 'happy' WHEN qty > 3 THEN 'ok' ELSE 'sad' END AS jx_mood)";
      out.add(read("enum-order", "SELECT order_id, " + mood + " AS m FROM orders WHERE order_id < 80 ORDER BY m, order_id",
          Order.TOTAL, false, true));
      out.add(read("enum-order", "SELECT min(" + mood + ") AS lo, max(" + mood + ") AS hi FROM orders", Order.NONE, false, true));
      out.add(read("enum-order", "SELECT " + mood + " AS m, count(*) AS n FROM orders GROUP BY 1", Order.NONE, false, false));
    }
    // 4: a user-defined aggregate (created by setup()) is not a scalar function
    if (pg) {
      out.add(read("user-defined-aggregate", "SELECT status, jx_total(qty) AS t FROM orders GROUP BY status ORDER BY status",
          Order.TOTAL, false, true));
      out.add(read("user-defined-aggregate", "SELECT jx_total(qty) AS t FROM orders", Order.NONE, false, true));
    }
    return out;
  }

  /** Run directly on every shard primary and on the oracle before the cases. */
  public static List<String> setup(SqlFlavor flavor) {
    return flavor != SqlFlavor.POSTGRESQL ? List.of()
        : List.of("CREATE OR REPLACE AGGREGATE jx_total (int4) (sfunc = int4pl, stype = int4, initcond = '0')",
            "CREATE TYPE jx_mood AS ENUM ('sad', 'ok', 'happy')");
  }

  public static List<Write> writes(SqlFlavor flavor) {
    if (flavor != SqlFlavor.POSTGRESQL) {
      return List.of(); // MariaDB 10.11 has no WITH before UPDATE
    }
    // 1: the UPDATE target is the real table (was routed to the default shard only); SET qty = qty changes nothing
    return List.of(new Write("cte-self-name", "WITH orders AS (SELECT * FROM orders WHERE qty > 2) UPDATE orders SET qty = qty"
        + " WHERE qty > 1"));
  }

  private static Read read(String finding, String sql, Order order, boolean limited, boolean mayRefuse) {
    return new Read(finding, new QueryCase(900_000 + sql.hashCode() % 1000, Family.SHADOW, Route.SCATTER, sql, List.of(), false,
        order, new int[0], limited), mayRefuse);
  }
}
