package dev.junction.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One MariaDB server with binary logging and GTIDs, run as a child process of this JVM.
 *
 * <p>The data directory comes from {@code mariadb-install-db}; a {@code root@127.0.0.1} account
 * with an empty password is added (outside the binary log) so that JDBC over TCP works.
 *
 * <p>A server of a shared cluster is handed to each test class as a view bound to the class's own
 * database, which refuses stop, kill and start (see {@link PostgresServer}).
 */
public final class MariaDbServer extends ChildProcessServer implements JdbcServer {
  public static final String DATABASE = "junction";

  private final Path binary;
  private final Path dir;
  private final int serverId;
  private final boolean readOnly;
  /** The server whose process this object controls: itself, or the shared server this is a view of. */
  private final MariaDbServer process;
  private final String database;

  MariaDbServer(String name, Path binary, Path dir, int port, int serverId, boolean readOnly) {
    super(name, port, dir.resolve("mariadbd.log"));
    this.binary = binary;
    this.dir = dir;
    this.serverId = serverId;
    this.readOnly = readOnly;
    this.process = this;
    this.database = DATABASE;
  }

  private MariaDbServer(MariaDbServer process, String database) {
    super(process.name(), process.port(), process.dir.resolve("mariadbd.log"));
    this.binary = process.binary;
    this.dir = process.dir;
    this.serverId = process.serverId;
    this.readOnly = process.readOnly;
    this.process = process;
    this.database = database;
  }

  /** A view of this server bound to {@code database}, which cannot stop or restart it. */
  MariaDbServer sharedView(String database) {
    return new MariaDbServer(process, database);
  }

  /** True for a server of a shared cluster, as handed to one test class. */
  public boolean isShared() {
    return process != this;
  }

  /** The database of {@link #jdbcUrl()}: {@value #DATABASE}, or a shared cluster's per-class one. */
  public String database() {
    return database;
  }

  @Override
  public boolean isRunning() {
    return isShared() ? process.isRunning() : super.isRunning();
  }

  @Override
  public synchronized void start() {
    refuseIfShared("started");
    super.start();
  }

  @Override
  public synchronized void stop() {
    refuseIfShared("stopped");
    super.stop();
  }

  @Override
  public synchronized void kill() {
    refuseIfShared("killed");
    super.kill();
  }

  /** A view closes nothing: the shared server outlives each class. */
  @Override
  public void close() {
    if (!isShared()) {
      super.close();
    }
  }

  private void refuseIfShared(String what) {
    if (isShared()) {
      throw new UnsupportedOperationException(name() + " belongs to a shared cluster (LocalCluster.Builder.shared) and cannot be "
          + what + ": other test classes use it; start a private cluster with LocalCluster.builder()...start()");
    }
  }

  static MariaDbServer create(String name, Path baseDir, int serverId, boolean readOnly) {
    Path binary = Binaries.require(Binaries.mariadbServer(), "mariadbd", "mariadb-server");
    Path installDb = Binaries.require(Binaries.mariadbInstallDb(), "mariadb-install-db", "mariadb-server");
    try {
      Path dir = Files.createDirectories(baseDir.resolve(name));
      // a private temp dir: servers set up in parallel otherwise collide on /tmp/#sql-temptable-* files
      Files.createDirectories(dir.resolve("tmp"));
      Shell.run(List.of("cp", "-a", template(installDb).toString(), dir.resolve("data").toString()), dir.resolve("install.log"),
          Duration.ofSeconds(120));
      return new MariaDbServer(name, binary, dir, Ports.free(), serverId, readOnly);
    } catch (IOException e) {
      throw new IllegalStateException("cannot prepare " + baseDir + " for MariaDB: " + e.getMessage(), e);
    }
  }

  /** A fresh {@code mariadb-install-db} data directory, made once per JVM (see {@link #template(Path)}). */
  private static Path template;

