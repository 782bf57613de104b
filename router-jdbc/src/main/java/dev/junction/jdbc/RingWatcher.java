package dev.junction.jdbc;

import dev.junction.ring.RingLease;
import dev.junction.ring.RingRecord;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps a sharded data source routing by the ring state the shards record: reads the
 * {@code junction_ring} record every {@link RingLease#POLL} (from the default shard's primary, or
 * any other shard when that one is unreachable) and hands a changed state to the data source.
 *
 * <p>WHY a lease: the resharding tool switches rings while routers run. It waits one
 * {@link RingLease#LEASE} after fencing before it lets the new owners take writes; a router that
 * could not read the record for that long may have missed the fence, so it refuses sharded
 * statements (retryable, nothing ran) until it reads the record again. Writes are also guarded by
 * the database (the resharding's triggers reject stale ring versions); the lease guards reads.
 */
final class RingWatcher implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RingWatcher.class);

  private final RoutingDataSource ds;
  private final List<ShardRuntime> pollOrder;
  private final Thread thread;
  private volatile boolean closed;
  /** When the last successful read of the record started (System.nanoTime()). */
  private volatile long confirmedNanos;
  private final long leaseNanos = RingLease.LEASE.toNanos();
  private final long stableLeaseNanos = RingLease.STABLE_LEASE.toNanos();

  RingWatcher(RoutingDataSource ds, List<ShardRuntime> shards, ShardRuntime first) {
    this.ds = ds;
    List<ShardRuntime> order = new ArrayList<>();
    order.add(first);
    for (ShardRuntime s : shards) {
      if (s != first) {
        order.add(s);
      }
    }
    this.pollOrder = order;
    this.confirmedNanos = System.nanoTime();
    this.thread = new Thread(this::loop, "junction-ring-watcher");
    thread.setDaemon(true);
    thread.start();
  }

  /** Throws the retryable refusal when the record has not been read successfully for a whole lease. */
  void checkLease() throws SQLException {
    long age = System.nanoTime() - confirmedNanos;
    ShardingRuntime state = ds.sharding;
    boolean stable = state.record == null || state.record.phase() == dev.junction.ring.RingPhase.STABLE;
    if (age > (stable ? stableLeaseNanos : leaseNanos)) {
      throw RingRouting.leaseExpired(age / 1_000_000);
    }
  }

  private void loop() {
    long pollMillis = RingLease.POLL.toMillis();
    while (!closed) {
      long start = System.nanoTime();
      RingRecord record = read();
      if (record != null) {
        confirmedNanos = start;
        ds.ringRecordRead(record);
      }
      try {
        Thread.sleep(pollMillis);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private RingRecord read() {
    for (ShardRuntime shard : pollOrder) {
      try (Connection c = shard.primary.acquire()) {
        RingRecord record = RingTable.read(c);
        if (record != null) {
          return record;
        }
      } catch (SQLException | RuntimeException e) {
        if (!closed) {
          LOG.debug("Junction: ring record of shard {} unreadable: {}", shard.name, e.getMessage());
        }
      }
    }
    return null;
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
