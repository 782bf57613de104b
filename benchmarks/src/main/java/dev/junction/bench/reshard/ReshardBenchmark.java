package dev.junction.bench.reshard;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.health.ReplicaSelector;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresServer;
import dev.junction.reshard.ReshardJob;
import dev.junction.shard.KeyType;
import dev.junction.shard.ShardRing;
import dev.junction.shard.ShardedTable;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Copy throughput of a resharding against plain copies of the same rows on the same servers, and
 * the cut-over pause: one PostgreSQL shard (s0) grows to two (s1 new), so about half the rows move.
 *
 * <ul>
 *   <li>{@code junction copy}: {@link ReshardJob#copy()}: pages read and written with COPY, keys
 *       hashed in the client; and the same with {@code -Djunction.reshard.copy=rows} (paged reads,
 *       batched multi-row inserts: the path before COPY), rolled back before the COPY run.</li>
 *   <li>{@code COPY out|in}: the moving rows streamed with {@code COPY (SELECT ...) TO STDOUT} from s0
 *       and {@code COPY ... FROM STDIN} into s1 (pgjdbc's CopyManager), the fastest client-side path.</li>
 *   <li>{@code INSERT ... SELECT}: the moving rows copied inside s0 into another table (no network,
 *       no client): a ceiling no cross-server copy reaches.</li>
 *   <li>{@code cut-over}: {@link ReshardJob#cutover()} without load (a floor of one router lease).</li>
 * </ul>
 * Writes benchmarks/results/reshard.csv and reshard-meta.txt (commit, versions, machine, load).
 * Usage: ReshardBenchmark [rows] [outputDir]
 */
public final class ReshardBenchmark {
  public static void main(String[] args) throws Exception {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    Path out = Path.of(args.length > 1 ? args[1] : "benchmarks/results");
    Files.createDirectories(out);
    String started = Instant.now().toString();
    // Read before any result file is written: a results file of this very run must not make the tree "dirty".
    String commit = git("rev-parse", "HEAD") + (git("status", "--porcelain").isBlank() ? "" : " (dirty tree)");
    String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
    try (LocalCluster cluster = LocalCluster.builder().postgresReplicaSets(2).postgresReplicas().start()) {
      PostgresServer s0 = cluster.postgres(0).primary();
      PostgresServer s1 = cluster.postgres(1).primary();
      String ddl = "CREATE TABLE accounts (id bigint PRIMARY KEY, owner text NOT NULL, balance bigint NOT NULL,"
          + " note text, created timestamptz NOT NULL DEFAULT now())";
      try (RoutingDataSource one = RoutingDataSource.create(config(cluster, 1)); Connection c = one.getConnection();
           Statement st = c.createStatement()) {
        st.execute(ddl);
      }
      try (Connection c = s0.connect(); Statement st = c.createStatement()) {
        st.execute("INSERT INTO accounts (id, owner, balance, note) SELECT g, 'owner-' || g, g * 7 % 100000,"
            + " repeat('x', 40 + g % 60) FROM generate_series(1, " + rows + ") g");
        st.execute("VACUUM ANALYZE accounts");
      }
      ShardRing from = ShardRing.of("s0");
      ShardRing to = from.withShard("s1");
      List<Long> moving = new ArrayList<>();
      for (long id = 1; id <= rows; id++) {
        if (to.shardFor(id).equals("s1")) {
          moving.add(id);
        }
      }
      try (Connection c = s0.connect(); Statement st = c.createStatement()) {
        st.execute("CREATE TABLE moving_ids (id bigint PRIMARY KEY)");
        CopyManager cm = c.unwrap(PGConnection.class).getCopyAPI();
        StringBuilder ids = new StringBuilder();
        for (long id : moving) {
          ids.append(id).append('\n');
        }
        cm.copyIn("COPY moving_ids FROM STDIN", new ByteArrayInputStream(ids.toString().getBytes()));
        st.execute("ANALYZE moving_ids");
        st.execute("CREATE TABLE accounts_local (LIKE accounts INCLUDING ALL)");
      }
      try (Connection c = s1.connect(); Statement st = c.createStatement()) {
        st.execute(ddl.replace("accounts", "accounts_baseline"));
      }
      // Baseline 1: COPY out of s0, COPY into s1.
      long t0 = System.nanoTime();
      try (Connection src = s0.connect(); Connection dst = s1.connect()) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        src.unwrap(PGConnection.class).getCopyAPI().copyOut(
            "COPY (SELECT a.* FROM accounts a JOIN moving_ids m USING (id)) TO STDOUT (FORMAT binary)", buffer);
        dst.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY accounts_baseline FROM STDIN (FORMAT binary)",
            new ByteArrayInputStream(buffer.toByteArray()));
      }
      double copySeconds = (System.nanoTime() - t0) / 1e9;
      // Baseline 2: INSERT ... SELECT inside s0.
      t0 = System.nanoTime();
      try (Connection c = s0.connect(); Statement st = c.createStatement()) {
        st.executeUpdate("INSERT INTO accounts_local SELECT a.* FROM accounts a JOIN moving_ids m USING (id)");
      }
      double insertSelectSeconds = (System.nanoTime() - t0) / 1e9;
      // Junction.
      double junctionSeconds;
      double catchUpSeconds;
      double verifySeconds;
      ReshardJob.CutoverReport cut;
      long copied;
      long bytes;
      // Junction's row-by-row path first (what PostgreSQL used before COPY), then rolled back.
      double rowSeconds;
      long rowCopied;
      System.setProperty("junction.reshard.copy", "rows");
      try (ReshardJob job = ReshardJob.open(config(cluster, 2))) {
        job.start();
        t0 = System.nanoTime();
        job.copy();
        rowSeconds = (System.nanoTime() - t0) / 1e9;
        rowCopied = job.progress().rowsCopied();
        job.rollback();
      } finally {
        System.clearProperty("junction.reshard.copy");
      }
      try (ReshardJob job = ReshardJob.open(config(cluster, 2))) {
        job.start();
        t0 = System.nanoTime();
        job.copy();
        junctionSeconds = (System.nanoTime() - t0) / 1e9;
        copied = job.progress().rowsCopied();
        bytes = job.progress().bytesCopied();
        t0 = System.nanoTime();
        job.catchUp();
        catchUpSeconds = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        if (!job.verify().ok()) {
          throw new IllegalStateException("verify failed");
        }
        verifySeconds = (System.nanoTime() - t0) / 1e9;
        cut = job.cutover();
        job.cleanup();
      }
      String loadAfter = Files.readString(Path.of("/proc/loadavg")).trim();
      StringBuilder csv = new StringBuilder("method,rows,seconds,rows_per_second,ratio_to_copy\n");
      csv.append(row("COPY out|in (pgjdbc CopyManager, binary)", moving.size(), copySeconds, copySeconds));
      csv.append(row("INSERT ... SELECT (same server)", moving.size(), insertSelectSeconds, copySeconds));
      csv.append(row("junction reshard copy (COPY pages)", copied, junctionSeconds, copySeconds));
      csv.append(row("junction reshard copy (row-by-row INSERT pages)", rowCopied, rowSeconds, copySeconds));
      csv.append(String.format(Locale.ROOT, "junction catch-up (no writes),%d,%.3f,,%n", 0, catchUpSeconds));
      csv.append(String.format(Locale.ROOT, "junction verify,%d,%.3f,%.0f,%n", copied, verifySeconds, copied / verifySeconds));
      csv.append(String.format(Locale.ROOT, "junction cut-over pause ms,%d,%.3f,,%n", 0, cut.pauseMillis() / 1000.0));
      Files.writeString(out.resolve("reshard.csv"), csv.toString());
      String meta = String.join("\n",
          "started " + started,
          "finished " + Instant.now(),
          "commit " + commit,
          "java " + System.getProperty("java.version") + " " + System.getProperty("java.vm.name"),
          "postgresql " + version(s0),
          "rows in table " + rows + ", moving " + moving.size() + " (" + copied + " copied by junction, "
              + String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0) + ")",
          "cut-over " + cut,
          "cores " + Runtime.getRuntime().availableProcessors(),
          "loadavg before " + loadBefore,
          "loadavg after " + loadAfter) + "\n";
      Files.writeString(out.resolve("reshard-meta.txt"), meta);
      System.out.print(csv);
      System.out.print(meta);
    }
  }

  private static String row(String method, long rows, double seconds, double copySeconds) {
    return String.format(Locale.ROOT, "%s,%d,%.3f,%.0f,%.2f%n", method, rows, seconds, rows / seconds, seconds / copySeconds);
  }

  private static JunctionConfig config(LocalCluster cluster, int shards) {
    List<JunctionConfig.Shard> list = new ArrayList<>();
    for (int i = 0; i < shards; i++) {
      PostgresServer p = cluster.postgres(i).primary();
      list.add(new JunctionConfig.Shard("s" + i, new JunctionConfig.Endpoint("primary", p.jdbcUrl(), p.user(), p.password(), 1,
          JunctionConfig.Pool.defaults()), List.of()));
    }
    JunctionConfig.Routing routing = new JunctionConfig.Routing(ReplicaSelector.Strategy.ROUND_ROBIN, Duration.ofSeconds(5), 0,
        Duration.ofMillis(2500), Duration.ofMillis(100), Duration.ofMillis(50), Duration.ofMillis(500), 10_000);
    return new JunctionConfig(Dialect.POSTGRESQL, list, routing, JunctionConfig.Fencing.defaults(),
        JunctionConfig.Sharding.of(List.of(new ShardedTable("accounts", "id", KeyType.LONG)), List.of()));
  }

  private static String version(PostgresServer s) throws Exception {
    try (Connection c = s.connect(); PreparedStatement ps = c.prepareStatement("SHOW server_version");
         var rs = ps.executeQuery()) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static String git(String... args) {
    try {
      List<String> cmd = new ArrayList<>(List.of("git"));
      cmd.addAll(List.of(args));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String text = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor();
      return text;
    } catch (Exception e) {
      return "unknown";
    }
  }
}
