package dev.junction.reshard;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Rows, bytes, rate and ETA of a resharding, for the CLI's progress bar, metrics
 * ({@code junction.reshard.*}) and status output. Totals come from the plan's estimate.
 */
public final class Progress {
  private final AtomicLong rowsScanned = new AtomicLong();
  private final AtomicLong rowsCopied = new AtomicLong();
  private final AtomicLong bytesCopied = new AtomicLong();
  private final AtomicLong changesApplied = new AtomicLong();
  private final AtomicLong keysRecopied = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();
  private volatile long estimatedRows;
  private volatile String step = "idle";
  private volatile long startNanos = System.nanoTime();
  private volatile long restoredRows;
  private final Consumer<Progress> listener;

  public Progress(Consumer<Progress> listener) {
    this.listener = listener == null ? p -> { } : listener;
  }

  /** Exposes the counters as gauges (junction.reshard.rows.copied, .bytes.copied, .changes.applied, .eta.seconds). */
  public Progress bindTo(MeterRegistry registry) {
    Gauge.builder("junction.reshard.rows.copied", rowsCopied, AtomicLong::get).register(registry);
    Gauge.builder("junction.reshard.bytes.copied", bytesCopied, AtomicLong::get).register(registry);
    Gauge.builder("junction.reshard.changes.applied", changesApplied, AtomicLong::get).register(registry);
    Gauge.builder("junction.reshard.eta.seconds", this, Progress::etaSeconds).register(registry);
    Gauge.builder("junction.reshard.retries", retries, AtomicLong::get).register(registry);
    return this;
  }

  void step(String name) {
    this.step = name;
    listener.accept(this);
  }

  /** Takes the total from a plan, for the ETA. */
  public void estimateFrom(ReshardPlan plan) {
    estimate(plan.movingRows());
  }

  /** Bytes as text (B, KiB, MiB). */
  public static String bytesText(long b) {
    return bytes(b);
  }

  void estimate(long rows) {
    this.estimatedRows = rows;
    this.startNanos = System.nanoTime();
  }

  void restored(String source, String table, long rows, long bytes) {
    rowsCopied.addAndGet(rows);
    bytesCopied.addAndGet(bytes);
    restoredRows += rows;
  }

  void copied(String source, String table, int scanned, int copied, long bytes) {
    rowsScanned.addAndGet(scanned);
    rowsCopied.addAndGet(copied);
    bytesCopied.addAndGet(bytes);
    listener.accept(this);
  }

  void caughtUp(String source, int entries, int keys) {
    changesApplied.addAndGet(entries);
    keysRecopied.addAndGet(keys);
    listener.accept(this);
  }

  /** A step's transaction failed transiently (deadlock, serialization failure, lock wait, lost connection) and is run again. */
  void retried(String what) {
    retries.incrementAndGet();
    listener.accept(this);
  }

  public String step() { return step; }
  /** Transactions of this process's steps that failed transiently and were run again. */
  public long retries() { return retries.get(); }
  public long rowsCopied() { return rowsCopied.get(); }
  public long bytesCopied() { return bytesCopied.get(); }
  public long changesApplied() { return changesApplied.get(); }
  public long keysRecopied() { return keysRecopied.get(); }
  public long estimatedRows() { return estimatedRows; }

  /** Rows copied per second by this process (rows restored from a checkpoint excluded). */
  public double rowsPerSecond() {
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    return seconds <= 0 ? 0 : (rowsCopied.get() - restoredRows) / seconds;
  }

  public double etaSeconds() {
    double rate = rowsPerSecond();
    long left = Math.max(0, estimatedRows - rowsCopied.get());
    return rate <= 0 ? (left == 0 ? 0 : Double.NaN) : left / rate;
  }

  /** One line: {@code copy [#########.........] 45% 12,345/27,000 rows 1.2 MB 3,400 rows/s ETA 4 s}. */
  public String line() {
    long rows = rowsCopied.get();
    long total = Math.max(estimatedRows, rows);
    int width = 30;
    int filled = total == 0 ? width : (int) (width * rows / total);
    String bar = "#".repeat(filled) + ".".repeat(width - filled);
    double eta = etaSeconds();
    return String.format(Locale.ROOT, "%-9s [%s] %3d%% %,d/%,d rows %s %,.0f rows/s ETA %s, %,d changes applied",
        step, bar, total == 0 ? 100 : 100 * rows / total, rows, total, bytes(bytesCopied.get()), rowsPerSecond(),
        Double.isNaN(eta) ? "?" : String.format(Locale.ROOT, "%.0f s", eta), changesApplied.get());
  }

  static String bytes(long b) {
    if (b < 1024) {
      return b + " B";
    }
    if (b < 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
    }
    return String.format(Locale.ROOT, "%.1f MiB", b / (1024.0 * 1024));
  }
}
