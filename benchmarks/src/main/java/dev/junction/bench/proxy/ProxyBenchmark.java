package dev.junction.bench.proxy;

import dev.junction.local.Binaries;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.local.PostgresServer;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * pgbench through the Junction proxy, through PgBouncer (transaction pooling, same pool size) and
 * directly against the primary, on the same local servers in one run. Targets are interleaved round
 * by round, so noise on a shared machine hits all three alike.
 *
 * <ul>
 *   <li>Workloads: select-only ({@code -S}) and TPC-B-like, each with {@code -M simple}, {@code extended}
 *       and {@code prepared}; 16, 64 and 256 clients; pools of 20 per endpoint (PgBouncer: 20 to the
 *       primary; Junction: 20 to the primary and to each of two replicas, reads spread over them).</li>
 *   <li>Idle: 1,000 logged-in idle connections held open beside 64 active select-only clients;
 *       the proxy's resident memory before and after gives its memory per idle client.</li>
 *   <li>Figures: TPS, TPS ratios, p99 latency (from pgbench's per-transaction log).</li>
 * </ul>
 *
 * <p>The Junction proxy runs as its own process ({@code java -jar router-proxy.jar --config}), as in
 * production, so its memory is measured alone. Every results file starts with the commit (and whether
 * the tree was dirty), versions, machine, load and time.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.junction.bench.proxy.ProxyBenchmark [--quick] [--out DIR] [--img DIR]
 * [--workloads select-only,tpcb-like] [--modes simple,extended,prepared] [--clients 16,64,256] [--seconds N] [--rounds N] [--skip-idle]
 * [--idle-only] [--warmup SECONDS] [--keep-logs DIR] [--primary-only] [--replicas N] [--direct-replica] [--direct-split] [--shared-buffers SIZE] [--jar PATH] [--baseline-jar PATH] [--worker-threads N]
 * [--pgbouncer PATH]} ({@code --pgbouncer}: the PgBouncer binary, by default Debian's {@code /usr/sbin/pgbouncer};
 * from 1.21 on it is configured to track prepared statements, so {@code -M prepared} is compared too); ({@code --jar}: the proxy under test, by default
 * {@code router-proxy/target/router-proxy.jar});
 * {@code --direct-replica} adds pgbench straight at the first replica (target {@code direct-replica}): what a hot
 * standby serves on this host, beside {@code direct} (the primary), for reading what spreading reads costs here.
 * {@code --direct-split} adds target {@code direct-split}: the cell's clients split between the two replicas, one
 * pgbench straight at each, run at once (TPS summed, p99 over both logs). WHY: it is the issue topology without any
 * pooler, so {@code direct-split / direct} is what spreading reads over three servers on this host costs the servers
 * themselves, the ceiling of a read-routing proxy's ratio against a pooler in front of the primary alone.
 * {@code --shared-buffers SIZE} sets every server's {@code shared_buffers} (default 64MB, the test clusters' size, smaller
 * than the scale-10 data set of about 150 MB, so every server also reads pages from the OS page cache).
 * {@code JUNCTION_PROXY_JAVA_OPTS} adds JVM options to the proxy process (for example a JFR recording);
 * {@code JUNCTION_BASE_PROXY_JAVA_OPTS}, when set, replaces them for the {@code --baseline-jar} process (to compare
 * JVM options with one jar).
 *
 * <p>Warm-up: before the first measured cell every target runs each selected workload and mode for
 * {@code --warmup} seconds (default 20; 0 skips it), with the largest measured client count up to 64,
 * unmeasured. WHY: the proxy is a freshly started JVM; without it the first cells measured its JIT
 * compilers (a perf profile of the proxy during the first 64-client cells put about a third of its CPU
 * in the C1/C2 compiler threads), not the steady state that a long-running sidecar serves in. 5 s with
 * 16 clients was not enough: 16 clients never wait for a pool connection, so the 64-client cells still
 * compiled those paths, and the C2 thread was 30 % of the proxy's CPU in the first measured round and
 * 13 % in the second (proxy-perf5). PgBouncer and PostgreSQL get the same warm-up, so the comparison
 * stays even.
 *
 * <p>The proxy runs with the JVM options of the shipped launcher: {@code -Xmx512m} (the systemd unit's)
 * and {@link #LAUNCHER_GC} unless {@code JUNCTION_PROXY_JAVA_OPTS} choose a collector.
 *
 * <p>{@code --baseline-jar} starts a second Junction proxy from another build (for example the
 * previous commit's {@code router-proxy.jar}) as target {@code junction-base}, interleaved with the
 * others in every round, so a change is measured before/after in one run on the same servers;
 * its columns are appended to {@code proxy.csv}. Its pools hold another 60 server connections, so with it
 * 256 direct clients exceed the servers' {@code max_connections} (300): use it with 64 clients or fewer.
 */
public final class ProxyBenchmark {
  private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+)");
  private static final Pattern FAILED = Pattern.compile("number of failed transactions: (\\d+)");
  private static final int POOL = 20;
  /** The collector router-proxy-dist's bin/junction-proxy chooses when JAVA_OPTS name none (see there). */
  static final String LAUNCHER_GC = "-XX:+UseSerialGC";

  private ProxyBenchmark() {}

  record Result(double tps, double p99Millis, double cpuMicrosPerTx) {
    Result(double tps, double p99Millis) {
      this(tps, p99Millis, Double.NaN);
    }
  }

  public static void main(String[] args) throws Exception {
    List<String> a = Arrays.asList(args);
    boolean quick = a.contains("--quick");
    Path out = Path.of(option(a, "--out", "benchmarks/results"));
    Path img = Path.of(option(a, "--img", "docs/img"));
    int seconds = quick ? 5 : 15;
    int rounds = Integer.parseInt(option(a, "--rounds", quick ? "1" : "2"));
    int[] clients = Arrays.stream(option(a, "--clients", quick ? "16,64" : "16,64,256").split(","))
        .mapToInt(Integer::parseInt).toArray();
    String[] modes = option(a, "--modes", "simple,extended,prepared").split(",");
    String[] workloads = option(a, "--workloads", "select-only,tpcb-like").split(",");
    seconds = Integer.parseInt(option(a, "--seconds", Integer.toString(seconds)));
    int warmup = Integer.parseInt(option(a, "--warmup", "20"));
    String workerThreads = option(a, "--worker-threads", null);
    primaryOnly = a.contains("--primary-only");
    replicaLimit = Integer.parseInt(option(a, "--replicas", "2"));
    pgbenchThreads = Integer.parseInt(option(a, "--pgbench-threads", "2"));
    String sharedBuffers = option(a, "--shared-buffers", "64MB");
    if (!sharedBuffers.matches("[0-9]+(kB|MB|GB)")) {
      throw new IllegalArgumentException("--shared-buffers wants a PostgreSQL size such as 256MB, got " + sharedBuffers);
    }
    int junctionPool = Integer.parseInt(option(a, "--junction-pool", Integer.toString(POOL)));
    int basePool = Integer.parseInt(option(a, "--baseline-pool", Integer.toString(junctionPool)));
    boolean basePrimaryOnly = primaryOnly || a.contains("--baseline-primary-only");
    boolean perfSyscalls = a.contains("--perf-syscalls");
    String keep = option(a, "--keep-logs", null);
    keepLogs = keep == null ? null : Path.of(keep).toAbsolutePath();
    String baselineOption = option(a, "--baseline-jar", null);
    Path baselineJar = baselineOption == null ? null : Path.of(baselineOption);
    if (baselineJar != null && !Files.isReadable(baselineJar)) {
      throw new IllegalStateException("--baseline-jar " + baselineJar + " is not readable");
    }
    Path bin = Binaries.postgresBinDir().orElseThrow(() -> new IllegalStateException("PostgreSQL binaries not found"));
    Path pgbouncer = Path.of(option(a, "--pgbouncer", "/usr/sbin/pgbouncer"));
    if (!Files.isExecutable(pgbouncer)) {
      throw new IllegalStateException("pgbouncer not found at " + pgbouncer
          + ": apt-get install -y pgbouncer (benchmarks/run-proxy.sh does it), or name a build with --pgbouncer PATH");
    }
    Path proxyJar = Path.of(option(a, "--jar", "router-proxy/target/router-proxy.jar"));
    if (!Files.isReadable(proxyJar)) {
      throw new IllegalStateException("build the proxy first: mvn -q -DskipTests -pl benchmarks -am package");
    }
    StringBuilder provenance = new StringBuilder();
    provenance.append("# started ").append(Instant.now()).append('\n')
        .append("# commit ").append(sh("git", "rev-parse", "HEAD").strip())
        .append(sh("git", "status", "--porcelain").isBlank() ? " (clean)" : " (dirty tree)").append('\n')
        .append("# junction: ").append(proxyJar).append(workerThreads == null ? "" : ", worker-threads " + workerThreads)
        .append(primaryOnly ? ", primary only (--primary-only: no replicas configured, PgBouncer's topology)" : "")
        .append(!primaryOnly && replicaLimit < 2 ? ", " + replicaLimit + " replica(s) configured (--replicas)" : "")
        .append(junctionPool != POOL ? ", pool " + junctionPool + " per endpoint (--junction-pool)" : "").append('\n')
        .append("# java ").append(System.getProperty("java.version")).append(", ").append(sh(bin.resolve("postgres").toString(), "--version").strip())
        .append(", ").append(sh(pgbouncer.toString(), "--version").lines().findFirst().orElse("pgbouncer ?")).append('\n')
        .append("# machine ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ").append(sh("uname", "-sr").strip()).append('\n')
        .append("# load before ").append(Files.readString(Path.of("/proc/loadavg")).strip()).append('\n')
        .append("# pgbench -j ").append(pgbenchThreads).append(" -T ").append(seconds).append(", ").append(rounds).append(" interleaved round(s), pool ").append(POOL)
        .append(" per endpoint, scale 10, shared_buffers ").append(sharedBuffers).append(" per server, warm-up ").append(warmup).append(" s per workload and mode before measuring\n");
    if (baselineJar != null) {
      provenance.append("# junction-base: ").append(baselineJar).append(" (").append(Files.size(baselineJar)).append(" bytes, ")
          .append(Files.getLastModifiedTime(baselineJar)).append(")")
          .append(basePrimaryOnly ? ", primary only" : "").append(basePool != POOL ? ", pool " + basePool + " per endpoint" : "")
          .append("\n");
    }
    System.out.print(provenance);
    try (LocalCluster cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO, Duration.ZERO)
        .postgresSettings("shared_buffers = " + sharedBuffers).start()) {
      PostgresReplicaSet pg = cluster.postgres(0);
      int primaryPort = pg.primary().port();
      run(List.of(bin.resolve("pgbench").toString(), "-i", "-q", "-s", "10", "-h", "127.0.0.1", "-p", Integer.toString(primaryPort),
          "-U", "postgres", "postgres"), 600);
      Thread.sleep(2000);
      Path work = cluster.baseDir().resolve("bench");
      Files.createDirectories(work);
      try (JunctionProcess junction = JunctionProcess.start(proxyJar, work.resolve("junction"), pg, workerThreads,
          System.getenv("JUNCTION_PROXY_JAVA_OPTS"), primaryOnly, junctionPool);
           JunctionProcess base = baselineJar == null ? null : JunctionProcess.start(baselineJar, work.resolve("junction-base"), pg, null,
               System.getenv().getOrDefault("JUNCTION_BASE_PROXY_JAVA_OPTS", System.getenv("JUNCTION_PROXY_JAVA_OPTS")),
               basePrimaryOnly, basePool);
           PgBouncer bouncer = PgBouncer.start(pgbouncer, sh(pgbouncer.toString(), "--version"), cluster.baseDir().resolve("pgbouncer"),
               primaryPort, POOL)) {
        Map<String, Integer> targets = new LinkedHashMap<>();
        targets.put("direct", primaryPort);
        if (a.contains("--direct-replica")) {
          targets.put("direct-replica", pg.replica(0).port()); // what a hot standby on this host serves on its own
        }
        if (a.contains("--direct-split")) {
          splitPorts = new int[] {pg.replica(0).port(), pg.replica(1).port()};
          targets.put(DIRECT_SPLIT, -1);
        }
        targets.put("pgbouncer", bouncer.port());
        targets.put("junction", junction.port());
        if (base != null) {
          targets.put("junction-base", base.port());
        }
        Map<String, Long> pids = new LinkedHashMap<>();
        pids.put("pgbouncer", bouncer.pid());
        pids.put("junction", junction.pid());
        if (base != null) {
          pids.put("junction-base", base.pid());
        }
        int warmupClients = Math.min(64, Arrays.stream(clients).max().orElse(16));
        if (warmup > 0 && !a.contains("--idle-only")) {
          for (String workload : workloads) {
            for (String mode : modes) {
              for (Map.Entry<String, Integer> t : targets.entrySet()) {
                pgbenchOrUnsupported(t.getKey(), bin, t.getValue(), workload, mode, warmupClients, warmup, work);
              }
            }
          }
          System.out.println("warmed up: " + warmup + " s per target, workload and mode, " + warmupClients + " clients");
        }
        List<String> rows = new ArrayList<>();
        List<String> detail = new ArrayList<>();
        for (String workload : a.contains("--idle-only") ? new String[0] : workloads) {
          for (String mode : modes) {
            for (int c : clients) {
              Map<String, List<Result>> results = new LinkedHashMap<>();
              for (int r = 0; r < rounds; r++) {
                for (Map.Entry<String, Integer> t : targets.entrySet()) {
                  long[] serverBefore = serverCounts(bin, pg);
                  long sessionsBefore = serverBefore[0];
                  Long pid = pids.get(t.getKey());
                  long cpuBefore = pid == null ? 0 : cpuTicks(pid);
                  ProcStats statsBefore = pid == null ? null : ProcStats.read(pid);
                  long machineBefore = ProcStats.machineBusyTicks();
                  // traced in the last round only: syscall tracepoints slow every system call a little, so the rounds
                  // before it keep CPU figures untouched by the measurement
                  PerfStat perf = pid != null && perfSyscalls && r == rounds - 1 ? PerfStat.start(pid, work) : null;
                  Result res = pgbenchOrUnsupported(t.getKey(), bin, t.getValue(), workload, mode, c, seconds, work);
                  long machineTicks = ProcStats.machineBusyTicks() - machineBefore;
                  long[] serverAfter = serverCounts(bin, pg);
                  String perfCounts = perf == null ? "" : perf.stop();
                  // the pooler's own CPU per transaction: steadier than TPS on a shared machine
                  if (pid != null && !Double.isNaN(res.tps)) {
                    res = new Result(res.tps, res.p99Millis, (cpuTicks(pid) - cpuBefore) * 1e6 / TICKS_PER_SECOND / (res.tps * seconds));
                  }
                  results.computeIfAbsent(t.getKey(), k -> new ArrayList<>()).add(res);
                  if (!Double.isNaN(res.tps)) {
                    String machine = String.format(Locale.ROOT, "%.1f", machineTicks * 1e6 / TICKS_PER_SECOND / (res.tps * seconds));
                    String serverXacts = String.format(Locale.ROOT, "%.2f", (serverAfter[1] - serverBefore[1]) / (res.tps * seconds));
                    String line = String.join(",", t.getKey(), workload, mode, Integer.toString(c), Integer.toString(r + 1), fmt(res.tps),
                        machine, serverXacts, pid == null ? "" : String.format(Locale.ROOT, "%.1f", res.cpuMicrosPerTx),
                        pid == null ? ",".repeat(ProcStats.header().split(",").length - 1)
                            : ProcStats.read(pid).perTransaction(statsBefore, res.tps * seconds, TICKS_PER_SECOND))
                        + (!perfSyscalls ? "" : "," + (perf == null ? ",".repeat(PerfStat.EVENTS.length - 1)
                            : PerfStat.perTransaction(perfCounts, res.tps * seconds)));
                    detail.add(line);
                    System.out.println("  detail " + line);
                  }
                  String cpu = Double.isNaN(res.cpuMicrosPerTx) ? "" : String.format(Locale.ROOT, ", its CPU %.1f us per transaction",
                      res.cpuMicrosPerTx);
                  System.out.printf(Locale.ROOT, "  %-9s server sessions opened during the run: %d%s%n", t.getKey(),
                      serverAfter[0] - sessionsBefore, cpu);
                }
              }
              Result d = median(results.get("direct"));
              Result b = median(results.get("pgbouncer"));
              Result j = median(results.get("junction"));
              String row = String.join(",", workload, mode, Integer.toString(c), fmt(d.tps), fmt(b.tps), fmt(j.tps),
                  ratio(j.tps / b.tps), ratio(j.tps / d.tps), ms(d.p99Millis), ms(b.p99Millis), ms(j.p99Millis),
                  cpu(results.get("pgbouncer")), cpu(results.get("junction")));
              if (base != null) {
                Result o = median(results.get("junction-base"));
                row += "," + String.join(",", fmt(o.tps), ratio(o.tps / b.tps), ms(o.p99Millis), ratio(j.tps / o.tps),
                    cpu(results.get("junction-base")));
                System.out.printf(Locale.ROOT, "%-11s %-8s c=%3d  junction-base %7.0f  base/b %.2f  junction/base %.2f  p99 ms base %s%n",
                    workload, mode, c, o.tps, o.tps / b.tps, j.tps / o.tps, ms(o.p99Millis));
              }
              rows.add(row);
              System.out.printf(Locale.ROOT, "%-11s %-8s c=%3d  direct %7.0f  pgbouncer %7.0f  junction %7.0f  j/b %.2f  j/d %.2f"
                  + "  p99 ms d/b/j %s/%s/%s%n", workload, mode, c, d.tps, b.tps, j.tps, j.tps / b.tps, j.tps / d.tps,
                  ms(d.p99Millis), ms(b.p99Millis), ms(j.p99Millis));
            }
          }
        }
        if (!rows.isEmpty()) { // written before the idle phase, so that a failure there loses no figures
          Files.createDirectories(out);
          Path csvFile = out.resolve("proxy.csv");
          Files.writeString(csvFile, provenance + "# load after " + Files.readString(Path.of("/proc/loadavg")).strip() + "\n"
              + "# finished " + Instant.now() + "\n"
              + "workload,mode,clients,direct_tps,pgbouncer_tps,junction_tps,junction_over_pgbouncer,"
              + "junction_over_direct,direct_p99_ms,pgbouncer_p99_ms,junction_p99_ms,pgbouncer_cpu_us_per_tx,junction_cpu_us_per_tx"
              + (base == null ? "" : ",junction_base_tps,junction_base_over_pgbouncer,junction_base_p99_ms,junction_over_junction_base,"
                  + "junction_base_cpu_us_per_tx")
              + "\n" + String.join("\n", rows) + "\n");
          Plot.render(csvFile, img.resolve("bench-proxy.png"));
          System.out.println("wrote " + csvFile);
          Path detailFile = out.resolve("proxy-detail.csv");
          Files.writeString(detailFile, provenance + "# load after " + Files.readString(Path.of("/proc/loadavg")).strip() + "\n"
              + "# finished " + Instant.now() + "\n"
              + "# per transaction of each measured pgbench run, from /proc/PID/task/*/{stat,status} and /proc/PID/io (ProcStats)"
              + (perfSyscalls ? " and, in the last round only, perf stat -p PID (PerfStat)" : "") + "\n"
               + "target,workload,mode,clients,round,tps,machine_cpu_us_per_tx,server_xacts_per_tx,cpu_us_per_tx," + ProcStats.header()
              + (perfSyscalls ? "," + PerfStat.header() : "") + "\n" + String.join("\n", detail) + "\n");
          System.out.println("wrote " + detailFile);
        }
        Files.createDirectories(out);
        List<String> idleRows = new ArrayList<>();
        List<Map.Entry<String, Integer>> idleTargets = a.contains("--skip-idle") ? List.of()
            : List.of(Map.entry("pgbouncer", bouncer.port()), Map.entry("junction", junction.port()));
        for (Map.Entry<String, Integer> t : idleTargets) {
          long pid = t.getKey().equals("junction") ? junction.pid() : bouncer.pid();
          // the phase's own workload warmed up first, unmeasured: after the TPC-B cells the replicas had just replayed
          // their writes, and Junction ran select-only at half its warm level (proxy-perf9, tpcb-idle/)
          if (warmup > 0) {
            pgbench(bin, t.getValue(), "select-only", "simple", 64, warmup, work);
          }
          // the same 64 clients without the idle ones first, so the cost of holding them is read within one target and minute
          Result alone = pgbench(bin, t.getValue(), "select-only", "simple", 64, seconds, work);
          long before = rssKib(pid);
          List<Socket> idle = new ArrayList<>();
          try {
            openIdle(t.getValue(), 1000, idle);
          } catch (IOException e) {
            for (Socket s : idle) {
              s.close();
            }
            idleRows.add(String.join(",", t.getKey(), "1000", Long.toString(before), "", "", "", "", fmt(alone.tps),
                "failed after " + (idle.size() - 1) + " logins: " + e.getMessage()));
            System.out.printf(Locale.ROOT, "idle %-9s failed after %d logins: %s%n", t.getKey(), idle.size() - 1, e);
            continue;
          }
          Thread.sleep(2000);
          long after = rssKib(pid);
          // simple protocol: PgBouncer before 1.21 cannot keep prepared statements in transaction mode
          Result active = pgbench(bin, t.getValue(), "select-only", "simple", 64, seconds, work);
          for (Socket s : idle) {
            s.close();
          }
          double perClient = (after - before) / 1000.0;
          idleRows.add(String.join(",", t.getKey(), "1000", Long.toString(before), Long.toString(after),
              String.format(Locale.ROOT, "%.1f", perClient), fmt(active.tps), ms(active.p99Millis), fmt(alone.tps)));
          System.out.printf(Locale.ROOT, "idle %-9s 1000 idle + 64 active: rss %d -> %d KiB (%.1f KiB per idle client), tps %.0f, p99 %s ms"
              + " (64 active alone just before: tps %.0f)%n", t.getKey(), before, after, perClient, active.tps, ms(active.p99Millis), alone.tps);
        }
        String idleProvenance = provenance + "# load after " + Files.readString(Path.of("/proc/loadavg")).strip() + "\n"
            + "# finished " + Instant.now() + "\n";
        Files.writeString(out.resolve("proxy-idle.csv"), idleProvenance
            + "target,idle_clients,rss_before_kib,rss_after_kib,kib_per_idle_client,tps_64_active,p99_ms_64_active,tps_64_active_without_idle\n"
            + String.join("\n", idleRows) + "\n");
        System.out.println("wrote " + out.resolve("proxy-idle.csv"));
      }
    }
  }

  /** Opens {@code n} logged-in, idle connections (trust authentication) and keeps them open. */
  static void openIdle(int port, int n, List<Socket> sockets) throws IOException {
    byte[] params = "user\0postgres\0database\0postgres\0\0".getBytes(StandardCharsets.US_ASCII);
    byte[] startup = ByteBuffer.allocate(8 + params.length).putInt(8 + params.length).putInt(3 << 16).put(params).array();
    for (int i = 0; i < n; i++) {
      Socket s = new Socket();
      sockets.add(s); // closed by the caller, also when a login fails
      s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      s.setSoTimeout(60_000);
      s.getOutputStream().write(startup);
      DataInputStream in = new DataInputStream(s.getInputStream());
      while (true) {
        int type = in.readUnsignedByte();
        int length = in.readInt();
        in.readFully(new byte[length - 4]);
        if (type == 'Z') {
          break;
        }
        if (type == 'E') {
          throw new IOException("login " + i + " refused on port " + port);
        }
      }
    }
  }

  /**
   * {sessions started, transactions ended} so far, summed over the primary and its replicas (PostgreSQL 14+
   * {@code pg_stat_database.sessions}, {@code xact_commit + xact_rollback}; a standby counts its own read
   * transactions). A pooler that churns server connections shows in the first; one that runs statements of its
   * own per client transaction (settings, positions) in the second, as server transactions per pgbench one.
   * The statistics are flushed by busy backends about once a second, so a 10 s cell's count is close, not exact.
   */
  static long[] serverCounts(Path bin, PostgresReplicaSet pg) throws Exception {
    List<PostgresServer> servers = new ArrayList<>();
    servers.add(pg.primary());
    servers.addAll(pg.replicas());
    long[] total = new long[2];
    for (PostgresServer s : servers) {
      String out = run(List.of(bin.resolve("psql").toString(), "-h", "127.0.0.1", "-p", Integer.toString(s.port()), "-U", "postgres",
          "-At", "-c", "SELECT coalesce(sum(sessions), 0) || ' ' || coalesce(sum(xact_commit + xact_rollback), 0) FROM pg_stat_database",
          "postgres"), 30);
      String[] v = out.strip().split(" ");
      total[0] += Long.parseLong(v[0]);
      total[1] += Long.parseLong(v[1]);
    }
    return total;
  }

  /** USER_HZ of /proc/PID/stat on Linux. */
  static final double TICKS_PER_SECOND = 100.0;

  /** User plus system CPU time of process {@code pid} and its threads, in clock ticks. */
  static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
  }

  static long rssKib(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IOException("no VmRSS for pid " + pid);
  }

  /**
   * PgBouncer before 1.21 does not track prepared statements in transaction pooling, so pgbench
   * {@code -M prepared} through it aborts with "prepared statement ... does not exist". That is a
   * property of the peer, recorded as NaN (printed "n/a"), not a reason to lose the rest of the run.
   */
  static Result pgbenchOrUnsupported(String target, Path bin, int port, String workload, String mode, int clients, int seconds,
      Path work) throws Exception {
    if (target.equals(DIRECT_SPLIT) && !workload.equals("select-only")) {
      return new Result(Double.NaN, Double.NaN); // replicas refuse TPC-B's writes
    }
    try {
      return pgbench(target, bin, port, workload, mode, clients, seconds, work);
    } catch (IllegalStateException e) {
      if (target.equals("pgbouncer") && mode.equals("prepared") && String.valueOf(e.getMessage()).contains("prepared statement")) {
        return new Result(Double.NaN, Double.NaN);
      }
      throw e;
    }
  }

  static Result pgbench(Path bin, int port, String workload, String mode, int clients, int seconds, Path work) throws Exception {
    return pgbench("port" + port, bin, port, workload, mode, clients, seconds, work);
  }

  /**
   * {@code --primary-only}: both Junction processes front the primary alone, as PgBouncer does. WHY: configured
   * with the two replicas, reads go to them, and on a 2-core host three servers and 40 busy server processes
   * compete with the proxy for the same cores: in proxy-perf5 the same jar ran at 0.61x PgBouncer's TPS that
   * way and at 0.91x in front of the primary alone, with half the p99 and 30 % less CPU per transaction.
   */
  static boolean primaryOnly;
  /** How many of the cluster's replicas the proxies are configured with ({@code --replicas}, default both). */
  static int replicaLimit = 2;

  /**
   * {@code --pgbench-threads N} (default 2): pgbench's {@code -j}. WHY: TPC-B {@code -M prepared} deadlocks
   * PgBouncer when one pgbench thread drives more clients than the pool has servers (docs/proxy.md, "Pool
   * modes"); with more threads it can be compared at 64 and 256 clients.
   */
  static int pgbenchThreads = 2;

  /** {@code --keep-logs DIR}: pgbench's per-transaction logs are moved there instead of deleted (latency over time). */
  static Path keepLogs;
  private static final java.util.concurrent.atomic.AtomicInteger keptRuns = new java.util.concurrent.atomic.AtomicInteger();

  /** The target name of {@code --direct-split}; its port in the target map is a placeholder. */
  static final String DIRECT_SPLIT = "direct-split";
  /** The replicas' ports for {@link #DIRECT_SPLIT}, set by {@code --direct-split}. */
  static int[] splitPorts;

  static Result pgbench(String target, Path bin, int port, String workload, String mode, int clients, int seconds, Path work)
      throws Exception {
    if (target.equals(DIRECT_SPLIT)) {
      return pgbenchSplit(bin, workload, mode, clients, seconds, work);
    }
    Raw raw = pgbenchRaw(target, bin, port, workload, mode, clients, pgbenchThreads, seconds, work);
    return new Result(raw.tps, p99Millis(raw.latencies));
  }

  /** What one pgbench run gave: its TPS and every transaction's latency in microseconds. */
  record Raw(double tps, List<Long> latencies) {}

  /** {@link #DIRECT_SPLIT}: half the clients (and pgbench threads) straight at each replica, both runs at once. */
  static Result pgbenchSplit(Path bin, String workload, String mode, int clients, int seconds, Path work) throws Exception {
    int threads = Math.max(1, pgbenchThreads / 2);
    java.util.concurrent.ExecutorService both = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      java.util.concurrent.Future<Raw> first = both.submit(() -> pgbenchRaw(DIRECT_SPLIT + "-1", bin, splitPorts[0], workload, mode,
          clients - clients / 2, threads, seconds, work));
      java.util.concurrent.Future<Raw> second = both.submit(() -> pgbenchRaw(DIRECT_SPLIT + "-2", bin, splitPorts[1], workload, mode,
          clients / 2, threads, seconds, work));
      Raw x = first.get();
      Raw y = second.get();
      List<Long> all = new ArrayList<>(x.latencies);
      all.addAll(y.latencies);
      return new Result(x.tps + y.tps, p99Millis(all));
    } finally {
      both.shutdownNow();
    }
  }

  static double p99Millis(List<Long> latencies) {
    List<Long> sorted = new ArrayList<>(latencies);
    sorted.sort(Long::compare);
    return sorted.isEmpty() ? -1 : sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(sorted.size() * 0.99) - 1)) / 1000.0;
  }

  static Raw pgbenchRaw(String target, Path bin, int port, String workload, String mode, int clients, int threads, int seconds,
      Path work) throws Exception {
    Path logs = Files.createTempDirectory(work, "pgbench");
    List<String> cmd = new ArrayList<>(List.of(bin.resolve("pgbench").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port),
        "-U", "postgres", "-c", Integer.toString(clients), "-j", Integer.toString(threads), "-T", Integer.toString(seconds), "-n", "-M", mode,
        "-l", "--log-prefix", logs.resolve("tx").toString()));
    if (workload.equals("select-only")) {
      cmd.add("-S");
    }
    cmd.add("postgres");
    String text = run(cmd, 300 + seconds);
    Matcher failed = FAILED.matcher(text);
    if (failed.find() && Integer.parseInt(failed.group(1)) != 0) {
      throw new IllegalStateException("pgbench reported failed transactions on port " + port + ":\n" + text);
    }
    Matcher m = TPS.matcher(text);
    if (!m.find()) {
      throw new IllegalStateException("no tps in pgbench output:\n" + text);
    }
    List<Long> latencies = new ArrayList<>();
    try (Stream<Path> files = Files.list(logs)) {
      for (Path f : files.toList()) {
        for (String line : Files.readAllLines(f)) {
          String[] cols = line.split(" ");
          if (cols.length >= 3) {
            latencies.add(Long.parseLong(cols[2]));
          }
        }
        if (keepLogs == null) {
          Files.delete(f);
        }
      }
    }
    if (keepLogs == null) {
      Files.delete(logs);
    } else {
      Path kept = keepLogs.resolve(String.format(Locale.ROOT, "%03d-%s-%s-%s-c%d", keptRuns.incrementAndGet(), target, workload, mode, clients));
      Files.createDirectories(kept.getParent());
      Files.move(logs, kept);
    }
    return new Raw(Double.parseDouble(m.group(1)), latencies);
  }

  static String run(List<String> command, int timeoutSeconds) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    Thread reader = new Thread(() -> {
      try (InputStream in = p.getInputStream()) {
        in.transferTo(buffer);
      } catch (Exception ignored) {
        // process ended
      }
    });
    reader.start();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("timed out: " + command);
    }
    reader.join();
    String text = buffer.toString(StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IllegalStateException("exit " + p.exitValue() + " from " + command + "\n" + text);
    }
    return text;
  }

  static String sh(String... command) {
    try {
      return run(List.of(command), 30);
    } catch (Exception e) {
      return "?";
    }
  }

  /** Median CPU microseconds per transaction over the rounds, or "" when not measured. */
  static String cpu(List<Result> values) {
    double[] v = values.stream().mapToDouble(Result::cpuMicrosPerTx).filter(x -> !Double.isNaN(x)).sorted().toArray();
    return v.length == 0 ? "" : String.format(Locale.ROOT, "%.1f", v[v.length / 2]);
  }

  static Result median(List<Result> values) {
    List<Result> sorted = new ArrayList<>(values);
    sorted.sort((x, y) -> Double.compare(x.tps, y.tps));
    return sorted.get(sorted.size() / 2);
  }

  static String fmt(double v) {
    return String.format(Locale.ROOT, "%.0f", v);
  }

  static String ratio(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }

  static String ms(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }

  static String option(List<String> args, String name, String fallback) {
    int i = args.indexOf(name);
    return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : fallback;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** The production proxy jar as its own process, configured like a deployment (trust auth on loopback). */
  static final class JunctionProcess implements AutoCloseable {
    private final Process process;
    private final int port;

    private JunctionProcess(Process process, int port) {
      this.process = process;
      this.port = port;
    }

    static JunctionProcess start(Path jar, Path dir, PostgresReplicaSet pg) throws Exception {
      return start(jar, dir, pg, null, System.getenv("JUNCTION_PROXY_JAVA_OPTS"), primaryOnly, POOL);
    }

    /** {@code workerThreads}: {@code junction.proxy.worker-threads}, or null for the proxy's default. */
    static JunctionProcess start(Path jar, Path dir, PostgresReplicaSet pg, String workerThreads, String extra, boolean primaryOnly,
                                 int pool) throws Exception {
      Files.createDirectories(dir);
      int port = freePort();
      StringBuilder yaml = new StringBuilder("junction:\n  dialect: postgresql\n  shards:\n    - name: main\n      primary:\n")
          .append(endpoint("primary", pg.primary(), "        ", pool))
          .append(primaryOnly ? "" : "      replicas:\n");
      for (int i = 0; !primaryOnly && i < Math.min(replicaLimit, pg.replicas().size()); i++) {
        yaml.append("        - ").append(endpoint("replica" + (i + 1), pg.replica(i), "          ", pool).substring(10));
      }
      yaml.append("  proxy:\n    listen: 127.0.0.1:").append(port).append("\n    admin-listen: 127.0.0.1:0\n    auth: trust\n")
          .append("    max-connections: 2000\n");
      if (workerThreads != null) {
        yaml.append("    worker-threads: ").append(Integer.parseInt(workerThreads)).append('\n');
      }
      Path config = dir.resolve("junction.yaml");
      Files.writeString(config, yaml);
      // the JVM options of the shipped launcher (bin/junction-proxy with the systemd unit's -Xmx512m): its
      // default collector unless the extra options choose one
      List<String> command = new ArrayList<>(List.of("java", "-Xmx512m"));
      List<String> options = extra == null || extra.isBlank() ? List.of() : Arrays.asList(extra.trim().split("\\s+"));
      if (options.stream().noneMatch(o -> o.startsWith("-XX:+Use") && o.endsWith("GC"))) {
        command.add(LAUNCHER_GC);
      }
      command.addAll(options);
      command.addAll(List.of("-jar", jar.toAbsolutePath().toString(), "--config", config.toString()));
      Process process = new ProcessBuilder(command)
          .redirectErrorStream(true).redirectOutput(dir.resolve("proxy.log").toFile()).start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline) {
        try (Socket probe = new Socket()) {
          probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
          return new JunctionProcess(process, port);
        } catch (IOException notYet) {
          if (!process.isAlive()) {
            throw new IllegalStateException("the proxy exited: " + Files.readString(dir.resolve("proxy.log")));
          }
          Thread.sleep(100);
        }
      }
      process.destroyForcibly();
      throw new IllegalStateException("the proxy did not listen on " + port);
    }

    private static String endpoint(String name, PostgresServer server, String indent, int pool) {
      return indent + "name: " + name + "\n" + indent + "url: " + server.jdbcUrl() + "\n" + indent + "username: " + server.user() + "\n"
          + indent + "password: \"\"\n" + indent + "pool: { maximum-size: " + pool + ", connection-timeout: 15s }\n"; // PgBouncer's server_connect_timeout
    }

    int port() {
      return port;
    }

    long pid() {
      return process.pid();
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
