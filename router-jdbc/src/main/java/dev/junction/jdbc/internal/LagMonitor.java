package dev.junction.jdbc.internal;

import dev.junction.health.EndpointState;
import dev.junction.health.LagPolicy;
import dev.junction.position.ReplicationPosition;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls every endpoint on a fixed delay: the primary's current position, and each replica's replayed
 * position, lag and start time. Its observations feed the lag hysteresis (rotation), the circuits (a
 * failed poll opens one, a good poll closes it: this is how a dead replica is retried) and the cached
 * replayed positions that let most fenced reads pick a replica without any extra query.
 *
 * <p>Each endpoint is its own task with <em>its own connection</em>, outside the application's pools:
 * borrowing from them made the health data go stale exactly when the pools were saturated. That
 * connection is also a restart detector: when it breaks, the server may be a new incarnation, so the
 * endpoint's cached position is forgotten (see {@link EndpointState#recordFailure}) and the next
 * poll reconnects and samples afresh.
 */
final class LagMonitor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LagMonitor.class);
  private static final long MAX_OPEN_MILLIS = 30_000;

  private final JdbcDialect dialect;
  private final LagPolicy policy;
  private final long circuitOpenMillis;
  private final List<Link> links = new ArrayList<>();
  private final List<Round> rounds = new ArrayList<>();
  private ScheduledExecutorService scheduler;

  /** One endpoint's monitor connection, used by one task at a time. */
  private static final class Link {
    final EndpointPool pool;
    Connection connection;

    Link(EndpointPool pool) {
      this.pool = pool;
    }

    Connection connection() throws SQLException {
      if (connection == null) {
        connection = pool.openMonitorConnection();
      }
      return connection;
    }

    void drop() {
      Connection c = connection;
      connection = null;
      if (c != null) {
        try {
          c.close();
        } catch (SQLException | RuntimeException ignored) {
          // already broken
        }
      }
    }
  }

  /** A shard's links and the primary's latest position, which replica lag is measured against. */
  private record Round(Link primary, List<Link> replicas, AtomicReference<ReplicationPosition> primaryNow) {}

  LagMonitor(List<ShardRuntime> shards, JdbcDialect dialect, LagPolicy policy, long circuitOpenMillis) {
    this.dialect = dialect;
    this.policy = policy;
    this.circuitOpenMillis = circuitOpenMillis;
    for (ShardRuntime shard : shards) {
      Link primary = new Link(shard.primary);
      links.add(primary);
      List<Link> replicas = new ArrayList<>();
      for (EndpointPool replica : shard.replicas) {
        Link l = new Link(replica);
        links.add(l);
        replicas.add(l);
      }
      rounds.add(new Round(primary, replicas, new AtomicReference<>()));
    }
  }

  /** Runs one synchronous round (used at startup so the first reads already know the replicas). */
  void pollOnce() {
    for (Round round : rounds) {
      pollPrimary(round.primary, round.primaryNow);
      for (Link replica : round.replicas) {
        pollReplica(replica, round.primaryNow);
      }
    }
  }

  /** Starts the periodic polls; the first periodic round comes one interval after {@link #pollOnce}. */
  void start(long intervalMillis) {
    int tasks = links.size();
    this.scheduler = Executors.newScheduledThreadPool(Math.min(4, Math.max(1, tasks)), r -> {
      Thread t = new Thread(r, "junction-lag-monitor");
      t.setDaemon(true);
      return t;
    });
    for (Round round : rounds) {
      // the primary is polled first so replicas have its position to measure lag against
      scheduler.scheduleWithFixedDelay(() -> pollPrimary(round.primary, round.primaryNow), intervalMillis / 2, intervalMillis,
          TimeUnit.MILLISECONDS);
      for (Link replica : round.replicas) {
        scheduler.scheduleWithFixedDelay(() -> pollReplica(replica, round.primaryNow), intervalMillis, intervalMillis,
            TimeUnit.MILLISECONDS);
      }
    }
  }

  private void pollPrimary(Link link, AtomicReference<ReplicationPosition> primaryNow) {
    EndpointState state = link.pool.state();
    try {
      Connection c = link.connection();
      long generation = state.generation();
      ReplicationPosition now = dialect.primaryHead(c);
      primaryNow.set(now);
      // a head behind the cached one is a new primary (failover, rebuild): replace, do not keep the max
      state.observeSample(generation, 0, now);
      state.recordSuccess();
    } catch (SQLException | RuntimeException e) {
      link.drop();
      evictPooled(link);
      primaryNow.set(null);
      state.recordFailure(link.pool.describeFailure(e), circuitOpenMillis, MAX_OPEN_MILLIS);
      log.debug("primary {} poll failed: {}", state, e.getMessage());
    }
  }

  private void pollReplica(Link link, AtomicReference<ReplicationPosition> primaryNow) {
    EndpointState state = link.pool.state();
    try {
      Connection c = link.connection();
      long generation = state.generation(); // before the query: a reset meanwhile voids this sample
      ReplicationPosition primary = primaryNow.get(); // read once: the primary task updates it concurrently
      JdbcDialect.LagSample sample = dialect.sampleLag(c, primary);
      state.observeSample(generation, sample.startedAtMillis(), sample.replayed());
      if (sample.replayed() == null) {
        state.recordLag(-1, -1, policy); // not a standby (promoted?) or replication broken
      } else if (sample.lagMillis() >= 0 || primary != null) {
        // Without the primary's position the lag is unknowable: keep the last verdict rather than
        // emptying the rotation exactly when the primary is down and replicas matter most.
        state.recordLag(sample.lagMillis(), sample.lagBytes(), policy);
      }
      state.recordSuccess();
    } catch (SQLException | RuntimeException e) {
      link.drop();
      evictPooled(link);
      state.recordFailure(link.pool.describeFailure(e), circuitOpenMillis, MAX_OPEN_MILLIS);
      log.debug("replica {} poll failed: {}", state, e.getMessage());
    }
  }

  /**
   * The monitor's own connection broke, so the server may have restarted: the application pool's
   * connections to it are then broken too. Retire them (in-use ones when returned) so that the first
   * statements after a restart get fresh connections instead of failing and tripping the circuit.
   */
  private static void evictPooled(Link link) {
    var mx = link.pool.dataSource().getHikariPoolMXBean();
    if (mx != null) {
      mx.softEvictConnections();
    }
  }

  @Override
  public void close() {
    if (scheduler != null) {
      // let a poll in flight finish before its connection closes under it
      scheduler.shutdown();
      try {
        if (!scheduler.awaitTermination(2, TimeUnit.SECONDS)) {
          scheduler.shutdownNow();
        }
      } catch (InterruptedException e) {
        scheduler.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    for (Link l : links) {
      l.drop();
    }
  }
}
