package dev.junction.reshard;

import java.time.Duration;

/**
 * How a resharding runs.
 *
 * @param chunkRows keys per catch-up batch and per cleanup delete (short transactions: fewer lock
 *     conflicts with the applications)
 * @param maxRowsPerSecond throttle of the bulk copy, in rows read from a source per second (0: unthrottled)
 * @param routerLease how long a router may route by a ring it could not refresh; the cut-over waits
 *     this long after each phase change so that every router has seen it (must be >= the routers'
 *     {@code RingWatcher} lease)
 * @param stepTimeout how long a step waits for open transactions, replicas or a restarted shard
 * @param copyPageRows rows read per page of the bulk copy. WHY apart from {@code chunkRows}: each
 *     page costs a checkpoint and a target transaction (about seven round trips); with 1,000-row
 *     pages that overhead, not the rows, set the copy rate. A page holds no lock on the source.
 */
public record ReshardOptions(int chunkRows, long maxRowsPerSecond, Duration routerLease, Duration stepTimeout,
                             int copyPageRows) {
  public ReshardOptions {
    if (chunkRows < 1) {
      throw new IllegalArgumentException("--chunk-rows (chunkRows) must be at least 1, got " + chunkRows);
    }
    if (copyPageRows < 1) {
      throw new IllegalArgumentException("--copy-page-rows (copyPageRows) must be at least 1, got " + copyPageRows);
    }
  }

  public static ReshardOptions defaults() {
    return new ReshardOptions(1000, 0, dev.junction.ring.RingLease.LEASE.plusMillis(50), Duration.ofSeconds(60), 10_000);
  }

  public ReshardOptions withMaxRowsPerSecond(long rate) {
    return new ReshardOptions(chunkRows, rate, routerLease, stepTimeout, copyPageRows);
  }

  /** Sets both the batch size and the copy's page size (the CLI's {@code --chunk-rows}). */
  public ReshardOptions withChunkRows(int rows) {
    return new ReshardOptions(rows, maxRowsPerSecond, routerLease, stepTimeout, rows);
  }

  public ReshardOptions withCopyPageRows(int rows) {
    return new ReshardOptions(chunkRows, maxRowsPerSecond, routerLease, stepTimeout, rows);
  }
}
