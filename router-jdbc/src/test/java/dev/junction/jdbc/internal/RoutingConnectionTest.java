package dev.junction.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.Junction;
import dev.junction.Scope;
import dev.junction.classify.Classification;
import dev.junction.classify.Dialect;
import dev.junction.classify.StatementClassifier;
import dev.junction.fence.LocalFenceStore;
import dev.junction.health.EndpointState;
import dev.junction.health.ReplicaSelector;
import dev.junction.position.PgLsn;
import dev.junction.position.ReplicationPosition;
import dev.junction.route.ReplicaSet;
import dev.junction.route.Route;
import dev.junction.route.RouteContext;
import dev.junction.route.RouteReason;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The façade ↔ decision contract without servers: {@link RoutingConnection} carries out
 * {@code RouteSession}'s routes on fake pools, a scripted dialect and real endpoint states, so each
 * test sees which endpoint ran a statement, which steps (position reads, waits) ran where, what was
 * given back or evicted, and what the routing metrics counted.
 */
class RoutingConnectionTest {
  static final StatementClassifier CLASSIFIER = new StatementClassifier(Dialect.POSTGRESQL);
  static final String READ = "SELECT v FROM counters WHERE id = 1";
  static final String WRITE = "UPDATE counters SET v = v + 1 WHERE id = 1";
  static final PgLsn LOW = new PgLsn(0x1000);
  static final PgLsn MID = new PgLsn(0x2000);
  static final PgLsn HIGH = new PgLsn(0x3000);

  final ConnectionHolderTest.FakeSource primary =
      new ConnectionHolderTest.FakeSource(new EndpointState("s", "p", EndpointState.Role.PRIMARY, 1));
  final ConnectionHolderTest.FakeSource r1 =
      new ConnectionHolderTest.FakeSource(new EndpointState("s", "r1", EndpointState.Role.REPLICA, 1));
  final ConnectionHolderTest.FakeSource r2 =
      new ConnectionHolderTest.FakeSource(new EndpointState("s", "r2", EndpointState.Role.REPLICA, 1));
  final FenceTrackerTest.ScriptedDialect dialect = new FenceTrackerTest.ScriptedDialect();
  final List<String> metrics = new ArrayList<>();
  final LocalFenceStore store = new LocalFenceStore(Duration.ofSeconds(30), 100);
  boolean primaryForced;

  RoutingConnection connection(int replicas) {
    EndpointState[] states = replicas == 0 ? new EndpointState[0]
        : replicas == 1 ? new EndpointState[] {r1.state} : new EndpointState[] {r1.state, r2.state};
    ReplicaSet set = new ReplicaSet("s", primary.state, states, new ReplicaSelector(ReplicaSelector.Strategy.ROUND_ROBIN), 150);
    FenceTracker fences = new FenceTracker("s", primary.state, new ConnectionHolder.Source[] {r1, r2}, dialect, store, 200,
        new FenceTracker.Events() {
          @Override
          public void waited(long nanos, boolean caughtUp) {
            metrics.add("waited " + caughtUp);
          }

          @Override
          public void clamped() {
            metrics.add("clamped");
          }

          @Override
          public void recordFailed() {
            metrics.add("record-failed");
          }
        }, fence -> true);
    RouteContext thread = RouteContext.ofThread(store);
    RouteContext context = new RouteContext() {
      @Override
      public boolean primaryForced() {
        return primaryForced || thread.primaryForced();
      }

      @Override
      public boolean inScope() {
        return thread.inScope();
      }

      @Override
      public ReplicationPosition scopeFence(String shard) throws dev.junction.fence.FenceStoreUnavailableException {
        return thread.scopeFence(shard);
      }
    };
    return new RoutingConnection(null, new RoutingConnection.Env("s", set, dialect, Dialect.POSTGRESQL, context,
        primary, s -> s == r1.state ? r1 : r2, () -> 0L, fences, new RoutingConnection.Env.Metrics() {
          @Override
          public void routed(RouteReason reason) {
            metrics.add(reason.tag());
          }

          @Override
          public void replicaRetried() {
            metrics.add("retried");
          }
        }));
  }

