package dev.junction.it.shard;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Checks, directly on the shard primaries, that every row is where the ring says it belongs. */
public final class Placement {
  private Placement() {}

  /**
   * Counts directly on every shard primary: each sharded row on the shard the ring names, the union
   * of the shards equal to the oracle, broadcast rows on every shard, the unsharded table on the
   * default shard only.
   */
  public static String check(DifferentialRig rig) throws Exception {
    String keysSql = "SELECT customer_id, %s FROM %s";
    Map<String, String> idColumn = Map.of(Schema.ORDERS, "order_id", Schema.CUSTOMERS, "customer_id");
    StringBuilder perShard = new StringBuilder();
    for (String table : List.of(Schema.CUSTOMERS, Schema.ORDERS)) {
      Set<String> oracleKeys = keys(rig.oracle(), String.format(keysSql, idColumn.get(table), table));
      Set<String> union = new HashSet<>();
      List<String> misplaced = new ArrayList<>();
      perShard.append(' ').append(table).append(':');
      for (int shard = 0; shard < rig.shardCount(); shard++) {
        int rows = 0;
        try (Connection c = rig.shardPrimary(shard); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(String.format(keysSql, idColumn.get(table), table))) {
          while (rs.next()) {
            rows++;
            long customer = rs.getLong(1);
            String key = customer + "/" + rs.getLong(2);
            if (rig.shardOf(customer) != shard && misplaced.size() < 20) {
              misplaced.add(key + " on s" + shard + " (ring: s" + rig.shardOf(customer) + ")");
            }
            assertThat(union.add(key)).as(table + " row " + key + " is on two shards").isTrue();
          }
        }
        perShard.append(" s").append(shard).append('=').append(rows);
      }
      assertThat(misplaced).as(rig.flavor().label() + " " + table + " rows on the wrong shard").isEmpty();
      assertThat(union).as(rig.flavor().label() + " " + table + ": union of the shards vs the oracle").isEqualTo(oracleKeys);
    }
    long regions = oracleCount(rig, "SELECT COUNT(*) FROM regions");
    String schemaFunction = rig.flavor() == SqlFlavor.POSTGRESQL ? "current_schema()" : "DATABASE()";
    for (int shard = 0; shard < rig.shardCount(); shard++) {
      try (Connection c = rig.shardPrimary(shard)) {
        assertThat(count(c, "SELECT COUNT(*) FROM regions")).as("broadcast regions on s" + shard).isEqualTo(regions);
        long auditTables = count(c, "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'audit_log'"
            + " AND table_schema = " + schemaFunction);
        assertThat(auditTables).as("unsharded audit_log exists on s" + shard + " only if it is the default shard")
            .isEqualTo(shard == rig.defaultShard() ? 1 : 0);
      }
    }
    try (Connection c = rig.shardPrimary(rig.defaultShard())) {
      assertThat(count(c, "SELECT COUNT(*) FROM audit_log")).isEqualTo(oracleCount(rig, "SELECT COUNT(*) FROM audit_log"));
    }
    return String.format("%s placement ok:%s; regions x%d on every shard; audit_log on s%d only", rig.flavor().label(), perShard,
        regions, rig.defaultShard());
  }

  static Set<String> keys(Connection c, String sql) throws SQLException {
    Set<String> keys = new HashSet<>();
    try (c; Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        keys.add(rs.getLong(1) + "/" + rs.getLong(2));
      }
    }
    return keys;
  }

  public static long oracleCount(DifferentialRig rig, String sql) throws SQLException {
    try (Connection c = rig.oracle()) {
      return count(c, sql);
    }
  }

  public static long count(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
