package dev.junction.it.shard;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.LongToIntFunction;

/**
 * A seeded batch of writes run through Junction and on the oracle: UPDATE and DELETE by key
 * (single shard), by key list (several shards) and without key (every shard), writes to the
 * broadcast and the unsharded table, and new multi-row INSERTs. Shard keys are never updated.
 */
public final class Dml {

  /** One write and its parameters. */
  public record Write(String kind, String sql, List<Object> params) {
    public int run(Connection c) throws SQLException {
      if (params.isEmpty()) {
        try (Statement s = c.createStatement()) {
          return s.executeUpdate(sql);
        }
      }
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        SqlText.bind(ps, params);
        return ps.executeUpdate();
      }
    }

    public String describe() {
      return "[" + kind + "] " + SqlText.describe(sql, params);
    }
  }

  private Dml() {}

  public static List<Write> generate(DataSet data, int shardCount, LongToIntFunction shardOf, long seed, int count) {
    Random rnd = new Random(seed);
    List<Object[]> orders = data.orders().rows();
    List<Long> ids = data.customerIds();
    List<Write> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Object[] o = orders.get(rnd.nextInt(orders.size()));
      long customer = (Long) o[1];
      long order = (Long) o[0];
      QueryBuilder b;
      String kind;
      switch (rnd.nextInt(12)) {
        case 0, 1 -> {
          kind = "update-by-key";
          b = new QueryBuilder(rnd, "UPDATE orders SET status = 'REFUNDED', amount = amount + 1.25");
          b.where("customer_id = " + b.value(customer)).where("order_id = " + b.value(order));
        }
        case 2 -> {
          kind = "update-key-list";
          b = new QueryBuilder(rnd, "UPDATE orders SET note = NULL, qty = qty + 1");
          b.where("customer_id IN (" + b.value(customer) + ", " + b.value(ids.get(rnd.nextInt(ids.size()))) + ", "
              + b.value(ids.get(rnd.nextInt(ids.size()))) + ")").where("qty > " + b.value(5));
        }
        case 3 -> {
          kind = "update-no-key";
          b = new QueryBuilder(rnd, "UPDATE orders SET note = 'bulk', qty = qty * 2");
          b.where("status = " + b.value(DataSet.STATUSES.get(rnd.nextInt(5)))).where("amount < "
              + b.value(BigDecimal.valueOf(rnd.nextInt(80))));
        }
        case 4, 5 -> {
          kind = "delete-by-key";
          b = new QueryBuilder(rnd, "DELETE FROM orders");
          b.where("customer_id = " + b.value(customer)).where("order_id = " + b.value(order));
        }
        case 6 -> {
          kind = "delete-no-key";
          b = new QueryBuilder(rnd, "DELETE FROM orders");
          b.where("qty = " + b.value(1 + rnd.nextInt(10))).where("amount > " + b.value(BigDecimal.valueOf(900 + rnd.nextInt(100))));
        }
        case 7 -> {
          kind = "update-customer";
          b = new QueryBuilder(rnd, "UPDATE customers SET tier = " + (rnd.nextBoolean() ? "NULL" : Integer.toString(rnd.nextInt(5))));
          b.where("customer_id = " + b.value(customer));
        }
        case 8 -> {
          kind = "broadcast-write";
          b = new QueryBuilder(rnd, "UPDATE regions SET name = " + SqlText.literal("Region " + rnd.nextInt(100)));
          b.where("code = " + b.value(DataSet.REGION_CODES.get(rnd.nextInt(DataSet.REGION_CODES.size()))));
        }
        case 9 -> {
          kind = "default-write";
          b = new QueryBuilder(rnd, "UPDATE audit_log SET message = 'rewritten'");
          b.where("id < " + b.value((long) rnd.nextInt(60)));
        }
        default -> {
          kind = "insert-split";
          boolean params = rnd.nextBoolean();
          b = new QueryBuilder(rnd, "INSERT INTO orders (order_id, customer_id, status, amount, qty, created_at, note) VALUES ");
          int rows = 2 + rnd.nextInt(8);
          for (int r = 0; r < rows; r++) {
            Object[] row = DataSet.randomOrder(rnd, data.newOrderId(), ids.get(rnd.nextInt(ids.size())));
            List<String> values = new ArrayList<>();
            for (Object v : row) {
              values.add(params && v != null ? b.param(v) : SqlText.literal(v));
            }
            b.append((r == 0 ? "(" : ", (") + String.join(", ", values) + ")");
          }
        }
      }
      out.add(new Write(kind, b.sql(), b.params()));
    }
    out.add(new Write("broadcast-insert", "INSERT INTO regions (code, name) VALUES ('OCE', 'Oceania'), ('ARC', 'Arctic')",
        List.of()));
    out.add(new Write("broadcast-delete", "DELETE FROM regions WHERE code = 'ANT'", List.of()));
    return out;
  }
}
