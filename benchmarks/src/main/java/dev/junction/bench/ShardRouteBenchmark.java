package dev.junction.bench;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.junction.classify.Dialect;
import dev.junction.shard.KeyType;
import dev.junction.shard.ShardPlan;
import dev.junction.shard.ShardRing;
import dev.junction.shard.ShardRoute;
import dev.junction.shard.ShardStatementPlanner;
import dev.junction.shard.ShardedTable;
import dev.junction.shard.ShardingRules;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-execution cost of sharded routing, as the JDBC layer pays it: the cached plan looked up
 * by SQL text in Caffeine, then bound to this execution's parameters (key coercion, ring lookup,
 * route value). The one-off planning (JSqlParser) is measured separately as {@code planMiss}.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ShardRouteBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class ShardRouteBenchmark {
  private static final int KEYS = 4096;
  private static final int MASK = KEYS - 1;
  static final String POINT = "SELECT id, status, amount FROM orders WHERE customer_id = ? AND id = ?";
  static final String IN_LIST = "SELECT id FROM orders WHERE customer_id IN (?, ?, ?, ?)";
  static final String SCATTER = "SELECT status, count(*) FROM orders GROUP BY status";

  private ShardStatementPlanner planner;
  private final Cache<String, ShardPlan> plans = Caffeine.newBuilder().maximumSize(10_000).build();
  private final Long[] keys = new Long[KEYS];
  private int next;
  private int unique;

  @Setup
  public void setUp() throws SQLException {
    ShardRing ring = ShardRing.of("s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7");
    ShardingRules rules = ShardingRules.of(ring, List.of(new ShardedTable("orders", "customer_id", KeyType.LONG)),
        Set.of("regions"), "s0");
    planner = new ShardStatementPlanner(rules, Dialect.POSTGRESQL);
    for (String sql : List.of(POINT, IN_LIST, SCATTER)) {
      plans.put(sql, planner.plan(sql));
    }
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < KEYS; i++) {
      keys[i] = random.nextLong(1, Long.MAX_VALUE);
    }
  }

  private ShardPlan cached(String sql) throws SQLException {
    ShardPlan plan = plans.getIfPresent(sql);
    return plan != null ? plan : planner.plan(sql);
  }

  /** A point lookup by shard key bound as a parameter: the common OLTP statement. */
  @Benchmark
  public ShardRoute pointLookup() throws SQLException {
    Long key = keys[next++ & MASK];
    return cached(POINT).bind(List.of(key, 1L));
  }

  /** Four keys: up to four shards. */
  @Benchmark
  public ShardRoute inList() throws SQLException {
    int i = next;
    next += 4;
    return cached(IN_LIST).bind(List.of(keys[i & MASK], keys[(i + 1) & MASK], keys[(i + 2) & MASK], keys[(i + 3) & MASK]));
  }

  /** No key: every shard. */
  @Benchmark
  public ShardRoute scatter() throws SQLException {
    return cached(SCATTER).bind(List.of());
  }

  /** A never-seen statement: the parse and analysis a cache miss pays once per SQL text. */
  @Benchmark
  public ShardPlan planMiss() throws SQLException {
    return planner.plan("SELECT id, status FROM orders WHERE customer_id = ? AND note = 'n" + (unique++) + "'");
  }
}
