package dev.junction.reshard;

import java.time.Duration;

/**
 * How a resharding runs.
 *
 * @param chunkRows rows read per page of the bulk copy (and keys per catch-up batch)
 * @param maxRowsPerSecond throttle of the bulk copy, in rows read from a source per second (0: unthrottled)
 * @param routerLease how long a router may route by a ring it could not refresh; the cut-over waits
 *     this long after each phase change so that every router has seen it (must be >= the routers'
 *     {@code RingWatcher} lease)
 * @param stepTimeout how long a step waits for open transactions, replicas or a restarted shard
 */
public record ReshardOptions(int chunkRows, long maxRowsPerSecond, Duration routerLease, Duration stepTimeout) {
  public static ReshardOptions defaults() {
    return new ReshardOptions(1000, 0, dev.junction.ring.RingLease.LEASE.plusMillis(50), Duration.ofSeconds(60));
  }

  public ReshardOptions withMaxRowsPerSecond(long rate) {
    return new ReshardOptions(chunkRows, rate, routerLease, stepTimeout);
  }

  public ReshardOptions withChunkRows(int rows) {
    return new ReshardOptions(rows, maxRowsPerSecond, routerLease, stepTimeout);
  }
}
