package dev.junction.jdbc.internal;

import dev.junction.JunctionSqlState;
import dev.junction.classify.Classification;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.merge.BoundScatterPlan;
import dev.junction.merge.MergeSpec;
import dev.junction.merge.RowCursor;
import dev.junction.merge.TextKeys;
import dev.junction.shard.ShardRoute;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.List;

/**
 * The sharded routing decision of a {@link RoutingDataSource} for front-ends that do not use JDBC
 * (the relaying proxy): the same cached plans, ring-state checks (ring lease, cut-over fencing,
 * copy targets), scatter rewrites, merger and multi-shard transaction policy as a sharded
 * connection, with no JDBC connection involved. Pure and non-blocking, except the one-off deferred
 * startup ring check when no shard could be reached at startup.
 */
public final class ShardRouter {
  private final DataSourceRuntime ds;

  public ShardRouter(RoutingDataSource dataSource) {
    DataSourceRuntime ds = DataSourceRuntime.of(dataSource);
    if (ds.sharding == null) {
      throw new IllegalStateException("sharding is not configured (junction.sharding)");
    }
    this.ds = ds;
  }

  /** The ring state to route by now; refuses (40001 / library message) while the ring cannot be routed by. */
  public State state() throws SQLException {
    if (ds.ringWatcher != null) {
      ds.ringWatcher.checkLease();
    }
    String problem = ds.ringProblem;
    if (problem != null) {
      throw JunctionSqlState.refusal("Junction: " + problem);
    }
    return new State(ds.sharding);
  }

  /** The state now, without the lease check: for names and counts only. */
  public State peek() {
    return new State(ds.sharding);
  }

  /** The configured shard names in configuration order (endpoints are per configured shard). */
  public List<String> configuredShards() {
    return ds.config.shards().stream().map(JunctionConfig.Shard::name).toList();
  }

  /** One ring state; cheap to create (a wrapper). Two are {@link #routesLike} when keys route alike. */
  public static final class State {
    private final ShardingRuntime rt;

    State(ShardingRuntime rt) {
      this.rt = rt;
    }

    /** Shard names in ring index order: {@link ShardRoute.ShardStatement#shard()} indexes this list. */
    public List<String> shardNames() {
      return rt.shardNames();
    }

    public int defaultShard() {
      return rt.rules.defaultShard();
    }

    /**
     * Plans and binds {@code sql} (JDBC {@code ?} form), then applies the ring-phase checks, as a
     * sharded statement does before it runs.
     */
    public ShardRoute route(Classification c, String sql, List<Object> values) throws SQLException {
      ShardRoute route = rt.plan(sql).bind(values);
      rt.checkRingPhase(c, sql, values, route);
      rt.metrics.route(route.opcode());
      return route;
    }

    /** The scatter rewrite of a multi-shard SELECT, bound to the statement's values. */
    public BoundScatterPlan scatter(String sql, List<Object> values) throws SQLException {
      return rt.scatterPlan(sql).bind(values);
    }

    /** Merges shard cursors as a sharded statement does (same merger, same group bound). */
    public RowCursor merge(List<? extends RowCursor> shards, MergeSpec spec) {
      return rt.merger.merge(shards, spec);
    }

    /**
     * The library's refusal when text columns of {@code spec} would be compared across shards under a
     * collation the merger cannot reproduce; null when none. {@code text[i]} says whether result
     * column i (hidden ones included) is text.
     */
    public SQLException textKeyRefusal(MergeSpec spec, boolean[] text, String[] labels, int shards) {
      TextCollation collation = rt.textCollation;
      if (collation.exact() || shards < 2) {
        return null;
      }
      int width = text.length;
      for (TextKeys.Use use : TextKeys.of(spec, width)) {
        if (use.column() >= width || !text[use.column()]) {
          continue;
        }
        boolean hidden = use.column() >= width - spec.hiddenColumns();
        String construct = use.construct() + " of a text value" + (hidden ? "" : " (result column " + labels[use.column()] + ")");
        String collate = "COLLATE ucs_basic";
        return new SQLFeatureNotSupportedException(
            construct + " is not supported in a multi-shard SELECT: the merger combines text across shards by code"
                + " point, but " + collation.reason() + ", so the merged rows would be ordered or grouped differently"
                + " from the database. Add an explicit " + collate + " to the expression (for example ORDER BY name "
                + collate + ", min(name " + collate + ")), give the column a code-point collation, or add a"
                + " shard-key predicate so the query runs on one shard.",
            JunctionSqlState.REFUSED);
      }
      return null;
    }

    /** The ring version primary sessions must declare ({@code junction.ring_version}); 0 when none is needed. */
    public long sessionRingVersion() {
      return rt.sessionRingVersion();
    }

    /** True when a transaction begun under {@code other} may go on under this state. */
    public boolean routesLike(State other) {
      return rt.routesLike(other.rt);
    }

    /** The retryable refusal of a transaction that began under another ring state (as a sharded connection's). */
    public SQLException ringChangedInTransaction() {
      return RingRouting.ringChangedInTransaction(rt.record);
    }

    /** The retryable refusal of a statement routed by {@code this} state that got its connection under another (40001). */
    public SQLException ringChangedWhileWaiting(State now) {
      return RingRouting.ringChangedWhileWaiting(now.rt.record);
    }

    /** {@code junction.sharding.multi-shard-transactions: reject}. */
    public boolean rejectsMultiShardWrites() {
      return rt.multiShardTransactions == JunctionConfig.MultiShardTransactions.REJECT;
    }
  }
}
