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
 */
public final class PostgresServer implements JdbcServer {
  static final String OS_USER = "postgres";
  static final String DB_USER = "postgres";
  static final String DATABASE = "postgres";

  private final String name;
  private final Path binDir;
  private final Path dataDir;
  private final int port;
  private volatile boolean running;

  PostgresServer(String name, Path binDir, Path dataDir, int port) {
    this.name = name;
    this.binDir = binDir;
    this.dataDir = dataDir;
    this.port = port;
  }

  @Override public String name() { return name; }
  @Override public String host() { return "127.0.0.1"; }
  @Override public int port() { return port; }
  @Override public String user() { return DB_USER; }
  @Override public String password() { return ""; }
  @Override public boolean isRunning() { return running; }

  @Override
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
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
    pgCtl(List.of("start", "-w", "-t", "120", "-l", log().toString()), Duration.ofSeconds(150));
    running = true;
  }

  @Override
  public void stop() {
    pgCtl(List.of("stop", "-w", "-m", "fast", "-t", "60"), Duration.ofSeconds(90));
    running = false;
  }

  @Override
  public void kill() {
    pgCtl(List.of("stop", "-w", "-m", "immediate", "-t", "60"), Duration.ofSeconds(90));
    running = false;
  }

  /** Applies changed configuration without a restart ({@code pg_ctl reload}). */
  public void reload() {
    pgCtl(List.of("reload"), Duration.ofSeconds(30));
  }

  /** Appends settings to postgresql.conf (later lines win); call {@link #reload()} or restart to apply. */
  public void appendConfig(String... lines) {
    try {
      Files.writeString(dataDir.resolve("postgresql.conf"), "\n" + String.join("\n", lines) + "\n",
          java.nio.file.StandardOpenOption.APPEND);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot write " + dataDir.resolve("postgresql.conf") + ": " + e.getMessage(), e);
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
