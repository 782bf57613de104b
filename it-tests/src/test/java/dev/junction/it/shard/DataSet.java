package dev.junction.it.shard;

import java.math.BigDecimal;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Deterministic pseudo-random test data: customers with non-contiguous ids, orders skewed towards
 * a few hot customers, NULLs in nullable columns, many duplicates in non-key columns, and text that
 * trips up naive SQL rewriting (quotes, commas, parentheses, question marks, non-ASCII).
 */
public final class DataSet {
  public static final List<String> STATUSES = List.of("NEW", "PAID", "SHIPPED", "CANCELLED", "RETURNED");
  public static final List<String> REGION_CODES = List.of("EU", "NA", "APAC", "LATAM", "MEA");
  /** Customers may reference a region the regions table lacks (dropped by inner joins). */
  static final List<String> CUSTOMER_REGIONS = List.of("EU", "EU", "NA", "NA", "APAC", "LATAM", "MEA", "XX");
  public static final List<String> NOTES = List.of("gift", "Gift", "rush", "fragile", "b", "Zed", "",
      "it's", "a,(b)", "why?", "caf\u00e9", "\u00dcrgent");
  static final List<String> NAMES = List.of("Ada", "bob", "Chen", "dora", "Eve", "Femi", "Gus", "Hana");
  static final LocalDateTime EPOCH = LocalDateTime.of(2024, 1, 1, 0, 0);

  private final TableRows regions;
  private final TableRows customers;
  private final TableRows orders;
  private final TableRows audit;
  private final List<Long> customerIds;
  private long nextOrderId;

  private DataSet(TableRows regions, TableRows customers, TableRows orders, TableRows audit, List<Long> customerIds,
                  long nextOrderId) {
    this.regions = regions;
    this.customers = customers;
    this.orders = orders;
    this.audit = audit;
    this.customerIds = customerIds;
    this.nextOrderId = nextOrderId;
  }

  public static DataSet generate(long seed, int customerCount, int orderCount) {
    Random rnd = new Random(seed);
    List<Object[]> regionRows = new ArrayList<>();
    String[] regionNames = {"Europe", "North America", "Asia Pacific", "Latin America", "Middle East"};
    for (int i = 0; i < REGION_CODES.size(); i++) {
      regionRows.add(new Object[] {REGION_CODES.get(i), regionNames[i]});
    }
    regionRows.add(new Object[] {"ANT", "Antarctica"});

    Set<Long> ids = new LinkedHashSet<>();
    while (ids.size() < customerCount) {
      ids.add(rnd.nextInt(10) == 0 ? 1 + rnd.nextInt(50) : 1 + (long) rnd.nextInt(5_000_000));
    }
    List<Long> customerIds = List.copyOf(ids);
    List<Object[]> customerRows = new ArrayList<>();
    for (long id : customerIds) {
      customerRows.add(new Object[] {
          id,
          NAMES.get(rnd.nextInt(NAMES.size())) + (rnd.nextBoolean() ? "" : " " + rnd.nextInt(20)),
          rnd.nextInt(10) == 0 ? null : CUSTOMER_REGIONS.get(rnd.nextInt(CUSTOMER_REGIONS.size())),
          rnd.nextInt(4) == 0 ? null : rnd.nextInt(4),
          EPOCH.toLocalDate().minusDays(rnd.nextInt(900))});
    }

    List<Object[]> orderRows = new ArrayList<>();
    long orderId = 1;
    for (int i = 0; i < orderCount; i++) {
      orderId += 1 + rnd.nextInt(3);
      orderRows.add(randomOrder(rnd, orderId, customerIds.get(skewedIndex(rnd, customerIds.size()))));
    }

    List<Object[]> auditRows = new ArrayList<>();
    for (int i = 1; i <= 120; i++) {
      auditRows.add(new Object[] {(long) i, rnd.nextInt(5) == 0 ? null : customerIds.get(rnd.nextInt(customerIds.size())),
          "event " + (i % 17) + (rnd.nextBoolean() ? " ok" : " retried")});
    }
    return new DataSet(
        new TableRows(Schema.REGIONS, List.of("code", "name"), new int[] {Types.VARCHAR, Types.VARCHAR}, regionRows),
        new TableRows(Schema.CUSTOMERS, List.of("customer_id", "name", "region", "tier", "created"),
            new int[] {Types.BIGINT, Types.VARCHAR, Types.VARCHAR, Types.INTEGER, Types.DATE}, customerRows),
        new TableRows(Schema.ORDERS, List.of("order_id", "customer_id", "status", "amount", "qty", "created_at", "note"),
            new int[] {Types.BIGINT, Types.BIGINT, Types.VARCHAR, Types.NUMERIC, Types.INTEGER, Types.TIMESTAMP, Types.VARCHAR},
            orderRows),
        new TableRows(Schema.AUDIT, List.of("id", "customer_id", "message"), new int[] {Types.BIGINT, Types.BIGINT, Types.VARCHAR},
            auditRows),
        customerIds, orderId + 1);
  }

  /** Index biased towards 0: a handful of customers own a large share of the orders. */
  static int skewedIndex(Random rnd, int size) {
    double u = rnd.nextDouble();
    return Math.min(size - 1, (int) (size * u * u * u));
  }

  static Object[] randomOrder(Random rnd, long orderId, long customerId) {
    BigDecimal amount = rnd.nextInt(30) == 0 ? null
        : BigDecimal.valueOf(rnd.nextInt(8) == 0 ? 10_000L * rnd.nextInt(5) : rnd.nextInt(100_000), 2);
    // minute resolution: many orders share a timestamp
    LocalDateTime created = EPOCH.plusMinutes(rnd.nextInt(60 * 24 * 200));
    String note = rnd.nextInt(5) < 2 ? null : NOTES.get(rnd.nextInt(NOTES.size()));
    return new Object[] {orderId, customerId, STATUSES.get(Math.min(rnd.nextInt(7), 4)), amount, 1 + rnd.nextInt(10), created,
        note};
  }

  /** Tables in load order. */
  public List<TableRows> tables() {
    return List.of(regions, customers, orders, audit);
  }

  public TableRows orders() { return orders; }
  public TableRows customers() { return customers; }
  public List<Long> customerIds() { return customerIds; }

  /** A fresh order id above every loaded one (for inserts during the DML phase). */
  public long newOrderId() {
    return nextOrderId++;
  }
}
