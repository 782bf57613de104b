package dev.junction.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SnowflakeIdGeneratorTest {

  static final long T0 = Instant.parse("2025-06-01T12:00:00Z").toEpochMilli();

  /** Replays scripted readings, then advances 1 ms per reading so waits always end. */
  static final class ScriptedClock implements LongSupplier {
    private final Deque<Long> script = new ArrayDeque<>();
    private long last;
    int reads;

    ScriptedClock(long... readings) {
      for (long reading : readings) {
        script.add(reading);
      }
      last = readings[0];
    }

    ScriptedClock then(long reading, int times) {
      for (int i = 0; i < times; i++) {
        script.add(reading);
      }
      return this;
    }

    @Override
    public synchronized long getAsLong() {
      reads++;
      last = script.isEmpty() ? last + 1 : script.poll();
      return last;
    }
  }

  // ------------------------------------------------------------ layout and decoding

  @ParameterizedTest(name = "worker {0}")
  @ValueSource(ints = {0, 1, 511, 1023})
  void idsDecodeToTheirTimestampWorkerAndSequence(int worker) {
    SnowflakeIdGenerator generator = new SnowflakeIdGenerator(worker, Duration.ZERO,
        new ScriptedClock(T0, T0, T0));

    long first = generator.nextId();
    long second = generator.nextId();
    long third = generator.nextId();

    for (long id : new long[] {first, second, third}) {
      assertThat(id).isPositive();
      assertThat(SnowflakeIdGenerator.timestampOf(id)).isEqualTo(T0);
      assertThat(SnowflakeIdGenerator.instantOf(id)).isEqualTo(Instant.ofEpochMilli(T0));
      assertThat(SnowflakeIdGenerator.workerOf(id)).isEqualTo(worker);
    }
    assertThat(SnowflakeIdGenerator.sequenceOf(first)).isZero();
    assertThat(SnowflakeIdGenerator.sequenceOf(third)).isEqualTo(2);
    assertThat(generator.workerId()).isEqualTo(worker);
  }

  @Test
  void layoutIsTimestampWorkerSequenceFromTheDocumentedEpoch() {
    assertThat(Instant.ofEpochMilli(SnowflakeIdGenerator.EPOCH_MILLIS))
        .isEqualTo(Instant.parse("2024-01-01T00:00:00Z"));
    long id = new SnowflakeIdGenerator(5, Duration.ZERO,
        () -> SnowflakeIdGenerator.EPOCH_MILLIS + 1000).nextId();

    assertThat(id).isEqualTo((1000L << 22) | (5L << 12));
    assertThat(SnowflakeIdGenerator.minIdAt(SnowflakeIdGenerator.EPOCH_MILLIS + 1000))
        .isEqualTo(1000L << 22);
  }

  @Test
  void sequenceOverflowWaitsForTheNextMillisecond() {
    // 4096 ids fit in T0; the 4097th must see the clock stuck a while, then move on.
    ScriptedClock clock = new ScriptedClock(T0).then(T0, 4095 + 50).then(T0 + 1, 1);
    SnowflakeIdGenerator generator = new SnowflakeIdGenerator(3, Duration.ZERO, clock);

    long[] ids = IntStream.range(0, 4097).mapToLong(i -> generator.nextId()).toArray();

    assertThat(SnowflakeIdGenerator.sequenceOf(ids[4095])).isEqualTo(4095);
    assertThat(SnowflakeIdGenerator.timestampOf(ids[4095])).isEqualTo(T0);
    assertThat(SnowflakeIdGenerator.timestampOf(ids[4096])).isGreaterThan(T0);
    assertThat(SnowflakeIdGenerator.sequenceOf(ids[4096])).isZero();
    assertThat(ids).isSorted().doesNotHaveDuplicates();
  }

  // ------------------------------------------------------------ clock going backwards

  static Stream<Arguments> backwardsWithinTolerance() {
    return Stream.of(Arguments.of(50, 1), Arguments.of(50, 50), Arguments.of(5, 5),
        Arguments.of(1, 1));
  }

  @ParameterizedTest(name = "tolerance {0} ms, step back {1} ms")
  @MethodSource("backwardsWithinTolerance")
  void smallBackwardStepIsWaitedOut(int toleranceMillis, int stepBack) {
    ScriptedClock clock = new ScriptedClock(T0 + 100, T0 + 100 - stepBack, T0 + 100, T0 + 100);
    SnowflakeIdGenerator generator =
        new SnowflakeIdGenerator(1, Duration.ofMillis(toleranceMillis), clock);

    long before = generator.nextId();
    long after = generator.nextId();

    assertThat(after).isGreaterThan(before);
    assertThat(clock.reads).as("clock re-read after the step back").isGreaterThanOrEqualTo(3);
    assertThat(SnowflakeIdGenerator.timestampOf(after)).isGreaterThanOrEqualTo(T0 + 100);
  }

  static Stream<Arguments> backwardsBeyondTolerance() {
    return Stream.of(Arguments.of(50, 51), Arguments.of(50, 5_000), Arguments.of(0, 1),
        Arguments.of(5, 6));
  }

  @ParameterizedTest(name = "tolerance {0} ms, step back {1} ms")
  @MethodSource("backwardsBeyondTolerance")
  void largeBackwardStepIsRefusedWithWhatHappenedAndWhatToDo(int toleranceMillis, int stepBack) {
    ScriptedClock clock = new ScriptedClock(T0 + 10_000, T0 + 10_000 - stepBack);
    SnowflakeIdGenerator generator =
        new SnowflakeIdGenerator(9, Duration.ofMillis(toleranceMillis), clock);
    generator.nextId();

    assertThatThrownBy(generator::nextId)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContainingAll("Clock moved backwards by " + stepBack + " ms",
            "worker 9", "more than the tolerated " + toleranceMillis + " ms",
            "Fix the host clock", "raise maxClockBackwards");
  }

  @Test
  void recoversOnceTheClockHasCaughtUp() {
    ScriptedClock clock = new ScriptedClock(T0 + 1000, T0, T0 + 1000, T0 + 1001);
    SnowflakeIdGenerator generator = new SnowflakeIdGenerator(2, Duration.ofMillis(50), clock);
    long first = generator.nextId();

    assertThatThrownBy(generator::nextId).isInstanceOf(IllegalStateException.class);
    long next = generator.nextId();

    assertThat(next).isGreaterThan(first);
  }

  @Test
  void clockOutsideTheEncodableRangeIsRefused() {
    SnowflakeIdGenerator beforeEpoch = new SnowflakeIdGenerator(0, Duration.ZERO,
        () -> SnowflakeIdGenerator.EPOCH_MILLIS - 1);
    SnowflakeIdGenerator afterEnd = new SnowflakeIdGenerator(0, Duration.ZERO,
        () -> SnowflakeIdGenerator.EPOCH_MILLIS + (1L << 41));

    assertThatThrownBy(beforeEpoch::nextId).isInstanceOf(IllegalStateException.class)
        .hasMessageContainingAll("2023-12-31T23:59:59.999Z", "2024-01-01T00:00:00Z",
            "Check the host clock");
    assertThatThrownBy(afterEnd::nextId).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("2093-09-06");
  }

  // ------------------------------------------------------------ validation

  @ParameterizedTest(name = "worker {0}")
  @ValueSource(ints = {-1, 1024, Integer.MAX_VALUE, Integer.MIN_VALUE})
  void workerIdOutsideTenBitsIsRejected(int worker) {
    assertThatThrownBy(() -> new SnowflakeIdGenerator(worker))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContainingAll("worker id " + worker + " is out of range", "0..1023");
  }

  @Test
  void negativeToleranceAndNullClockAreRejected() {
    assertThatThrownBy(() -> new SnowflakeIdGenerator(0, Duration.ofMillis(-1), () -> T0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContainingAll("maxClockBackwards is PT-0.001S", "default 50 ms");
    assertThatThrownBy(() -> new SnowflakeIdGenerator(0, Duration.ZERO, null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clockMillis");
  }

  // ------------------------------------------------------------ concurrency

  static Stream<Arguments> threadMatrix() {
    return Stream.of(Arguments.of(8, 200_000, 17), Arguments.of(2, 50_000, 1023));
  }

  @ParameterizedTest(name = "{0} threads x {1} ids, worker {2}")
  @MethodSource("threadMatrix")
  void concurrentIdsAreUniqueAndIncreasingPerThread(int threads, int perThread, int worker)
      throws Exception {
    SnowflakeIdGenerator generator = new SnowflakeIdGenerator(worker);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      Future<?>[] futures = new Future<?>[threads];
      long[][] ids = new long[threads][perThread];
      for (int t = 0; t < threads; t++) {
        long[] mine = ids[t];
        futures[t] = pool.submit(() -> {
          start.await();
          for (int i = 0; i < perThread; i++) {
            mine[i] = generator.nextId();
          }
          return null;
        });
      }
      start.countDown();
      for (Future<?> future : futures) {
        future.get(60, TimeUnit.SECONDS);
      }

      long[] all = new long[threads * perThread];
      for (int t = 0; t < threads; t++) {
        assertThat(ids[t]).as("thread %d", t).isSorted();
        System.arraycopy(ids[t], 0, all, t * perThread, perThread);
      }
      Arrays.sort(all);
      for (int i = 1; i < all.length; i++) {
        if (all[i] == all[i - 1]) {
          throw new AssertionError("duplicate id " + all[i] + " at sorted index " + i);
        }
      }
      assertThat(Arrays.stream(all).allMatch(id -> SnowflakeIdGenerator.workerOf(id) == worker))
          .isTrue();
    } finally {
      pool.shutdownNow();
    }
  }
}
