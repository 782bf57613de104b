package dev.junction.bench;

import dev.junction.shard.ShardRing;
import java.util.SplittableRandom;
import java.util.UUID;
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
 * Cost of routing one key on an 8-shard ring with the default 1024 virtual nodes per shard:
 * hash of the canonical bytes, override check, bucketed search. Keys cycle through 4096
 * precomputed values so neither the key nor its shard can be constant-folded.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ShardRingBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class ShardRingBenchmark {

  private static final int KEYS = 4096;
  private static final int MASK = KEYS - 1;

  private ShardRing ring;
  private ShardRing ringWithOverrides;
  private final Long[] longKeys = new Long[KEYS];
  private final String[] stringKeys = new String[KEYS];
  private final UUID[] uuidKeys = new UUID[KEYS];
  private int next;

  @Setup
  public void setUp() {
    ring = ShardRing.of("s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7");
    ShardRing pinned = ring;
    for (int i = 0; i < 100; i++) {
      pinned = pinned.withOverride((long) -i - 1, "s" + (i % 8)); // pins none of the keys below
    }
    ringWithOverrides = pinned;
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < KEYS; i++) {
      longKeys[i] = random.nextLong(1, Long.MAX_VALUE);
      stringKeys[i] = "customer-" + random.nextInt(1_000_000_000);
      uuidKeys[i] = new UUID(random.nextLong(), random.nextLong());
    }
  }

  @Benchmark
  public String shardForLong() {
    return ring.shardFor((Object) longKeys[next++ & MASK]);
  }

  @Benchmark
  public String shardForString() {
    return ring.shardFor(stringKeys[next++ & MASK]);
  }

  @Benchmark
  public String shardForUuid() {
    return ring.shardFor(uuidKeys[next++ & MASK]);
  }

  /** Same as {@link #shardForLong()} with 100 pinned keys (none matching): the override check. */
  @Benchmark
  public String shardForLongWith100Overrides() {
    return ringWithOverrides.shardFor((Object) longKeys[next++ & MASK]);
  }
}
