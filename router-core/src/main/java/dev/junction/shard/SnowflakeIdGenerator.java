package dev.junction.shard;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Globally unique, roughly time-ordered 64-bit ids for rows of sharded tables.
 *
 * <p>WHY: a per-shard sequence or {@code SERIAL} column produces the same id on every shard, so
 * rows collide as soon as they are merged, moved between shards, or referenced across shards.
 * These ids are unique across up to 1024 writers without coordination, and are positive
 * {@code long}s that sort by creation time, which keeps B-tree inserts append-mostly.
 *
 * <p>Layout, most significant bit first:
 * <pre>
 *   0 | 41 bits: milliseconds since 2024-01-01T00:00:00Z | 10 bits: worker id | 12 bits: sequence
 * </pre>
 * The 41-bit timestamp lasts until 2093-09-06. A worker issues at most 4096 ids per millisecond;
 * the 4097th waits for the next millisecond.
 *
 * <p>Uniqueness rests on two rules the deployment must keep: each concurrently running generator
 * has a distinct worker id, and a worker id is not reused by a new process before the clock has
 * passed the last millisecond the old one used (a restart normally takes longer than that).
 *
 * <p>The clock: if it steps back by at most the tolerance (default 50 ms, e.g. an NTP slew or a VM
 * pause correction), {@link #nextId()} waits until it catches up with the last issued
 * timestamp. A larger step is refused with {@link IllegalStateException}: waiting could take
 * arbitrarily long, and issuing would risk duplicates.
 *
 * <p>Thread-safe and lock-free: the generator's whole state is the last id it issued, advanced by
 * compare-and-set.
 */
public final class SnowflakeIdGenerator {

  /** The custom epoch, 2024-01-01T00:00:00Z, in Unix milliseconds. */
  public static final long EPOCH_MILLIS = 1_704_067_200_000L;

  /** Highest accepted worker id (10 bits). */
  public static final int MAX_WORKER_ID = (1 << 10) - 1;

  /** How far the clock may step back before {@link #nextId()} refuses rather than waits. */
  public static final Duration DEFAULT_MAX_CLOCK_BACKWARDS = Duration.ofMillis(50);

  private static final int SEQUENCE_BITS = 12;
  private static final int WORKER_BITS = 10;
  private static final int TIMESTAMP_SHIFT = SEQUENCE_BITS + WORKER_BITS;
  private static final long SEQUENCE_MASK = (1L << SEQUENCE_BITS) - 1;
  private static final long MAX_TIMESTAMP = (1L << 41) - 1;

  private final int workerId;
  private final long workerBits;
  private final long maxBackwardsMillis;
  private final LongSupplier clockMillis;
  private final AtomicLong lastId = new AtomicLong();

  /** A generator on the system clock with the default clock-backwards tolerance. */
  public SnowflakeIdGenerator(int workerId) {
    this(workerId, DEFAULT_MAX_CLOCK_BACKWARDS, System::currentTimeMillis);
  }

  /**
   * @param workerId 0..{@value #MAX_WORKER_ID}, unique among running generators
   * @param maxClockBackwards largest backward clock step to wait out (>= 0)
   * @param clockMillis wall clock in Unix milliseconds (injectable for tests)
   */
  public SnowflakeIdGenerator(int workerId, Duration maxClockBackwards, LongSupplier clockMillis) {
    if (workerId < 0 || workerId > MAX_WORKER_ID) {
      throw new IllegalArgumentException("Snowflake worker id " + workerId + " is out of range;"
          + " accepted 0.." + MAX_WORKER_ID + " (10 bits). Give every process that generates"
          + " ids a distinct id in that range, e.g. from a pod ordinal or a lease.");
    }
    if (maxClockBackwards == null || maxClockBackwards.isNegative()) {
      throw new IllegalArgumentException("maxClockBackwards is " + maxClockBackwards + "; it must"
          + " be zero or positive (default " + DEFAULT_MAX_CLOCK_BACKWARDS.toMillis() + " ms).");
    }
    if (clockMillis == null) {
      throw new IllegalArgumentException("clockMillis is null; pass System::currentTimeMillis or"
          + " a test clock.");
    }
    this.workerId = workerId;
    this.workerBits = (long) workerId << SEQUENCE_BITS;
    this.maxBackwardsMillis = maxClockBackwards.toMillis();
    this.clockMillis = clockMillis;
  }

  public int workerId() {
    return workerId;
  }

  /**
   * The next id: greater than every id this generator issued before.
   *
   * @throws IllegalStateException if the clock stepped back by more than the tolerance, or reads
   *     a time outside 2024-01-01..2093-09-06
   */
  public long nextId() {
    while (true) {
      // State first, clock second: the clock then reads at least the timestamp of any id already
      // issued, so losing a race to another thread is never mistaken for the clock going back.
      long last = lastId.get();
      long lastTimestamp = last >>> TIMESTAMP_SHIFT;
      long now = elapsedMillis();
      long next;
      if (now > lastTimestamp) {
        next = (now << TIMESTAMP_SHIFT) | workerBits;
      } else if (now == lastTimestamp && (last & SEQUENCE_MASK) != SEQUENCE_MASK) {
        next = last + 1;
      } else if (now == lastTimestamp) {
        awaitMillisAfter(lastTimestamp);
        continue;
      } else {
        awaitClockCatchUp(now, lastTimestamp);
        continue;
      }
      if (lastId.compareAndSet(last, next)) {
        return next;
      }
    }
  }

  /** Unix milliseconds at which {@code id} was issued. */
  public static long timestampOf(long id) {
    return (id >>> TIMESTAMP_SHIFT) + EPOCH_MILLIS;
  }

  /** Creation instant of {@code id}. */
  public static Instant instantOf(long id) {
    return Instant.ofEpochMilli(timestampOf(id));
  }

  /** Worker id that issued {@code id}. */
  public static int workerOf(long id) {
    return (int) ((id >>> SEQUENCE_BITS) & MAX_WORKER_ID);
  }

  /** Position of {@code id} within its worker's millisecond, 0..4095. */
  public static int sequenceOf(long id) {
    return (int) (id & SEQUENCE_MASK);
  }

  /**
   * Smallest id any worker can issue at {@code unixMillis}: {@code id >= minIdAt(t)} selects rows
   * created at or after {@code t}.
   */
  public static long minIdAt(long unixMillis) {
    long elapsed = unixMillis - EPOCH_MILLIS;
    if (elapsed < 0 || elapsed > MAX_TIMESTAMP) {
      throw new IllegalArgumentException("Time " + Instant.ofEpochMilli(unixMillis) + " is outside"
          + " the id range " + Instant.ofEpochMilli(EPOCH_MILLIS) + ".."
          + Instant.ofEpochMilli(EPOCH_MILLIS + MAX_TIMESTAMP) + ".");
    }
    return elapsed << TIMESTAMP_SHIFT;
  }

  private long elapsedMillis() {
    long unixMillis = clockMillis.getAsLong();
    long elapsed = unixMillis - EPOCH_MILLIS;
    if (elapsed < 0 || elapsed > MAX_TIMESTAMP) {
      throw new IllegalStateException("Clock reads " + unixMillis + " ms ("
          + Instant.ofEpochMilli(unixMillis) + "), outside the range Snowflake ids can encode ("
          + Instant.ofEpochMilli(EPOCH_MILLIS) + " .. "
          + Instant.ofEpochMilli(EPOCH_MILLIS + MAX_TIMESTAMP) + "). Check the host clock.");
    }
    return elapsed;
  }

  /** Sequence exhausted: spin until the clock leaves {@code timestamp} (under a millisecond). */
  private void awaitMillisAfter(long timestamp) {
    long now;
    while ((now = elapsedMillis()) == timestamp) {
      Thread.onSpinWait();
    }
    if (now < timestamp) {
      awaitClockCatchUp(now, timestamp);
    }
  }

  /** Clock is behind the last issued timestamp: wait if within tolerance, otherwise refuse. */
  private void awaitClockCatchUp(long now, long lastTimestamp) {
    while (now < lastTimestamp) {
      long behind = lastTimestamp - now;
      if (behind > maxBackwardsMillis) {
        throw new IllegalStateException("Clock moved backwards by " + behind + " ms (now "
            + Instant.ofEpochMilli(now + EPOCH_MILLIS) + ", worker " + workerId
            + " already issued ids at " + Instant.ofEpochMilli(lastTimestamp + EPOCH_MILLIS)
            + "), more than the tolerated " + maxBackwardsMillis + " ms; refusing to issue ids"
            + " that could repeat earlier ones. Fix the host clock (slew with NTP instead of"
            + " stepping it), raise maxClockBackwards, or retry once the clock has passed "
            + Instant.ofEpochMilli(lastTimestamp + EPOCH_MILLIS) + ".");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(behind));
      now = elapsedMillis();
    }
  }
}
