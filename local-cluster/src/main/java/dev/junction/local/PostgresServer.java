package dev.junction.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One PostgreSQL server (primary or hot standby) managed through {@code pg_ctl}.
 *
 * <p>Runs as the {@code postgres} OS user when the JVM is root, because PostgreSQL refuses root.
 *
 * <p>A server of a shared cluster ({@link LocalCluster.Builder#shared(Class)}) is handed to each test
 * class as a <em>view</em> bound to that class's own database: {@link #jdbcUrl()} and
 * {@link #database()} name it, and everything that would change the process other classes use
 * (stop, kill, start, reload, configuration) is refused with {@link UnsupportedOperationException}.
 */
public final class PostgresServer implements JdbcServer {
  static final String OS_USER = "postgres";
  static final String DB_USER = "postgres";
  static final String DATABASE = "postgres";

  private final String name;
  private final Path binDir;
  private final Path dataDir;
  private final int port;
  /** The server whose process this object controls: itself, or the shared server this is a view of. */
  private final PostgresServer process;
  private final String database;
  private volatile boolean running;

  PostgresServer(String name, Path binDir, Path dataDir, int port) {
    this.name = name;
    this.binDir = binDir;
    this.dataDir = dataDir;
    this.port = port;
    this.process = this;
    this.database = DATABASE;
  }

  private PostgresServer(PostgresServer process, String database) {
    this.name = process.name;
    this.binDir = process.binDir;
    this.dataDir = process.dataDir;
    this.port = process.port;
    this.process = process;
    this.database = database;
  }

  /** A view of this server bound to {@code database}, which cannot stop, restart or reconfigure it. */
  PostgresServer sharedView(String database) {
    return new PostgresServer(process, database);
  }

  /** True for a server of a shared cluster, as handed to one test class. */
  public boolean isShared() {
    return process != this;
  }

  @Override public String name() { return name; }
  @Override public String host() { return "127.0.0.1"; }
  @Override public int port() { return port; }
  @Override public String user() { return DB_USER; }
  @Override public String password() { return ""; }
  @Override public boolean isRunning() { return process.running; }

  /** The database this object's {@link #jdbcUrl()} and {@link #connect()} use ({@code postgres}, or a shared cluster's per-class one). */
  public String database() {
    return database;
  }

  @Override
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  public Path dataDir() {
    return dataDir;
  }

  Path log() {
    return dataDir.resolveSibling(dataDir.getFileName() + ".log");
  }

  Path toolLog() {
    return dataDir.resolveSibling(dataDir.getFileName() + "-tools.log");
  }

  @Override
  public void start() {
    refuseIfShared("started");
    pgCtl(List.of("start", "-w", "-t", "120", "-l", log().toString()), Duration.ofSeconds(150));
    running = true;
  }

  @Override
  public void stop() {
    refuseIfShared("stopped");
    pgCtl(List.of("stop", "-w", "-m", "fast", "-t", "60"), Duration.ofSeconds(90));
    running = false;
  }

  @Override
  public void kill() {
    refuseIfShared("killed");
    pgCtl(List.of("stop", "-w", "-m", "immediate", "-t", "60"), Duration.ofSeconds(90));
    running = false;
  }

  /** Applies changed configuration without a restart ({@code pg_ctl reload}). */
  public void reload() {
    refuseIfShared("reloaded");
    pgCtl(List.of("reload"), Duration.ofSeconds(30));
  }

  /** Appends settings to postgresql.conf (later lines win); call {@link #reload()} or restart to apply. */
  public void appendConfig(String... lines) {
    refuseIfShared("reconfigured");
    try {
      Files.writeString(dataDir.resolve("postgresql.conf"), "\n" + String.join("\n", lines) + "\n",
          java.nio.file.StandardOpenOption.APPEND);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot write " + dataDir.resolve("postgresql.conf") + ": " + e.getMessage(), e);
    }
  }

  /** A view closes nothing: the shared server outlives each class (see {@link SharedClusters}). */
  @Override
  public void close() {
    if (!isShared()) {
      JdbcServer.super.close();
    }
  }

  private void refuseIfShared(String what) {
    if (isShared()) {
      throw new UnsupportedOperationException(name + " belongs to a shared cluster (LocalCluster.Builder.shared) and cannot be "
          + what + ": other test classes use it; start a private cluster with LocalCluster.builder()...start()");
    }
  }

  private void pgCtl(List<String> args, Duration timeout) {
    List<String> command = new ArrayList<>(List.of(binDir.resolve("pg_ctl").toString(), "-D", dataDir.toString()));
    command.addAll(args);
    Shell.run(Shell.as(OS_USER, command), toolLog(), timeout);
  }

  @Override
  public String toString() {
    return name + "@" + port;
  }
}
