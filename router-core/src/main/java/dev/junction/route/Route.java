package dev.junction.route;

import dev.junction.health.EndpointState;
import dev.junction.position.ReplicationPosition;

/**
 * Where one statement of a replica set runs, as a value (an opcode, as in Vitess' vtgate): decided
 * by {@link RouteSession#decide}, carried out by a front-end (the JDBC façade or the proxy).
 *
 * <p>{@link Opcode#PRIMARY} and {@link Opcode#REPLICA} are final placements. The other opcodes are
 * steps the front-end performs and reports back, because they need I/O the decision must not do:
 * {@link Opcode#AWAIT_REPLICA} (report with {@link RouteSession#awaited}),
 * {@link Opcode#READ_POSITION} (report with {@link RouteSession#positionRead}, then decide again)
 * and {@link Opcode#REFUSE} (fail the statement with {@link #refusal()}).
 *
 * <p>Placements without a fence are interned per replica set ({@link ReplicaSet}), so the common
 * decisions allocate nothing and may be compared with {@code ==}.
 *
 * @param opcode     what the front-end does
 * @param target     the endpoint to run on, wait on, or read the position from; null for REFUSE
 * @param reason     why (counted in metrics, shown by explain); null for steps that place nothing
 *                   (AWAIT_REPLICA, READ_POSITION, REFUSE)
 * @param fence      AWAIT_REPLICA: the position {@code target} must replay; otherwise null
 * @param waitMillis AWAIT_REPLICA: the wait budget ({@code max-fence-wait}); otherwise 0
 * @param flags      {@link #IN_TRANSACTION}, {@link #BEGINS_TRANSACTION}, {@link #READ_ONLY_TRANSACTION},
 *                   {@link #REPLAY_SESSION}
 * @param refusal    REFUSE: what to tell the application; otherwise null
 */
public record Route(Opcode opcode, EndpointState target, RouteReason reason, ReplicationPosition fence,
                    long waitMillis, int flags, Refusal refusal) {

  /** The statement belongs to an explicit transaction: it runs on the transaction's connection, never retried elsewhere. */
  public static final int IN_TRANSACTION = 1;
  /**
   * The transaction starts with this statement, on {@link #target()}: with auto-commit off, the
   * front-end begins it on the physical connection first (a SQL {@code BEGIN} begins it itself).
   */
  public static final int BEGINS_TRANSACTION = 2;
  /** The transaction is read-only wherever it runs (on a replica, or on the primary as a fallback). */
  public static final int READ_ONLY_TRANSACTION = 4;
  /**
   * A session setting ({@code SET}, {@code RESET}, {@code USE}) that the front-end remembers and
   * applies to every other server connection this session holds or takes later.
   */
  public static final int REPLAY_SESSION = 8;
  static final int FLAG_COMBINATIONS = 16;

  /** What the front-end does with a route. */
  public enum Opcode {
    /** Run the statement on the replica set's primary ({@link Route#target()}). */
    PRIMARY,
    /** Run the statement on the replica {@link Route#target()}. */
    REPLICA,
    /**
     * Wait at most {@link Route#waitMillis()} until the replica {@link Route#target()} has replayed {@link Route#fence()}
     * (the most advanced readable replica; none covers the fence yet), then report the outcome to
     * {@link RouteSession#awaited}, which returns the placement.
     */
    AWAIT_REPLICA,
    /**
     * A write committed earlier and its position was not read yet (deferred, so plain writes cost no
     * extra round trip): read the primary's current position on {@link Route#target()}, report it to
     * {@link RouteSession#positionRead}, then decide the statement again.
     */
    READ_POSITION,
    /** Do not run the statement: fail it with {@link Route#refusal()}. */
    REFUSE
  }

  public Route {
    if (flags < 0 || flags >= FLAG_COMBINATIONS) {
      throw new IllegalArgumentException("unknown route flags " + flags);
    }
    if ((opcode == Opcode.REFUSE) != (refusal != null)) {
      throw new IllegalArgumentException("a refusal goes with the REFUSE opcode and only with it");
    }
    if (opcode != Opcode.REFUSE && target == null) {
      throw new IllegalArgumentException(opcode + " needs a target endpoint");
    }
    if ((opcode == Opcode.AWAIT_REPLICA) != (fence != null)) {
      throw new IllegalArgumentException("a fence goes with the AWAIT_REPLICA opcode and only with it");
    }
  }

  static Route refuse(Refusal refusal) {
    return new Route(Opcode.REFUSE, null, null, null, 0, 0, refusal);
  }

  /** True for {@link Opcode#PRIMARY} and {@link Opcode#REPLICA}: the statement runs on {@link #target()} now. */
  public boolean isPlacement() {
    return opcode == Opcode.PRIMARY || opcode == Opcode.REPLICA;
  }

  public boolean inTransaction() {
    return (flags & IN_TRANSACTION) != 0;
  }

  public boolean beginsTransaction() {
    return (flags & BEGINS_TRANSACTION) != 0;
  }

  public boolean readOnlyTransaction() {
    return (flags & READ_ONLY_TRANSACTION) != 0;
  }

  public boolean replaysSession() {
    return (flags & REPLAY_SESSION) != 0;
  }

  /** One line, e.g. {@code REPLICA main/replica1 replica [tx begin read-only]}; the golden plan files use it. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(opcode.name());
    if (target != null) {
      sb.append(' ').append(target);
    }
    if (reason != null) {
      sb.append(' ').append(reason.tag());
    }
    if (fence != null) {
      sb.append(" fence ").append(fence.encode()).append(" within ").append(waitMillis).append(" ms");
    }
    if (flags != 0) {
      sb.append(" [");
      String sep = "";
      if (inTransaction()) {
        sb.append("tx");
        sep = " ";
      }
      if (beginsTransaction()) {
        sb.append(sep).append("begin");
        sep = " ";
      }
      if (readOnlyTransaction()) {
        sb.append(sep).append("read-only");
        sep = " ";
      }
      if (replaysSession()) {
        sb.append(sep).append("replay");
      }
      sb.append(']');
    }
    if (refusal != null) {
      sb.append(' ').append(refusal.sqlState()).append(' ').append(refusal.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
    }
    return sb.toString();
  }
}
