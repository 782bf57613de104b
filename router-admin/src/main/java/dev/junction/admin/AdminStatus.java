package dev.junction.admin;

import dev.junction.jdbc.EndpointHealth;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.route.RouteReason;
import dev.junction.shard.ShardRing;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The live status of one {@link RoutingDataSource}, for the admin page: topology with lag and
 * rotation, routing decisions per reason over the last minute, fence waits and fallbacks, and the
 * shard map. Whoever serves the page (the proxy's admin server, the Spring Boot starter) creates
 * one, answers {@code status.json} with {@link #json()} and the page itself with {@link AdminAssets}.
 *
 * <p>Design notes: nothing here runs on the routing path. Health comes from the lag monitor's
 * state (what {@link RoutingDataSource#health()} already reports); counts over the last minute
 * come from one daemon thread sampling the cumulative meters once a second ({@link RouteWindow}).
 * A snapshot costs a few microseconds and is built only when someone asks.
 */
public final class AdminStatus implements AutoCloseable {
  private final RoutingDataSource dataSource;
  private final RouteWindow window;
  private final ScheduledExecutorService sampler;

  /** Starts sampling {@code dataSource}'s meters; {@link #close()} stops it (not the data source). */
  public AdminStatus(RoutingDataSource dataSource) {
    this.dataSource = dataSource;
    this.window = new RouteWindow(dataSource.meterRegistry());
    this.sampler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "junction-admin-sampler");
      t.setDaemon(true);
      return t;
    });
    window.sample(System.nanoTime());
    sampler.scheduleAtFixedRate(this::sampleQuietly, 1, 1, TimeUnit.SECONDS);
  }

  private void sampleQuietly() {
    try {
      window.sample(System.nanoTime());
    } catch (RuntimeException e) {
      // a meter registry that throws must not kill the sampler; the next tick tries again
    }
  }

  /** The status now. */
  public StatusSnapshot snapshot() {
    Map<String, List<StatusSnapshot.Endpoint>> byShard = new LinkedHashMap<>();
    for (EndpointHealth h : dataSource.health()) {
      byShard.computeIfAbsent(h.shard(), k -> new ArrayList<>()).add(new StatusSnapshot.Endpoint(h.endpoint(), h.role(),
          // a replica whose circuit is open gets no reads, whatever its last known lag
          h.up(), h.up() && h.inRotation(), h.lagMillis(), h.lagBytes(), h.replayedPosition(), h.activeConnections(),
          h.idleConnections(), h.consecutiveFailures(), h.lastError()));
    }
    List<StatusSnapshot.Shard> shards = new ArrayList<>();
    byShard.forEach((name, endpoints) -> shards.add(new StatusSnapshot.Shard(name, endpoints)));
    RouteWindow.View v = window.view();
    var routing = new StatusSnapshot.Routing(v.seconds(), v.byReason(), v.perSecond());
    var store = dataSource.fenceStoreStatus();
    var fences = new StatusSnapshot.Fences(v.waitsCaughtUp(), v.waitsTimedOut(),
        v.byReason().getOrDefault(RouteReason.PRIMARY_FENCE_FALLBACK.tag(), 0L),
        v.byReason().getOrDefault(RouteReason.PRIMARY_FENCE_STORE_UNAVAILABLE.tag(), 0L), v.recordFailures(),
        store.up(), store.detail());
    return new StatusSnapshot(Instant.now().toString(), dataSource.dialect().name().toLowerCase(java.util.Locale.ROOT),
        dataSource.config().fencing().store().name().toLowerCase(java.util.Locale.ROOT), shards, routing, fences, ring(), null);
  }

  private StatusSnapshot.Ring ring() {
    if (!dataSource.isSharded()) {
      return null;
    }
    ShardRing ring = dataSource.ring();
    List<StatusSnapshot.Ownership> owners = new ArrayList<>();
    for (String id : ring.shardIds()) {
      owners.add(new StatusSnapshot.Ownership(id, ring.weight(id), ring.hashSpaceShare(id)));
    }
    return new StatusSnapshot.Ring(ring.version(), ring.virtualNodeCount(), owners, ring.overrideCount());
  }

  /** {@link #snapshot()} as JSON, the body of {@code status.json}. */
  public String json() {
    return Json.write(snapshot());
  }

  /** Takes one sample now (tests use it instead of waiting for the sampler's next tick). */
  void sampleNow() {
    window.sample(System.nanoTime());
  }

  @Override
  public void close() {
    sampler.shutdownNow();
  }
}
