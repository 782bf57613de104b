package dev.junction.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A whole local topology: N PostgreSQL replica sets (one per shard), an optional MariaDB GTID pair
 * and an optional Redis, under one temporary directory that is deleted on {@link #close()}.
 *
 * <pre>{@code
 * try (LocalCluster cluster = LocalCluster.builder()
 *         .postgresReplicaSets(1).postgresReplicas(Duration.ZERO, Duration.ofMillis(300))
 *         .mariadb(true).redis(true).start()) {
 *   String primaryUrl = cluster.postgres(0).primary().jdbcUrl();
 * }
 * }</pre>
 *
 * <p>Replica sets start concurrently with MariaDB and Redis. A JVM shutdown hook tears down anything
 * still running if the caller never reaches {@code close()}.
 *
 * <p>{@link Builder#shared(Class)} instead leases a cluster of that shape that is started once per JVM
 * and reused by later test classes, each in a database of its own ({@link SharedClusters}); its
 * {@code close()} drops that database and checks that the class left nothing else behind.
 */
public final class LocalCluster implements AutoCloseable {
  private final Path baseDir;
  private final List<PostgresReplicaSet> postgres;
  private final List<MariaDbReplicaSet> mariadb;
  private final RedisServer redis;
  private final Thread shutdownHook;
  /** For a lease of a shared cluster: gives the servers back (drops the class's database); else null. */
  private final Runnable release;
  /** Stops the servers if this JVM dies without running the shutdown hook ({@link Reaper}); null for a lease. */
  private final Process watchdog;
  private volatile boolean closed;
  private final List<AutoCloseable> closeFirst = new java.util.concurrent.CopyOnWriteArrayList<>();

  private LocalCluster(Path baseDir, List<PostgresReplicaSet> postgres, List<MariaDbReplicaSet> mariadb, RedisServer redis,
      Process watchdog) {
    this.baseDir = baseDir;
    this.watchdog = watchdog;
    this.postgres = List.copyOf(postgres);
    this.mariadb = List.copyOf(mariadb);
    this.redis = redis;
    this.release = null;
    this.shutdownHook = new Thread(this::teardown, "local-cluster-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** A lease of a shared cluster: views of its servers, and what gives them back on {@link #close()}. */
  LocalCluster(Path baseDir, List<PostgresReplicaSet> views, List<MariaDbReplicaSet> mariadbViews, Runnable release) {
    this.baseDir = baseDir;
    this.postgres = List.copyOf(views);
    this.mariadb = List.copyOf(mariadbViews);
    this.redis = null;
    this.release = release;
    this.watchdog = null;
    this.shutdownHook = null; // the shared cluster's own hook closes an open lease first
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Closes {@code resource} (e.g. the pools and proxy using these servers) before the servers stop,
   * including on JVM shutdown: shutdown hooks run concurrently, so a separate hook could stop the
   * servers under live pools.
   */
  public void closeFirst(AutoCloseable resource) {
    closeFirst.add(resource);
  }

  void forgetCloseFirst(AutoCloseable resource) {
    closeFirst.remove(resource);
  }

  /** True once {@link #close()} (or the shutdown hook) has begun tearing this cluster down. */
  boolean isClosed() {
    return closed;
  }

  /** True for a lease from {@link Builder#shared(Class)}. */
  public boolean isShared() {
    return release != null;
  }

  public Path baseDir() { return baseDir; }

  public List<PostgresReplicaSet> postgres() { return postgres; }

  public PostgresReplicaSet postgres(int index) {
    if (index >= postgres.size()) {
      throw new IllegalArgumentException("postgres replica set " + index + " was not started; this cluster has " + postgres.size());
    }
    return postgres.get(index);
  }

  /** The first MariaDB replica set. */
  public MariaDbReplicaSet mariadb() {
    return mariadb(0);
  }

  public MariaDbReplicaSet mariadb(int index) {
    if (index >= mariadb.size()) {
      throw new IllegalStateException("MariaDB replica set " + index + " was not started; this cluster has " + mariadb.size()
          + " (use LocalCluster.builder().mariadbReplicaSets(n))");
    }
    return mariadb.get(index);
  }

  public List<MariaDbReplicaSet> mariadbSets() {
    return mariadb;
  }

  public RedisServer redis() {
    if (redis == null) {
      throw new IllegalStateException("Redis was not requested: use LocalCluster.builder().redis(true)");
    }
    return redis;
  }

  @Override
  public void close() {
    teardown();
    if (shutdownHook == null) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook itself is running
    }
  }

  private synchronized void teardown() {
    if (closed) {
      return;
    }
    closed = true;
    for (AutoCloseable resource : closeFirst) {
      Cleanup.quietly(resource);
    }
    if (release != null) {
      release.run(); // a lease's failure (what the class left behind) reaches the caller of close()
      return;
    }
    if (redis != null) {
      Cleanup.quietly(redis);
    }
    for (MariaDbReplicaSet set : mariadb) {
      Cleanup.quietly(set);
    }
    for (PostgresReplicaSet set : postgres) {
      Cleanup.quietly(set);
    }
    if (!Boolean.getBoolean("junction.local.keep")) {
      Cleanup.deleteTree(baseDir);
    }
    Reaper.stop(watchdog);
  }

  /** Chooses what to start; nothing starts until {@link #start()}. */
  public static final class Builder {
    private int postgresSets = 1;
    private List<Duration> replicaDelays = List.of(Duration.ZERO, Duration.ofMillis(300));
    private int mariadbSets;
    private boolean redis;
    private List<String> postgresSettings = List.of();

    public Builder postgresReplicaSets(int count) {
      if (count < 0) {
        throw new IllegalArgumentException("postgresReplicaSets must be >= 0, got " + count);
      }
      this.postgresSets = count;
      return this;
    }

    /** One entry per replica: its {@code recovery_min_apply_delay} (zero for a fast replica). */
    public Builder postgresReplicas(Duration... applyDelays) {
      this.replicaDelays = List.of(applyDelays);
      return this;
    }

    /**
     * postgresql.conf lines appended after the defaults on every primary (the replicas copy them with
     * the base backup), for example {@code shared_buffers = 512MB}: the benchmarks size the servers for
     * their data set, the tests keep the small defaults.
     */
    public Builder postgresSettings(String... lines) {
      this.postgresSettings = List.of(lines);
      return this;
    }

    /** One MariaDB primary + GTID replica (shorthand for {@code mariadbReplicaSets(enabled ? 1 : 0)}). */
    public Builder mariadb(boolean enabled) {
      this.mariadbSets = enabled ? 1 : 0;
      return this;
    }

    /** N independent MariaDB primary + GTID replica pairs (for MariaDB shards). */
    public Builder mariadbReplicaSets(int count) {
      if (count < 0) {
        throw new IllegalArgumentException("mariadbReplicaSets must be >= 0, got " + count);
      }
      this.mariadbSets = count;
      return this;
    }

    public Builder redis(boolean enabled) {
      this.redis = enabled;
      return this;
    }

    /**
     * Leases a cluster of this shape that is started once per JVM and reused by later test classes,
     * instead of starting one for the caller alone.
     *
     * <p>The caller gets its own database, created on every primary (the replicas receive it by WAL
     * and are waited for): every server's {@code jdbcUrl()}, {@code connect()} and {@code database()}
     * use it. The servers cannot be stopped, killed, restarted or reconfigured through the lease.
     * {@link LocalCluster#close()} closes what was registered with {@link LocalCluster#closeFirst}, drops the
     * database and then checks that nothing else was left behind (server settings, roles, databases,
     * replication slots, prepared transactions, objects in the {@code postgres} database, client
     * sessions): if anything was, it fails and the shared cluster is torn down, so the next class
     * starts a fresh one. MariaDB pairs are shared the same way (a database per class, replicated by
     * the binary log); Redis is not shared.
     *
     * @param owner the test class; names the database
     */
    public LocalCluster shared(Class<?> owner) {
      return SharedClusters.lease(this, shape(), owner.getSimpleName());
    }

    /** What makes two builders start interchangeable clusters. */
    record Shape(int postgresSets, List<Duration> replicaDelays, int mariadbSets, boolean redis, List<String> postgresSettings) {}

    Shape shape() {
      return new Shape(postgresSets, replicaDelays, mariadbSets, redis, postgresSettings);
    }

    public LocalCluster start() {
      Path base = createBaseDir();
      Process watchdog = Reaper.watch(base);
      ExecutorService pool = Executors.newFixedThreadPool(3, r -> {
        Thread t = new Thread(r, "local-cluster-start");
        t.setDaemon(true);
        return t;
      });
      List<Future<PostgresReplicaSet>> pgFutures = new ArrayList<>();
      List<Future<MariaDbReplicaSet>> mariaFutures = new ArrayList<>();
      Future<RedisServer> redisFuture = null;
      List<AutoCloseable> started = Collections.synchronizedList(new ArrayList<>());
      try {
        for (int i = 0; i < mariadbSets; i++) {
          String name = i == 0 ? "mariadb" : "mariadb" + i;
          mariaFutures.add(pool.submit(() -> track(started, MariaDbReplicaSet.start(name, base))));
        }
        if (redis) {
          redisFuture = pool.submit(() -> track(started, RedisServer.start(base)));
        }
        for (int i = 0; i < postgresSets; i++) {
          String name = "pg" + i;
          pgFutures.add(pool.submit(() -> track(started, PostgresReplicaSet.start(name, base, replicaDelays, postgresSettings))));
        }
        List<PostgresReplicaSet> sets = new ArrayList<>();
        for (Future<PostgresReplicaSet> f : pgFutures) {
          sets.add(f.get());
        }
        List<MariaDbReplicaSet> marias = new ArrayList<>();
        for (Future<MariaDbReplicaSet> f : mariaFutures) {
          marias.add(f.get());
        }
        return new LocalCluster(base, sets, marias, redisFuture == null ? null : redisFuture.get(), watchdog);
      } catch (Exception e) {
        pool.shutdownNow();
        synchronized (started) {
          started.forEach(Cleanup::quietly);
        }
        Cleanup.deleteTree(base);
        Reaper.stop(watchdog);
        Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
        throw new IllegalStateException("local cluster failed to start: " + cause.getMessage(), cause);
      } finally {
        pool.shutdown();
      }
    }

    private static <T extends AutoCloseable> T track(List<AutoCloseable> started, T item) {
      started.add(item);
      return item;
    }

    private static Path createBaseDir() {
      try {
        Path base = Files.createTempDirectory("junction-", PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rwxr-xr-x")));
        // PostgreSQL runs as another OS user when we are root: it must be able to traverse this.
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        return base;
      } catch (IOException e) {
        throw new IllegalStateException("cannot create a temporary directory: " + e.getMessage(), e);
      }
    }
  }
}
