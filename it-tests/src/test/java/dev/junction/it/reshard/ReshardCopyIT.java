package dev.junction.it.reshard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.health.ReplicaSelector;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.JdbcServer;
import dev.junction.local.LocalCluster;
import dev.junction.reshard.Progress;
import dev.junction.reshard.ReshardJob;
import dev.junction.reshard.ReshardOptions;
import dev.junction.shard.KeyType;
import dev.junction.shard.ShardRing;
import dev.junction.shard.ShardedTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL bulk copy moves pages through COPY text: values that need escaping in that format
 * (tabs, newlines, backslashes, the text "\N", NULLs, quotes) and types whose text form Java would
 * change (timestamptz, numeric, arrays, bytea, jsonb) must arrive byte for byte, and page positions
 * on a composite text primary key with quotes and backslashes must resume exactly. Oracle: every
 * row as PostgreSQL prints it (all columns cast to text), read directly from the shards before and
 * after; pages of 7 rows make every awkward key a page boundary sooner or later.
 */
class ReshardCopyIT {
  static final String[] TENANTS = {"o'k", "back\\slash", "tab\there", "new\nline", "\\N", "cr\rlf", "\u00e9t\u00e9 \u2603",
      "plain", "quote\"d", "semi;colon", "E'x'", "trailing\\"};

  @Test
  void awkwardValuesAndKeysMoveExactlyThroughCopyPages() throws Exception {
    try (LocalCluster cluster = LocalCluster.builder().postgresReplicaSets(2).postgresReplicas().shared(ReshardCopyIT.class)) {
      List<JdbcServer> primaries = List.of(cluster.postgres(0).primary(), cluster.postgres(1).primary());
      try (RoutingDataSource one = RoutingDataSource.create(config(primaries, 1)); Connection c = one.getConnection();
           Statement s = c.createStatement()) {
        s.execute("CREATE TABLE docs (tenant text NOT NULL, id int NOT NULL, body text, amount numeric(20,6),"
            + " at timestamptz, tags text[], raw bytea, meta jsonb, PRIMARY KEY (tenant, id))");
      }
      try (Connection c = primaries.get(0).connect(); PreparedStatement ps = c.prepareStatement(
          "INSERT INTO docs VALUES (?, ?, ?, ?::numeric, ?::timestamptz, ?::text[], ?, ?::jsonb)")) {
        int n = 0;
        for (String tenant : TENANTS) {
          for (int id = 0; id < 12; id++, n++) {
            ps.setString(1, tenant + (n % 3 == 0 ? "" : "-" + (n % 5)));
            ps.setInt(2, id);
            ps.setString(3, n % 4 == 0 ? null : "body\t" + tenant + "\n\\ line " + n);
            ps.setString(4, n % 6 == 0 ? null : "-" + n + ".123456");
            ps.setString(5, "2026-12-04 19:" + String.format("%02d", n % 60) + ":01.123456+05:30");
            ps.setString(6, "{\"a\\\"b\",NULL,\"c,d\",\"" + n + "\"}");
            ps.setBytes(7, new byte[] {0, 9, 10, 13, 92, (byte) 0xff, (byte) n});
            ps.setString(8, "{\"k\": \"v\\t" + n + "\", \"n\": null}");
            ps.executeUpdate();
          }
        }
      }
      TreeMap<String, String> before = rows(primaries);
      assertThat(before).hasSize(TENANTS.length * 12);
      ReshardOptions options = ReshardOptions.defaults().withChunkRows(7);
      try (ReshardJob job = ReshardJob.open(config(primaries, 2), options, new Progress(null))) {
        job.start();
        job.copy();
        ReshardJob.VerifyReport report = job.verify(); // nothing written since: the copy alone must be exact
        System.out.print(report.render());
        assertThat(report.ok()).as("verify after the copy alone\n%s", report.render()).isTrue();
        assertThat(report.recheckRounds()).isZero();
        assertThat(job.progress().rowsCopied()).isEqualTo(report.rowsCompared()).isPositive();
        job.cutover();
        job.cleanup();
      }
      assertThat(rows(primaries)).isEqualTo(before);
      ShardRing ring = config(primaries, 2).sharding().ring(config(primaries, 2).shards());
      for (int i = 0; i < 2; i++) {
        try (Connection c = primaries.get(i).connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT tenant FROM docs")) {
          while (rs.next()) {
            assertThat(ring.shardFor(rs.getString(1))).as("tenant %s on s%d", rs.getString(1), i).isEqualTo("s" + i);
          }
        }
      }
    }
  }

  /** Every row of both shards as PostgreSQL prints it, by primary key; a key on two shards fails. */
  static TreeMap<String, String> rows(List<JdbcServer> primaries) throws Exception {
    TreeMap<String, String> out = new TreeMap<>();
    for (JdbcServer p : primaries) {
      try (Connection c = p.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
          "SELECT tenant || '|' || id, concat_ws('|', body, amount::text, at::text, tags::text, raw::text, meta::text,"
              + " body IS NULL, amount IS NULL) FROM docs")) {
        while (rs.next()) {
          assertThat(out.put(rs.getString(1), rs.getString(2))).as("row %s on two shards", rs.getString(1)).isNull();
        }
      } catch (java.sql.SQLException noTable) {
        // a shard without the table yet
      }
    }
    return out;
  }

  static JunctionConfig config(List<JdbcServer> primaries, int shards) {
    List<JunctionConfig.Shard> out = new ArrayList<>();
    for (int i = 0; i < shards; i++) {
      JdbcServer p = primaries.get(i);
      out.add(new JunctionConfig.Shard("s" + i, new JunctionConfig.Endpoint("primary", p.jdbcUrl(), p.user(), p.password(), 1,
          JunctionConfig.Pool.defaults()), List.of()));
    }
    JunctionConfig.Routing routing = new JunctionConfig.Routing(ReplicaSelector.Strategy.ROUND_ROBIN, Duration.ofSeconds(5), 0,
        Duration.ofMillis(2500), Duration.ofMillis(100), Duration.ofMillis(50), Duration.ofMillis(500), 10_000);
    return new JunctionConfig(Dialect.POSTGRESQL, out, routing, JunctionConfig.Fencing.defaults(),
        JunctionConfig.Sharding.of(List.of(new ShardedTable("docs", "tenant", KeyType.STRING)), List.of())).validate();
  }
}
