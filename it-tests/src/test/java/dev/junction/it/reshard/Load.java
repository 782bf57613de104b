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
 * A load of inserts, updates, deletes and scoped reads of random keys through two router instances,
 * mirrored into an oracle database after each acknowledged write.
 *
 * <p>Each worker owns the keys congruent to its number, so the order of writes to one key is the
 * worker's order, and the oracle (which receives the same writes, in the same order, only once
 * Junction acknowledged them) must end equal to the sharded data. Every write is followed by a
 * read of the same key through the other instance inside the same consistency scope (fences shared
 * through Redis): reading anything older than the write is a stale read. Refusals (40001, 08xxx)
 * are retried; the time from a write's first attempt to its acknowledgement is its pause.
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
  /** (start nanos, millis from first attempt to acknowledgement, 1 if it was retried) of every write. */
  final List<long[]> pauses = Collections.synchronizedList(new ArrayList<>());
  private final Object oracleLock = new Object();

  Load(RoutingDataSource a, RoutingDataSource b, Connection oracle, int keys) {
    this.instances = new AtomicReferenceArray<>(new RoutingDataSource[] {a, b});
    this.oracle = oracle;
    this.keys = keys;
  }

  void start(int workers) {
    for (int w = 0; w < workers; w++) {
      int worker = w;
      Thread t = new Thread(() -> work(worker, workers), "load-" + w);
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
            try {
              apply(instances.get(which), key, before, after);
              break;
            } catch (SQLException e) {
              if (!retryable(e) || stop.get() && System.nanoTime() - t0 > 30_000_000_000L) {
                throw e;
              }
              retried = true;
              countRetry(e);
              Thread.sleep(10);
            }
          }
          pauses.add(new long[] {t0, (System.nanoTime() - t0) / 1_000_000, retried ? 1 : 0});
          synchronized (oracleLock) {
            apply(oracle, key, before, after);
          }
          writes.incrementAndGet();
          if (after == null) {
            mine.remove(key);
          } else {
            mine.put(key, after);
          }
          Row seen = readWithRetry(instances.get(1 - which), key);
          reads.incrementAndGet();
          if (!java.util.Objects.equals(seen, after)) {
            staleReads.incrementAndGet();
            if (staleExamples.size() < 10) {
              staleExamples.add("key " + key + ": wrote " + after + ", read " + seen);
            }
          }
        }
      }
    } catch (Exception e) {
      failures.add(Thread.currentThread().getName() + ": " + e);
    }
  }

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
        countRetry(e);
        Thread.sleep(10);
      }
    }
  }

  private void countRetry(SQLException e) {
    retries.incrementAndGet();
    String m = String.valueOf(e.getMessage());
    String reason = e.getSQLState() + " " + m.substring(0, Math.min(60, m.length()));
    retryReasons.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
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
    List<Long> window = new ArrayList<>();
    synchronized (pauses) {
      for (long[] p : pauses) {
        if (p[0] >= fromNanos && p[0] < toNanos) {
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

  @Override
  public void close() throws InterruptedException {
    stop.set(true);
    for (Thread t : threads) {
      t.join(60_000);
    }
  }
}
