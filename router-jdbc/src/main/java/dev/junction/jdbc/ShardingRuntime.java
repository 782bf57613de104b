package dev.junction.jdbc;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.junction.config.JunctionConfig;
import dev.junction.merge.MergeDialect;
import dev.junction.merge.ResultMerger;
import dev.junction.merge.ScatterPlan;
import dev.junction.merge.ScatterSelectPlanner;
import dev.junction.shard.ShardPlan;
import dev.junction.shard.ShardStatementPlanner;
import dev.junction.shard.ShardingRules;
import dev.junction.shard.SnowflakeIdGenerator;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Everything sharded routing shares across connections: the placement rules, the two plan caches
 * (shard routes and scatter rewrites, both pure functions of the SQL text, so cached like
 * classifications), the merger, the id generator and the bounded pool that runs shard parts in
 * parallel.
 *
 * <p>Design notes: plans that fail (unsupported cross-shard statements) are not cached, so the
 * error is rebuilt each time with its full message, and the cache holds only statements that run.
 * The scatter pool is bounded; when it is saturated the calling thread runs the part itself
 * ({@link ThreadPoolExecutor.CallerRunsPolicy}), so a burst slows down instead of failing or queueing
 * without bound.
 */
final class ShardingRuntime implements AutoCloseable {
  final ShardingRules rules;
  final JunctionConfig.MultiShardTransactions multiShardTransactions;
  final ShardMetrics metrics;
  final ResultMerger merger;
  final MergeDialect mergeDialect;
  final SnowflakeIdGenerator ids;
  final ThreadPoolExecutor executor;
  private final ShardStatementPlanner planner;
  private final ScatterSelectPlanner scatterPlanner = new ScatterSelectPlanner();
  private final Cache<String, ShardPlan> plans;
  private final Cache<String, ScatterPlan> scatterPlans;

  /**
   * Set while the shards could not be reached to confirm the ring: checked (at most once a second)
   * before a sharded statement is planned; cleared once they confirm it.
   */
  private volatile RingRouting.PendingCheck pendingRingCheck;
  private volatile long nextRingCheckNanos;

  /**
   * @param ring the ring to route by: the one the shards record ({@link RingCheck})
   * @param pendingRingCheck null, or the check to pass before the first statement (no shard was reachable at startup)
   */
  ShardingRuntime(JunctionConfig config, dev.junction.shard.ShardRing ring, MeterRegistry registry,
                  RingRouting.PendingCheck pendingRingCheck) {
    this.pendingRingCheck = pendingRingCheck;
    JunctionConfig.Sharding s = config.sharding();
    this.rules = s.rules(config.shards(), ring);
    this.multiShardTransactions = s.multiShardTransactions();
    this.planner = new ShardStatementPlanner(rules, config.dialect());
    this.metrics = new ShardMetrics(registry, rules.ring().shardIds());
    this.merger = new ResultMerger(s.maxMergeGroups());
    this.mergeDialect = switch (config.dialect()) {
      case POSTGRESQL -> MergeDialect.POSTGRESQL;
      case MYSQL -> MergeDialect.MYSQL;
      case MARIADB -> MergeDialect.MARIADB;
    };
    this.ids = new SnowflakeIdGenerator(s.workerId());
    long cacheSize = Math.max(1, config.routing().parseCacheSize());
    this.plans = Caffeine.newBuilder().maximumSize(cacheSize).build();
    this.scatterPlans = Caffeine.newBuilder().maximumSize(cacheSize).build();
    AtomicInteger n = new AtomicInteger();
    ThreadFactory threads = r -> {
      Thread t = new Thread(r, "junction-scatter-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
    this.executor = new ThreadPoolExecutor(s.scatterThreads(), s.scatterThreads(), 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(s.scatterThreads() * 4), threads, new ThreadPoolExecutor.CallerRunsPolicy());
    this.executor.allowCoreThreadTimeOut(true);
  }

  /** The cached shard plan of {@code sql}. */
  ShardPlan plan(String sql) throws SQLException {
    if (pendingRingCheck != null) {
      checkRing();
    }
    ShardPlan plan = plans.getIfPresent(sql);
    if (plan == null) {
      plan = planner.plan(sql);
      plans.put(sql, plan);
    }
    return plan;
  }

  private synchronized void checkRing() throws SQLException {
    RingRouting.PendingCheck check = pendingRingCheck;
    if (check == null) {
      return;
    }
    if (System.nanoTime() - nextRingCheckNanos < 0) {
      throw RingRouting.unverified(null);
    }
    nextRingCheckNanos = System.nanoTime() + 1_000_000_000L;
    try {
      check.run();
      pendingRingCheck = null;
    } catch (RuntimeException e) {
      throw RingRouting.unverified(e);
    }
  }

  /** The cached scatter rewrite of a SELECT that spans shards. */
  ScatterPlan scatterPlan(String sql) throws SQLException {
    ScatterPlan plan = scatterPlans.getIfPresent(sql);
    if (plan == null) {
      plan = scatterPlanner.plan(sql, mergeDialect);
      scatterPlans.put(sql, plan);
    }
    return plan;
  }

  List<String> shardNames() {
    return rules.ring().shardIds();
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
