package dev.junction.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A PostgreSQL primary with streaming replicas cloned by {@code pg_basebackup -R}.
 *
 * <p>Replica {@code i} is delayed by {@code applyDelays.get(i)} through {@code recovery_min_apply_delay}
 * (zero means a normal, fast standby). The cluster is initialised with the C locale so that text
 * ordering is byte order on every node, and with fsync off: these servers hold test data only.
 */
public final class PostgresReplicaSet implements AutoCloseable {
  private final String name;
  private final PostgresServer primary;
  private final List<PostgresServer> replicas;

  private PostgresReplicaSet(String name, PostgresServer primary, List<PostgresServer> replicas) {
    this.name = name;
    this.primary = primary;
    this.replicas = List.copyOf(replicas);
  }

  /** This set as one test class of a shared cluster sees it: every server bound to {@code database}. */
  PostgresReplicaSet sharedView(String database) {
    List<PostgresServer> views = new ArrayList<>();
    for (PostgresServer replica : replicas) {
      views.add(replica.sharedView(database));
    }
    return new PostgresReplicaSet(name, primary.sharedView(database), views);
  }

  public String name() { return name; }
  public PostgresServer primary() { return primary; }
  public List<PostgresServer> replicas() { return replicas; }
  public PostgresServer replica(int index) { return replicas.get(index); }

  static PostgresReplicaSet start(String name, Path baseDir, List<Duration> applyDelays, List<String> settings) {
    Path bin = Binaries.require(Binaries.postgresBinDir(), "PostgreSQL server binaries (initdb, pg_ctl)", "postgresql");
    try {
      Path setDir = Files.createDirectories(baseDir.resolve(name));
      Shell.chown(setDir, PostgresServer.OS_USER);
      PostgresServer primary = new PostgresServer(name + "-primary", bin, setDir.resolve("primary"), Ports.free());
      Shell.run(Shell.as(PostgresServer.OS_USER, List.of(bin.resolve("initdb").toString(), "-D", primary.dataDir().toString(),
          "-A", "trust", "-U", PostgresServer.DB_USER, "-E", "UTF8", "--locale=C", "--no-sync")),
          primary.toolLog(), Duration.ofSeconds(120));
      primary.appendConfig(
          "port = " + primary.port(),
          "listen_addresses = '127.0.0.1'",
          "unix_socket_directories = '" + setDir + "'",
          "wal_level = replica",
          "max_wal_senders = 10",
          "max_replication_slots = 10",
          "hot_standby = on",
          "hot_standby_feedback = on",
          "max_connections = 300",
          "shared_buffers = 64MB",
          "fsync = off",
          "full_page_writes = off",
          "wal_sender_timeout = 10s",
          "wal_receiver_status_interval = 1s",
          "logging_collector = off",
          "log_min_messages = warning");
      if (!settings.isEmpty()) {
        primary.appendConfig(settings.toArray(String[]::new));
      }
      Files.writeString(primary.dataDir().resolve("pg_hba.conf"),
          "host replication all 127.0.0.1/32 trust\n", java.nio.file.StandardOpenOption.APPEND);
      primary.start();

      List<PostgresServer> replicas = new ArrayList<>();
      try {
      for (int i = 0; i < applyDelays.size(); i++) {
        PostgresServer replica = new PostgresServer(name + "-replica" + (i + 1), bin, setDir.resolve("replica" + (i + 1)), Ports.free());
        Shell.run(Shell.as(PostgresServer.OS_USER, List.of(bin.resolve("pg_basebackup").toString(),
            "-h", "127.0.0.1", "-p", Integer.toString(primary.port()), "-U", PostgresServer.DB_USER,
            "-D", replica.dataDir().toString(), "-R", "-X", "stream", "-c", "fast", "--no-sync")),
            replica.toolLog(), Duration.ofSeconds(120));
        replica.appendConfig(
            "port = " + replica.port(),
            "recovery_min_apply_delay = '" + applyDelays.get(i).toMillis() + "ms'");
        replica.start();
        replicas.add(replica);
      }
      } catch (RuntimeException e) {
        replicas.forEach(Cleanup::quietly);
        Cleanup.quietly(primary);
        throw e;
      }
      return new PostgresReplicaSet(name, primary, replicas);
    } catch (IOException e) {
      throw new IllegalStateException("cannot prepare " + baseDir + " for PostgreSQL: " + e.getMessage(), e);
    }
  }

  /** Changes a replica's {@code recovery_min_apply_delay} at run time (reload, no restart). */
  public void setApplyDelay(int replicaIndex, Duration delay) {
    PostgresServer replica = replica(replicaIndex);
    replica.appendConfig("recovery_min_apply_delay = '" + delay.toMillis() + "ms'");
    replica.reload();
  }

  public List<PostgresServer> servers() {
    List<PostgresServer> all = new ArrayList<>();
    all.add(primary);
    all.addAll(replicas);
    return all;
  }

  @Override
  public void close() {
    for (int i = replicas.size() - 1; i >= 0; i--) {
      Cleanup.quietly(replicas.get(i));
    }
    Cleanup.quietly(primary);
  }
}
