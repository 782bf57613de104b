package dev.junction.proxy.relay;

import dev.junction.config.ConfigException;
import dev.junction.config.JunctionConfig;
import dev.junction.health.EndpointState;
import java.net.URI;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One backend server the proxy pools connections to: its address and credentials (from the
 * endpoint's JDBC URL), the router's shared {@link EndpointState} (health, lag, circuit) and one
 * {@link Pool} partition per event loop.
 */
final class Endpoint {
  final Logger log = LoggerFactory.getLogger(Endpoint.class);
  final String shard;
  final String name;
  final EndpointState state;
  final String host;
  final int port;
  final String database;
  final String user;
  final String password;
  final Duration connectTimeout;
  final Duration idleTimeout;
  final Duration maxLifetime;
  final long circuitOpenMillis;
  volatile int maxSize;
  /** Connections open or opening, over all partitions: the endpoint's size is shared, not split. */
  final java.util.concurrent.atomic.AtomicInteger size = new java.util.concurrent.atomic.AtomicInteger();
  final Pool[] partitions;
  /** The replica set this endpoint belongs to (set once by {@link ShardEndpoints}). */
  ShardEndpoints group;

  Endpoint(String shard, JunctionConfig.Endpoint config, EndpointState state, RelayRuntime runtime) {
    this(shard, config, state, runtime, true);
  }

  Endpoint(String shard, JunctionConfig.Endpoint config, EndpointState state, RelayRuntime runtime, boolean pools) {
    this.shard = shard;
    this.name = config.name();
    this.state = state;
    String url = config.url();
    String prefix = "jdbc:postgresql:";
    String key = "junction.shards." + shard + "." + name + ".url";
    // never the URL itself in these messages: it may carry user:password@ or a password parameter
    String address = dev.junction.jdbc.DataSourceSummary.address(url);
    if (!url.startsWith(prefix)) {
      throw new ConfigException(key, "the proxy connects to PostgreSQL only; expected jdbc:postgresql://host:port/database,"
          + " got a URL for " + address + " that does not start with " + prefix);
    }
    URI uri;
    try {
      uri = new URI(url.substring("jdbc:".length()));
    } catch (java.net.URISyntaxException e) {
      // its message quotes the whole URL: keep only the reason and the position, and no cause
      throw new ConfigException(key, "not a valid URL (" + address + "): " + e.getReason() + " at index " + e.getIndex()
          + "; percent-encode special characters, e.g. a space as %20");
    }
    this.host = uri.getHost() == null ? "localhost" : uri.getHost();
    this.port = uri.getPort() < 0 ? 5432 : uri.getPort();
    String path = uri.getPath() == null || uri.getPath().length() <= 1 ? config.username() : uri.getPath().substring(1);
    this.database = path;
    this.user = config.username() == null ? "postgres" : config.username();
    this.password = config.password();
    this.connectTimeout = config.pool().connectionTimeout();
    this.idleTimeout = config.pool().idleTimeout();
    this.maxLifetime = config.pool().maxLifetime();
    this.circuitOpenMillis = runtime.circuitOpenMillis;
    this.maxSize = config.pool().maximumSize();
    this.partitions = new Pool[pools ? runtime.loops.length : 0];
    for (int i = 0; i < partitions.length; i++) {
      partitions[i] = new Pool(this, runtime, runtime.loops[i], i);
    }
  }

  /** Takes one unit of the endpoint's size for a new connection; false when it is full. */
  boolean reserve() {
    while (true) {
      int n = size.get();
      if (n >= maxSize) {
        return false;
      }
      if (size.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /**
   * A connection of partition {@code from} ended (or never opened): every partition with unserved
   * waiters may open one now. WHY every one: waking only the first partition that reported waiters
   * lost the slot when that partition's waiters were covered by its own connect, or served by the
   * time the wake-up ran; the waiters of the others then starved with the endpoint below its size.
   * A partition that finds the slot taken asks for an idle connection instead (see {@link Pool}).
   */
  void freed(Pool from) {
    size.decrementAndGet(); // before reading the partitions' counts: see Pool's notes on wake-ups
    for (Pool p : partitions) {
      if (p.unserved() > 0) {
        p.loop.execute(p::serveWaiters);
      }
    }
  }

  /**
   * The share of {@link #maxSize} that partition {@code index} may keep while other partitions wait:
   * the size split evenly, the remainder to the first partitions.
   */
  int quota(int index) {
    int n = partitions.length;
    return maxSize / n + (index < maxSize % n ? 1 : 0);
  }

  /**
   * Partition {@code p} has waiters that no connection opening there covers, and holds less than its
   * share (at least one connection).
   */
  private boolean deserving(Pool p) {
    return p.unserved() > 0 && p.owned() < Math.max(1, quota(p.index));
  }

  /**
   * True when {@code self} should close a connection it is releasing so that a partition that holds
   * less than its share, and has clients waiting, can open one on its own loop.
   *
   * <p>WHY shares and not "whoever waits gets it": under steady load every partition has waiters now
   * and then. Giving capacity to any waiting partition made connections ping-pong between event loops,
   * each move a new server login: pgbench with 64 clients over a pool of 20 opened about 2,000 server
   * sessions in 10 s and ran at 0.15x PgBouncer. With shares, capacity moves only from a partition
   * above its share to one below it, so a saturated endpoint settles and stops moving connections.
   * A partition that holds nothing gets one from a partition without waiters of its own (pools
   * smaller than the number of loops; {@link #rebalance} also sheds an idle one for it).
   */
  boolean owes(Pool self) {
    if (size.get() < maxSize) {
      return false;
    }
    boolean selfWaiting = self.waiting() > 0;
    for (Pool p : partitions) {
      if (p != self && deserving(p) && (self.owned() > quota(self.index) || (p.owned() == 0 && !selfWaiting))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Partition {@code needy} waits while the endpoint is full: a partition without waiters closes an
   * idle connection for it at once when {@code needy} holds less than its share and that partition
   * more, or when {@code needy} holds nothing; any idle connection once it has been idle for
   * {@link #SHED_IDLE_NANOS} (demand moved between loops). Pool re-asks while its clients wait.
   */
  void rebalance(Pool needy) {
    boolean below = needy.owned() < Math.max(1, quota(needy.index));
    if (below) {
      boolean urgent = needy.owned() == 0;
      for (Pool p : partitions) {
        if (p != needy && p.idleCount() > 0 && p.waiting() == 0 && (urgent || p.owned() > quota(p.index))) {
          p.loop.execute(() -> p.shedOne(0));
          return;
        }
      }
    }
    for (Pool p : partitions) {
      if (p != needy && p.idleCount() > 0 && p.waiting() == 0) {
        p.loop.execute(() -> p.shedOne(SHED_IDLE_NANOS)); // each sheds at most one it did not need for that long
      }
    }
  }

  /** How long a connection within its partition's share must have been idle before another partition may take its capacity. */
  static final long SHED_IDLE_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(500);

  boolean isPrimary() {
    return state.role() == EndpointState.Role.PRIMARY;
  }

  int active() {
    int n = 0;
    for (Pool p : partitions) {
      n += p.active();
    }
    return n;
  }

  int idle() {
    int n = 0;
    for (Pool p : partitions) {
      n += p.idleCount();
    }
    return n;
  }

  int waiting() {
    int n = 0;
    for (Pool p : partitions) {
      n += p.waiting();
    }
    return n;
  }

  /** Counts for a 53300 message or a log line, summed over the partitions (racy snapshots; no secrets). */
  String describe() {
    int opening = 0;
    for (Pool p : partitions) {
      opening += p.connecting();
    }
    return "pool size " + maxSize + ", " + active() + " in use, " + idle() + " idle, " + opening + " opening, "
        + waiting() + " waiting; " + size.get() + " reserved over " + partitions.length + " event loops";
  }

  @Override
  public String toString() {
    return shard + "/" + name;
  }
}
