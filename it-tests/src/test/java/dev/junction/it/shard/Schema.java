package dev.junction.it.shard;

import java.util.List;

/**
 * The differential schema: two co-located sharded tables (both keyed by {@code customer_id}), one
 * broadcast table and one unsharded table that lives on the default shard. The same DDL runs
 * through Junction and directly on the oracle.
 */
public final class Schema {
  public static final String CUSTOMERS = "customers";
  public static final String ORDERS = "orders";
  public static final String REGIONS = "regions";
  public static final String AUDIT = "audit_log";
  public static final String KEY = "customer_id";

  private Schema() {}

  /** CREATE TABLE statements in creation order. */
  public static List<String> ddl(SqlFlavor f) {
    String opts = f.tableOptions();
    return List.of(
        "CREATE TABLE regions (code varchar(8) NOT NULL, name varchar(40) NOT NULL, PRIMARY KEY (code))" + opts,
        "CREATE TABLE customers (customer_id bigint NOT NULL, name varchar(40) NOT NULL, region varchar(8) NULL,"
            + " tier int NULL, created date NOT NULL, PRIMARY KEY (customer_id))" + opts,
        "CREATE TABLE orders (order_id bigint NOT NULL, customer_id bigint NOT NULL, status varchar(16) NOT NULL,"
            + " amount numeric(12,2) NULL, qty int NOT NULL, created_at " + f.timestampType() + " NOT NULL,"
            + " note varchar(40) NULL, PRIMARY KEY (customer_id, order_id))" + opts,
        "CREATE TABLE audit_log (id bigint NOT NULL, customer_id bigint NULL, message varchar(80) NOT NULL,"
            + " PRIMARY KEY (id))" + opts);
  }

  /** Every table with its primary key order, for full snapshots. */
  public static List<String[]> snapshotQueries() {
    return List.of(
        new String[] {REGIONS, "SELECT code, name FROM regions ORDER BY code"},
        new String[] {CUSTOMERS, "SELECT customer_id, name, region, tier, created FROM customers ORDER BY customer_id"},
        new String[] {ORDERS, "SELECT order_id, customer_id, status, amount, qty, created_at, note FROM orders"
            + " ORDER BY order_id"},
        new String[] {AUDIT, "SELECT id, customer_id, message FROM audit_log ORDER BY id"});
  }
}