  final RoutingConnection conn = connection(2);

  static Classification classify(String sql) {
    return CLASSIFIER.classify(sql);
  }

  /** Routes and reports success, as a statement does; returns the placement. */
  RoutingConnection.Placement run(RoutingConnection c, String sql) throws SQLException {
    RoutingConnection.Placement p = c.route(classify(sql), sql);
    c.succeeded(p, classify(sql));
    return p;
  }

  RoutingConnection.Placement run(String sql) throws SQLException {
    return run(conn, sql);
  }

  String where(RoutingConnection.Placement p) {
    return p.route().target().name() + " " + p.route().reason().tag();
  }

  // ---------------------------------------------------------------- plain routing

  static Stream<Arguments> placements() {
    return Stream.of(
        Arguments.of(READ, "r1 replica"),
        Arguments.of(WRITE, "p primary-write"),
        Arguments.of("SELECT v FROM counters WHERE id = 1 FOR UPDATE", "p primary-locking-read"),
        Arguments.of("SELECT nextval('ticket')", "p primary-side-effect-function"),
        Arguments.of("/* junction:primary */ SELECT 1", "p primary-hint"),
        Arguments.of("CREATE TABLE x (id int)", "p primary-ddl"));
  }

  @ParameterizedTest
  @MethodSource("placements")
  void eachStatementRunsOnTheEndpointTheDecisionChose(String sql, String expected) throws Exception {
    RoutingConnection.Placement p = run(sql);
    assertThat(where(p)).isEqualTo(expected);
    assertThat(p.onReplica()).isEqualTo(expected.startsWith("r"));
    assertThat(conn.held.endpointOf(p.connection())).isSameAs(p.route().target());
    assertThat(conn.lastRouteReason()).isSameAs(p.route().reason());
    assertThat(conn.lastRouteEndpoint()).isEqualTo("s/" + p.route().target().name());
    assertThat(metrics).containsExactly(p.route().reason().tag());
  }

  @Test
  void aReplicaSetWithoutReplicasReadsFromThePrimary() throws Exception {
    assertThat(where(run(connection(0), READ))).isEqualTo("p primary-no-replica");
  }

  @Test
  void junctionPrimaryForcesThePrimary() throws Exception {
    primaryForced = true;
    assertThat(where(run(READ))).isEqualTo("p primary-hint");
  }

  @Test
  void aReplicaThatCannotBeHadIsSkipped() throws Exception {
    r1.acquireFailure = new SQLException("circuit open", "08001");
    assertThat(where(run(READ))).isEqualTo("r2 replica");
    r2.acquireFailure = new SQLException("circuit open", "08001");
    assertThat(where(run(connection(2), READ))).isEqualTo("p primary-no-replica");
  }

  @Test
  void sideEffectFunctionsDoNotPinTheJdbcSession() throws Exception {
    run("SELECT nextval('ticket')");
    r1.state.observePosition(HIGH);
    r2.state.observePosition(HIGH);
    RoutingConnection.Placement read = run(READ);
    assertThat(read.onReplica()).as("ORMs call nextval before inserts: their reads must stay on replicas").isTrue();
    assertThat(conn.held.pinned()).isFalse();
  }

  @Test
  void sessionStateThatCannotBeReplayedPinsThePrimaryConnection() throws Exception {
    run("CREATE TEMPORARY TABLE tmp (id int)");
    assertThat(conn.held.pinned()).isTrue();
    assertThat(where(run(READ))).isEqualTo("p primary-session-state");
    conn.close();
    assertThat(primary.evicted).as("a pinned connection is evicted, not given back").hasSize(1);
  }

  @Test
  void aReplayableSetRunsOnThePrimaryAndFollowsToEveryReplicaTakenLater() throws Exception {
    RoutingConnection.Placement set = run("SET search_path = app");
    assertThat(where(set)).isEqualTo("p primary-session-state");
    RoutingConnection.Placement read = run(READ);
    assertThat(read.onReplica()).isTrue();
    assertThat(r1.fake(read.connection()).log).containsExactly("SET search_path = app");
    assertThat(conn.held.heldPrimary()).as("a dirty primary is kept, not given back dirty").isSameAs(set.connection());
  }

