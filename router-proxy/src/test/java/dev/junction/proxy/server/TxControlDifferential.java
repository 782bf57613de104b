package dev.junction.proxy.server;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The adversarial transaction-control differential test shared by {@link TxControlDifferentialIT}
 * (primary and replica) and {@link ShardedTxControlDifferentialIT} (two shards): sequences of
 * transaction control a careless or hostile client sends (valid and invalid BEGIN modes, nested BEGIN,
 * COMMIT/ROLLBACK outside a transaction, AND CHAIN, savepoints, PREPARE TRANSACTION, SET TRANSACTION,
 * SET LOCAL, errors mid-transaction and mid-pipeline, multi-statement Query strings, implicit
 * transactions of several Executes before one Sync or across a Flush) run through the proxy and
 * directly on PostgreSQL (the oracle: database {@code oracle} on the same server), each on a fresh
 * connection pair over an empty table {@code t(id bigint primary key, v text)}.
 *
 * <p>Per step the transcripts must be equal: command tags, error SQLSTATEs, notice/warning
 * severities and SQLSTATEs, rows, ReadyForQuery status bytes. After both clients left, the table's
 * rows read directly from the primaries must equal the oracle's. The one accepted difference is a
 * proxy refusal ({@code 0A000}/{@code 0AJ00} naming Junction) where PostgreSQL went on; the rest of
 * such a sequence is not compared.
 *
 * <p>Step notation: plain text is one simple Query; {@code x:} the statements (split on {@code ;;})
 * as Parse/Bind/Describe/Execute each and one Sync; {@code f:} the same ending with Flush instead of
 * Sync (the implicit transaction stays open); {@code s:} a Sync alone.
 */
abstract class TxControlDifferential {
  /** Rows of table t, read directly (every shard's primary for the proxy side). */
  interface Rows {
    List<String> read() throws Exception;
  }

  abstract WireClient proxyClient() throws IOException;

  abstract WireClient oracleClient() throws IOException;

  abstract Rows proxyRows();

  abstract Rows oracleRows();

  /** Empties t on every server and waits until the replicas have replayed it and no session is busy. */
  abstract void reset() throws Exception;

  /** Waits until no session on the primaries is busy or in a transaction (AssertionError after 10 s). */
  abstract void settle() throws Exception;

  static String ins(int k) {
    return "INSERT INTO t (id, v) VALUES (" + k + ", 'v" + k + "')";
  }

  static final String COUNT = "SELECT count(*) FROM t";

