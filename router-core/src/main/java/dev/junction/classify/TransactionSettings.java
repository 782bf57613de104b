package dev.junction.classify;

import java.util.regex.Pattern;

/**
 * Settings that last only until the end of the current transaction ({@code SET LOCAL}, {@code SET
 * TRANSACTION}, {@code SET CONSTRAINTS}). WHY a front-end needs to know: in a transaction over
 * several shards such a setting must hold on every shard the transaction touches, including shards
 * that join after it, and must not outlive the transaction the way a session {@code SET} is
 * replayed on connections opened later.
 */
public final class TransactionSettings {

  private static final Pattern SCOPED = Pattern.compile("(?is)\\s*SET\\s+(LOCAL|TRANSACTION|CONSTRAINTS)\\b");
  private static final Pattern ROLLBACK_TO = Pattern.compile("(?is)\\s*ROLLBACK\\s+(WORK\\s+|TRANSACTION\\s+)?TO\\b");

  private TransactionSettings() {}

  /** True for a statement whose setting ends with the transaction. */
  public static boolean scoped(String sql) {
    return sql != null && SCOPED.matcher(sql).lookingAt();
  }

  /** True for {@code ROLLBACK TO [SAVEPOINT]}, which may undo transaction settings made after the savepoint. */
  public static boolean rollbackToSavepoint(String sql) {
    return sql != null && ROLLBACK_TO.matcher(sql).lookingAt();
  }
}