  /**
   * The data directory every server starts from: {@code mariadb-install-db} runs once per JVM and each
   * server gets a copy ({@code cp -a}: about 0.1 s against 1.6 s for the tool, and a pair needed two in
   * a row). The data holds nothing per server (server id, port and paths are command-line options).
   * Deleted at JVM exit, or by a {@link Reaper} if the JVM is killed.
   */
  private static synchronized Path template(Path installDb) throws IOException {
    if (template != null && Files.isDirectory(template)) {
      return template;
    }
    Path dir = Files.createTempDirectory("junction-mariadb-template-");
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> Cleanup.deleteTree(dir), "local-cluster-mariadb-template"));
    Reaper.watch(dir);
    List<String> install = new ArrayList<>(List.of(installDb.toString(), "--no-defaults",
        "--datadir=" + dir.resolve("data"), "--tmpdir=" + tmp, "--auth-root-authentication-method=normal",
        "--skip-test-db", "--skip-name-resolve"));
    if (Shell.isRoot()) {
      install.add("--user=root");
    }
    Shell.run(install, dir.resolve("install.log"), Duration.ofSeconds(180));
    template = dir.resolve("data");
    return template;
  }

  @Override public String user() { return "root"; }
  @Override public String password() { return ""; }

  @Override
  public String jdbcUrl() {
    return "jdbc:mysql://127.0.0.1:" + port() + "/" + database
        + "?useSSL=false&allowPublicKeyRetrieval=true&connectTimeout=2000";
  }

  Path socket() {
    return dir.resolve("mysqld.sock");
  }

  @Override
  List<String> command() {
    List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--no-defaults",
        "--datadir=" + dir.resolve("data"), "--tmpdir=" + dir.resolve("tmp"), "--port=" + port(), "--bind-address=127.0.0.1",
        "--socket=" + socket(), "--pid-file=" + dir.resolve("mysqld.pid"),
        "--log-error=" + dir.resolve("error.log"),
        "--server-id=" + serverId, "--log-bin=" + dir.resolve("binlog"), "--binlog-format=ROW",
        "--log-slave-updates=1", "--gtid-strict-mode=1", "--skip-name-resolve",
        "--innodb-buffer-pool-size=64M", "--innodb-flush-log-at-trx-commit=2", "--sync-binlog=0",
        "--max-connections=300",
        "--session-track-system-variables=autocommit,character_set_client,character_set_connection,character_set_results,time_zone,last_gtid",
        "--read-only=" + (readOnly ? 1 : 0)));
    if (Shell.isRoot()) {
      cmd.add("--user=root");
    }
    return cmd;
  }

  @Override
  void awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!isRunning()) {
        throw new IllegalStateException("mariadbd exited; see " + dir.resolve("error.log") + "\n"
            + Shell.tail(dir.resolve("error.log"), 0));
      }
      if (Files.exists(socket())) {
        try {
          bootstrapAccounts();
          return;
        } catch (IllegalStateException notYet) {
          // socket file appears slightly before the server accepts; retry
        }
      }
      sleep(50);
    }
    throw new IllegalStateException("MariaDB on port " + port() + " not ready within " + timeout);
  }

  /** Idempotently creates the TCP root account and the test database, without writing the binlog. */
  private void bootstrapAccounts() {
    String sql = "SET SESSION sql_log_bin=0;"
        + "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';"
        + "GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;"
        + "FLUSH PRIVILEGES;";
    runSql(sql);
  }

  /** Runs SQL through the command-line client over the unix socket as root. */
  public String runSql(String sql) {
    Path client = Binaries.require(Binaries.mariadbClient(), "mariadb client", "mariadb-client");
    return Shell.run(List.of(client.toString(), "--no-defaults", "--socket=" + socket(), "-uroot",
        "--batch", "--skip-column-names", "-e", sql), dir.resolve("client.log"), Duration.ofSeconds(30));
  }

  @Override
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), user(), password());
  }

  /**
   * Connects without selecting a database: on a replica the {@code junction} database only exists once
   * replication has applied its CREATE DATABASE, so catch-up checks must not depend on it.
   */
  public Connection connectWithoutDatabase() throws SQLException {
    return DriverManager.getConnection(jdbcUrl().replace("/" + database + "?", "/?"), user(), password());
  }
}