  @Test
  void setAutocommitAsSqlIsRefused() {
    assertThatThrownBy(() -> conn.route(classify("SET autocommit = 0"), "SET autocommit = 0"))
        .isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("0AJ00"))
        .hasMessageStartingWith("Junction: SET autocommit");
  }

  // ---------------------------------------------------------------- fences

  @Test
  void aWriteOutsideAScopeDefersItsPositionToTheNextRead() throws Exception {
    run(WRITE);
    assertThat(dialect.calls).as("a plain write costs no extra round trip").isEmpty();
    r1.state.observePosition(HIGH);
    RoutingConnection.Placement read = run(READ);
    // the write's connection may be gone by now: the server's head, not a session's own position
    assertThat(dialect.calls).containsExactly("head");
    assertThat(where(read)).isEqualTo("r1 replica-fenced");
    assertThat(primary.state.replayed()).isEqualTo(MID);
  }

  @Test
  void aWriteInsideAScopeRecordsItsPositionAtOnce() throws Exception {
    try (Scope scope = Junction.scope("user-7")) {
      run(WRITE);
      assertThat(dialect.calls).containsExactly("position");
      assertThat(scope.fence().of("s")).isEqualTo(MID);
    }
    assertThat(store.load("user-7").of("s")).isEqualTo(MID);
  }

  /** A fenced read no replica covers yet: wait on the most advanced, then the replica or the primary. */
  static Stream<Arguments> waits() {
    return Stream.of(
        Arguments.of(true, null, "r1 replica-fence-waited", List.of("waited true", "replica-fence-waited")),
        Arguments.of(false, null, "p primary-fence-fallback", List.of("waited false", "primary-fence-fallback")),
        Arguments.of(false, new SQLException("gone", "08006"), "p primary-fence-fallback",
            List.of("waited false", "primary-fence-fallback")));
  }

  @ParameterizedTest
  @MethodSource("waits")
  void aFencedReadWaitsOnceThenUsesThePrimary(boolean caughtUp, SQLException failure, String expected, List<String> events)
      throws Exception {
    RoutingConnection c = connection(1);
    r1.state.observePosition(LOW);
    primary.state.observePosition(HIGH);
    try (Scope scope = Junction.scope(dev.junction.fence.Fence.NONE.advance("s", MID))) {
      dialect.caughtUp = caughtUp;
      dialect.failure = failure;
      RoutingConnection.Placement p = run(c, READ);
      assertThat(where(p)).isEqualTo(expected);
      assertThat(metrics).containsExactlyElementsOf(events);
      assertThat(dialect.calls).containsExactly("await " + MID.encode() + " 150");
      if (failure != null) {
        assertThat(r1.evicted).as("the replica whose wait failed is evicted").hasSize(1);
      }
      if (!caughtUp) {
        metrics.clear();
        dialect.failure = null;
        assertThat(where(run(c, READ))).as("an abandoned fence is not waited for again").isEqualTo("p primary-fence-fallback");
        assertThat(dialect.calls).hasSize(1);
      }
      assertThat(scope.fence().of("s")).isEqualTo(MID);
    }
  }

  @Test
  void aFenceAheadOfThePrimarysHistoryIsClampedInsteadOfWaitedFor() throws Exception {
    primary.state.observePosition(LOW);
    r1.state.observePosition(LOW);
    r2.state.observePosition(LOW);
    dialect.head = LOW;
    try (Scope scope = Junction.scope(dev.junction.fence.Fence.NONE.advance("s", HIGH))) {
      RoutingConnection.Placement p = run(READ);
      assertThat(p.route().reason()).isEqualTo(RouteReason.REPLICA_FENCED);
      assertThat(dialect.calls).containsExactly("head");
      assertThat(metrics).containsExactly("clamped", "replica-fenced");
    }
  }

  @Test
  void aReplicaThatRestartedWhenConnectedIsNotUsedForAFencedRead() throws Exception {
    r1.state.observePosition(HIGH);
    r2.state.observePosition(HIGH);
    r1.onAcquire = () -> r1.state.observeSample(r1.state.generation(), 42, null); // a new incarnation: position unknown
    try (Scope scope = Junction.scope(dev.junction.fence.Fence.NONE.advance("s", MID))) {
      assertThat(where(run(READ))).isEqualTo("r2 replica-fenced");
    }
  }

  // ---------------------------------------------------------------- failures and retries

  static Stream<Arguments> replicaFailures() {
    return Stream.of(
        Arguments.of("08006", "r2 replica", true, true),
        Arguments.of("25006", "p primary-retry", true, false),
        Arguments.of("42601", null, false, false));
  }

  @ParameterizedTest
  @MethodSource("replicaFailures")
  void aReadThatFailsOnAReplicaIsRetriedOnceElsewhereWhenAnotherServerMayNotFail(String sqlState, String retry,
                                                                              boolean evicted, boolean circuit)
      throws Exception {
    Classification c = classify(READ);
    RoutingConnection.Placement p = conn.route(c, READ);
    assertThat(where(p)).isEqualTo("r1 replica");
    SQLException e = new SQLException("failed", sqlState);
    RoutingConnection.Placement again = conn.failed(p, c, READ, e);
    assertThat(again == null ? null : where(again)).isEqualTo(retry);
    assertThat(r1.evicted.contains(p.connection())).isEqualTo(evicted);
    assertThat(r1.failures.contains(e)).as("the endpoint learns of it").isEqualTo(evicted);
    assertThat(metrics.contains("retried")).isEqualTo(retry != null);
    if (again != null) {
      assertThat(conn.failed(again, c, READ, e)).as("retried once only").isNull();
    }
  }

  @Test
  void aLostPrimaryOutsideATransactionIsEvictedAndReplacedNextTime() throws Exception {
    Classification w = classify(WRITE);
    RoutingConnection.Placement p = conn.route(w, WRITE);
    assertThat(conn.failed(p, w, WRITE, new SQLException("gone", "08006"))).isNull();
    assertThat(primary.evicted).contains(p.connection());
    assertThat(run(WRITE).connection()).isNotSameAs(p.connection());
  }

  // ---------------------------------------------------------------- transactions

  @Test
  void aJdbcTransactionBeginsOnItsFirstStatementAndFencesAtCommit() throws Exception {
    conn.setAutoCommit(false);
    RoutingConnection.Placement w = run(WRITE);
    assertThat(w.route().toString()).isEqualTo("PRIMARY s/p primary-transaction [tx begin]");
    assertThat(primary.fake(w.connection()).log).containsExactly("setAutoCommit false");
    assertThat(where(run(READ))).as("reads stay in the transaction").isEqualTo("p primary-transaction");
    assertThatThrownBy(() -> conn.setReadOnly(true)).isInstanceOf(SQLException.class).hasMessageContaining("inside a transaction");
    conn.commit();
    assertThat(primary.fake(w.connection()).log).containsExactly("setAutoCommit false", "commit");
    conn.setAutoCommit(true);
    r1.state.observePosition(HIGH);
    assertThat(where(run(READ))).as("the committed write fences the next read").isEqualTo("r1 replica-fenced");
    assertThat(dialect.calls).containsExactly("head");
  }

  @Test
  void aReadOnlyTransactionRunsOnOneReplica() throws Exception {
    conn.setReadOnly(true);
    conn.setAutoCommit(false);
    RoutingConnection.Placement first = run(READ);
    assertThat(first.route().toString()).isEqualTo("REPLICA s/r1 replica-read-only-transaction [tx begin read-only]");
    assertThat(r1.fake(first.connection()).log).as("a PostgreSQL standby refuses writes itself")
        .containsExactly("setAutoCommit false");
    assertThat(run(READ).connection()).isSameAs(first.connection());
    conn.rollback();
    assertThat(r1.fake(first.connection()).log).endsWith("rollback");
  }

  @Test
  void aReadOnlyTransactionOnThePrimaryIsMadeReadOnlyThere() throws Exception {
    RoutingConnection c = connection(0);
    c.setReadOnly(true);
    c.setAutoCommit(false);
    RoutingConnection.Placement p = run(c, READ);
    assertThat(primary.fake(p.connection()).log).containsExactly("setAutoCommit false", "SET TRANSACTION READ ONLY");
  }

  @Test
  void anSqlTransactionStaysOnItsTargetUntilCommit() throws Exception {
    RoutingConnection.Placement begin = run("BEGIN");
    assertThat(begin.route().beginsTransaction()).isTrue();
    assertThat(conn.inTransaction()).isTrue();
    assertThat(run(READ).connection()).isSameAs(begin.connection());
    run("COMMIT");
    assertThat(conn.inTransaction()).isFalse();
    assertThat(run(READ).onReplica()).isTrue();
  }

  @Test
  void aTransactionWhoseConnectionFailedRefusesAllButARollback() throws Exception {
    conn.setAutoCommit(false);
    run(WRITE);
    Classification w = classify(WRITE);
    RoutingConnection.Placement p = conn.route(w, WRITE);
    assertThat(conn.failed(p, w, WRITE, new SQLException("gone", "08006"))).isNull();
    assertThat(primary.evicted).contains(p.connection());
    assertThatThrownBy(() -> conn.route(w, WRITE)).isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08006"))
        .hasMessageContaining("transaction is lost");
    assertThatThrownBy(conn::commit).isInstanceOf(SQLException.class).hasMessageContaining("transaction is lost");
    conn.rollback();
    RoutingConnection.Placement fresh = run(WRITE);
    assertThat(fresh.connection()).isNotSameAs(p.connection());
    assertThat(fresh.route().beginsTransaction()).isTrue();
  }

  @Test
  void commitAndRollbackNeedATransaction() {
    assertThatThrownBy(conn::commit).isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25000"));
    assertThatThrownBy(conn::rollback).isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25000"));
    assertThatThrownBy(conn::setSavepoint).isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25000"));
  }

  @Test
  void aSavepointBeginsTheTransactionWithoutCountingARoute() throws Exception {
    conn.setAutoCommit(false);
    conn.setSavepoint();
    assertThat(metrics).isEmpty();
    assertThat(conn.held.transaction()).isSameAs(conn.held.heldPrimary());
  }

  // ---------------------------------------------------------------- lifecycle

  @Test
  void closeGivesBackWhatIsHeldAndRefusesWhatFollows() throws Exception {
    RoutingConnection.Placement read = run(READ);
    conn.close();
    assertThat(r1.returned(read.connection())).isTrue();
    assertThat(conn.isClosed()).isTrue();
    assertThatThrownBy(() -> conn.route(classify(READ), READ)).isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08003"));
  }

  @Test
  void outsideATransactionOneConnectionIsHeldAtATime() throws Exception {
    RoutingConnection.Placement read = run(READ);
    RoutingConnection.Placement write = run(WRITE);
    assertThat(r1.returned(read.connection())).as("the idle replica goes back before the primary is taken").isTrue();
    r1.state.observePosition(HIGH);
    RoutingConnection.Placement again = run(READ);
    assertThat(primary.returned(write.connection())).as("and the idle primary before a replica is taken").isTrue();
    assertThat(conn.held.held()).containsExactly(again.connection());
  }

  @Test
  void theRouteOfAPlacementIsAValueStatementsKeep() throws Exception {
    RoutingConnection.Placement a = run(READ);
    RoutingConnection.Placement b = run(WRITE);
    assertThat(a.route().opcode()).isEqualTo(Route.Opcode.REPLICA);
    assertThat(b.route().opcode()).isEqualTo(Route.Opcode.PRIMARY);
    assertThat(a.route().reason()).isEqualTo(RouteReason.REPLICA);
  }
}
