package dev.junction.bench.library;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * A closed-loop load: N client threads, each issuing its next operation as soon as the previous
 * one returns, for a fixed time. Every operation's latency (borrow to close) goes into a per-thread
 * HdrHistogram, merged at the end, so recording never contends across threads.
 */
final class ClosedLoop {
  /** Operation throughput over the measured interval and the latency histogram in nanoseconds. */
  record Result(double opsPerSecond, Histogram latencyNanos) {
    double percentileMicros(double p) {
      return latencyNanos.getValueAtPercentile(p) / 1000.0;
    }
  }

  /** One operation of the load; throwing fails the whole run. */
  @FunctionalInterface
  interface Operation {
    void run() throws Exception;
  }

  /** One operation that measures itself: returns the nanoseconds to record for it (e.g. only its read). */
  @FunctionalInterface
  interface TimedOperation {
    long run(int thread) throws Exception;
  }

  private ClosedLoop() {}

  static Result run(int threads, long millis, Operation op) throws Exception {
    return runTimed(threads, millis, thread -> {
      long start = System.nanoTime();
      op.run();
      return System.nanoTime() - start;
    });
  }

  static Result runTimed(int threads, long millis, TimedOperation op) throws Exception {
    List<Histogram> histograms = new ArrayList<>();
    List<Thread> workers = new ArrayList<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    CountDownLatch ready = new CountDownLatch(threads);
    CountDownLatch go = new CountDownLatch(1);
    long[] deadline = new long[1];
    for (int t = 0; t < threads; t++) {
      Histogram h = new Histogram(3);
      histograms.add(h);
      int index = t;
      Thread w = new Thread(() -> {
        ready.countDown();
        try {
          go.await();
          while (failure.get() == null) {
            if (System.nanoTime() >= deadline[0]) {
              break;
            }
            h.recordValue(op.run(index));
          }
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
      }, "load-" + t);
      workers.add(w);
      w.start();
    }
    ready.await();
    long start = System.nanoTime();
    deadline[0] = start + millis * 1_000_000L;
    go.countDown();
    for (Thread w : workers) {
      w.join();
    }
    long elapsed = System.nanoTime() - start;
    if (failure.get() != null) {
      throw new IllegalStateException("load failed: " + failure.get(), failure.get());
    }
    Histogram all = new Histogram(3);
    histograms.forEach(all::add);
    return new Result(all.getTotalCount() * 1e9 / elapsed, all);
  }
}