  /** The hand-written sequences: every construct of the task at least once, in simple and extended form. */
  static List<List<String>> handcrafted() {
    List<List<String>> s = new ArrayList<>();
    // invalid BEGIN: PostgreSQL reports the error and the next statement autocommits
    s.add(List.of("BEGIN ISOLATION LEVEL bogus", ins(1), "ROLLBACK", COUNT));
    s.add(List.of("BEGIN ISOLATION LEVEL bogus", ins(1), ins(2), "ROLLBACK"));
    s.add(List.of("x:BEGIN ISOLATION LEVEL bogus", "x:" + ins(1), "x:ROLLBACK"));
    s.add(List.of("BEGIN bogus", ins(1), "ROLLBACK"));
    s.add(List.of("START TRANSACTION ISOLATION LEVEL READ SOMETHING", ins(3), "ROLLBACK"));
    s.add(List.of("BEGIN ISOLATION LEVEL bogus", "COMMIT"));
    s.add(List.of("BEGIN READ ONLY, READ WRITE", ins(1), "ROLLBACK"));
    s.add(List.of("BEGIN ISOLATION LEVEL SERIALIZABLE, ISOLATION LEVEL READ COMMITTED", ins(1), "ROLLBACK"));
    s.add(List.of("BEGIN DEFERRABLE NOT DEFERRABLE", ins(1), "ROLLBACK"));
    s.add(List.of("BEGIN -- a comment", ins(1), "ROLLBACK"));
    s.add(List.of("/* c */ BEGIN", ins(1), "ROLLBACK"));
    s.add(List.of("BEGIN; ", ins(1), "ROLLBACK"));
    s.add(List.of("begin  isolation   level  repeatable read;", ins(1), "rollback", COUNT));
    // valid modes
    s.add(List.of("BEGIN READ ONLY", ins(1), "ROLLBACK", COUNT));
    s.add(List.of("BEGIN READ ONLY", "SELECT v FROM t WHERE id = 1", ins(1), "COMMIT", COUNT));
    s.add(List.of("BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY", ins(1), "ROLLBACK", COUNT));
    s.add(List.of("BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY", "SELECT v FROM t WHERE id = 2", "COMMIT"));
    s.add(List.of("BEGIN READ ONLY DEFERRABLE", COUNT, "COMMIT"));
    s.add(List.of("START TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE", COUNT, "SHOW transaction_isolation", "COMMIT"));
    s.add(List.of("BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ", "SHOW transaction_isolation", ins(1), "COMMIT"));
    s.add(List.of("BEGIN ISOLATION LEVEL SERIALIZABLE", "SHOW transaction_isolation", ins(1), "COMMIT"));
    s.add(List.of("BEGIN READ WRITE", ins(1), "ROLLBACK"));
    s.add(List.of("BEGIN NOT DEFERRABLE", ins(1), "ROLLBACK"));
    s.add(List.of("BEGIN WORK ISOLATION LEVEL READ UNCOMMITTED", "SHOW transaction_isolation", "ROLLBACK"));
    s.add(List.of("x:BEGIN READ ONLY", "x:" + ins(1), "x:ROLLBACK", COUNT));
    // nested BEGIN, COMMIT/ROLLBACK outside a transaction
    s.add(List.of("BEGIN", "BEGIN", ins(1), "ROLLBACK", COUNT));
    s.add(List.of("BEGIN", ins(1), "BEGIN", ins(2), "COMMIT", COUNT));
    s.add(List.of("BEGIN", "START TRANSACTION READ ONLY", ins(1), "ROLLBACK"));
    s.add(List.of("COMMIT", "ROLLBACK", "END", "ABORT"));
    s.add(List.of("x:COMMIT", "x:ROLLBACK"));
    // failed transactions
    s.add(List.of("BEGIN", "SELECT 1/0", "COMMIT"));
    s.add(List.of("BEGIN", ins(1), "SELECT 1/0", ins(2), "COMMIT", COUNT));
    s.add(List.of("BEGIN", ins(1), ins(1), "COMMIT", COUNT));
    s.add(List.of("BEGIN", ins(1), "x:SELECT 1/0", "x:ROLLBACK", COUNT));
    s.add(List.of("BEGIN", "SELECT 1/0", "ROLLBACK TO nosuch", "ROLLBACK"));
    s.add(List.of("BEGIN", ins(1), "END", COUNT));
    s.add(List.of("START TRANSACTION", ins(1), "ABORT", COUNT));
    // AND CHAIN
    s.add(List.of("BEGIN", ins(1), "COMMIT AND CHAIN", ins(2), "ROLLBACK", COUNT));
    s.add(List.of("BEGIN", ins(1), "ROLLBACK AND CHAIN", ins(2), "ROLLBACK", COUNT));
    s.add(List.of("BEGIN", "COMMIT AND CHAIN", ins(2), "ROLLBACK", COUNT));
    s.add(List.of("BEGIN", "ROLLBACK AND CHAIN", ins(2), "ROLLBACK", COUNT));
    s.add(List.of("BEGIN READ ONLY", "COMMIT AND CHAIN", ins(1), "ROLLBACK"));
    s.add(List.of("BEGIN ISOLATION LEVEL REPEATABLE READ", "COMMIT AND CHAIN", "SHOW transaction_isolation", "COMMIT"));
    s.add(List.of("BEGIN", ins(1), "x:COMMIT AND CHAIN", ins(2), "x:ROLLBACK", COUNT));
    s.add(List.of("BEGIN", "x:COMMIT AND CHAIN", ins(2), "x:ROLLBACK", COUNT));
    s.add(List.of("BEGIN", "SELECT 1/0", "COMMIT AND CHAIN", ins(1), "ROLLBACK", COUNT));
    s.add(List.of("BEGIN", "COMMIT AND NO CHAIN", ins(1), "ROLLBACK", COUNT));
    s.add(List.of("COMMIT AND CHAIN", ins(1), "ROLLBACK AND CHAIN", COUNT));
    // savepoints
    s.add(List.of("BEGIN", ins(1), "SAVEPOINT a", ins(2), "ROLLBACK TO a", ins(3), "RELEASE a", "COMMIT", COUNT));
    s.add(List.of("BEGIN", "SAVEPOINT a", "RELEASE nosuch", "ROLLBACK TO a", ins(1), "COMMIT", COUNT));
    s.add(List.of("BEGIN", "SAVEPOINT a", ins(1), ins(1), "ROLLBACK TO SAVEPOINT a", ins(2), "COMMIT", COUNT));
    s.add(List.of("SAVEPOINT a", "ROLLBACK TO a", "RELEASE a", ins(1), COUNT));
    s.add(List.of("BEGIN", "SAVEPOINT \"odd name\"", ins(1), "RELEASE SAVEPOINT \"odd name\"", "ROLLBACK", COUNT));
    // PREPARE TRANSACTION (disabled on these servers: an error either way)
    s.add(List.of("BEGIN", ins(1), "PREPARE TRANSACTION 'p1'", COUNT, "ROLLBACK", COUNT));
    s.add(List.of("PREPARE TRANSACTION 'p2'", ins(1), COUNT));
    s.add(List.of("BEGIN", "PREPARE TRANSACTION 'p3'", ins(1), "ROLLBACK", COUNT));
    // ... in a READ ONLY transaction, which the proxy runs on a replica (a standby answers them differently:
    // found by a random seed in CI, 2026-12-05)
    s.add(List.of("BEGIN READ ONLY", "SELECT 1/0", "PREPARE TRANSACTION 'p4'", ins(1), COUNT));
    s.add(List.of("BEGIN READ ONLY", "PREPARE TRANSACTION 'p5'", "ROLLBACK", ins(1), COUNT));
    s.add(List.of("BEGIN READ ONLY", "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", COUNT, "COMMIT", COUNT));
    // SET TRANSACTION / SET LOCAL
    s.add(List.of("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "SHOW transaction_isolation"));
    s.add(List.of("SET LOCAL statement_timeout = '7s'", "SHOW statement_timeout"));
    s.add(List.of("BEGIN", "SET LOCAL statement_timeout = '7s'", "SHOW statement_timeout", "COMMIT", "SHOW statement_timeout"));
    s.add(List.of("BEGIN", "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", "SHOW transaction_isolation", "COMMIT"));
    s.add(List.of("BEGIN", "SELECT 1", "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", "ROLLBACK"));
    s.add(List.of("BEGIN", "SET TRANSACTION READ ONLY", ins(1), "ROLLBACK", COUNT));
    s.add(List.of("BEGIN", "SET TRANSACTION ISOLATION LEVEL bogus", ins(1), "COMMIT", COUNT));
    // multi-statement simple Query strings
    s.add(List.of("BEGIN; " + ins(1) + "; COMMIT", COUNT));
    s.add(List.of(ins(1) + "; BEGIN", ins(2), "ROLLBACK", COUNT));
    s.add(List.of("BEGIN; SELECT 1/0; COMMIT", "SELECT 1", "ROLLBACK"));
    s.add(List.of(ins(1) + "; SELECT 1/0", COUNT));
    s.add(List.of(ins(1) + "; COMMIT; " + ins(2) + "; SELECT 1/0", COUNT));
    s.add(List.of("BEGIN ISOLATION LEVEL bogus; " + ins(1), COUNT));
    s.add(List.of("BEGIN; " + ins(1), "ROLLBACK; " + ins(2), COUNT));
    s.add(List.of("BEGIN", ins(1) + "; COMMIT", ins(2), COUNT));
    s.add(List.of("BEGIN", ins(1) + "; ROLLBACK; " + ins(2), COUNT));
    s.add(List.of("SET statement_timeout = '9s'; BEGIN", "SHOW statement_timeout", "ROLLBACK", "SHOW statement_timeout"));
    // extended protocol: implicit transactions, errors mid-pipeline, Flush
    s.add(List.of("x:" + ins(1) + " ;; " + ins(2) + " ;; SELECT 1/0", COUNT));
    s.add(List.of("x:" + ins(1) + " ;; SELECT 1/0 ;; " + ins(2), COUNT));
    s.add(List.of("x:BEGIN ;; " + ins(1), "x:ROLLBACK", COUNT));
    s.add(List.of("x:BEGIN ;; " + ins(1) + " ;; COMMIT ;; " + ins(2) + " ;; SELECT 1/0", COUNT));
    s.add(List.of("x:" + ins(1) + " ;; BEGIN", ins(2), "ROLLBACK", COUNT));
    s.add(List.of("x:BEGIN ISOLATION LEVEL bogus ;; " + ins(1), COUNT));
    s.add(List.of("f:" + ins(1), "x:SELECT 1/0", COUNT));
    s.add(List.of("f:" + ins(1), "x:" + COUNT, COUNT));
    s.add(List.of("f:" + ins(1), "f:SELECT 1/0", "s:", COUNT));
    s.add(List.of("f:BEGIN", "x:" + ins(1), "ROLLBACK", COUNT));
    s.add(List.of("f:" + ins(1), "f:" + ins(2), "x:SELECT 1", COUNT));
    s.add(List.of("f:SELECT 1", "x:" + ins(1) + " ;; SELECT 1/0", COUNT));
    s.add(List.of("BEGIN", "f:" + ins(1), "x:ROLLBACK", COUNT));
    // several shards in one transaction (the keys spread over both shards of the sharded variant)
    s.add(List.of("BEGIN", ins(1), ins(2), ins(3), ins(4), "ROLLBACK", COUNT));
    s.add(List.of("BEGIN", ins(1), ins(2), ins(3), ins(4), "SELECT 1/0", "COMMIT", COUNT));
    s.add(List.of("BEGIN", ins(1), ins(2), ins(3), ins(4), "COMMIT", COUNT));
    s.add(List.of("BEGIN", ins(1), ins(2), ins(3), ins(4), "COMMIT AND CHAIN", ins(5), "ROLLBACK", COUNT));
    s.add(List.of("BEGIN", ins(1), ins(2), ins(3), ins(4), "BEGIN", "ROLLBACK", COUNT));
    s.add(List.of("BEGIN READ ONLY", "SELECT v FROM t WHERE id = 1", "SELECT v FROM t WHERE id = 4", ins(2), "COMMIT", COUNT));
    s.add(List.of("BEGIN ISOLATION LEVEL bogus", ins(1), ins(2), ins(3), ins(4), "ROLLBACK", COUNT));
    // found with seed 1234567: a unit that ends a transaction held on a replica and then writes (the replica
    // answered 25006 where PostgreSQL runs the write); a nested BEGIN with modes inside one unit (sharded: the
    // READ ONLY held on one shard only, and a write on another ran where PostgreSQL answers 25006)
    s.add(List.of("BEGIN READ ONLY", "x:END ;; " + ins(6), COUNT));
    s.add(List.of("BEGIN READ ONLY", "COMMIT; " + ins(6), COUNT));
    s.add(List.of("BEGIN READ ONLY", "x:ROLLBACK ;; BEGIN ;; " + ins(5), "COMMIT", COUNT));
    s.add(List.of("BEGIN READ ONLY", "x:COMMIT ;; SELECT v FROM t WHERE id = 1", COUNT));
    s.add(List.of("BEGIN ISOLATION LEVEL REPEATABLE READ; BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE", COUNT,
        "x:DELETE FROM t WHERE id = 2 ;; " + ins(6), COUNT));
    s.add(List.of("x:BEGIN ISOLATION LEVEL REPEATABLE READ ;; SELECT v FROM t WHERE id = 2 ;; BEGIN READ ONLY",
        "x:" + ins(6) + " ;; SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", "ROLLBACK", COUNT));
    s.add(List.of("BEGIN; SELECT 1; BEGIN READ ONLY", ins(1), ins(2), "COMMIT", COUNT));
    s.add(List.of("BEGIN", "SELECT v FROM t WHERE id = 1; BEGIN READ ONLY", ins(2), "COMMIT", COUNT));
    s.add(List.of("BEGIN; COMMIT; BEGIN READ ONLY", ins(1), "ROLLBACK", COUNT));
    // seeds 99 and 2026: a nested BEGIN READ WRITE / SERIALIZABLE in a transaction held on a replica (the standby
    // answers 0A000 where the primary applies it); SET TRANSACTION in a pipeline writing to several shards
    s.add(List.of("BEGIN READ ONLY", "START TRANSACTION READ WRITE, ISOLATION LEVEL SERIALIZABLE", COUNT, "COMMIT", COUNT));
    s.add(List.of("BEGIN READ ONLY", "x:BEGIN READ ONLY ;; START TRANSACTION READ WRITE", "ROLLBACK", COUNT));
    s.add(List.of("BEGIN READ ONLY", "BEGIN ISOLATION LEVEL REPEATABLE READ", COUNT, "COMMIT"));
    s.add(List.of("x:UPDATE t SET v = v || '+' WHERE id = 5 ;; SET TRANSACTION READ ONLY ;; SELECT 1/0", COUNT));
    s.add(List.of("x:" + ins(1) + " ;; SET TRANSACTION READ ONLY ;; " + ins(2), COUNT));
    return s;
  }

  private static final String[] VOCABULARY = {
      "BEGIN", "BEGIN", "START TRANSACTION", "BEGIN READ ONLY", "BEGIN ISOLATION LEVEL bogus", "BEGIN ISOLATION LEVEL REPEATABLE READ",
      "BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE", "START TRANSACTION READ WRITE, ISOLATION LEVEL SERIALIZABLE",
      "COMMIT", "COMMIT", "ROLLBACK", "ROLLBACK", "END", "ABORT", "COMMIT AND CHAIN", "ROLLBACK AND CHAIN",
      "SAVEPOINT a", "SAVEPOINT b", "ROLLBACK TO a", "ROLLBACK TO SAVEPOINT b", "RELEASE a", "RELEASE SAVEPOINT nosuch",
      "PREPARE TRANSACTION 'px'", "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", "SET TRANSACTION READ ONLY",
      "SET LOCAL statement_timeout = '3s'", "SHOW statement_timeout", "SHOW transaction_isolation", "SHOW transaction_read_only",
      "SELECT 1/0", "SELECT 1", COUNT, "INS", "INS", "INS", "INS", "UPD", "DEL", "SEL",
  };

  /** Random sequences of the vocabulary above, as single statements, multi-statement Queries and pipelines. */
  static List<List<String>> random(long seed, int n) {
    Random r = new Random(seed);
    List<List<String>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<String> seq = new ArrayList<>();
      int steps = 2 + r.nextInt(6);
      for (int j = 0; j < steps; j++) {
        int form = r.nextInt(20);
        if (form < 12) {
          seq.add(word(r));
        } else if (form < 15) {
          seq.add(word(r) + "; " + word(r) + (r.nextBoolean() ? "; " + word(r) : ""));
        } else if (form < 19) {
          seq.add("x:" + word(r) + (r.nextBoolean() ? " ;; " + word(r) : "") + (r.nextBoolean() ? " ;; " + word(r) : ""));
        } else {
          seq.add("f:" + word(r));
          seq.add("x:" + word(r));
        }
      }
      seq.add(COUNT);
      out.add(seq);
    }
    return out;
  }

  private static String word(Random r) {
    String w = VOCABULARY[r.nextInt(VOCABULARY.length)];
    int k = 1 + r.nextInt(6);
    return switch (w) {
      case "INS" -> ins(k);
      case "UPD" -> "UPDATE t SET v = v || '+' WHERE id = " + k;
      case "DEL" -> "DELETE FROM t WHERE id = " + k;
      case "SEL" -> "SELECT v FROM t WHERE id = " + k;
      default -> w;
    };
  }

  /** What one run found. */
  static final class Report {
    final List<String> divergences = new ArrayList<>();
    final List<String> refusals = new ArrayList<>();
    int sequences;
    int steps;
  }

  /** Runs every sequence through the proxy and against the oracle. */
  Report run(List<List<String>> sequences) throws Exception {
    Report report = new Report();
    for (List<String> seq : sequences) {
      report.sequences++;
      try {
        reset();
      } catch (AssertionError e) { // left over by the sequence before (recorded there); the busy sessions were ended
        reset();
      }
      String problem = null;
      boolean refused = false;
      try (WireClient proxy = proxyClient(); WireClient oracle = oracleClient()) {
        for (int i = 0; i < seq.size() && problem == null && !refused; i++) {
          report.steps++;
          List<String> p = step(proxy, seq.get(i));
          List<String> o = step(oracle, seq.get(i));
          if (p.equals(o)) {
            continue;
          }
          if (refusal(p, o, proxy.errorMessages)) {
            refused = true;
            report.refusals.add(seq + " step " + i + ": " + proxy.errorMessages);
          } else {
            problem = "step " + i + " [" + seq.get(i) + "]\n      proxy:  " + p + " " + proxy.errorMessages
                + "\n      direct: " + o + " " + oracle.errorMessages;
          }
        }
      }
      if (problem == null && !refused) {
        try {
          settle(); // both clients gone: waits until the proxy's backends are idle
        } catch (AssertionError e) {
          report.divergences.add(seq + "\n    " + e.getMessage());
          continue;
        }
        List<String> p = proxyRows().read();
        List<String> o = oracleRows().read();
        if (!p.equals(o)) {
          problem = "final rows: proxy " + p + ", direct " + o;
        }
      }
      if (problem != null) {
        report.divergences.add(seq + "\n    " + problem);
      }
    }
    return report;
  }

  /** The proxy refused a construct (0A000/0AJ00 naming Junction) where PostgreSQL did not fail. */
  private static boolean refusal(List<String> proxy, List<String> direct, List<String> messages) {
    boolean refusedHere = proxy.stream().anyMatch(l -> l.equals("E:0A000") || l.equals("E:0AJ00"));
    return refusedHere && messages.stream().anyMatch(m -> m.contains("Junction")) && !direct.equals(proxy);
  }

  static List<String> step(WireClient c, String step) throws IOException {
    if (step.startsWith("x:") || step.startsWith("f:")) {
      List<String> statements = new ArrayList<>();
      for (String s : step.substring(2).split(";;")) {
        statements.add(s.strip());
      }
      return c.extended(statements, step.startsWith("x:"));
    }
    if (step.equals("s:")) {
      return c.sync();
    }
    return c.query(step);
  }
}
