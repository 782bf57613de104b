package dev.junction.bench.proxy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A PgBouncer in transaction-pooling mode in front of one PostgreSQL server, for side-by-side runs. */
final class PgBouncer implements AutoCloseable {
  private final Process process;
  private final int port;

  private PgBouncer(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** From this version on PgBouncer tracks protocol-level prepared statements in transaction pooling. */
  static final int[] PREPARED_STATEMENTS_SINCE = {1, 21};

  static PgBouncer start(Path binary, String versionOutput, Path dir, int backendPort, int poolSize) throws Exception {
    Files.createDirectories(dir);
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Files.writeString(dir.resolve("userlist.txt"), "\"postgres\" \"\"\n");
    Files.writeString(dir.resolve("pgbouncer.ini"), String.join("\n",
        "[databases]",
        "postgres = host=127.0.0.1 port=" + backendPort + " dbname=postgres",
        "[pgbouncer]",
        "listen_addr = 127.0.0.1",
        "listen_port = " + port,
        "unix_socket_dir = " + dir,
        "auth_type = trust",
        "auth_file = " + dir.resolve("userlist.txt"),
        "pool_mode = transaction",
        "max_client_conn = 2000",
        "default_pool_size = " + poolSize,
        "ignore_startup_parameters = extra_float_digits",
        // 200 is the default from 1.24 on; said explicitly so 1.21-1.23 (default 0, off) compare alike.
        tracksPreparedStatements(versionOutput) ? "max_prepared_statements = 200" : "",
        "logfile = " + dir.resolve("pgbouncer.log"),
        ""));
    boolean root = "root".equals(System.getProperty("user.name"));
    if (root) {
      new ProcessBuilder("chown", "-R", "postgres", dir.toString()).inheritIO().start().waitFor();
    }
    List<String> command = new ArrayList<>();
    if (root) {
      command.addAll(List.of("runuser", "-u", "postgres", "--")); // PgBouncer refuses to run as root
    }
    // runuser opens a PAM session that may reset the open-files limit to 1024: PgBouncer then cannot
    // accept the idle phase's 1,000 clients plus its server connections, and logins hang.
    command.addAll(List.of("sh", "-c", "ulimit -n 20000 2>/dev/null || ulimit -n 4096; exec \"$0\" \"$1\"",
        binary.toString(), dir.resolve("pgbouncer.ini").toString()));
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve("stdout.log").toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      try (Socket probe = new Socket()) {
        probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return new PgBouncer(process, port);
      } catch (IOException notYet) {
        if (!process.isAlive()) {
          throw new IllegalStateException("pgbouncer exited: " + Files.readString(dir.resolve("stdout.log")));
        }
        Thread.sleep(50);
      }
    }
    process.destroyForcibly();
    throw new IllegalStateException("pgbouncer did not listen on " + port);
  }

  /** Whether {@code pgbouncer --version} output ("PgBouncer 1.25.2 ...") names a version of 1.21 or later. */
  static boolean tracksPreparedStatements(String versionOutput) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("PgBouncer (\\d+)\\.(\\d+)").matcher(versionOutput);
    if (!m.find()) {
      return false;
    }
    int major = Integer.parseInt(m.group(1));
    int minor = Integer.parseInt(m.group(2));
    return major > PREPARED_STATEMENTS_SINCE[0] || (major == PREPARED_STATEMENTS_SINCE[0] && minor >= PREPARED_STATEMENTS_SINCE[1]);
  }

  int port() {
    return port;
  }

  /** The pgbouncer process itself (a child of runuser when started as root), for its memory. */
  long pid() {
    return process.toHandle().children().findFirst().map(ProcessHandle::pid).orElse(process.pid());
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
