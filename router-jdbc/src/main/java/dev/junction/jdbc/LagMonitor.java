package dev.junction.jdbc;

import dev.junction.health.EndpointState;
import dev.junction.health.LagPolicy;
import dev.junction.position.ReplicationPosition;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls every endpoint on a fixed delay: the primary's current position, and each replica's replayed
 * position and lag. Its observations feed the lag hysteresis (rotation), the circuits (a failed poll
 * opens one, a good poll closes it: this is how a dead replica is retried) and the cached replayed
 * positions that let most fenced reads pick a replica without any extra query.
 *
 * <p>Each endpoint is its own task, so one hanging server delays only its own observations.
 */
final class LagMonitor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LagMonitor.class);
  private static final long MAX_OPEN_MILLIS = 30_000;

  private final ScheduledExecutorService scheduler;
  private final JdbcDialect dialect;
  private final LagPolicy policy;
  private final long circuitOpenMillis;

  LagMonitor(List<ShardRuntime> shards, JdbcDialect dialect, LagPolicy policy, long intervalMillis, long circuitOpenMillis) {
    this.dialect = dialect;
    this.policy = policy;
    this.circuitOpenMillis = circuitOpenMillis;
    int tasks = shards.stream().mapToInt(s -> 1 + s.replicas.length).sum();
    this.scheduler = Executors.newScheduledThreadPool(Math.min(4, Math.max(1, tasks)), r -> {
      Thread t = new Thread(r, "junction-lag-monitor");
      t.setDaemon(true);
      return t;
    });
    for (ShardRuntime shard : shards) {
      // The data source ran pollOnce synchronously at startup, so the first periodic round waits one
      // interval; the primary is polled first so replicas have its position to measure lag against.
      AtomicReference<ReplicationPosition> primaryNow = new AtomicReference<>(shard.primary.state().replayed());
      scheduler.scheduleWithFixedDelay(() -> pollPrimary(shard, primaryNow), intervalMillis / 2, intervalMillis, TimeUnit.MILLISECONDS);
      for (EndpointPool replica : shard.replicas) {
        scheduler.scheduleWithFixedDelay(() -> pollReplica(replica, primaryNow), intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
      }
    }
  }

  /** Runs one synchronous round (used at startup so the first reads already know the replicas). */
  static void pollOnce(ShardRuntime shard, JdbcDialect dialect, LagPolicy policy, long circuitOpenMillis) {
    LagMonitor probe = new LagMonitor(dialect, policy, circuitOpenMillis);
    AtomicReference<ReplicationPosition> primaryNow = new AtomicReference<>();
    probe.pollPrimary(shard, primaryNow);
    for (EndpointPool replica : shard.replicas) {
      probe.pollReplica(replica, primaryNow);
    }
  }

  private LagMonitor(JdbcDialect dialect, LagPolicy policy, long circuitOpenMillis) {
    this.scheduler = null;
    this.dialect = dialect;
    this.policy = policy;
    this.circuitOpenMillis = circuitOpenMillis;
  }

  private void pollPrimary(ShardRuntime shard, AtomicReference<ReplicationPosition> primaryNow) {
    EndpointState state = shard.primary.state();
    try (Connection c = shard.primary.dataSource().getConnection()) {
      ReplicationPosition now = dialect.primaryPosition(c);
      primaryNow.set(now);
      state.observePosition(now);
      state.recordSuccess();
    } catch (SQLException e) {
      if (EndpointPool.isPoolExhausted(e)) {
        return; // the application is using every connection: the server is busy, not down
      }
      primaryNow.set(null);
      state.recordFailure(e.getMessage(), circuitOpenMillis, MAX_OPEN_MILLIS);
      log.debug("primary {} poll failed: {}", state, e.getMessage());
    } catch (RuntimeException e) {
      primaryNow.set(null);
      state.recordFailure(e.getMessage(), circuitOpenMillis, MAX_OPEN_MILLIS);
      log.debug("primary {} poll failed: {}", state, e.getMessage());
    }
  }

  private void pollReplica(EndpointPool replica, AtomicReference<ReplicationPosition> primaryNow) {
    EndpointState state = replica.state();
    try (Connection c = replica.dataSource().getConnection()) {
      ReplicationPosition primary = primaryNow.get(); // read once: the primary task updates it concurrently
      JdbcDialect.LagSample sample = dialect.sampleLag(c, primary);
      if (sample.replayed() == null) {
        state.forgetPosition();
        state.recordLag(-1, -1, policy); // not a standby (promoted?) or replication broken
      } else {
        state.observePosition(sample.replayed());
        // Without the primary's position the lag is unknowable: keep the last verdict rather than
        // emptying the rotation exactly when the primary is down and replicas matter most.
        if (sample.lagMillis() >= 0 || primary != null) {
          state.recordLag(sample.lagMillis(), sample.lagBytes(), policy);
        }
      }
      state.recordSuccess();
    } catch (SQLException e) {
      if (EndpointPool.isPoolExhausted(e)) {
        return; // busy, not down
      }
      state.recordFailure(e.getMessage(), circuitOpenMillis, MAX_OPEN_MILLIS);
      log.debug("replica {} poll failed: {}", state, e.getMessage());
    } catch (RuntimeException e) {
      state.recordFailure(e.getMessage(), circuitOpenMillis, MAX_OPEN_MILLIS);
      log.debug("replica {} poll failed: {}", state, e.getMessage());
    }
  }

  @Override
  public void close() {
    if (scheduler == null) {
      return;
    }
    // let a poll in flight finish before the pools close under it (it would log a broken connection)
    scheduler.shutdown();
    try {
      if (!scheduler.awaitTermination(2, java.util.concurrent.TimeUnit.SECONDS)) {
        scheduler.shutdownNow();
      }
    } catch (InterruptedException e) {
      scheduler.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
