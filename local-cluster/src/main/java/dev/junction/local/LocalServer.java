package dev.junction.local;

/**
 * One real server process started by the harness, which a test may stop, kill and start again
 * to exercise failure handling.
 */
public interface LocalServer extends AutoCloseable {
  /** A stable human name such as {@code pg0-primary} or {@code pg0-replica1}. */
  String name();

  String host();

  int port();

  /** True when the process is running (not a probe of whether it answers queries). */
  boolean isRunning();

  /** Orderly shutdown; waits until the process is gone. */
  void stop();

  /** Abrupt shutdown, as a crash would do (PostgreSQL: immediate mode; others: SIGKILL). */
  void kill();

  /** Starts the server again on the same port and data directory; waits until it accepts connections. */
  void start();

  @Override
  default void close() {
    if (isRunning()) {
      kill();
    }
  }
}
