package dev.junction.reshard;

import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Which SQL failures a resharding step runs again, and how often.
 *
 * <p>WHY: the steps run transactions on live shards while applications keep writing, so deadlocks,
 * serialization failures and lock-wait timeouts are normal, not faults: the server has rolled the
 * transaction (or, for an InnoDB lock-wait timeout, only the statement) back and asks the client
 * to run it again. Every transaction of a step is idempotent by design (inserts skip existing
 * rows, the catch-up re-reads a key's current rows, a change-queue entry is deleted only after its
 * keys were copied and committed, deletes name keys), so running one again can neither apply a
 * change twice nor lose one. The caller must leave its connection outside any transaction (rolled
 * back) when it throws.
 *
 * <ul>
 *   <li>{@link Kind#CONFLICT}: PostgreSQL 40001 serialization failure, 40P01 deadlock, 55P03 lock
 *       timeout; MariaDB/MySQL 1213 deadlock, 1205 lock-wait timeout, 1020 record changed (MariaDB
 *       snapshot isolation). Run again at most {@link #CONFLICT_ATTEMPTS} times in a row, with
 *       exponential back-off and jitter (contenders that retried in lockstep would collide again).</li>
 *   <li>{@link Kind#CONNECTION}: class 08, 57P (server shut down or restarted): run again until the
 *       step timeout, by the step itself, which continues from what the data records.</li>
 *   <li>Everything else, including Junction's own refusals (also 40001, from the ring-version
 *       trigger; the tool's sessions never get them), fails the step at once.</li>
 * </ul>
 */
final class Retry {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Retry.class);

  /** Attempts of one transaction that keeps meeting conflicts before the step gives up. */
  static final int CONFLICT_ATTEMPTS = 10;
  static final long FIRST_PAUSE_MILLIS = 20;
  static final long MAX_PAUSE_MILLIS = 1000;

  private Retry() {}

  enum Kind { CONFLICT, CONNECTION, OTHER }

  /** A transaction that met conflicts {@link #CONFLICT_ATTEMPTS} times in a row: not retried again by the step. */
  static final class Exhausted extends SQLException {
    Exhausted(String what, int attempts, SQLException last) {
      super(what + ": " + last.getMessage() + " (" + attempts + " attempts, each rolled back and run again, all failed"
          + " the same way)", last.getSQLState(), last.getErrorCode(), last);
    }
  }

  interface Body<T> {
    T run() throws SQLException;
  }

  /** Classifies {@code e} by itself, its causes and its chained exceptions (a batch reports the statement's there). */
  static Kind classify(SQLException e) {
    Kind found = Kind.OTHER;
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SQLException s) {
        for (SQLException x = s; x != null; x = x.getNextException() == x ? null : x.getNextException()) {
          Kind k = one(x);
          if (k == Kind.CONFLICT) {
            return k;
          }
          if (k == Kind.CONNECTION) {
            found = k;
          }
          if (!(x instanceof BatchUpdateException)) {
            break;
          }
        }
      }
    }
    return found;
  }

  private static Kind one(SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    String message = e.getMessage() == null ? "" : e.getMessage();
    int code = e.getErrorCode();
    if (message.contains("Junction:")) {
      return Kind.OTHER; // a refusal by Junction's own triggers: running it again cannot help
    }
    if (code == 1213 || code == 1205 || code == 1020 || state.equals("40P01") || state.equals("55P03")
        || (state.equals("40001") && code != 1644)) { // 1644: a trigger's SIGNAL, not the engine
      return Kind.CONFLICT;
    }
    if (state.startsWith("08") || state.startsWith("57P") || e instanceof java.sql.SQLRecoverableException
        || e instanceof java.sql.SQLNonTransientConnectionException || e instanceof java.sql.SQLTransientConnectionException) {
      return Kind.CONNECTION;
    }
    return Kind.OTHER;
  }

  /**
   * Runs {@code body}, one transaction, again after each conflict, up to {@link #CONFLICT_ATTEMPTS}
   * attempts in a row; other failures and the last conflict are thrown (the latter as {@link Exhausted}).
   */
  static <T> T onConflict(String what, Progress progress, Body<T> body) throws SQLException {
    long pause = FIRST_PAUSE_MILLIS;
    for (int attempt = 1; ; attempt++) {
      try {
        return body.run();
      } catch (SQLException e) {
        if (e instanceof Exhausted || classify(e) != Kind.CONFLICT) {
          throw e;
        }
        if (attempt >= CONFLICT_ATTEMPTS) {
          throw new Exhausted(what, attempt, e);
        }
        long sleep = pause / 2 + ThreadLocalRandom.current().nextLong(pause / 2 + 1);
        LOG.info("reshard: {}: {} (SQLSTATE {}, error {}); rolled back, attempt {} of {} in {} ms", what, e.getMessage(),
            e.getSQLState(), e.getErrorCode(), attempt + 1, CONFLICT_ATTEMPTS, sleep);
        progress.retried(what);
        Reshard.sleep(sleep);
        pause = Math.min(MAX_PAUSE_MILLIS, pause * 2);
      }
    }
  }

  /** As {@link #onConflict(String, Progress, Body)} for a body without a result (named apart: overloads with lambdas are ambiguous). */
  static void onConflictDo(String what, Progress progress, SqlRunnable body) throws SQLException {
    onConflict(what, progress, () -> {
      body.run();
      return null;
    });
  }

  interface SqlRunnable {
    void run() throws SQLException;
  }
}
