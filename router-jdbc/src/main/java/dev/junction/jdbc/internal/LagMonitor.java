package dev.junction.jdbc.internal;

import dev.junction.health.EndpointState;
import dev.junction.health.LagPolicy;
import dev.junction.position.PgLsn;
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
 *
 * <p>A replica that does not follow this primary leaves the rotation. A PostgreSQL standby's replayed
 * position can never be ahead of its primary's insert position read <em>later</em>; one that is (a
 * standby left on the old primary's history after a failover, before it is re-pointed, or one configured
 * under the wrong primary) would cover the new history's fences by LSN alone, without their writes, and
 * its lag would read as zero. Each primary poll compares its head with the replicas' samples taken before
 * it started; a replica found ahead is out for the life of this monitor (until the application's data
 * source, or the proxy, is restarted). WHY not readmitted on evidence from positions: a diverged
 * standby that restarts replays its own WAL back to the same point, and one fed from the old history's
 * archive keeps replaying past a new primary that writes past it; only the timeline it streams would
 * prove it follows, and reading that needs privileges the monitor user may not have. (PostgreSQL only: a
 * MariaDB GTID position is a set of domains, and a replica with domains of its own is not proof of
 * another history.)
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

  /** A replica's replayed position and when the sample returned ({@link System#nanoTime()}). */
  private record ReplaySample(ReplicationPosition replayed, long tookNanos) {}

  /** One endpoint's monitor connection, used by one task at a time. */
  private static final class Link {
    final EndpointPool pool;
    Connection connection;
    /** A replica's last sample, read by its primary's task. */
    volatile ReplaySample lastReplay;
    /** The sample that proved a replica ahead of a later primary head: it stays out (see the class notes). */
    volatile ReplaySample aheadOfPrimary;

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
      pollPrimary(round);
      for (Link replica : round.replicas) {
        pollReplica(replica, round.primaryNow);
      }
      if (!round.replicas.isEmpty()) {
        pollPrimary(round); // a head read after the replicas' samples: a replica ahead of it is out before the first read
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
      scheduler.scheduleWithFixedDelay(() -> pollPrimary(round), intervalMillis / 2, intervalMillis,
          TimeUnit.MILLISECONDS);
      for (Link replica : round.replicas) {
        scheduler.scheduleWithFixedDelay(() -> pollReplica(replica, round.primaryNow), intervalMillis, intervalMillis,
            TimeUnit.MILLISECONDS);
      }
    }
  }

  private void pollPrimary(Round round) {
    Link link = round.primary;
    AtomicReference<ReplicationPosition> primaryNow = round.primaryNow;
    EndpointState state = link.pool.state();
    try {
      Connection c = link.connection();
      long generation = state.generation();
      long asked = System.nanoTime(); // replica samples that returned before this are checked against the head
      ReplicationPosition now = dialect.primaryHead(c);
      primaryNow.set(now);
      // a head behind the cached one is a new primary (failover, rebuild): replace, do not keep the max
      state.observeSample(generation, 0, now);
      state.recordSuccess();
      for (Link replica : round.replicas) {
        checkFollows(replica, now, asked);
      }
    } catch (SQLException | RuntimeException e) {
      link.drop();
      evictPooled(link);
      primaryNow.set(null);
      state.recordFailure(link.pool.describeFailure(e), circuitOpenMillis, MAX_OPEN_MILLIS);
      log.debug("primary {} poll failed: {}", state, e.getMessage());
    }
  }

  /**
   * Takes {@code replica} out of the rotation when its last sample, which returned before the primary
   * was asked for {@code head} (at {@code asked}), is ahead of that head: it does not follow this primary
   * (see the class notes).
   */
  private void checkFollows(Link replica, ReplicationPosition head, long asked) {
    ReplaySample s = replica.lastReplay;
    if (s == null || s.replayed() == null || !(head instanceof PgLsn) || s.tookNanos() - asked >= 0 || head.covers(s.replayed())) {
      return;
    }
    synchronized (replica) { // against the replica's own task deciding its rotation from an older view
      if (replica.aheadOfPrimary == null) {
        log.warn("replica {} has replayed {}, ahead of its primary's position {} read after it: it does not follow this primary"
            + " (left on another history by a failover, or configured under the wrong primary). It is out of the rotation until"
            + " this data source (or the proxy) restarts: rebuild or re-point the replica first",
            replica.pool.state(), s.replayed(), head);
      }
      replica.aheadOfPrimary = s;
      replica.pool.state().recordLag(-1, -1, policy);
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
      ReplaySample taken = new ReplaySample(sample.replayed(), System.nanoTime());
      synchronized (link) {
        ReplaySample ahead = link.aheadOfPrimary;
        link.lastReplay = taken;
        if (ahead != null) {
          state.recordLag(-1, -1, policy);
        } else if (sample.replayed() == null) {
          state.recordLag(-1, -1, policy); // not a standby (promoted?) or replication broken
        } else if (sample.lagMillis() >= 0 || primary != null) {
          // Without the primary's position the lag is unknowable: keep the last verdict rather than
          // emptying the rotation exactly when the primary is down and replicas matter most.
          state.recordLag(sample.lagMillis(), sample.lagBytes(), policy);
        }
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
