package dev.junction.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.classify.Classification;
import dev.junction.classify.Dialect;
import dev.junction.route.RouteSession.AwaitOutcome;
import dev.junction.route.Topology.Health;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The entry points the JDBC façade needs beyond the proxy's: side-effect functions without a pin,
 * the post-acquisition check ({@link RouteSession#qualifies}), the clamp of a lost fence
 * ({@link RouteSession#fenceClamped}) and the server's transaction report
 * ({@link RouteSession#serverTransaction}). One test per transition, both dialects where positions matter.
 */
class RouteSessionJdbcTest {
  static final String READ = "select * from accounts where id = 1";
  static final String WRITE = "update accounts set balance = 0 where id = 1";
  static final RouteContext NO_SCOPE = RouteContext.NONE;
  static final RouteContext SCOPE = Topology.context(true, null, false, false);

  final Topology pg = new Topology(Dialect.POSTGRESQL, 2);

  Route decide(RouteSession s, String sql, RouteContext ctx) {
    return s.decide(pg.classify(sql), sql, ctx);
  }

  // ---------------------------------------------------------------- side-effect functions

  static Stream<Arguments> sideEffects() {
    return Stream.of(
        // sql, pins when sideEffectsPin, pins without
        Arguments.of("select nextval('ticket')", true, false),
        Arguments.of("select pg_advisory_lock(1)", true, true), // a session lock keeps its connection
        Arguments.of("select pg_advisory_xact_lock(1)", true, false),
        Arguments.of("create temporary table t (id int)", true, true),
        Arguments.of("listen channel", true, true),
        Arguments.of("select * from accounts for update", false, false));
  }

  @ParameterizedTest
  @MethodSource("sideEffects")
  void sideEffectFunctionsPinOnlyWhenTheFrontEndAsksForIt(String sql, boolean pinsByDefault, boolean pinsForJdbc) {
    for (boolean sideEffectsPin : new boolean[] {true, false}) {
      RouteSession s = new RouteSession(pg.set, sideEffectsPin);
      Route r = decide(s, sql, NO_SCOPE);
      assertThat(r.opcode()).as(sql).isEqualTo(Route.Opcode.PRIMARY);
      s.succeeded(r, pg.classify(sql), NO_SCOPE);
      boolean expected = sideEffectsPin ? pinsByDefault : pinsForJdbc;
      assertThat(s.pinned()).as("%s pinned (sideEffectsPin=%s)", sql, sideEffectsPin).isEqualTo(expected);
      Route next = decide(s, READ, NO_SCOPE);
      if (expected) {
        assertThat(next.reason()).as("the next read").isEqualTo(RouteReason.PRIMARY_SESSION_STATE);
      } else {
        // it may have written: the next read fences first (READ_POSITION), then goes to a replica
        assertThat(next.opcode()).as("the next read").isEqualTo(Route.Opcode.READ_POSITION);
      }
    }
  }

  @Test
  void theDefaultConstructorPinsOnSideEffects() {
    RouteSession s = new RouteSession(pg.set);
    decide(s, "select nextval('ticket')", NO_SCOPE);
    assertThat(s.pinned()).isTrue();
  }

  // ---------------------------------------------------------------- qualifies

  @Test
  void anUnfencedReplicaPlacementAlwaysQualifies() {
    RouteSession s = new RouteSession(pg.set, false);
    Route r = decide(s, READ, NO_SCOPE);
    assertThat(r.opcode()).isEqualTo(Route.Opcode.REPLICA);
    assertThat(s.qualifies(r)).isTrue();
  }

  @ParameterizedTest
  @EnumSource(value = Dialect.class, names = {"POSTGRESQL", "MARIADB"})
  void aFencedReplicaThatRestartedNoLongerQualifiesAndTheNextChoiceSkipsIt(Dialect dialect) {
    Topology t = new Topology(dialect, 2);
    t.health(0, Health.COVERING);
    t.health(1, Health.COVERING);
    RouteSession s = new RouteSession(t.set, false);
    s.positionRead(t.fence());
    Classification read = t.classify(READ);
    Route r = s.decide(read, READ, NO_SCOPE);
    assertThat(r.reason()).isEqualTo(RouteReason.REPLICA_FENCED);
    assertThat(s.qualifies(r)).isTrue();
    // the connection's first sample finds a new incarnation: the position it relied on is withdrawn
    r.target().observeSample(r.target().generation(), 42, null);
    assertThat(s.qualifies(r)).isFalse();
    Route next = s.unavailable(r, NO_SCOPE);
    assertThat(next.opcode()).isEqualTo(Route.Opcode.REPLICA);
    assertThat(next.target()).isNotSameAs(r.target());
    assertThat(s.qualifies(next)).isTrue();
  }

  @Test
  void aStatementOfATransactionAlreadyOnAReplicaAlwaysQualifies() {
    pg.health(0, Health.COVERING);
    pg.health(1, Health.COVERING);
    RouteSession s = new RouteSession(pg.set, false);
    s.setReadOnly(true);
    s.setAutoCommit(false);
    Route first = decide(s, READ, NO_SCOPE);
    assertThat(first.beginsTransaction()).isTrue();
    Route second = decide(s, READ, NO_SCOPE);
    assertThat(second.inTransaction()).isTrue();
    assertThat(second.beginsTransaction()).isFalse();
    second.target().recordFailure("gone", 600_000, 600_000);
    assertThat(s.qualifies(second)).as("a running transaction cannot move").isTrue();
  }

  @Test
  void aPlacementAfterASuccessfulWaitQualifiesEvenIfALateSampleLowersTheCache() {
    pg.health(0, Health.BEHIND);
    pg.health(1, Health.BEHIND);
    RouteSession s = new RouteSession(pg.set, false);
    s.positionRead(pg.fence());
    Route await = decide(s, READ, NO_SCOPE);
    assertThat(await.opcode()).isEqualTo(Route.Opcode.AWAIT_REPLICA);
    long generation = await.target().generation();
    await.target().observeAtLeast(generation, pg.fence()); // what the front-end learns from the wait
    Route placed = s.awaited(await, AwaitOutcome.CAUGHT_UP);
    await.target().observeSample(generation, 0, pg.behind()); // the lag monitor's sample, taken before the wait
    assertThat(await.target().covers(pg.fence())).isFalse();
    assertThat(s.qualifies(placed)).isTrue();
  }

  @Test
  void primaryPlacementsQualify() {
    RouteSession s = new RouteSession(pg.set, false);
    assertThat(s.qualifies(decide(s, WRITE, NO_SCOPE))).isTrue();
  }

  // ---------------------------------------------------------------- fenceClamped

  /** A fence no replica covers: the decision waits on the most advanced readable replica. */
  Route awaitStep(RouteSession s, Topology t) {
    s.positionRead(t.ahead());
    Route r = s.decide(t.classify(READ), READ, NO_SCOPE);
    assertThat(r.opcode()).isEqualTo(Route.Opcode.AWAIT_REPLICA);
    return r;
  }

  @ParameterizedTest
  @EnumSource(value = Dialect.class, names = {"POSTGRESQL", "MARIADB"})
  void aClampedFenceAReplicaCoversPlacesThereAndReplacesTheOwnFence(Dialect dialect) {
    Topology t = new Topology(dialect, 2);
    t.health(0, Health.BEHIND);
    t.health(1, Health.BEHIND);
    RouteSession s = new RouteSession(t.set, false);
    Route await = awaitStep(s, t);
    Route placed = s.fenceClamped(await, t.behind());
    assertThat(placed.opcode()).isEqualTo(Route.Opcode.REPLICA);
    assertThat(placed.reason()).isEqualTo(RouteReason.REPLICA_FENCED);
    assertThat(s.ownFence()).isEqualTo(t.behind());
    assertThat(s.qualifies(placed)).isTrue();
    // the next read needs no clamp: the session's fence is the clamped one now
    assertThat(s.decide(t.classify(READ), READ, NO_SCOPE).reason()).isEqualTo(RouteReason.REPLICA_FENCED);
  }

  @Test
  void aClampedFenceNoReplicaCoversIsAwaitedAndOnceAbandonedGoesToThePrimary() {
    pg.health(0, Health.BEHIND);
    pg.health(1, Health.UNKNOWN);
    RouteSession s = new RouteSession(pg.set, false);
    Route await = awaitStep(s, pg);
    Route again = s.fenceClamped(await, pg.fence());
    assertThat(again.opcode()).isEqualTo(Route.Opcode.AWAIT_REPLICA);
    assertThat(again.fence()).isEqualTo(pg.fence());
    assertThat(again.waitMillis()).isEqualTo(Topology.BUDGET_MILLIS);
    assertThat(s.ownFence()).isEqualTo(pg.fence());
    // timed out: the clamped fence is abandoned; the session's own fence is the clamped one, so the
    // next read goes to the primary without waiting
    assertThat(s.awaited(again, AwaitOutcome.TIMED_OUT).reason()).isEqualTo(RouteReason.PRIMARY_FENCE_FALLBACK);
    assertThat(s.decide(pg.classify(READ), READ, NO_SCOPE)).hasToString("PRIMARY main/primary primary-fence-fallback");
  }

  @Test
  void aScopeFenceClampedToAnAbandonedFenceGoesToThePrimary() {
    pg.health(0, Health.BEHIND);
    pg.health(1, Health.UNKNOWN);
    RouteSession s = new RouteSession(pg.set, false);
    RouteContext scope = Topology.context(true, pg.ahead(), false, false);
    Route await = s.decide(pg.classify(READ), READ, scope);
    Route again = s.fenceClamped(await, pg.fence());
    assertThat(s.awaited(again, AwaitOutcome.TIMED_OUT).reason()).isEqualTo(RouteReason.PRIMARY_FENCE_FALLBACK);
    Route next = s.decide(pg.classify(READ), READ, scope);
    assertThat(next.opcode()).as("the scope's fence is not the abandoned one").isEqualTo(Route.Opcode.AWAIT_REPLICA);
    assertThat(s.fenceClamped(next, pg.fence())).hasToString("PRIMARY main/primary primary-fence-fallback");
  }

  @Test
  void aClampedFenceWithNoReadableReplicaGoesToThePrimary() {
    pg.health(0, Health.BEHIND);
    pg.health(1, Health.DOWN);
    RouteSession s = new RouteSession(pg.set, false);
    Route await = awaitStep(s, pg);
    pg.health(0, Health.DOWN);
    assertThat(s.fenceClamped(await, pg.fence())).hasToString("PRIMARY main/primary primary-no-replica");
  }

  @Test
  void aScopeFenceIsNotReplacedByAClamp() {
    pg.health(0, Health.BEHIND);
    pg.health(1, Health.BEHIND);
    RouteSession s = new RouteSession(pg.set, false);
    RouteContext scope = Topology.context(true, pg.ahead(), false, false);
    Route await = s.decide(pg.classify(READ), READ, scope);
    assertThat(await.opcode()).isEqualTo(Route.Opcode.AWAIT_REPLICA);
    assertThat(s.fenceClamped(await, pg.behind()).reason()).isEqualTo(RouteReason.REPLICA_FENCED);
    assertThat(s.ownFence()).isNull();
    assertThat(s.decide(pg.classify(READ), READ, scope).opcode()).as("clamped again, against a fresh head")
        .isEqualTo(Route.Opcode.AWAIT_REPLICA);
  }

  @Test
  void onlyAwaitStepsCanBeClamped() {
    RouteSession s = new RouteSession(pg.set, false);
    Route r = decide(s, READ, NO_SCOPE);
    assertThatThrownBy(() -> s.fenceClamped(r, pg.fence())).isInstanceOf(IllegalArgumentException.class);
  }

  // ---------------------------------------------------------------- serverTransaction

  @Test
  void aTransactionTheParseDidNotSeeIsAdoptedOnThePrimaryAndFencesAtItsEnd() {
    RouteSession s = new RouteSession(pg.set, false);
    Route w = decide(s, WRITE, SCOPE);
    s.succeeded(w, pg.classify(WRITE), SCOPE);
    assertThat(s.serverTransaction(w, true, SCOPE)).isFalse();
    assertThat(s.inTransaction()).isTrue();
    assertThat(s.transactionTarget()).isSameAs(pg.primary);
    Route next = decide(s, READ, SCOPE);
    assertThat(next).hasToString("PRIMARY main/primary primary-transaction [tx]");
    assertThat(s.serverTransaction(next, false, SCOPE)).as("ended by the server: it may have written, read the position").isTrue();
    assertThat(s.inTransaction()).isFalse();
  }

  @Test
  void aTransactionOnAReplicaIsAdoptedReadOnlyAndEndsWithoutAFence() {
    RouteSession s = new RouteSession(pg.set, false);
    Route r = decide(s, READ, NO_SCOPE);
    assertThat(r.opcode()).isEqualTo(Route.Opcode.REPLICA);
    s.serverTransaction(r, true, NO_SCOPE);
    Route next = decide(s, READ, NO_SCOPE);
    assertThat(next.target()).isSameAs(r.target());
    assertThat(next.reason()).isEqualTo(RouteReason.REPLICA_READ_ONLY_TRANSACTION);
    assertThat(s.serverTransaction(next, false, SCOPE)).isFalse();
    assertThat(s.inTransaction()).isFalse();
    assertThat(s.fencePending()).isFalse();
  }

  @Test
  void theServerReportChangesNothingWithAutoCommitOffOrWhenItAgrees() {
    RouteSession s = new RouteSession(pg.set, false);
    Route w = decide(s, WRITE, NO_SCOPE);
    assertThat(s.serverTransaction(w, false, NO_SCOPE)).isFalse();
    assertThat(s.inTransaction()).isFalse();
    s.setAutoCommit(false);
    Route inTx = decide(s, WRITE, NO_SCOPE);
    assertThat(s.serverTransaction(inTx, false, NO_SCOPE)).as("JDBC transactions end through the API only").isFalse();
    assertThat(s.transactionTarget()).isSameAs(pg.primary);
  }

  @Test
  void anSqlTransactionEndedByTheServerOnAnotherTargetIsKept() {
    RouteSession s = new RouteSession(pg.set, false);
    Route begin = decide(s, "begin", NO_SCOPE);
    assertThat(begin.beginsTransaction()).isTrue();
    Route elsewhere = pg.set.place(pg.replicas[0], RouteReason.REPLICA, 0);
    assertThat(s.serverTransaction(elsewhere, false, NO_SCOPE)).isFalse();
    assertThat(s.inTransaction()).isTrue();
  }

  @Test
  void aCommitAndChainLeavesTheTransactionOpen() {
    RouteSession s = new RouteSession(pg.set, false);
    decide(s, "begin", SCOPE);
    Route w = decide(s, WRITE, SCOPE);
    s.succeeded(w, pg.classify(WRITE), SCOPE);
    Route commit = decide(s, "commit and chain", SCOPE);
    assertThat(s.succeeded(commit, pg.classify("commit and chain"), SCOPE)).as("the commit wrote").isTrue();
    assertThat(s.serverTransaction(commit, true, SCOPE)).isFalse();
    assertThat(s.inTransaction()).as("the chained transaction is adopted").isTrue();
  }
}
