package dev.junction.it.reshard;

import dev.junction.Junction;
import dev.junction.Scope;
import dev.junction.jdbc.RoutingDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A load of inserts, updates, deletes and scoped reads of random keys through two router instances
 * and, optionally, one proxy, mirrored into an oracle database after each acknowledged write.
 *
 * <p>Each worker owns the keys congruent to its number, so the order of writes to one key is the
 * worker's order, and the oracle (which receives the same writes, in the same order, only once
 * Junction acknowledged them) must end equal to the sharded data. Every write is followed by a
 * read of the same key through the other instance inside the same consistency scope (fences shared
 * through Redis): reading anything older than the write is a stale read. Refusals (40001, 08xxx)
 * are retried; the time from a write's first attempt to its acknowledgement is its pause.
 *
 * <p>Proxy workers ({@link #withProxy}) own keys of their own too. Each holds one pgjdbc session to
 * the proxy (PostgreSQL protocol, whatever the shards are), writes through it and reads the key back
 * through the same session: the proxy session is the scope, so an older answer is a stale read. The
 * proxy may be replaced (a rolling restart onto the target configuration): a worker moves its session
 * to the current proxy between two writes, never in the middle of one.
 */
final class Load implements AutoCloseable {
  final AtomicReferenceArray<RoutingDataSource> instances;
  private final Connection oracle;
  private final int keys;
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicBoolean stop = new AtomicBoolean();
  final AtomicLong writes = new AtomicLong();
  final AtomicLong reads = new AtomicLong();
  final AtomicLong retries = new AtomicLong();
  /** Retries by reason (SQLSTATE and the start of the message), to tell lease expiries from cut-over refusals. */
  final java.util.concurrent.ConcurrentHashMap<String, AtomicLong> retryReasons = new java.util.concurrent.ConcurrentHashMap<>();
  final AtomicLong staleReads = new AtomicLong();
  final List<String> staleExamples = Collections.synchronizedList(new ArrayList<>());
  final List<String> failures = Collections.synchronizedList(new ArrayList<>());
  /**
   * (start nanos, millis from first attempt to acknowledgement, 1 if it was retried, 1 if through the
   * proxy, acknowledgement nanos) of every write.
   */
  final List<long[]> pauses = Collections.synchronizedList(new ArrayList<>());
  /**
   * (attempt start nanos, 1 if through the proxy) of every write the database itself rejected for a
   * stale ring version (the resharding trigger: "this session routes by ..."), i.e. a write a router
   * sent to a key's old owner after that owner was fenced.
   */
  final List<long[]> staleVersionRejections = Collections.synchronizedList(new ArrayList<>());
  /** Writes and reads through the proxy (also counted in writes and reads), and its stale reads. */
  final AtomicLong proxyWrites = new AtomicLong();
  final AtomicLong proxyReads = new AtomicLong();
  final AtomicLong proxyStaleReads = new AtomicLong();
  final AtomicLong proxyReconnects = new AtomicLong();
  private final Object oracleLock = new Object();
  /** What the test is doing now (copy, cut-over, ...): stale-read examples name it for the write and for the read. */
  volatile String phase = "load";
  /** Where a key's row is on each server, asked right after a stale read (null: not asked). */
  volatile java.util.function.LongFunction<String> whereIs;
  /** The port of the proxy that proxy workers use now (null: no proxy workers). */
  private java.util.function.IntSupplier proxyPort;
  private int proxySessions;

  Load(RoutingDataSource a, RoutingDataSource b, Connection oracle, int keys) {
    this.instances = new AtomicReferenceArray<>(new RoutingDataSource[] {a, b});
    this.oracle = oracle;
    this.keys = keys;
  }

  /**
   * Takes over what a stopped load counted (writes, reads, retries, stale reads, failures), so that
   * a test checking this load after a restart also checks the writes and reads before it.
   */
  void carryOver(Load old) {
    writes.addAndGet(old.writes.get());
    reads.addAndGet(old.reads.get());
    retries.addAndGet(old.retries.get());
    old.retryReasons.forEach((k, v) -> retryReasons.computeIfAbsent(k, r -> new AtomicLong()).addAndGet(v.get()));
    staleReads.addAndGet(old.staleReads.get());
    staleExamples.addAll(old.staleExamples);
    failures.addAll(old.failures);
    proxyWrites.addAndGet(old.proxyWrites.get());
    proxyReads.addAndGet(old.proxyReads.get());
    proxyStaleReads.addAndGet(old.proxyStaleReads.get());
    proxyReconnects.addAndGet(old.proxyReconnects.get());
    pauses.addAll(old.pauses);
    staleVersionRejections.addAll(old.staleVersionRejections);
  }

  /** Adds {@code sessions} workers that write and read through the proxy listening on {@code port} (read per write). */
  Load withProxy(java.util.function.IntSupplier port, int sessions) {
    this.proxyPort = port;
    this.proxySessions = sessions;
    return this;
  }

  java.util.function.IntSupplier proxyPort() {
    return proxyPort;
  }

  int proxySessions() {
    return proxySessions;
  }

  /** Starts {@code workers} library workers and the proxy workers; each owns the keys congruent to its number. */
  void start(int workers) {
    int all = workers + proxySessions;
    for (int w = 0; w < all; w++) {
      int worker = w;
      boolean proxy = w >= workers;
      Thread t = new Thread(() -> {
        if (proxy) {
          proxyWork(worker, all);
        } else {
          work(worker, all);
        }
      }, (proxy ? "load-proxy-" : "load-") + w);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  /** A key's state as this worker wrote it: null when deleted or never written. */
  record Row(long balance, long version) {}

  private void work(int worker, int workers) {
    SplittableRandom random = new SplittableRandom(worker * 7919L + 1);
    Map<Long, Row> mine = new HashMap<>();
    try {
      loadInitial(worker, workers, mine);
      while (!stop.get()) {
        long key = worker + (long) workers * random.nextInt(keys / workers);
        int which = random.nextInt(2);
        Row before = mine.get(key);
        Row after;
        String sql;
        boolean delete = before != null && random.nextInt(6) == 0;
        if (delete) {
          after = null;
        } else {
          after = new Row(random.nextLong(1_000_000), before == null ? 1 : before.version() + 1);
        }
        try (Scope scope = Junction.scope("reshard-load-" + worker)) {
          long t0 = System.nanoTime();
          boolean retried = false;
          while (true) {
            long attempt = System.nanoTime();
            try {
              apply(instances.get(which), key, before, after);
              break;
            } catch (SQLException e) {
              if (!retryable(e) || stop.get() && System.nanoTime() - t0 > 30_000_000_000L) {
                throw e;
              }
              retried = true;
              countRetry(e, attempt, false);
              Thread.sleep(10);
            }
          }
          long acked = System.nanoTime();
          pauses.add(new long[] {t0, (acked - t0) / 1_000_000, retried ? 1 : 0, 0, acked});
          synchronized (oracleLock) {
            apply(oracle, key, before, after);
          }
          writes.incrementAndGet();
          if (after == null) {
            mine.remove(key);
          } else {
            mine.put(key, after);
          }
          String writePhase = phase;
          Row seen = readWithRetry(instances.get(1 - which), key);
          reads.incrementAndGet();
          if (!java.util.Objects.equals(seen, after)) {
            staleReads.incrementAndGet();
            if (staleExamples.size() < 10) {
              java.util.function.LongFunction<String> where = whereIs;
              staleExamples.add("key " + key + ": wrote " + after + " (instance " + which + ", during " + writePhase
                  + "), read " + seen + " (instance " + (1 - which) + ", during " + phase + ")"
                  + (where == null ? "" : "; now " + where.apply(key)));
            }
          }
        }
      }
    } catch (Exception e) {
      failures.add(Thread.currentThread().getName() + ": " + e);
    }
  }

  /**
   * A proxy worker: one pgjdbc session to the current proxy; each write is followed by a read of the
   * same key through the same session (the session is the proxy's consistency scope).
   */
  private void proxyWork(int worker, int workers) {
    SplittableRandom random = new SplittableRandom(worker * 7919L + 1);
    Map<Long, Row> mine = new HashMap<>();
    ProxySession session = new ProxySession();
    try {
      loadInitial(worker, workers, mine);
      while (!stop.get()) {
        long key = worker + (long) workers * random.nextInt(keys / workers);
        Row before = mine.get(key);
        boolean delete = before != null && random.nextInt(6) == 0;
        Row after = delete ? null : new Row(random.nextLong(1_000_000), before == null ? 1 : before.version() + 1);
        session.follow(proxyPort.getAsInt()); // between writes: a replaced proxy's session moves to the new one
        long t0 = System.nanoTime();
        boolean retried = false;
        while (true) {
          long attempt = System.nanoTime();
          try {
            apply(session.connection(), key, before, after);
            break;
          } catch (SQLException e) {
            if (!retryable(e) || stop.get() && System.nanoTime() - t0 > 30_000_000_000L) {
              throw e;
            }
            retried = true;
            countRetry(e, attempt, true);
            session.discardIfBroken();
            Thread.sleep(10);
          }
        }
        long acked = System.nanoTime();
        pauses.add(new long[] {t0, (acked - t0) / 1_000_000, retried ? 1 : 0, 1, acked});
        synchronized (oracleLock) {
          apply(oracle, key, before, after);
        }
        writes.incrementAndGet();
        proxyWrites.incrementAndGet();
        if (after == null) {
          mine.remove(key);
        } else {
          mine.put(key, after);
        }
        Row seen = proxyRead(session, key);
        reads.incrementAndGet();
        proxyReads.incrementAndGet();
        if (!java.util.Objects.equals(seen, after)) {
          staleReads.incrementAndGet();
          proxyStaleReads.incrementAndGet();
          if (staleExamples.size() < 10) {
            staleExamples.add("proxy session, key " + key + ": wrote " + after + ", read " + seen);
          }
        }
      }
    } catch (Exception e) {
      failures.add(Thread.currentThread().getName() + ": " + e);
    } finally {
      session.close();
    }
  }

  /** A read of {@code key} through the proxy session that wrote it (refusals retried on the same session). */
  private Row proxyRead(ProxySession session, long key) throws Exception {
    long t0 = System.nanoTime();
    while (true) {
      try (PreparedStatement ps = session.connection().prepareStatement("SELECT balance, version FROM accounts WHERE id = ?")) {
        ps.setLong(1, key);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? new Row(rs.getLong(1), rs.getLong(2)) : null;
        }
      } catch (SQLException e) {
        if (!retryable(e) || System.nanoTime() - t0 > 30_000_000_000L) {
          throw e;
        }
        countRetry(e, System.nanoTime(), true);
        // A refusal (40001) is an answer on a healthy session; only a connection-level error may have broken it.
        // (isValid's own 2 s timeout on a machine so loaded that the lease expired is not a broken session.)
        if (!"40001".equals(e.getSQLState()) && session.discardIfBroken()) {
          // a new session is a new scope: the read could no longer prove anything about the write
          throw new IllegalStateException("the proxy session broke between a write and its read (key " + key + ")", e);
        }
        Thread.sleep(10);
      }
    }
  }

  /** One client session to the proxy, through pgjdbc as any PostgreSQL application would connect. */
  private final class ProxySession implements AutoCloseable {
    private Connection connection;
    private int port = -1;

    /** Moves to the proxy on {@code current} when it is not the one this session is connected to. */
    void follow(int current) {
      if (current != port) {
        close();
        port = current;
      }
    }

    Connection connection() throws SQLException {
      if (connection == null) {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user", PROXY_USER);
        p.setProperty("password", PROXY_PASSWORD);
        p.setProperty("ApplicationName", "reshard-load");
        connection = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
        proxyReconnects.incrementAndGet();
      }
      return connection;
    }

    /** Drops a session whose connection failed (the next attempt opens a new one); true if it did. */
    boolean discardIfBroken() {
      try {
        if (connection != null && !connection.isValid(2)) {
          close();
          return true;
        }
      } catch (SQLException e) {
        close();
        return true;
      }
      return false;
    }

    @Override
    public void close() {
      if (connection != null) {
        try {
          connection.close();
        } catch (SQLException ignored) {
          // already broken
        }
        connection = null;
      }
    }
  }

  static final String PROXY_USER = "app";
  static final String PROXY_PASSWORD = "reshard-Passw0rd";

  /** The initial rows of this worker's keys (already loaded) as its expected state. */
  private void loadInitial(int worker, int workers, Map<Long, Row> mine) throws SQLException {
    synchronized (oracleLock) {
      try (PreparedStatement ps = oracle.prepareStatement("SELECT id, balance, version FROM accounts WHERE id % ? = ?")) {
        ps.setLong(1, workers);
        ps.setLong(2, worker);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            mine.put(rs.getLong(1), new Row(rs.getLong(2), rs.getLong(3)));
          }
        }
      }
    }
  }

  static boolean retryable(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s && s.getSQLState() != null
          && (s.getSQLState().equals("40001") || s.getSQLState().startsWith("08") || s.getSQLState().startsWith("57P"))) {
        return true;
      }
    }
    return false;
  }

  private Row readWithRetry(RoutingDataSource ds, long key) throws Exception {
    long t0 = System.nanoTime();
    while (true) {
      try (Connection c = ds.getConnection();
           PreparedStatement ps = c.prepareStatement("SELECT balance, version FROM accounts WHERE id = ?")) {
        ps.setLong(1, key);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? new Row(rs.getLong(1), rs.getLong(2)) : null;
        }
      } catch (SQLException e) {
        if (!retryable(e) || System.nanoTime() - t0 > 30_000_000_000L) {
          throw e;
        }
        countRetry(e, System.nanoTime(), false);
        Thread.sleep(10);
      }
    }
  }

  private void countRetry(SQLException e, long attemptNanos, boolean proxy) {
    retries.incrementAndGet();
    String m = String.valueOf(e.getMessage());
    String reason = (proxy ? "proxy " : "") + e.getSQLState() + " " + m.substring(0, Math.min(60, m.length()));
    retryReasons.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
    if (m.contains("this session routes by")) { // only the resharding trigger says this (PostgreSQL and MariaDB)
      staleVersionRejections.add(new long[] {attemptNanos, proxy ? 1 : 0});
    }
  }

  /** Writes the database rejected for a stale ring version whose attempt started in [from, to); [library, proxy]. */
  long[] staleVersionRejections(long fromNanos, long toNanos) {
    long[] out = new long[2];
    synchronized (staleVersionRejections) {
      for (long[] r : staleVersionRejections) {
        if (r[0] - fromNanos >= 0 && r[0] - toNanos < 0) {
          out[(int) r[1]]++;
        }
      }
    }
    return out;
  }

  /** One write as a single auto-commit statement (so a failure means it did not happen). */
  static void apply(Object target, long key, Row before, Row after) throws SQLException {
    Connection c = target instanceof RoutingDataSource ds ? ds.getConnection() : (Connection) target;
    try {
      String sql = after == null ? "DELETE FROM accounts WHERE id = ?"
          : before == null ? "INSERT INTO accounts (id, balance, version, note) VALUES (?, ?, ?, ?)"
          : "UPDATE accounts SET balance = ?, version = ?, note = ? WHERE id = ?";
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        if (after == null) {
          ps.setLong(1, key);
        } else if (before == null) {
          ps.setLong(1, key);
          ps.setLong(2, after.balance());
          ps.setLong(3, after.version());
          ps.setString(4, "v" + after.version());
        } else {
          ps.setLong(1, after.balance());
          ps.setLong(2, after.version());
          ps.setString(3, "v" + after.version());
          ps.setLong(4, key);
        }
        int n = ps.executeUpdate();
        if (n != 1) {
          throw new IllegalStateException("write of key " + key + " touched " + n + " rows (" + sql + ")");
        }
      }
    } finally {
      if (target instanceof RoutingDataSource) {
        c.close();
      }
    }
  }

  /** Longest, 99th-percentile latency (ms) and count of the writes that started in [from, to). */
  long[] pauseStats(long fromNanos, long toNanos) {
    return pauseStats(fromNanos, toNanos, false);
  }

  /** The same, of the proxy's writes only when {@code proxyOnly}. */
  long[] pauseStats(long fromNanos, long toNanos, boolean proxyOnly) {
    List<Long> window = new ArrayList<>();
    synchronized (pauses) {
      for (long[] p : pauses) {
        if (p[0] >= fromNanos && p[0] < toNanos && (!proxyOnly || p[3] == 1)) {
          window.add(p[1]);
        }
      }
    }
    Collections.sort(window);
    if (window.isEmpty()) {
      return new long[] {0, 0, 0};
    }
    return new long[] {window.get(window.size() - 1), window.get((int) Math.min(window.size() - 1, Math.ceil(window.size() * 0.99) - 1)),
        window.size()};
  }

  /**
   * Of the writes that started in [from, to) and were refused at least once: the longest time (ms)
   * from {@code switched} to their acknowledgement, i.e. how long after the switch the routers let
   * the blocked writes through (0 when none was acknowledged after it).
   */
  long longestAfter(long fromNanos, long toNanos, long switched, boolean proxyOnly) {
    long longest = 0;
    synchronized (pauses) {
      for (long[] p : pauses) {
        if (p[0] >= fromNanos && p[0] < toNanos && p[2] == 1 && (!proxyOnly || p[3] == 1)) {
          longest = Math.max(longest, (p[4] - switched) / 1_000_000);
        }
      }
    }
    return longest;
  }

  /** Proxy writes acknowledged at or after {@code nanos}. */
  long proxyWritesAckedAfter(long nanos) {
    long n = 0;
    synchronized (pauses) {
      for (long[] p : pauses) {
        if (p[3] == 1 && p[4] - nanos >= 0) {
          n++;
        }
      }
    }
    return n;
  }

  @Override
  public void close() throws InterruptedException {
    stop.set(true);
    for (Thread t : threads) {
      t.join(60_000);
    }
  }
}
