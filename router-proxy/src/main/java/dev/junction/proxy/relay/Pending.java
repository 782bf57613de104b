package dev.junction.proxy.relay;

/**
 * One response the proxy expects from a backend, in the order the requests were sent: the
 * backend answers strictly in order, so the head of a connection's queue always says what the
 * next response belongs to and whether the client must see it.
 *
 * <p>Payload-free kinds are shared singletons, so the common relay path allocates nothing here.
 */
final class Pending {
  enum Kind {
    /** The client's Parse: ParseComplete is relayed; on failure the client's name is forgotten. */
    PARSE,
    /** A Parse the proxy added to re-prepare a statement on this backend: ParseComplete is swallowed. */
    PARSE_INJECTED,
    BIND,
    DESCRIBE,
    EXECUTE,
    CLOSE,
    /** A Close the proxy sent itself (statement cache eviction): CloseComplete is swallowed. */
    CLOSE_INJECTED,
    SYNC,
    /**
     * A Sync the proxy added where a sharded unit was split between shards (sharded relay): its
     * ReadyForQuery ends that part on its backend and is not relayed.
     */
    SPLIT_SYNC,
    /** The client's simple Query: everything up to ReadyForQuery is relayed. */
    QUERY,
    /** A query the proxy runs for itself (session settings, positions, rollback): nothing is relayed. */
    INTERNAL,
    /** A response the backend will not send but the client expects here (ParseComplete of a statement already prepared). */
    SYNTHETIC_PARSE_COMPLETE
  }

  static final Pending BIND = new Pending(Kind.BIND, null);
  static final Pending DESCRIBE = new Pending(Kind.DESCRIBE, null);
  static final Pending EXECUTE = new Pending(Kind.EXECUTE, null);
  static final Pending CLOSE = new Pending(Kind.CLOSE, null);
  static final Pending CLOSE_INJECTED = new Pending(Kind.CLOSE_INJECTED, null);
  static final Pending SYNC = new Pending(Kind.SYNC, null);
  static final Pending SPLIT_SYNC = new Pending(Kind.SPLIT_SYNC, null);
  static final Pending QUERY = new Pending(Kind.QUERY, null);
  static final Pending PARSE_INJECTED = new Pending(Kind.PARSE_INJECTED, null);
  static final Pending SYNTHETIC_PARSE_COMPLETE = new Pending(Kind.SYNTHETIC_PARSE_COMPLETE, null);

  final Kind kind;
  /** PARSE: the client's statement name; PARSE_INJECTED: the statement id (null: unnamed); INTERNAL: the {@link InternalQuery}. */
  final Object payload;
  /** PARSE of a named statement: the statement, marked accepted at its ParseComplete. */
  final PreparedStatements.Statement statement;

  Pending(Kind kind, Object payload) {
    this(kind, payload, null);
  }

  private Pending(Kind kind, Object payload, PreparedStatements.Statement statement) {
    this.kind = kind;
    this.payload = payload;
    this.statement = statement;
  }

  /** The unnamed statement's Parse: an extended-protocol client sends one per statement, so it is shared. */
  private static final Pending PARSE_UNNAMED = new Pending(Kind.PARSE, "");

  static Pending parse(String clientName) {
    return clientName.isEmpty() ? PARSE_UNNAMED : new Pending(Kind.PARSE, clientName);
  }

  /** The client's Parse of named statement {@code st} as {@code clientName}. */
  static Pending parse(String clientName, PreparedStatements.Statement st) {
    return new Pending(Kind.PARSE, clientName, st);
  }

  /** A Parse the proxy added for statement {@code id} (null: the unnamed statement). */
  static Pending parseInjected(Long id) {
    return new Pending(Kind.PARSE_INJECTED, id);
  }

  static Pending internal(InternalQuery query) {
    return new Pending(Kind.INTERNAL, query);
  }

  boolean relayed() {
    return kind != Kind.PARSE_INJECTED && kind != Kind.CLOSE_INJECTED && kind != Kind.INTERNAL;
  }
}
