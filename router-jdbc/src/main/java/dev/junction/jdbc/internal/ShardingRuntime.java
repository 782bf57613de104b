package dev.junction.jdbc.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.junction.classify.Classification;
import dev.junction.config.ConfigException;
import dev.junction.config.JunctionConfig;
import dev.junction.merge.MergeDialect;
import dev.junction.merge.ResultMerger;
import dev.junction.merge.ScatterPlan;
import dev.junction.merge.ScatterSelectPlanner;
import dev.junction.merge.ServerFunctions;
import dev.junction.ring.RingPhase;
import dev.junction.ring.RingRecord;
import dev.junction.shard.ShardPlan;
import dev.junction.shard.ShardRing;
import dev.junction.shard.ShardRoute;
import dev.junction.shard.ShardStatementPlanner;
import dev.junction.shard.ShardingRules;
import dev.junction.shard.SnowflakeIdGenerator;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Everything sharded routing shares across connections for one ring: the placement rules, the two
 * plan caches (shard routes and scatter rewrites, both pure functions of the SQL text, so cached
 * like classifications), the shards in ring order, and what the data source shares across rings
 * (merger, id generator and the bounded pool that runs shard parts in parallel).
 *
 * <p>Design notes: plans that fail (unsupported cross-shard statements) are not cached, so the
 * error is rebuilt each time with its full message, and the cache holds only statements that run.
 * The scatter pool is bounded and queues nothing: a part goes to an idle thread, the one that went
 * idle last, or to a new thread up to the bound; when every thread is busy the calling thread runs
 * the part itself ({@link ThreadPoolExecutor.CallerRunsPolicy}), so a burst slows down instead of
 * failing or queueing. Last-in first-out matters on a quiet machine: a thread that has just run a part
 * is still on a warm core, while the first-in first-out queue of the earlier design handed every part
 * to the thread idle longest, rotating a 2-shard scatter through all 16 (the quiet-machine figures in
 * docs/benchmarks.md, "Scatter overhead per extra shard").
 *
 * <p>Ring changes. One instance routes by one ring state recorded in the shards ({@link RingRecord});
 * when a resharding changes it, {@link RingWatcher} builds a new instance and the data source swaps
 * its reference, so a statement plans and executes against one consistent state. During the cut-over
 * (FENCED) and until the cleanup (SWITCHED) a statement must provably not touch a key that moves:
 * it runs only when it goes to one shard and, in FENCED, both rings agree on that shard; anything
 * else is refused with SQLSTATE 40001 and runs again after a retry (see {@link #checkRingPhase}).
 */
final class ShardingRuntime implements AutoCloseable {
  final ShardingRules rules;
  final JunctionConfig.MultiShardTransactions multiShardTransactions;
  final ShardMetrics metrics;
  final ResultMerger merger;
  final MergeDialect mergeDialect;
  final SnowflakeIdGenerator ids;
  final ThreadPoolExecutor executor;
  /** The shards in ring index order. */
  final ShardRuntime[] ringOrder;
  /** The ring state this instance routes by; null when no shard was reachable at startup (unverified). */
  final RingRecord record;
  /** During COPYING: shards of this (source) ring that already hold copies of rows they do not own; see {@link CopyTargets}. */
  private final java.util.Set<String> copyTargets;
  /** During FENCED: a planner on the source ring, to prove that a statement touches no moving key. */
  private final ShardingRuntime sourceSide;
  private final ShardStatementPlanner planner;
  private final ScatterSelectPlanner scatterPlanner;
  private final Cache<String, ShardPlan> plans;
  private final Cache<String, ScatterPlan> scatterPlans;

  /**
   * Set while the shards could not be reached to confirm the ring: checked (at most once a second)
   * before a sharded statement is planned; cleared once they confirm it.
   */
  private volatile RingRouting.PendingCheck pendingRingCheck;
  /** Whether text keys of a multi-shard merge are exact on these shards; read once at startup, shared by later states. */
  volatile TextCollation textCollation = TextCollation.EXACT;
  /** The shards' aggregates and functions, read at startup ({@link FunctionCatalog}). */
  volatile ServerFunctions functions = ServerFunctions.UNCHECKED;
  private volatile long nextRingCheckNanos;
  /** Told the record a pending check confirmed, so that the data source routes by it from then on. */
  private volatile java.util.function.Consumer<RingRecord> onConfirmed;

  /** The first state of a data source: creates what every later state shares. */
  static ShardingRuntime first(JunctionConfig config, MeterRegistry registry, List<ShardRuntime> shards, RingRecord record,
                               ShardRing configured, RingRouting.PendingCheck pendingRingCheck,
                               java.util.function.Consumer<RingRecord> onConfirmed) {
    JunctionConfig.Sharding s = config.sharding();
    AtomicInteger n = new AtomicInteger();
    ThreadFactory threads = r -> {
      Thread t = new Thread(r, "junction-scatter-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
    // No core threads and a hand-off queue (a non-fair SynchronousQueue matches the waiter that came last)
    ThreadPoolExecutor executor = new ThreadPoolExecutor(0, s.scatterThreads(), 30, TimeUnit.SECONDS,
        new SynchronousQueue<>(), threads, new ThreadPoolExecutor.CallerRunsPolicy());
    ShardingRuntime shared = new ShardingRuntime(config, configured, registry, shards, null, null, executor,
        new ResultMerger(s.maxMergeGroups()), new SnowflakeIdGenerator(s.workerId()));
    ShardingRuntime state = record == null ? shared : shared.next(config, registry, shards, record);
    state.pendingRingCheck = pendingRingCheck;
    state.textCollation = TextCollation.check(config, shards);
    state.functions = FunctionCatalog.read(config, shards);
    state.onConfirmed = onConfirmed;
    return state;
  }

  /** The state for {@code record}, sharing this one's pool, merger and id generator. */
  ShardingRuntime next(JunctionConfig config, MeterRegistry registry, List<ShardRuntime> shards, RingRecord record) {
    if (record.phase() != RingPhase.FENCED) {
      ShardingRuntime next = new ShardingRuntime(config, RingRouting.ringFor(record), registry, shards, record, null, executor, merger, ids);
      next.textCollation = textCollation;
      next.functions = functions;
      return next;
    }
    ShardRing source = record.sourceRing();
    ShardRing target = record.targetRing();
    ShardingRuntime sourceSide = new ShardingRuntime(config, source, registry, shards, record, null, executor, merger, ids);
    sourceSide.textCollation = textCollation;
    sourceSide.functions = functions;
    ShardingRuntime next = new ShardingRuntime(config, target, registry, shards, record, sourceSide, executor, merger, ids);
    next.textCollation = textCollation;
    next.functions = functions;
    return next;
  }

  private ShardingRuntime(JunctionConfig config, ShardRing ring, MeterRegistry registry, List<ShardRuntime> shards,
                          RingRecord record, ShardingRuntime sourceSide, ThreadPoolExecutor executor, ResultMerger merger,
                          SnowflakeIdGenerator ids) {
    JunctionConfig.Sharding s = config.sharding();
    this.rules = s.rules(config.shards(), ring);
    this.record = record;
    this.sourceSide = sourceSide;
    this.copyTargets = CopyTargets.readWhileCopying(record);
    this.multiShardTransactions = s.multiShardTransactions();
    this.planner = new ShardStatementPlanner(rules, config.dialect());
    this.scatterPlanner = new ScatterSelectPlanner(rules.broadcastTables(), rules.tables());
    this.metrics = new ShardMetrics(registry, rules.ring().shardIds());
    this.merger = merger;
    this.mergeDialect = switch (config.dialect()) {
      case POSTGRESQL -> MergeDialect.POSTGRESQL;
      case MYSQL -> MergeDialect.MYSQL;
      case MARIADB -> MergeDialect.MARIADB;
    };
    this.ids = ids;
    long cacheSize = Math.max(1, config.routing().parseCacheSize());
    this.plans = Caffeine.newBuilder().maximumSize(cacheSize).build();
    this.scatterPlans = Caffeine.newBuilder().maximumSize(cacheSize).build();
    this.executor = executor;
    List<String> ids2 = ring.shardIds();
    this.ringOrder = new ShardRuntime[ids2.size()];
    for (int i = 0; i < ids2.size(); i++) {
      String id = ids2.get(i);
      ringOrder[i] = shards.stream().filter(sh -> sh.name.equals(id)).findFirst().orElseThrow(() -> new ConfigException(
          "junction.shards", "the shards route by " + ring + ", which includes shard '" + id + "', but this"
              + " configuration has no endpoints for it; add it (a resharding is moving rows to or from it)"));
    }
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

  /**
   * During a cut-over (FENCED) and until the cleanup (SWITCHED): refuses, retryably, a statement
   * that could touch a key that moves. One shard, the same in both rings, proves it does not: every
   * key of the statement then lives on that shard before and after. In SWITCHED the old owners still
   * hold copies of the moved rows, so a statement spanning shards could see them twice.
   */
  void checkRingPhase(Classification c, String sql, List<Object> values, ShardRoute route) throws SQLException {
    if (!copyTargets.isEmpty()) {
      checkCopyTargets(route);
    }
    if (record == null || (record.phase() != RingPhase.FENCED && record.phase() != RingPhase.SWITCHED)) {
      return;
    }
    if (!route.isSingleShard()) {
      throw RingRouting.refusedWhileSwitching(record, "it spans shards " + route.statements().size()
          + (record.phase() == RingPhase.SWITCHED ? " (the old owners still hold copies of the moved rows until the cleanup)" : ""));
    }
    if (sourceSide != null) {
      ShardRoute before = sourceSide.plan(sql).bind(values);
      String now = rules.ring().shardId(route.statements().get(0).shard());
      if (!before.isSingleShard() || !sourceSide.rules.ring().shardId(before.statements().get(0).shard()).equals(now)) {
        throw RingRouting.refusedWhileSwitching(record, "it touches a key that moves to shard " + now);
      }
    }
  }

  /**
   * During COPYING of a resharding that copies rows into shards this ring reads (a weight change,
   * a removal, a pin): refuses a statement that reads such a shard without a shard-key restriction
   * of its own, since it would see the copies as well as the originals. SINGLE routes select by
   * the key, whose rows there are the owner's; MULTI is refused too, as its IN list may reach a
   * shard whole.
   */
  private void checkCopyTargets(ShardRoute route) throws SQLException {
    if (route.opcode() != ShardRoute.Opcode.SCATTER && route.opcode() != ShardRoute.Opcode.MULTI) {
      return;
    }
    for (ShardRoute.ShardStatement st : route.statements()) {
      String shard = rules.ring().shardId(st.shard());
      if (copyTargets.contains(shard)) {
        throw dev.junction.JunctionSqlState.refusal("Junction: a resharding (" + record.describe() + ") is copying rows"
            + " into shard " + shard + ", which this ring still reads: a statement over several shards (" + route.opcode()
            + ") would count the copies too, so it is refused until the resharding's cleanup. Add a shard-key"
            + " predicate that names one shard, or run it after `junction.sh reshard cleanup`. Adding a shard does"
            + " not have this window; changing a weight, removing a shard or pinning a key does.");
      }
    }
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
    RingRecord confirmed;
    try {
      confirmed = check.run();
    } catch (RuntimeException e) {
      throw RingRouting.unverified(e);
    }
    pendingRingCheck = null;
    onConfirmed.accept(confirmed);
  }

  /** The session ring version routers set on their primary sessions in this state (0: none needed). */
  long sessionRingVersion() {
    return record == null || record.phase() == RingPhase.STABLE ? 0 : record.writeVersion();
  }

  /** True while the startup check is still pending (no shard was reachable): the watcher must not adopt a record. */
  boolean unconfirmed() {
    return pendingRingCheck != null;
  }

  /** True when a transaction begun under {@code other} may go on under this state: keys route alike. */
  boolean routesLike(ShardingRuntime other) {
    return other == this || (other.rules.ring().equals(rules.ring()) && phaseOf(other) == phaseOf(this));
  }

  private static RingPhase phaseOf(ShardingRuntime s) {
    RingPhase p = s.record == null ? RingPhase.STABLE : s.record.phase();
    return p == RingPhase.COPYING ? RingPhase.STABLE : p;
  }

  /** The cached scatter rewrite of a SELECT that spans shards. */
  ScatterPlan scatterPlan(String sql) throws SQLException {
    ScatterPlan plan = scatterPlans.getIfPresent(sql);
    if (plan == null) {
      plan = scatterPlanner.plan(sql, mergeDialect, functions);
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
