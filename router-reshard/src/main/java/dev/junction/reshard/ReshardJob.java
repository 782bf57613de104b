package dev.junction.reshard;

import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.internal.RingTable;
import dev.junction.ring.RingLayout;
import dev.junction.ring.RingPhase;
import dev.junction.ring.RingRecord;
import dev.junction.shard.ShardRing;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One online resharding, from the ring the shards record to the ring a configuration describes:
 * the Java API behind {@code ./junction.sh reshard}.
 *
 * <pre>{@code
 * try (ReshardJob job = ReshardJob.open(YamlConfigLoader.load(Path.of("junction-4-shards.yaml")))) {
 *   System.out.print(job.plan().render());   // what moves, before anything moves
 *   job.run();                               // start, copy, catch up, verify, cut over, clean up
 * }
 * }</pre>
 *
 * <p>Design notes. Every step is resumable because all state lives in the shards: the phase in
 * {@code junction_ring} (every shard), the copy's position in {@code junction_reshard_progress} and
 * the changed keys in {@code junction_reshard_changes} (the sources). A process that dies is
 * restarted with the same configuration and continues where the data says it stood. The steps:
 * <ol>
 *   <li>{@link #start}: tables on the targets, capture triggers on the sources, phase COPYING.</li>
 *   <li>{@link #copy}: moving rows page by page; then {@link #catchUp}: changed keys re-copied.</li>
 *   <li>{@link #verify}: counts and checksums per moving arc, re-checked after catching up.</li>
 *   <li>{@link #cutover}: FENCED (sources reject stale-version writes; routers refuse moving keys),
 *       drain the last changes, target replicas replay, and no sooner than one router lease later
 *       SWITCHED.</li>
 *   <li>{@link #cleanup}: moved rows deleted from their old owners in batches; phase STABLE on the
 *       target ring. Or {@link #rollback}: back to the source ring with nothing lost.</li>
 * </ol>
 */
public final class ReshardJob implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ReshardJob.class);

  private final Resharding r;
  private final Progress progress;
  private RingPhase phase;

  private ReshardJob(Resharding r, RingPhase phase, Progress progress) {
    this.r = r;
    this.phase = phase;
    this.progress = progress;
  }

  public static ReshardJob open(JunctionConfig target) {
    return open(target, ReshardOptions.defaults(), new Progress(null));
  }

  /**
   * Opens the resharding from the ring the shards record to the ring {@code target} describes, or
   * resumes the one in progress toward it.
   *
   * @throws ReshardException when the shards record no ring, disagree, or are resharding elsewhere
   */
  public static ReshardJob open(JunctionConfig target, ReshardOptions options, Progress progress) {
    if (!target.isSharded()) {
      throw new ReshardException("the configuration has no junction.sharding section: nothing to reshard");
    }
    ShardRing configured = target.sharding().ring(target.shards());
    RingLayout wanted = RingLayout.of(configured);
    ShardConnections conns = new ShardConnections(target);
    Map<String, RingRecord> records = readRecords(conns, conns.shardIds());
    RingRecord recorded = null;
    for (RingRecord rec : records.values()) {
      if (recorded == null) {
        recorded = rec;
      } else if (!rec.sameRings(recorded)) {
        throw new ReshardException("the shards disagree: " + recorded.shardId() + " records " + recorded.describe() + ", "
            + rec.shardId() + " records " + rec.describe() + "; a step was interrupted while updating them. Run the same"
            + " command again to finish it (or `reshard rollback`).");
      }
    }
    if (recorded == null) {
      throw new ReshardException("no shard records a ring yet (table junction_ring): start a router once with the"
          + " configuration the rows were written with, or run `./junction.sh reshard init --config <that config>`");
    }
    if (recorded.phase() == RingPhase.STABLE) {
      ShardRing from = recorded.sourceRing();
      ShardRing to = wanted.toRing(from.version() + 1);
      return new ReshardJob(new Resharding(target, from, to, options), RingPhase.STABLE, progress);
    }
    if (!wanted.equals(recorded.targetLayout())) {
      throw new ReshardException("the shards are in a resharding to a different ring: " + recorded.describe()
          + ". Finish or roll back that one with its own configuration first.");
    }
    return new ReshardJob(new Resharding(target, recorded.sourceRing(), recorded.targetRing(), options), recorded.phase(),
        progress);
  }

  /** Records a stable ring in every shard that has none (an existing deployment adopting ring records). */
  public static void init(JunctionConfig config) {
    ShardRing ring = config.sharding().ring(config.shards());
    ShardConnections conns = new ShardConnections(config);
    for (String shard : conns.shardIds()) {
      try (Connection c = conns.open(shard)) {
        RingTable.stampIfAbsent(c, conns.sqlDialect(), RingRecord.stable(shard, ring));
      } catch (SQLException e) {
        throw new ReshardException("init: cannot record the ring on " + shard + ": " + e.getMessage(), e);
      }
    }
  }

  private static Map<String, RingRecord> readRecords(ShardConnections conns, List<String> shards) {
    Map<String, RingRecord> out = new LinkedHashMap<>();
    for (String shard : shards) {
      try (Connection c = conns.open(shard)) {
        RingRecord rec = RingTable.read(c);
        if (rec != null) {
          if (!rec.shardId().equals(shard)) {
            throw new ReshardException("the database configured as shard '" + shard + "' records that it is '"
                + rec.shardId() + "'; fix its URL");
          }
          out.put(shard, rec);
        }
      } catch (SQLException e) {
        throw new ReshardException("cannot read the ring record of shard " + shard + ": " + e.getMessage(), e);
      }
    }
    return out;
  }

  public ShardRing from() {
    return r.from;
  }

  public ShardRing to() {
    return r.to;
  }

  public RingPhase phase() {
    return phase;
  }

  public Progress progress() {
    return progress;
  }

  public MovingArcs arcs() {
    return r.arcs;
  }

  // ---------------------------------------------------------------- plan

  /** Counts the rows that move, per table and source, by reading every source's keys. */
  public ReshardPlan plan() {
    try {
      r.loadTables();
      List<ReshardPlan.TableEstimate> out = new ArrayList<>();
      for (TableInfo t : r.tables.values()) {
        for (String source : r.from.shardIds()) {
          long rows = 0;
          long moving = 0;
          long bytes = 0;
          Map<String, Long> byTarget = new java.util.TreeMap<>();
          try (Connection c = r.shards.open(source)) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
              s.setFetchSize(r.shards.sqlDialect() == dev.junction.classify.Dialect.POSTGRESQL ? 5000 : Integer.MIN_VALUE);
              try (ResultSet rs = s.executeQuery("SELECT " + t.columnList() + " FROM " + r.shards.dialect.quote(t.name()))) {
                while (rs.next()) {
                  rows++;
                  Object key = Resharding.key(t, rs.getObject(t.keyIndex() + 1));
                  String dest = r.destination(key, source);
                  if (dest != null) {
                    moving++;
                    bytes += Rows.size(Rows.read(rs, t.columns().size()));
                    byTarget.merge(dest, 1L, Long::sum);
                  }
                }
              }
            } finally {
              c.rollback();
            }
          }
          out.add(new ReshardPlan.TableEstimate(t.name(), source, rows, moving, bytes, byTarget));
        }
      }
      return new ReshardPlan(r.from, r.to, r.arcs, out);
    } catch (SQLException e) {
      throw new ReshardException("plan: " + e.getMessage(), e);
    }
  }

  // ---------------------------------------------------------------- run

  /** Every step in order, from wherever the data says the resharding stands. */
  public CutoverReport run() {
    ReshardPlan plan = plan();
    progress.estimate(plan.movingRows());
    start();
    copy();
    catchUp();
    VerifyReport report = verify();
    if (!report.ok()) {
      throw new ReshardException("verify: the targets differ from the sources after catching up:\n" + report.render()
          + "Nothing was switched; fix the cause and run again, or roll back.");
    }
    CutoverReport cut = cutover();
    cleanup();
    return cut;
  }

  /** Step 1: tables on the targets, capture on the sources, phase COPYING. Idempotent. */
  public void start() {
    if (phase != RingPhase.STABLE && phase != RingPhase.COPYING) {
      return;
    }
    progress.step("schema");
    // Idempotent DDL: run again after a deadlock (DDL waits for metadata/table locks) or a lost connection.
    retrying("start", () -> {
      r.loadTables();
      try (Connection first = r.shards.open(r.sources.get(0))) {
        for (TableInfo t : r.tables.values()) {
          List<String> ddl = r.shards.dialect.tableDefinition(first, t.name());
          for (String target : r.targets) {
            try (Connection c = r.shards.open(target); Statement s = c.createStatement()) {
              s.execute(ddl.get(0));
            }
          }
        }
      }
      for (String source : r.sources) {
        try (Connection c = r.shards.open(source)) {
          r.shards.dialect.createProgressTable(c);
          for (TableInfo t : r.tables.values()) {
            r.shards.dialect.installCapture(c, t.name(), t.keyColumn());
          }
          // DDL waited for writers of each table; also wait for transactions that wrote before any trigger existed.
          r.shards.dialect.awaitOpenTransactions(c, r.options.stepTimeout());
        }
      }
      if (phase == RingPhase.STABLE) {
        for (String target : r.targets) {
          removeLeftovers(target);
        }
        publish(RingPhase.COPYING, 0);
      }
    });
    LOG.info("reshard: started {} -> {}; sources {} targets {}", r.from, r.to, r.sources, r.targets);
  }

  /** Deletes rows on {@code target} of keys that move there (copies from an earlier, rolled-back attempt). */
  private void removeLeftovers(String target) throws SQLException {
    for (TableInfo t : r.tables.values()) {
      List<String> stale = new ArrayList<>();
      try (Connection c = r.shards.open(target); Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT DISTINCT " + t.keyColumn() + " FROM " + r.shards.dialect.quote(t.name()))) {
        while (rs.next()) {
          Object key = Resharding.key(t, rs.getObject(1));
          if (!r.from.shardFor(key).equals(target) && r.to.shardFor(key).equals(target)) {
            stale.add(rs.getString(1));
          }
        }
      }
      deleteKeys(target, t, stale);
    }
  }

  private void deleteKeys(String shard, TableInfo t, List<String> keys) throws SQLException {
    try (Connection c = r.shards.open(shard)) {
      for (int i = 0; i < keys.size(); i += r.options.chunkRows()) {
        // Ascending keys: concurrent deleters lock rows in one order. One statement, auto-commit: a
        // deadlock or lock-wait timeout undoes it whole, and deleting the same keys again is exact.
        List<String> batch = ChangeApplier.sortedByKey(t, keys.subList(i, Math.min(keys.size(), i + r.options.chunkRows())));
        Retry.onConflictDo("delete " + batch.size() + " keys of " + t.name() + " on " + shard, progress, () -> {
          try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + r.shards.dialect.quote(t.name()) + " WHERE "
              + t.keyColumn() + " IN (" + t.placeholders(batch.size()) + ")")) {
            for (int k = 0; k < batch.size(); k++) {
              ps.setString(k + 1, batch.get(k));
            }
            ps.executeUpdate();
          }
        });
      }
    }
  }

  /** Step 2: the bulk copy of every table from every source (resumes from the checkpoints). */
  public void copy() {
    requirePhase("copy", RingPhase.COPYING);
    progress.step("copy");
    try {
      // Routers refuse scatters over shards that receive copies only once they have seen COPYING
      // (a weight change, removal or pin copies into shards they read): no copy lands before that.
      awaitRoutersOnShortLease();
      r.loadTables();
      BulkCopy copy = new BulkCopy(r, progress);
      for (String source : r.sources) {
        for (TableInfo t : r.tables.values()) {
          retrying("copy " + t.name() + " from " + source, () -> copy.run(source, t));
        }
      }
      // Secondary indexes after the rows: one sort instead of an index update per row.
      retrying("create secondary indexes", this::createSecondaryIndexes);
    } catch (SQLException e) {
      throw new ReshardException("copy: " + e.getMessage() + ". Run the command again to resume from the last page.", e);
    }
  }

  private void createSecondaryIndexes() throws SQLException {
    {
      try (Connection first = r.shards.open(r.sources.get(0))) {
        for (TableInfo t : r.tables.values()) {
          List<String> ddl = r.shards.dialect.tableDefinition(first, t.name());
          for (String target : r.newShards) {
            try (Connection c = r.shards.open(target); Statement s = c.createStatement()) {
              for (String index : ddl.subList(1, ddl.size())) {
                try {
                  s.execute(index);
                } catch (SQLException e) {
                  if (e.getErrorCode() != 1061) { // MariaDB: duplicate key name (a resumed copy made it already)
                    throw e;
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /** Step 3: applies captured changes until the queues are empty when looked at; returns keys re-copied. */
  public long catchUp() {
    requirePhase("catch up", RingPhase.COPYING, RingPhase.FENCED);
    progress.step("catch-up");
    ChangeApplier applier = new ChangeApplier(r, progress);
    long[] total = {0};
    for (String source : r.sources) {
      retrying("catch up " + source, () -> total[0] += applier.drain(source, Long.MAX_VALUE));
    }
    return total[0];
  }

  /** Step 4: compares every moving arc; arcs that differ are re-checked after catching up again. */
  public VerifyReport verify() {
    progress.step("verify");
    try {
      r.loadTables();
      ArcVerifier verifier = new ArcVerifier(r);
      List<ArcVerifier.Result> results = new ArrayList<>();
      int rounds = 0;
      for (TableInfo t : r.tables.values()) {
        for (String source : r.sources) {
          for (String target : r.targets) {
            ArcVerifier.Result first = verified(verifier, t, source, target, null);
            ArcVerifier.Result result = first;
            for (int round = 0; round < 5 && !result.ok(); round++) {
              rounds++;
              if (phase == RingPhase.COPYING || phase == RingPhase.FENCED) {
                catchUp(); // writes continue: arcs that changed since are compared again
              }
              result = verified(verifier, t, source, target, result.differingArcs());
            }
            results.add(new ArcVerifier.Result(t.name(), source, target, first.arcsCompared(), first.rows(),
                result.differingArcs(), result.rowDiffs(), first.differingArcs().size()));
          }
        }
      }
      return new VerifyReport(results, rounds);
    } catch (SQLException e) {
      throw new ReshardException("verify: " + e.getMessage(), e);
    }
  }

  /** One comparison, run again like every step when a shard is briefly unreachable (it only reads). */
  private ArcVerifier.Result verified(ArcVerifier verifier, TableInfo t, String source, String target, Set<Integer> arcs) {
    ArcVerifier.Result[] out = new ArcVerifier.Result[1];
    retrying("verify " + t.name() + " " + source + " -> " + target, () -> out[0] = verifier.verify(t, source, target, arcs));
    return out[0];
  }

  /** Writes every shard's record for {@code next}; sources get {@code sourceMinWrite}. */
  private void publish(RingPhase next, long sourceMinWrite) throws SQLException {
    List<String> order = new ArrayList<>(r.sources);
    for (String s : r.allShards()) {
      if (!order.contains(s)) {
        order.add(s);
      }
    }
    // Shards of one group in parallel, so a phase change costs one round trip per group, not one
    // per shard. Sources first (their fence is what the database enforces, and routers read the
    // record of the default shard, usually a source, so they see SWITCHED a round trip earlier),
    // except FENCED: it goes to the others first. Moving keys are blocked from the moment the
    // sources (or the shard routers read) record FENCED until routers read SWITCHED, and the lease
    // counts only from the moment every shard records FENCED; with the sources last, the round trip
    // to the others is no longer part of that pause. Either order is safe: a router that reads
    // FENCED from any shard refuses moving keys; one that has not read it yet still writes them
    // to their old owners, which accept them (captured for the drain) until their own fence.
    List<String> others = new ArrayList<>(order);
    others.removeAll(r.sources);
    List<String> groupMillis = new ArrayList<>();
    for (List<String> group : next == RingPhase.FENCED ? List.of(others, r.sources) : List.of(r.sources, others)) {
      long g0 = System.nanoTime();
      eachInParallel(group, shard -> {
        RingRecord record = r.record(shard, next, r.sources.contains(shard) ? sourceMinWrite : 0);
        try {
          writeRecord(r.shards.held(shard), shard, record);
        } catch (SQLException e) {
          if (e instanceof Retry.Exhausted || Retry.classify(e) == Retry.Kind.OTHER) {
            throw e;
          }
          r.shards.discard(shard); // a connection broken since it was last used: once more on a new one
          writeRecord(r.shards.held(shard), shard, record);
        }
      });
      if (!group.isEmpty()) {
        groupMillis.add(group + " " + ms(System.nanoTime() - g0) + " ms");
      }
    }
    phase = next;
    LOG.info("reshard: phase {} published on {}", next, groupMillis);
  }

  /** Upserts a shard's ring record (one idempotent statement), again after a deadlock or lock-wait timeout. */
  private void writeRecord(Connection c, String shard, RingRecord record) throws SQLException {
    Retry.onConflictDo("record phase " + record.phase() + " on " + shard, progress,
        () -> RingTable.write(c, r.shards.sqlDialect(), record));
  }

  /**
   * Step 5: the coordinated switch; returns how long keys that move were refused.
   *
   * <p>FENCED is published (sources first: their triggers reject stale-version writes from then on),
   * transactions that were open on the sources end, the last changes are drained to the targets and
   * the targets' replicas replay them; SWITCHED is published no sooner than one router lease after
   * FENCED, so every router still routing has stopped reading moving keys from their old owners
   * before the new owners accept writes.
   */
  public CutoverReport cutover() {
    requirePhase("cut over", RingPhase.COPYING, RingPhase.FENCED, RingPhase.SWITCHED);
    if (phase == RingPhase.SWITCHED) {
      return new CutoverReport(0, 0, 0, 0);
    }
    try {
      catchUp(); // shrink what the pause has to drain
      awaitRoutersOnShortLease();
      for (String target : r.targets) { // open them now: connecting inside the pause costs it
        for (JunctionConfig.Endpoint e : r.shards.replicas(target)) {
          r.shards.heldReplica(target, e);
        }
      }
      r.shards.revalidate(); // a connection broken by a restart must not cost the pause a timeout
      progress.step("cut-over");
      long t0 = System.nanoTime();
      publish(RingPhase.FENCED, r.to.version());
      long published = System.nanoTime(); // every shard records FENCED from here: routers' leases count from now
      eachInParallel(r.sources, source -> r.shards.dialect.awaitOpenTransactions(r.shards.held(source), r.options.stepTimeout()));
      long fenced = System.nanoTime();
      java.util.concurrent.atomic.AtomicLong drained = new java.util.concurrent.atomic.AtomicLong();
      ChangeApplier applier = new ChangeApplier(r, progress);
      eachInParallel(r.sources, source -> {
        long horizon = applier.horizon(source);
        long[] n = {0};
        retrying("drain " + source, () -> n[0] = applier.drain(source, horizon));
        drained.addAndGet(n[0]);
      });
      long drainedAt = System.nanoTime();
      awaitTargetReplicas();
      long ready = System.nanoTime();
      long leaseLeft = r.options.routerLease().toNanos() - (ready - published);
      if (leaseLeft > 0) {
        Reshard.sleep(leaseLeft / 1_000_000 + 1); // every router routing now has seen FENCED
      }
      long leaseDone = System.nanoTime();
      publish(RingPhase.SWITCHED, r.to.version());
      long t1 = System.nanoTime();
      CutoverReport report = new CutoverReport((t1 - t0) / 1_000_000, (fenced - t0) / 1_000_000,
          (ready - fenced) / 1_000_000, drained.get(), new CutoverSteps(ms(published - t0), ms(fenced - published),
          ms(drainedAt - fenced), ms(ready - drainedAt), ms(leaseDone - ready), ms(t1 - leaseDone)));
      LOG.info("reshard: switched to {}: {}", r.to, report);
      return report;
    } catch (SQLException e) {
      throw new ReshardException("cut-over: " + e.getMessage() + ". Run the command again to continue, or roll back"
          + " (phase " + phase + ").", e);
    }
  }

  /**
   * Routers hold a long lease while the ring is stable and a short one once they have seen COPYING;
   * fencing earlier than one long lease after COPYING was recorded could catch a router that has not.
   */
  private void awaitRoutersOnShortLease() throws SQLException {
    String shard = r.from.shardIds().get(0);
    String sql = r.shards.sqlDialect() == dev.junction.classify.Dialect.POSTGRESQL
        ? "SELECT (extract(epoch FROM now() - updated_at) * 1000)::bigint FROM " + RingTable.TABLE
        : "SELECT TIMESTAMPDIFF(MICROSECOND, updated_at, NOW(6)) DIV 1000 FROM " + RingTable.TABLE;
    long age;
    try (Statement s = r.shards.held(shard).createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      age = rs.getLong(1);
    }
    long wait = dev.junction.ring.RingLease.STABLE_LEASE.toMillis() + 100 - age;
    if (wait > 0) {
      LOG.info("reshard: waiting {} ms until every router has seen COPYING", wait);
      Reshard.sleep(wait);
    }
  }

  /** Waits until each target's replicas have replayed everything its primary has now. */
  private void awaitTargetReplicas() throws SQLException {
    for (String target : r.targets) {
      List<JunctionConfig.Endpoint> replicas = r.shards.replicas(target);
      if (replicas.isEmpty()) {
        continue;
      }
      Connection p = r.shards.held(target);
      {
        String position = r.shards.sqlDialect() == dev.junction.classify.Dialect.POSTGRESQL
            ? string(p, "SELECT pg_current_wal_insert_lsn()::text") : string(p, "SELECT @@gtid_binlog_pos");
        for (JunctionConfig.Endpoint e : replicas) {
          Connection c = r.shards.heldReplica(target, e);
          long deadline = System.nanoTime() + r.options.stepTimeout().toNanos();
          while (!replayed(c, position)) {
            if (System.nanoTime() > deadline) {
              throw new SQLException("replica " + e.name() + " of " + target + " did not replay " + position + " within "
                  + r.options.stepTimeout(), "55000");
            }
            Reshard.sleep(2);
          }
        }
      }
    }
  }

  private boolean replayed(Connection replica, String position) throws SQLException {
    if (r.shards.sqlDialect() == dev.junction.classify.Dialect.POSTGRESQL) {
      try (PreparedStatement ps = replica.prepareStatement("SELECT pg_last_wal_replay_lsn() >= ?::pg_lsn")) {
        ps.setString(1, position);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return rs.getBoolean(1);
        }
      }
    }
    try (PreparedStatement ps = replica.prepareStatement("SELECT MASTER_GTID_WAIT(?, 0.2)")) {
      ps.setString(1, position);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1) == 0;
      }
    }
  }

  private static String string(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  /** Step 6: deletes the moved rows from their old owners in batches; phase STABLE on the target ring. */
  public void cleanup() {
    requirePhase("clean up", RingPhase.SWITCHED);
    progress.step("cleanup");
    try {
      r.loadTables();
      for (String source : r.sources) {
        for (TableInfo t : r.tables.values()) {
          retrying("clean up " + t.name() + " on " + source, () -> {
            List<String> moved = new ArrayList<>();
            try (Connection c = r.shards.open(source); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT DISTINCT " + t.keyColumn() + " FROM " + r.shards.dialect.quote(t.name()))) {
              while (rs.next()) {
                if (r.destination(Resharding.key(t, rs.getObject(1)), source) != null) {
                  moved.add(rs.getString(1));
                }
              }
            }
            deleteKeys(source, t, moved);
          });
        }
      }
      retrying("finish the cleanup", () -> finish(r.to));
    } catch (SQLException e) {
      throw new ReshardException("cleanup: " + e.getMessage() + ". Run the command again to continue.", e);
    }
  }

  /** Records {@code ring} as stable everywhere and removes triggers, queues and the records of shards it no longer has. */
  private void finish(ShardRing ring) throws SQLException {
    for (String shard : r.allShards()) {
      try (Connection c = r.shards.open(shard)) {
        if (ring.containsShard(shard)) {
          writeRecord(c, shard, RingRecord.stable(shard, ring));
        } else {
          try (Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + RingTable.TABLE);
          }
        }
      }
    }
    phase = RingPhase.STABLE;
    for (String source : r.sources) {
      try (Connection c = r.shards.open(source)) {
        for (TableInfo t : r.tables.values()) {
          r.shards.dialect.removeCapture(c, t.name());
        }
        r.shards.dialect.dropQueue(c);
      }
    }
    LOG.info("reshard: stable on {}", ring);
  }

  /**
   * Back to the source ring with nothing lost. Before the switch, the sources still own every moving
   * key: the copies on the targets are deleted after one router lease. After the switch (before the
   * cleanup), the targets own the moved keys: they are resharded back, which copies them home.
   */
  public void rollback() {
    try {
      r.loadTables();
      switch (phase) {
        case STABLE -> throw new ReshardException("rollback: no resharding is in progress");
        case COPYING, FENCED -> {
          for (String shard : r.from.shardIds()) {
            try (Connection c = r.shards.open(shard)) {
              writeRecord(c, shard, new RingRecord(shard, r.from.version(), RingLayout.of(r.from), RingPhase.STABLE, 0, null, 0));
            }
          }
          Reshard.sleep(r.options.routerLease().toMillis()); // no router reads the targets' copies any more
          for (String target : r.targets) {
            for (TableInfo t : r.tables.values()) {
              List<String> copies = new ArrayList<>();
              try (Connection c = r.shards.open(target); Statement s = c.createStatement();
                   ResultSet rs = s.executeQuery("SELECT DISTINCT " + t.keyColumn() + " FROM " + r.shards.dialect.quote(t.name()))) {
                while (rs.next()) {
                  if (!r.from.shardFor(Resharding.key(t, rs.getObject(1))).equals(target)) {
                    copies.add(rs.getString(1));
                  }
                }
              }
              deleteKeys(target, t, copies);
            }
          }
          finish(r.from);
        }
        case SWITCHED -> {
          JunctionConfig back = r.config; // same endpoints; the reverse ring is the source layout
          Resharding reverse = new Resharding(back, r.to, RingLayout.of(r.from).toRing(r.to.version() + 1), r.options);
          // The old owners still hold stale copies of the moved rows; the reverse start removes them.
          ReshardJob job = new ReshardJob(reverse, RingPhase.STABLE, progress);
          job.start();
          job.copy();
          job.catchUp();
          VerifyReport report = job.verify();
          if (!report.ok()) {
            throw new ReshardException("rollback: the copy back differs:\n" + report.render());
          }
          job.cutover();
          job.cleanup();
          for (String source : r.sources) { // the forward resharding's capture on its old owners
            try (Connection c = r.shards.open(source)) {
              for (TableInfo t : r.tables.values()) {
                r.shards.dialect.removeCapture(c, t.name());
              }
              r.shards.dialect.dropQueue(c);
            }
          }
          phase = RingPhase.STABLE;
        }
      }
    } catch (SQLException e) {
      throw new ReshardException("rollback: " + e.getMessage() + ". Run it again to continue.", e);
    }
  }

  /** The phase, the copy's position and the change backlog of every source. */
  public String status() {
    StringBuilder out = new StringBuilder();
    out.append("phase ").append(phase).append(": ").append(r.from).append(" -> ").append(r.to).append('\n');
    for (String source : r.sources) {
      try (Connection c = r.shards.open(source)) {
        out.append("  ").append(source).append(": ");
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT tbl, rows_copied, bytes_copied, done FROM " + ReshardDialect.PROGRESS)) {
          while (rs.next()) {
            out.append(rs.getString(1)).append(' ').append(rs.getLong(2)).append(" rows ")
                .append(Progress.bytes(rs.getLong(3))).append(rs.getBoolean(4) ? " (copied)" : " (copying)").append("; ");
          }
        } catch (SQLException e) {
          out.append("no copy yet; ");
        }
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM " + ReshardDialect.CHANGES)) {
          rs.next();
          out.append(rs.getLong(1)).append(" captured changes waiting");
        } catch (SQLException e) {
          out.append("no change capture");
        }
        out.append('\n');
      } catch (SQLException e) {
        out.append("  ").append(source).append(": unreachable (").append(e.getMessage()).append(")\n");
      }
    }
    return out.toString();
  }

  private interface ShardAction {
    void run(String shard) throws SQLException;
  }

  /** Runs {@code action} for every shard at once (one thread each) and rethrows the first failure. */
  private static void eachInParallel(List<String> shards, ShardAction action) throws SQLException {
    if (shards.size() <= 1) {
      for (String shard : shards) {
        action.run(shard);
      }
      return;
    }
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    for (String shard : shards) {
      Thread t = new Thread(() -> {
        try {
          action.run(shard);
        } catch (Throwable e) {
          failures.add(e);
        }
      }, "reshard-" + shard);
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ReshardException("interrupted");
      }
    }
    if (!failures.isEmpty()) {
      Throwable first = failures.get(0);
      if (first instanceof SQLException e) {
        throw e;
      }
      if (first instanceof RuntimeException e) {
        throw e;
      }
      throw new ReshardException(first.toString(), first);
    }
  }

  private void requirePhase(String step, RingPhase... allowed) {
    for (RingPhase p : allowed) {
      if (p == phase) {
        return;
      }
    }
    throw new ReshardException(step + ": the resharding is in phase " + phase + "; this step runs in " + Set.of(allowed));
  }

  private interface SqlAction {
    void run() throws SQLException;
  }

  /**
   * Runs a step, running it again while a shard is unreachable (a restarted target, a failover)
   * until the step timeout, and after a deadlock, serialization failure or lock-wait timeout that
   * reached it (the transactions inside a step retry those themselves, see {@link Retry}) at most
   * {@link Retry#CONFLICT_ATTEMPTS} times. Every step is idempotent, so it continues where the data
   * says it stood. Anything else, or a transaction whose own retries ran out, fails the step.
   */
  private void retrying(String what, SqlAction action) {
    long deadline = System.nanoTime() + r.options.stepTimeout().toNanos();
    long pause = Retry.FIRST_PAUSE_MILLIS;
    int conflicts = 0;
    while (true) {
      try {
        action.run();
        return;
      } catch (SQLException e) {
        Retry.Kind kind = e instanceof Retry.Exhausted ? Retry.Kind.OTHER : Retry.classify(e);
        boolean again = switch (kind) {
          case CONNECTION -> System.nanoTime() < deadline;
          case CONFLICT -> ++conflicts < Retry.CONFLICT_ATTEMPTS;
          case OTHER -> false;
        };
        if (!again) {
          throw new ReshardException(what + ": " + e.getMessage() + ". Run the command again to resume.", e);
        }
        LOG.warn("reshard: {}: {} (SQLSTATE {}; running it again in {} ms)", what, e.getMessage(), e.getSQLState(), pause);
        progress.retried(what);
        Reshard.sleep(pause);
        pause = Math.min(Retry.MAX_PAUSE_MILLIS, pause * 2);
      }
    }
  }

  @Override
  public void close() {
    r.shards.close();
  }

  /**
   * How the cut-over went: how long moving keys were refused (FENCED to SWITCHED), of which waiting
   * for open transactions, and draining plus replica replay; keys copied while draining; and the
   * pause step by step ({@code steps}, null when there was nothing to switch).
   */
  public record CutoverReport(long pauseMillis, long fenceMillis, long drainMillis, long keysDrained, CutoverSteps steps) {
    public CutoverReport(long pauseMillis, long fenceMillis, long drainMillis, long keysDrained) {
      this(pauseMillis, fenceMillis, drainMillis, keysDrained, null);
    }
  }

  /**
   * Where the cut-over pause went, step by step (ms, in order; they add up to the pause): recording
   * FENCED on every shard; waiting for the transactions open at the fence; draining the queues;
   * the targets' replicas replaying; waiting out the rest of one router lease after FENCED was
   * recorded everywhere; recording SWITCHED. Routers let writes through once they read SWITCHED (at
   * their next poll of the record), which comes on top.
   */
  public record CutoverSteps(long publishFenced, long openTransactions, long drain, long replicaReplay, long leaseWait,
                             long publishSwitched) {}

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }

  /** Verification over every (table, source, target). */
  public record VerifyReport(List<ArcVerifier.Result> results, int recheckRounds) {
    public boolean ok() {
      return results.stream().allMatch(ArcVerifier.Result::ok);
    }

    public long rowsCompared() {
      return results.stream().mapToLong(ArcVerifier.Result::rows).sum();
    }

    public String render() {
      StringBuilder out = new StringBuilder();
      for (ArcVerifier.Result res : results) {
        out.append(String.format(java.util.Locale.ROOT, "  %-20s %s -> %s: %,d rows in %d arcs, %s%n", res.table(),
            res.source(), res.target(), res.rows(), res.arcsCompared(),
            res.ok() ? (res.rechecked() == 0 ? "equal" : "equal (" + res.rechecked() + " arcs changed while comparing; equal"
                + " when compared again)") : res.differingArcs().size() + " arcs differ"));
        for (ArcVerifier.RowDiff d : res.rowDiffs().subList(0, Math.min(20, res.rowDiffs().size()))) {
          out.append("      ").append(d).append('\n');
        }
      }
      return out.toString();
    }
  }
}
