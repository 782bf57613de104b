package dev.junction.bench.library;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.shard.KeyType;
import dev.junction.shard.ShardedTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Builds a sharded Junction data source from plain values (JDK types only), so that
 * {@link ScatterOverheadBenchmark} can call it through a class loader that holds another build of
 * router-core and router-jdbc (the "before" side of a before/after comparison in one run).
 */
public final class ScatterSources {
  private ScatterSources() {}

  /**
   * @param urls one JDBC URL per shard, in shard-name order ({@code s0}, {@code s1}, ...)
   * @param table the sharded table (key column {@code id}, bigint)
   */
  public static DataSource junction(List<String> urls, String user, String password, int poolSize, String table) {
    JunctionConfig.Pool pool = new JunctionConfig.Pool(poolSize, 0, Duration.ofSeconds(5), Duration.ofMinutes(10),
        Duration.ofMinutes(30), Duration.ofSeconds(1));
    List<JunctionConfig.Shard> shards = new ArrayList<>();
    for (int s = 0; s < urls.size(); s++) {
      shards.add(new JunctionConfig.Shard("s" + s, new JunctionConfig.Endpoint("primary", urls.get(s), user, password, 1, pool),
          List.of()));
    }
    JunctionConfig.Sharding sharding = JunctionConfig.Sharding.of(List.of(new ShardedTable(table, "id", KeyType.LONG)), List.of());
    JunctionConfig config = new JunctionConfig(Dialect.POSTGRESQL, shards, JunctionConfig.Routing.defaults(),
        JunctionConfig.Fencing.defaults(), sharding);
    return RoutingDataSource.create(config);
  }

  /** Which shard (index into {@code urls}) holds each id 1..rows, as the ring places them. */
  public static int[] placement(int shards, String table, int rows) throws java.sql.SQLException {
    List<JunctionConfig.Shard> list = new ArrayList<>();
    JunctionConfig.Pool pool = new JunctionConfig.Pool(1, 0, Duration.ofSeconds(5), Duration.ofMinutes(10),
        Duration.ofMinutes(30), Duration.ofSeconds(1));
    for (int s = 0; s < shards; s++) {
      list.add(new JunctionConfig.Shard("s" + s, new JunctionConfig.Endpoint("primary", "jdbc:postgresql://unused/x", "u", "p", 1,
          pool), List.of()));
    }
    ShardedTable t = new ShardedTable(table, "id", KeyType.LONG);
    var rules = JunctionConfig.Sharding.of(List.of(t), List.of()).rules(list);
    int[] out = new int[rows + 1];
    for (long id = 1; id <= rows; id++) {
      String name = rules.ring().shardId(rules.shardOf(t, id));
      out[(int) id] = Integer.parseInt(name.substring(1));
    }
    return out;
  }
}
