package dev.junction.proxy.relay;

import dev.junction.proxy.protocol.PgError;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.Consumer;

/**
 * The open transaction of one sharded relay session, once it has joined a second shard: the backend
 * each joined shard's transaction runs on, which shards it wrote to, and whether it failed.
 *
 * <p>Design notes (the library's {@code ShardedConnection}, through the wire protocol):
 * <ul>
 *   <li>The session's attached backend is the current shard's; the other joined shards' backends are
 *       <b>parked</b> here, idle inside their transaction, and re-attached when a statement goes to their
 *       shard again. Every joined backend is held until the transaction ends, so a transaction over N
 *       shards holds N backend connections (one per shard, on its primary).</li>
 *   <li>A shard joins with the transaction's own BEGIN text (isolation, READ ONLY), sent ahead of the
 *       statement that needs it, followed by the transaction's {@code SET LOCAL}, {@code SET TRANSACTION}
 *       and {@code SET CONSTRAINTS} statements so far ({@link #settings}): every shard runs the transaction
 *       with the same settings, so a {@code SET LOCAL search_path} or {@code statement_timeout} cannot give
 *       one answer on the first shard and another on a later one. Such a statement sent while shards are
 *       joined runs on each of them ({@code ShardRelay}); one that fails anywhere fails the transaction.</li>
 *   <li>COMMIT commits shard by shard in ring order; after a failure the shards not yet committed are
 *       rolled back and the error names the shards that had committed. ROLLBACK rolls back all.</li>
 *   <li>An error anywhere fails the whole transaction: later statements get 25P02 until it ends, and a
 *       COMMIT rolls back (as PostgreSQL answers COMMIT of a failed transaction).</li>
 * </ul>
 * Everything runs on the session's event loop.
 */
final class ShardTransaction {
  /** The transaction's BEGIN text, sent to each shard that joins it. */
  String begin = "BEGIN";
  /** Parked backends by configured shard index (never the session's attached one). */
  final BackendConnection[] parked;
  /** Configured shard indexes the transaction wrote to (for reject and for read-your-writes after commit). */
  final BitSet written = new BitSet();
  /** A statement of the transaction failed on some shard (or was refused): COMMIT rolls back. */
  boolean failed;
  /** The transaction-scoped settings sent so far, in order: replayed after BEGIN on each shard that joins. */
  final List<String> settings = new ArrayList<>();
  /**
   * A ROLLBACK TO SAVEPOINT came after some of {@link #settings} (before the transaction spread): which of
   * them still hold is unknown here, so no shard may join with a replay that could differ.
   */
  boolean settingsUnknown;

  ShardTransaction(int shards) {
    this.parked = new BackendConnection[shards];
  }

  /** Whether the transaction holds a backend besides the attached one. */
  boolean spread() {
    for (BackendConnection b : parked) {
      if (b != null) {
        return true;
      }
    }
    return false;
  }

  /** A parked backend that is no longer usable or a failed transaction on a parked shard. */
  boolean anyParkedFailed() {
    for (BackendConnection b : parked) {
      if (b != null && (b.status == 'E' || b.phase != BackendConnection.Phase.READY)) {
        return true;
      }
    }
    return false;
  }

  void park(BackendConnection b) {
    b.session = null;
    b.channel.config().setAutoRead(true);
    parked[b.endpoint.group.index] = b;
  }

  BackendConnection unpark(ShardEndpoints shard) {
    BackendConnection b = parked[shard.index];
    parked[shard.index] = null;
    return b;
  }

  /** Forgets the transaction (its backends were handed back elsewhere). */
  void clear() {
    java.util.Arrays.fill(parked, null);
    written.clear();
    failed = false;
    begin = "BEGIN";
    settings.clear();
    settingsUnknown = false;
  }

  /** SET LOCAL, SET TRANSACTION, SET CONSTRAINTS: settings that end with the transaction (as RelaySession reads them). */
  static boolean transactionScoped(String sql) {
    return dev.junction.classify.TransactionSettings.scoped(sql);
  }

  /**
   * What a shard joining the transaction runs before its first statement: the BEGIN text, then the
   * transaction's settings so far, in one simple Query (one round trip; a failing setting leaves that
   * shard's transaction failed, which fails the whole transaction).
   */
  String joinSql(String beginText) {
    if (settings.isEmpty()) {
      return beginText;
    }
    StringBuilder sql = new StringBuilder(strip(beginText));
    for (String s : settings) {
      sql.append("\n;").append(strip(s)); // a newline first: a setting's trailing -- comment ends before the ';'
    }
    return sql.toString();
  }

  /** A statement's text without trailing semicolons and blanks. */
  static String strip(String sql) {
    String s = sql.strip();
    while (s.endsWith(";")) {
      s = s.substring(0, s.length() - 1).stripTrailing();
    }
    return s;
  }

  /** Takes every parked backend out (for the end of the transaction or an abandoned session). */
  List<BackendConnection> takeAll() {
    List<BackendConnection> out = new ArrayList<>();
    for (int i = 0; i < parked.length; i++) {
      if (parked[i] != null) {
        out.add(parked[i]);
        parked[i] = null;
      }
    }
    return out;
  }

  /** The outcome of ending a transaction over several shards. */
  record Outcome(List<String> committed, List<String> rolledBack, String failedShard, PgError error) {}

  /**
   * Ends the transaction on {@code backends} (already in ring order), one after the other: COMMIT
   * until one fails, ROLLBACK for the rest (or ROLLBACK for all when {@code commit} is false).
   */
  static void end(List<BackendConnection> backends, boolean commit, Consumer<Outcome> then) {
    new Ender(backends, commit, then).next();
  }

  private static final class Ender {
    final List<BackendConnection> backends;
    final Consumer<Outcome> then;
    final List<String> committed = new ArrayList<>();
    /** Shards rolled back because a commit before them failed (named in the error, as the library does). */
    final List<String> rolledBack = new ArrayList<>();
    boolean commit;
    String failedShard;
    PgError error;
    int at;

    Ender(List<BackendConnection> backends, boolean commit, Consumer<Outcome> then) {
      this.backends = backends;
      this.commit = commit;
      this.then = then;
    }

    void next() {
      while (at < backends.size()) {
        BackendConnection b = backends.get(at++);
        if (b.phase != BackendConnection.Phase.READY || !b.idle()) {
          if (commit) {
            fail(b, PgError.error("08006", "the connection to " + b.endpoint + " was lost"));
          }
          continue;
        }
        boolean committing = commit;
        b.internal(new InternalQuery(committing ? "COMMIT" : "ROLLBACK") {
          @Override
          void done(BackendConnection backend, char status) {
            if (committing) {
              if (failed()) {
                fail(backend, PgError.error(errorSqlState == null ? "XX000" : errorSqlState, error));
              } else {
                committed.add(backend.endpoint.group.name);
              }
            } else if (failedShard != null && !failed()) {
              rolledBack.add(backend.endpoint.group.name);
            }
            release();
            next();
          }
        });
        return;
      }
      then.accept(new Outcome(committed, rolledBack, failedShard, error));
    }

    private void fail(BackendConnection b, PgError e) {
      commit = false; // the rest roll back
      failedShard = b.endpoint.group.name;
      error = e;
    }
  }
}
