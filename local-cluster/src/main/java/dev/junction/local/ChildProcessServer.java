package dev.junction.local;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Base for servers that run as a direct child of this JVM (MariaDB, Redis): start launches the
 * process and waits until it is ready; kill sends SIGKILL; stop sends SIGTERM and waits.
 */
abstract class ChildProcessServer implements LocalServer {
  private final String name;
  private final int port;
  private final Path log;
  private volatile Process process;

  ChildProcessServer(String name, int port, Path log) {
    this.name = name;
    this.port = port;
    this.log = log;
  }

  @Override public String name() { return name; }
  @Override public String host() { return "127.0.0.1"; }
  @Override public int port() { return port; }

  @Override
  public boolean isRunning() {
    Process p = process;
    return p != null && p.isAlive();
  }

  /** The command line that runs the server in the foreground. */
  abstract List<String> command();

  /** Polls until the server answers; throws when it does not within {@code timeout}. */
  abstract void awaitReady(Duration timeout);

  @Override
  public synchronized void start() {
    if (isRunning()) {
      return;
    }
    try {
      ProcessBuilder pb = new ProcessBuilder(command()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      process = pb.start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + name + ": " + e.getMessage(), e);
    }
    try {
      awaitReady(Duration.ofSeconds(90));
    } catch (RuntimeException e) {
      String output = Shell.tail(log, 0);
      kill();
      throw new IllegalStateException(name + " did not become ready: " + e.getMessage() + "\n" + output, e);
    }
  }

  @Override
  public synchronized void stop() {
    terminate(false);
  }

  @Override
  public synchronized void kill() {
    terminate(true);
  }

  private void terminate(boolean force) {
    Process p = process;
    if (p == null) {
      return;
    }
    if (force) {
      p.destroyForcibly();
    } else {
      p.destroy();
    }
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public String toString() {
    return name + "@" + port;
  }
}
