package dev.junction.jdbc.internal;

import dev.junction.ring.RingLease;
import dev.junction.ring.RingRecord;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps a sharded data source routing by the ring state the shards record: reads the
 * {@code junction_ring} record (from the default shard's primary, or any other shard when that one
 * is unreachable) and hands a changed state to the data source.
 *
 * <p>WHY its own connection, not the application's pool: the lease below turns "could not read
 * the record" into refused statements. Borrowed from the pool, an exhausted pool (every connection
 * in a long transaction) stalled the reads, and after one lease the router refused every sharded
 * statement although nothing had changed, including those of the transactions holding the pool.
 * The watcher holds one direct connection (replaced when it fails) with a network timeout of one
 * stable lease, so a hung server cannot stall it forever either.
 *
 * <p>WHY an adaptive poll: every {@link RingLease#POLL} (50 ms) while a resharding is recorded
 * (its lease is {@link RingLease#LEASE}), or after a failed read; every {@link #FENCED_POLL} (10 ms)
 * during the first seconds of FENCED, where the time until this router reads SWITCHED is part of
 * the writers' cut-over pause; every {@link #STABLE_POLL} while
 * the ring is stable (lease {@link RingLease#STABLE_LEASE}): ten reads per lease instead of a
 * hundred, per router, on a ring that changes only when an operator starts a resharding. The
 * resharding tool waits one stable lease after recording COPYING before it fences, so a router
 * polling slowly still sees COPYING, and switches to the fast poll, in time.
 *
 * <p>WHY a back-off per shard: a shard whose connection attempts fail is tried again after 50 ms,
 * then 100, 200 ... up to {@link #MAX_RETRY_DELAY} (with jitter), not at every poll. Without it,
 * every router of a fleet opened twenty connections a second to each dead shard, which is how a
 * recovering server gets knocked over again. Shards that answer are not delayed, so the watcher
 * still moves to the next shard at once when its own connection breaks.
 *
 * <p>WHY a lease: the resharding tool switches rings while routers run. It waits one
 * {@link RingLease#LEASE} after fencing before it lets the new owners take writes; a router that
 * could not read the record for that long may have missed the fence, so it refuses sharded
 * statements (retryable, nothing ran) until it reads the record again. Writes are also guarded by
 * the database (the resharding's triggers reject stale ring versions); the lease guards reads.
 */
final class RingWatcher implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RingWatcher.class);

  private final DataSourceRuntime ds;
  private final List<ShardRuntime> pollOrder;
  private final Thread thread;
  private volatile boolean closed;
  /** When the last successful read of the record started (System.nanoTime()). */
  private volatile long confirmedNanos;
  private final long leaseNanos = RingLease.LEASE.toNanos();
  private final long stableLeaseNanos = RingLease.STABLE_LEASE.toNanos();
  /** Poll interval while the ring is stable: a tenth of its lease. */
  static final java.time.Duration STABLE_POLL = RingLease.STABLE_LEASE.dividedBy(10);
  /**
   * Poll interval while the record says FENCED, for at most {@link #FENCED_FAST_POLL_FOR}: moving
   * keys are refused until this router reads SWITCHED, so the poll interval adds straight to the
   * write pause of a cut-over (up to 50 ms at {@link RingLease#POLL}). A cut-over takes about one
   * lease; a cut-over stuck in FENCED falls back to the normal poll.
   */
  static final java.time.Duration FENCED_POLL = java.time.Duration.ofMillis(10);
  static final java.time.Duration FENCED_FAST_POLL_FOR = java.time.Duration.ofSeconds(5);
  /** Target version and phase whose new shards' pools were warmed (see {@link #warmNewShards}). */
  private String warmedFor;
  private final java.util.concurrent.ExecutorService warmer = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "junction-ring-warmup");
    t.setDaemon(true);
    return t;
  });
  /** When the watcher first read FENCED in a row of reads (nanoTime), 0 while the record is not FENCED. */
  private long fencedSince;
  /** How the watcher's connections name themselves to the server. */
  static final String APPLICATION_NAME = "junction-ring-watcher";
  /** Longest wait between connection attempts to one shard that keeps failing. */
  static final java.time.Duration MAX_RETRY_DELAY = java.time.Duration.ofSeconds(1);
  /** Per shard of {@link #pollOrder}: consecutive failed connection attempts, and when the next may start. */
  private final int[] connectFailures;
  private final long[] nextConnectNanos;
  /** The watcher's own connection and the shard it is connected to (null: none yet, or it failed). */
  private Connection connection;
  private ShardRuntime connectedTo;
  private final java.util.concurrent.ExecutorService timeouts = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "junction-ring-watcher-timeout");
    t.setDaemon(true);
    return t;
  });

  RingWatcher(DataSourceRuntime ds, List<ShardRuntime> shards, ShardRuntime first) {
    this.ds = ds;
    List<ShardRuntime> order = new ArrayList<>();
    order.add(first);
    for (ShardRuntime s : shards) {
      if (s != first) {
        order.add(s);
      }
    }
    this.pollOrder = order;
    this.connectFailures = new int[order.size()];
    this.nextConnectNanos = new long[order.size()];
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
    try {
      while (!closed) {
        long start = System.nanoTime();
        RingRecord record = read();
        if (record != null) {
          // The state first, then the lease: a statement that sees this read's lease (volatile) must also
          // see the state it read, or it could route by the previous state under a fresh lease.
          ds.ringRecordRead(record);
          confirmedNanos = start;
          warmNewShards(record);
        }
        boolean stable = record != null && record.phase() == dev.junction.ring.RingPhase.STABLE;
        boolean fenced = record != null && record.phase() == dev.junction.ring.RingPhase.FENCED;
        if (record != null) {
          fencedSince = !fenced ? 0 : fencedSince != 0 ? fencedSince : start | 1; // never 0 once set
        }
        boolean fast = fenced && start - fencedSince < FENCED_FAST_POLL_FOR.toNanos();
        try {
          Thread.sleep(stable ? STABLE_POLL.toMillis() : fast ? FENCED_POLL.toMillis() : RingLease.POLL.toMillis());
        } catch (InterruptedException e) {
          return;
        }
      }
    } finally {
      disconnect();
    }
  }

  /**
   * WHY: until SWITCHED no statement reaches a shard that only the target ring has, so its pools are
   * still empty when the first writes of moved keys arrive, and every one of them would open a
   * connection inside the cut-over pause. On reading COPYING or FENCED of a resharding that adds
   * shards, the watcher has a connection opened (and returned to the pool) on each endpoint of those
   * shards, on a thread of its own: a slow or dead endpoint must not delay the next read of the record.
   */
  private void warmNewShards(RingRecord record) {
    if (record.phase() != dev.junction.ring.RingPhase.COPYING && record.phase() != dev.junction.ring.RingPhase.FENCED) {
      warmedFor = null;
      return;
    }
    String key = record.targetVersion() + "/" + record.phase();
    if (key.equals(warmedFor)) {
      return;
    }
    warmedFor = key;
    java.util.Set<String> before = new java.util.HashSet<>(record.sourceRing().shardIds());
    java.util.Set<String> after = new java.util.HashSet<>(record.targetRing().shardIds());
    for (ShardRuntime shard : pollOrder) {
      if (!before.contains(shard.name) && after.contains(shard.name)) {
        try {
          warmer.execute(() -> {
            warm(shard.name, shard.primary);
            for (EndpointPool replica : shard.replicas) {
              warm(shard.name, replica);
            }
          });
        } catch (java.util.concurrent.RejectedExecutionException closing) {
          return;
        }
      }
    }
  }

  private void warm(String shard, EndpointPool pool) {
    if (closed) {
      return;
    }
    try (Connection c = pool.acquire()) {
      LOG.debug("Junction: ring watcher warmed a connection to {} of shard {}", pool.state().name(), shard);
    } catch (SQLException | RuntimeException e) {
      LOG.debug("Junction: ring watcher could not warm a connection to shard {}: {}", shard, e.getMessage());
    }
  }

  /** The record from the shard the watcher is connected to, else from the first shard that answers. */
  private RingRecord read() {
    if (connection != null) {
      RingRecord record = readFrom(connectedTo, connection);
      if (record != null) {
        return record;
      }
      disconnect();
    }
    for (int i = 0; i < pollOrder.size(); i++) {
      ShardRuntime shard = pollOrder.get(i);
      long now = System.nanoTime();
      if (connectFailures[i] > 0 && now - nextConnectNanos[i] < 0) {
        continue;
      }
      Connection c;
      try {
        c = connect(shard);
        connectFailures[i] = 0;
      } catch (SQLException | RuntimeException e) {
        connectFailures[i]++;
        nextConnectNanos[i] = now + retryDelayNanos(connectFailures[i]);
        if (!closed) {
          LOG.debug("Junction: ring watcher cannot connect to shard {} ({} attempts): {}", shard.name, connectFailures[i],
              e.getMessage());
        }
        continue;
      }
      RingRecord record = readFrom(shard, c);
      if (record != null) {
        connection = c;
        connectedTo = shard;
        return record;
      }
      quietlyClose(c);
    }
    return null;
  }

  /** 50 ms doubled per consecutive failure, capped at {@link #MAX_RETRY_DELAY}, minus up to a quarter of jitter. */
  static long retryDelayNanos(int failures) {
    long base = RingLease.POLL.toNanos() << Math.min(failures - 1, 10);
    long capped = Math.min(base, MAX_RETRY_DELAY.toNanos());
    return capped - java.util.concurrent.ThreadLocalRandom.current().nextLong(capped / 4 + 1);
  }

  private RingRecord readFrom(ShardRuntime shard, Connection c) {
    try {
      return RingTable.read(c);
    } catch (SQLException | RuntimeException e) {
      if (!closed) {
        LOG.debug("Junction: ring record of shard {} unreadable: {}", shard.name, e.getMessage());
      }
      return null;
    }
  }

  /** A direct connection to {@code shard}'s primary, outside its pool, with the endpoint's credentials (never logged). */
  private Connection connect(ShardRuntime shard) throws SQLException {
    // Visible to operators (pg_stat_activity, processlist attributes) as what it is.
    java.util.Properties named = new java.util.Properties();
    if (ds.config.dialect() == dev.junction.classify.Dialect.POSTGRESQL) {
      named.setProperty("ApplicationName", APPLICATION_NAME);
      named.setProperty("assumeMinServerVersion", "10"); // pgjdbc then sends the name in the startup packet
    } else {
      named.setProperty("connectionAttributes", "program_name:" + APPLICATION_NAME);
    }
    Connection c = shard.primary.openDirectConnection(named);
    try {
      c.setNetworkTimeout(timeouts, (int) RingLease.STABLE_LEASE.toMillis());
    } catch (SQLException | UnsupportedOperationException notSupported) {
      // the record read still ends when the server or the connection does
    }
    return c;
  }

  private void disconnect() {
    if (connection != null) {
      quietlyClose(connection);
      connection = null;
      connectedTo = null;
    }
  }

  private static void quietlyClose(Connection c) {
    try {
      c.close();
    } catch (SQLException ignored) {
      // already broken
    }
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
    timeouts.shutdownNow();
    warmer.shutdownNow();
  }
}
