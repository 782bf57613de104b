package dev.junction.jdbc.internal;

import dev.junction.classify.Dialect;
import dev.junction.health.EndpointState;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The physical connections one logical connection holds on one replica set: at most one to the
 * primary and one to a replica, taken lazily from the endpoints' pools.
 *
 * <p>Design notes (why this is its own class: the lifecycle of a physical connection is the same
 * whatever the routing decided, and it is where pool demand and dirty connections are won or lost):
 * <ul>
 *   <li><b>One at a time outside a transaction.</b> Before waiting on one endpoint's pool, the
 *       connection held to the other endpoint goes back to its pool when nothing needs it: it is not
 *       the open transaction's, carries no session state or pin, and nothing handed out still reads
 *       from it ({@link Users#reading}). So no cross-pool wait cycle can form (issue #12; "what a
 *       logical connection holds, when" in docs/architecture.md).</li>
 *   <li><b>Session state is replayed, then the connection is evicted.</b> JDBC settings (isolation,
 *       catalog, schema, holdability, type map) and replayable {@code SET}s are applied to every
 *       connection taken later. A connection that ran a {@code SET}, or carries a pin, cannot be
 *       reset cheaply: it is evicted instead of going back to the pool dirty.</li>
 *   <li><b>Pool hygiene.</b> A connection goes back only when its driver reports no open server
 *       transaction (after a rollback if needed, {@link ServerTransaction#makeIdle}); else it is
 *       evicted. A connection the pool closed under us (fatal SQLSTATE) is replaced outside a
 *       transaction instead of failing every later statement.</li>
 *   <li>It knows nothing of routing: the façade says which endpoint, and whether a transaction is
 *       open on which connection ({@link #transactionOn}).</li>
 * </ul>
 */
final class ConnectionHolder {

  /** Where physical connections of one endpoint come from: its pool ({@link EndpointPool}), or a fake in tests. */
  interface Source {
    EndpointState state();

    /** A connection, or an exception (circuit open, pool exhausted, connect failure). */
    Connection acquire() throws SQLException;

    /** The connection is closed by the caller afterwards and must not go back to the pool. */
    void evict(Connection c);

    /** A statement on this endpoint failed: a connection failure opens its circuit. */
    void recordFailure(SQLException e);
  }

  /** What the logical connection handed out on a physical connection (statements, calls, metadata). */
  interface Users {
    /** True while something handed out still reads from {@code c} (an open result, update count, call). */
    boolean reading(Connection c);

    /** {@code c} goes away (back to its pool or evicted): close whatever was made on it. */
    void forget(Connection c);
  }

  private final Source primarySource;
  private final Function<EndpointState, ? extends Source> replicaSources;
  private final Dialect dialect;
  /** The ring version to set on primary sessions (0: none; sharded data sources only). */
  private final LongSupplier ringVersion;
  private final Users users;

  private Connection primary;
  private Connection replica;
  private Source replicaSource;
  private boolean primaryDirty;
  private boolean replicaDirty;
  /** Session state lives on the held primary connection: it is kept until close, then evicted. */
  private boolean pinned;
  /** The connection the open transaction runs on (never given back while it is open), or null. */
  private Connection transaction;
  /** The ring version last set on the held primary session outside a transaction (0: none). */
  private long ringVersionSet;

  private final List<String> sessionStatements = new ArrayList<>();
  private int isolation = -1;
  private String catalog;
  private String schema;
  private int holdability = -1;
  private Map<String, Class<?>> typeMap;

  ConnectionHolder(Source primarySource, Function<EndpointState, ? extends Source> replicaSources, Dialect dialect,
                   LongSupplier ringVersion, Users users) {
    this.primarySource = primarySource;
    this.replicaSources = replicaSources;
    this.dialect = dialect;
    this.ringVersion = ringVersion;
    this.users = users;
  }

  // ---------------------------------------------------------------- acquiring

  /**
   * The held primary connection, taken (and set up) first if none is held. {@code inTransaction}:
   * an explicit transaction is open or about to start, so a connection the pool closed under us
   * must surface its failure instead of being replaced silently.
   */
  Connection primary(boolean inTransaction) throws SQLException {
    if (primary != null && primary.isClosed() && transaction == null && !inTransaction) {
      // evicted by the pool after a fatal SQLState outside any transaction: nothing is lost by
      // taking a fresh connection (inside a transaction the error must surface instead)
      users.forget(primary);
      primary = null;
    }
    if (primary == null) {
      if (replica != null && replicaReleasable()) {
        releaseReplica(false); // never hold an idle replica while waiting for the primary (issue #12)
      }
      Connection c = primarySource.acquire();
      try {
        setUp(c);
      } catch (SQLException e) {
        primarySource.recordFailure(e);
        primarySource.evict(c);
        c.close();
        throw e;
      }
      primary = c;
      primaryDirty = !sessionStatements.isEmpty();
      ringVersionSet = 0;
    }
    long version = ringVersion.getAsLong();
    if (version != 0 && version != ringVersionSet) {
      RingRouting.setSessionRingVersion(primary, dialect, version);
      // Inside a transaction a PostgreSQL setting is undone by a rollback: set it again next time.
      ringVersionSet = transaction == null && !inTransaction ? version : 0;
    }
    return primary;
  }

  /**
   * The held connection to {@code state}'s replica, switching replicas if needed (the one held to
   * another replica goes back); null when none can be had (its circuit opened, the pool is
   * exhausted, or setting it up failed: the failure is recorded on the endpoint).
   */
  Connection replica(EndpointState state) {
    if (replicaSource != null && replicaSource.state() == state && replica != null) {
      if (!isClosed(replica)) {
        return replica;
      }
      // The pool closed the held connection under us (HikariCP evicts on fatal SQLStates such as the
      // server's 0A000, e.g. "cannot convert infinity to bigint"): take a fresh one instead of failing
      // every later statement with "Connection is closed" (issue #10).
      releaseReplica(true);
    }
    releaseReplica(false);
    if (primary != null && primaryReleasable()) {
      releasePrimary(); // never hold an idle primary while waiting for a replica (issue #12)
    }
    Source source = replicaSources.apply(state);
    Connection c;
    try {
      c = source.acquire();
    } catch (SQLException e) {
      return null;
    }
    try {
      setUp(c);
    } catch (SQLException e) {
      source.recordFailure(e);
      source.evict(c);
      closeQuietly(c);
      return null;
    }
    replica = c;
    replicaSource = source;
    replicaDirty = !sessionStatements.isEmpty();
    return c;
  }

  /** Applies the logical connection's settings and replayable session statements to a new connection. */
  private void setUp(Connection c) throws SQLException {
    if (isolation != -1) {
      c.setTransactionIsolation(isolation);
    }
    if (catalog != null) {
      c.setCatalog(catalog);
    }
    if (schema != null) {
      c.setSchema(schema);
    }
    if (holdability != -1) {
      c.setHoldability(holdability);
    }
    if (typeMap != null) {
      c.setTypeMap(typeMap);
    }
    for (String sql : sessionStatements) {
      run(c, sql);
    }
  }

  // ---------------------------------------------------------------- what is held

  Connection heldPrimary() {
    return primary;
  }

  Connection heldReplica() {
    return replica;
  }

  boolean isPrimary(Connection c) {
    return c != null && c == primary;
  }

  /** True when {@code c} is the held replica connection (and not also the primary's). */
  boolean isReplica(Connection c) {
    return c != null && c == replica && c != primary;
  }

  /** The endpoint {@code c} belongs to, or null when it is not held. */
  EndpointState endpointOf(Connection c) {
    if (c == null) {
      return null;
    }
    if (c == primary) {
      return primarySource.state();
    }
    return c == replica && replicaSource != null ? replicaSource.state() : null;
  }

  /** The replica whose connection is held, or null. */
  EndpointState replicaEndpoint() {
    return replica == null || replicaSource == null ? null : replicaSource.state();
  }

  /** The held connections (primary first), for settings that apply to all of them. */
  Connection[] held() {
    if (primary == null) {
      return replica == null ? new Connection[0] : new Connection[] {replica};
    }
    return replica == null ? new Connection[] {primary} : new Connection[] {primary, replica};
  }

  boolean isHeld(Connection c) {
    return c != null && (c == primary || c == replica);
  }

  // ---------------------------------------------------------------- state the connections carry

  /** The open transaction runs on {@code c} (null: none): it is not given back until it ends. */
  void transactionOn(Connection c) {
    transaction = c;
  }

  Connection transaction() {
    return transaction;
  }

  /** Session state that cannot be replayed lives on the primary connection: keep it, evict it at close. */
  void pinPrimary() {
    pinned = true;
  }

  boolean pinned() {
    return pinned;
  }

  /**
   * A replayable session statement ({@code SET ...}) ran, or is about to run, on {@code ranOn}: it
   * is remembered for connections taken later, and {@code ranOn} will be evicted rather than given
   * back. With {@code replayOnOthers}, it is applied now to the other held connection too.
   */
  void sessionStatement(String sql, Connection ranOn, boolean replayOnOthers) throws SQLException {
    sessionStatements.add(sql);
    markDirty(ranOn);
    if (replayOnOthers && replica != null && replica != ranOn) {
      run(replica, sql);
      replicaDirty = true;
    }
  }

  /** {@code c} carries session state now (it is evicted rather than given back). */
  void markDirty(Connection c) {
    if (c == null) {
      return;
    }
    if (c == primary) {
      primaryDirty = true;
    } else if (c == replica) {
      replicaDirty = true;
    }
  }

  boolean hasSessionStatements() {
    return !sessionStatements.isEmpty();
  }

  void isolation(int level) throws SQLException {
    isolation = level;
    for (Connection c : held()) {
      c.setTransactionIsolation(level);
    }
  }

  int isolation() {
    return isolation;
  }

  void catalog(String value) throws SQLException {
    catalog = value;
    for (Connection c : held()) {
      c.setCatalog(value);
    }
  }

  String catalog() {
    return catalog;
  }

  void schema(String value) throws SQLException {
    schema = value;
    for (Connection c : held()) {
      c.setSchema(value);
    }
  }

  String schema() {
    return schema;
  }

  void holdability(int value) throws SQLException {
    holdability = value;
    for (Connection c : held()) {
      c.setHoldability(value);
    }
  }

  int holdability() {
    return holdability;
  }

  void typeMap(Map<String, Class<?>> map) throws SQLException {
    typeMap = map;
    for (Connection c : held()) {
      c.setTypeMap(map);
    }
  }

  Map<String, Class<?>> typeMap() {
    return typeMap;
  }

  // ---------------------------------------------------------------- giving back

  /**
   * The held primary connection may go back to its pool now: it is not the open transaction's,
   * carries no session state (giving it back would mean evicting it) and no pin, and nothing handed
   * out still reads from it.
   */
  boolean primaryReleasable() {
    return primary != null && transaction != primary && !pinned && !primaryDirty && !users.reading(primary);
  }

  /** The held replica connection may go back to its pool now; see {@link #primaryReleasable()}. */
  boolean replicaReleasable() {
    return replica != null && transaction != replica && !replicaDirty && !users.reading(replica);
  }

  /** Gives back whatever nothing needs now (the caller checks that no transaction is open). */
  void releaseIdle() {
    if (replica != null && replicaReleasable()) {
      releaseReplica(false);
    }
    if (primary != null && primaryReleasable()) {
      releasePrimary();
    }
  }

  /** Gives the held primary connection back to its pool (evicted if it cannot be made idle). */
  private void releasePrimary() {
    Connection c = primary;
    users.forget(c);
    if (!ServerTransaction.makeIdle(c, dialect)) {
      primarySource.evict(c);
    }
    closeQuietly(c);
    primary = null;
    ringVersionSet = 0;
  }

  /** Gives the held replica connection back (or evicts it: {@code evict}, dirty, or not idle). */
  void releaseReplica(boolean evict) {
    if (replica == null) {
      return;
    }
    Connection c = replica;
    users.forget(c);
    if (evict || replicaDirty || !ServerTransaction.makeIdle(c, dialect)) {
      replicaSource.evict(c);
    }
    closeQuietly(c);
    if (transaction == c) {
      transaction = null;
    }
    replica = null;
    replicaSource = null;
    replicaDirty = false;
  }

  /** A statement on the held replica failed: its endpoint learns of it, and the connection is evicted. */
  void replicaFailed(SQLException e) {
    if (replicaSource != null) {
      replicaSource.recordFailure(e);
    }
    releaseReplica(true);
  }

  /** The held primary connection was lost: its endpoint learns of it, and the connection is evicted. */
  void primaryFailed(SQLException e) {
    if (primary == null) {
      return;
    }
    Connection c = primary;
    primarySource.recordFailure(e);
    users.forget(c);
    primarySource.evict(c);
    closeQuietly(c);
    if (transaction == c) {
      transaction = null;
    }
    primary = null;
    ringVersionSet = 0;
  }

  /**
   * The logical connection closes: the replica goes back (or is evicted), and the primary goes back
   * unless it carries session state or a pin, or cannot be made idle. Throws the primary's close
   * failure, if any.
   */
  void close() throws SQLException {
    transaction = null;
    releaseReplica(false);
    if (primary == null) {
      return;
    }
    Connection c = primary;
    primary = null;
    // Session state (SET, temporary tables, LISTEN, user variables...) cannot be reset cheaply: evict.
    // Otherwise the connection goes back only outside any transaction (issue #16 §0).
    if (primaryDirty || pinned || !ServerTransaction.makeIdle(c, dialect)) {
      primarySource.evict(c);
    }
    c.close();
  }

  static void run(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static boolean isClosed(Connection c) {
    try {
      return c.isClosed();
    } catch (SQLException e) {
      return true;
    }
  }

  static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // closing a broken connection
    }
  }
}
