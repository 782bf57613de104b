package dev.junction.route;

import dev.junction.classify.Classification;
import dev.junction.classify.StatementKind;

/**
 * Why a statement went where it went. Every routing decision carries one; metrics count them and
 * {@code explain} prints them, so "why did this read hit the primary?" always has an answer.
 */
public enum RouteReason {
  /** An unfenced read on a replica. */
  REPLICA(true),
  /** A fenced read on a replica already known to have replayed the fence. */
  REPLICA_FENCED(true),
  /** A fenced read on a replica that caught up while Junction waited (within max-fence-wait). */
  REPLICA_FENCE_WAITED(true),
  /** A statement of a read-only transaction, which runs entirely on one replica. */
  REPLICA_READ_ONLY_TRANSACTION(true),

  PRIMARY_WRITE(false),
  PRIMARY_DDL(false),
  PRIMARY_TRANSACTION(false),
  PRIMARY_SESSION_STATE(false),
  PRIMARY_LOCKING_READ(false),
  PRIMARY_SIDE_EFFECT_FUNCTION(false),
  PRIMARY_DATA_MODIFYING_CTE(false),
  PRIMARY_SELECT_INTO(false),
  PRIMARY_UTILITY(false),
  PRIMARY_HINT(false),
  /** The parser could not read the statement: the primary is the only safe choice. */
  PRIMARY_UNPARSEABLE(false),
  PRIMARY_TOO_DEEP(false),
  /** No replica configured, or none readable (circuit open or lag above the threshold). */
  PRIMARY_NO_REPLICA(false),
  /** No replica replayed the fence within max-fence-wait. */
  PRIMARY_FENCE_FALLBACK(false),
  /** The fence store could not be consulted, so no replica can be proven fresh enough. */
  PRIMARY_FENCE_STORE_UNAVAILABLE(false),
  /** The read failed on a replica before returning rows and was retried on the primary. */
  PRIMARY_RETRY(false);

  private final boolean replica;

  RouteReason(boolean replica) {
    this.replica = replica;
  }

  public boolean isReplica() {
    return replica;
  }

  /** The reason a statement that is not replica-eligible goes to the primary. */
  public static RouteReason forPrimary(Classification c) {
    return switch (c.primaryReason()) {
      case NONE -> c.kind() == StatementKind.DDL ? PRIMARY_DDL
          : c.kind() == StatementKind.UTILITY ? PRIMARY_UTILITY : PRIMARY_WRITE;
      case WRITE -> c.kind() == StatementKind.DDL ? PRIMARY_DDL : PRIMARY_WRITE;
      case DDL -> PRIMARY_DDL;
      case TRANSACTION_CONTROL -> PRIMARY_TRANSACTION;
      case SESSION_STATE -> PRIMARY_SESSION_STATE;
      case LOCKING_READ -> PRIMARY_LOCKING_READ;
      case SIDE_EFFECT_FUNCTION -> PRIMARY_SIDE_EFFECT_FUNCTION;
      case DATA_MODIFYING_CTE -> PRIMARY_DATA_MODIFYING_CTE;
      case SELECT_INTO -> PRIMARY_SELECT_INTO;
      case HINT -> PRIMARY_HINT;
      case UNPARSEABLE -> PRIMARY_UNPARSEABLE;
      case TOO_DEEP -> PRIMARY_TOO_DEEP;
      case UTILITY -> PRIMARY_UTILITY;
    };
  }

  /** Metric tag value, e.g. {@code primary-fence-fallback}. */
  public String tag() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
