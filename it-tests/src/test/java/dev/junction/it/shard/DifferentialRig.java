package dev.junction.it.shard;

import dev.junction.config.JunctionConfig;
import dev.junction.it.shard.ShardedConfigs.ShardServers;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.JdbcServer;
import dev.junction.shard.ShardingRules;
import java.sql.Connection;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.util.List;

/**
 * One dialect's side of the differential test: the shard replica sets behind a sharded
 * {@link RoutingDataSource}, the plain oracle server, the ring that says where each row belongs,
 * and the data set loaded into both.
 *
 * <p>Without Junction ({@code withJunction} false) {@link #junction()} connects to the oracle itself;
 * that mode, and loading the shards directly, exist to develop the generator, the loader and the
 * merge checks independently of the sharded JDBC layer.
 */
public final class DifferentialRig implements AutoCloseable {
  /** Waits until the shards' replicas have replayed everything. */
  public interface ReplicaWait {
    void await() throws Exception;
  }

  private final SqlFlavor flavor;
  private final List<ShardServers> shards;
  private final JdbcServer oracle;
  private final ReplicaWait replicaWait;
  private final JunctionConfig config;
  private final ShardingRules rules;
  private final RoutingDataSource ds;
  private final DataSet data;

  public DifferentialRig(SqlFlavor flavor, List<ShardServers> shards, JdbcServer oracle, ReplicaWait replicaWait,
                         DataSet data, boolean withJunction) {
    this.flavor = flavor;
    this.shards = shards;
    this.oracle = oracle;
    this.replicaWait = replicaWait;
    this.data = data;
    this.config = ShardedConfigs.of(flavor, shards);
    this.rules = config.sharding().rules(config.shards());
    this.ds = withJunction ? RoutingDataSource.create(config) : null;
  }

  public SqlFlavor flavor() { return flavor; }
  public DataSet data() { return data; }
  public JunctionConfig config() { return config; }
  public RoutingDataSource dataSource() { return ds; }
  public int shardCount() { return shards.size(); }
  public boolean withJunction() { return ds != null; }

  public Connection junction() throws SQLException {
    return ds == null ? oracle.connect() : ds.getConnection();
  }

  public Connection oracle() throws SQLException {
    return oracle.connect();
  }

  /** A direct connection to shard {@code index}'s primary, bypassing Junction. */
  public Connection shardPrimary(int index) throws SQLException {
    return shards.get(index).primary().connect();
  }

  /** The config index (s0, s1, ...) of the shard the ring assigns this customer to. */
  public int shardOf(long customerId) {
    try {
      int ringIndex = rules.shardOf(rules.sharded(Schema.ORDERS), customerId);
      String name = rules.ring().shardId(ringIndex);
      for (int i = 0; i < config.shards().size(); i++) {
        if (config.shards().get(i).name().equals(name)) {
          return i;
        }
      }
      throw new IllegalStateException("ring shard " + name + " is not configured");
    } catch (SQLDataException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** The config index of the default shard (unsharded tables). */
  public int defaultShard() {
    String name = rules.ring().shardId(rules.defaultShard());
    for (int i = 0; i < config.shards().size(); i++) {
      if (config.shards().get(i).name().equals(name)) {
        return i;
      }
    }
    throw new IllegalStateException("default shard " + name + " is not configured");
  }

  public void awaitReplicas() throws Exception {
    replicaWait.await();
  }

  @Override
  public void close() {
    if (ds != null) {
      ds.close();
    }
  }
}
