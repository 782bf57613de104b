package dev.junction.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.classify.Classification;
import dev.junction.classify.Dialect;
import dev.junction.classify.PrimaryReason;
import dev.junction.classify.StatementKind;
import dev.junction.health.EndpointState;
import dev.junction.route.RouteSession.AwaitOutcome;
import dev.junction.route.RouteSession.Failure;
import dev.junction.route.Topology.Health;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** One test per state transition of the decision, named after the rule it pins. */
class RouteSessionTest {
  static final String READ = "select * from accounts where id = 1";
  static final String WRITE = "update accounts set balance = 0 where id = 1";
  static final RouteContext NO_SCOPE = RouteContext.NONE;
  static final RouteContext SCOPE = Topology.context(true, null, false, false);
  static final RouteContext FORCED = Topology.context(false, null, false, true);

  final Topology pg = new Topology(Dialect.POSTGRESQL, 2);
  final RouteSession s = pg.session();

  Route decide(String sql) {
    return decide(sql, NO_SCOPE);
  }

  Route decide(String sql, RouteContext ctx) {
    return s.decide(pg.classify(sql), sql, ctx);
  }

  /** Decides and reports success; returns the route. */
  Route run(String sql, RouteContext ctx) {
    Classification c = pg.classify(sql);
    Route r = s.decide(c, sql, ctx);
    assertThat(r.isPlacement()).as("%s placed directly", sql).isTrue();
    s.succeeded(r, c, ctx);
    return r;
  }

  Route run(String sql) {
    return run(sql, NO_SCOPE);
  }

  @Nested
  class Reads {
    @Test
    void anUnfencedReadGoesToAReadableReplicaAndStaysThere() {
      Route first = decide(READ);
      assertThat(first.opcode()).isEqualTo(Route.Opcode.REPLICA);
      assertThat(first.reason()).isEqualTo(RouteReason.REPLICA);
      for (int i = 0; i < 5; i++) {
        assertThat(decide(READ)).as("the held replica is preferred while it qualifies").isSameAs(first);
      }
    }

    @Test
    void unreadableReplicasAreSkipped() {
      pg.health(0, Health.DOWN);
      assertThat(decide(READ)).hasToString("REPLICA main/replica2 replica");
      pg.health(1, Health.LAGGING);
      assertThat(decide(READ)).hasToString("PRIMARY main/primary primary-no-replica");
    }

    @Test
    void aShardWithoutReplicasReadsFromThePrimaryAndRecordsNoFence() {
      Topology alone = new Topology(Dialect.POSTGRESQL, 0);
      RouteSession session = alone.session();
      Classification w = alone.classify(WRITE);
      Route write = session.decide(w, WRITE, SCOPE);
      assertThat(session.succeeded(write, w, SCOPE)).as("no replica can be stale: no position to read").isFalse();
      assertThat(session.fencePending()).isFalse();
      assertThat(session.decide(alone.classify(READ), READ, NO_SCOPE)).hasToString("PRIMARY main/primary primary-no-replica");
    }

    @Test
    void aReadUnderAFenceGoesOnlyToAReplicaThatCoversIt() {
      pg.health(0, Health.BEHIND);
      pg.health(1, Health.COVERING);
      s.positionRead(pg.fence());
      for (int i = 0; i < 4; i++) {
        assertThat(decide(READ)).hasToString("REPLICA main/replica2 replica-fenced");
      }
    }

    @Test
    void theScopesFenceAndTheSessionsOwnAreMerged() {
      pg.health(0, Health.BEHIND);
      pg.health(1, Health.COVERING);
      s.positionRead(pg.behind());
      RouteContext scoped = Topology.context(true, pg.fence(), false, false);
      assertThat(decide(READ, scoped)).hasToString("REPLICA main/replica2 replica-fenced");
    }

    @Test
    void anUnreadableFenceStoreSendsReadsToThePrimary() {
      pg.health(0, Health.COVERING);
      RouteContext storeDown = Topology.context(true, null, true, false);
      assertThat(decide(READ, storeDown)).hasToString("PRIMARY main/primary primary-fence-store-unavailable");
      assertThat(decide(WRITE, storeDown)).as("writes never ask the store").hasToString("PRIMARY main/primary primary-write");
    }

    @Test
    void junctionPrimaryAndTheHintForceThePrimary() {
      assertThat(decide(READ, FORCED)).hasToString("PRIMARY main/primary primary-hint");
      assertThat(decide("/* junction:primary */ " + READ)).hasToString("PRIMARY main/primary primary-hint");
    }

    @ParameterizedTest
    @EnumSource(PrimaryReason.class)
    void everyPrimaryReasonHasItsRouteReason(PrimaryReason reason) {
      if (reason == PrimaryReason.NONE) {
        return;
      }
      StatementKind kind = reason == PrimaryReason.DDL ? StatementKind.DDL
          : reason == PrimaryReason.WRITE ? StatementKind.WRITE : StatementKind.READ;
      Classification c = new Classification(kind, reason, List.of(), false);
      Route r = s.decide(c, "x", NO_SCOPE);
      assertThat(r.opcode()).isEqualTo(Route.Opcode.PRIMARY);
      assertThat(r.reason().tag()).isEqualTo("primary-" + reason.name().toLowerCase().replace('_', '-')
          .replace("transaction-control", "transaction"));
    }
  }

  @Nested
  class Fences {
    @Test
    void aWriteOutsideAScopeDefersItsPositionToTheNextRead() {
      Classification w = pg.classify(WRITE);
      Route write = s.decide(w, WRITE, NO_SCOPE);
      assertThat(s.succeeded(write, w, NO_SCOPE)).as("no extra round trip after a plain write").isFalse();
      assertThat(s.fencePending()).isTrue();
      assertThat(decide(WRITE)).as("writes do not need it").hasToString("PRIMARY main/primary primary-write");
      Route step = decide(READ);
      assertThat(step).hasToString("READ_POSITION main/primary");
      s.positionRead(pg.fence());
      assertThat(s.fencePending()).isFalse();
      pg.health(1, Health.COVERING);
      assertThat(decide(READ)).hasToString("REPLICA main/replica2 replica-fenced");
    }

    @Test
    void aWriteInsideAScopeReadsItsPositionAtOnce() {
      Classification w = pg.classify(WRITE);
      Route write = s.decide(w, WRITE, SCOPE);
      assertThat(s.succeeded(write, w, SCOPE)).isTrue();
      assertThat(s.fencePending()).isFalse();
    }

    @Test
    void lockingReadsAndSideEffectFunctionsFenceLikeWrites() {
      for (String sql : List.of("select * from accounts for update", "select nextval('s')")) {
        RouteSession fresh = pg.session();
        Classification c = pg.classify(sql);
        Route r = fresh.decide(c, sql, NO_SCOPE);
        assertThat(r.opcode()).as(sql).isEqualTo(Route.Opcode.PRIMARY);
        fresh.succeeded(r, c, NO_SCOPE);
        assertThat(fresh.fencePending()).as(sql).isTrue();
      }
    }

    @Test
    void aReadOnThePrimaryFencesNothing() {
      pg.health(0, Health.DOWN);
      pg.health(1, Health.DOWN);
      Route r = run(READ);
      assertThat(r.reason()).isEqualTo(RouteReason.PRIMARY_NO_REPLICA);
      assertThat(s.fencePending()).isFalse();
      run("set search_path = app");
      assertThat(s.fencePending()).as("SET changes no data").isFalse();
    }

    @Test
    void noCoveringReplicaMeansABoundedWaitOnTheMostAdvancedReadableOne() {
      pg.health(0, Health.BEHIND);
      pg.health(1, Health.UNKNOWN);
      s.positionRead(pg.fence());
      Route await = decide(READ);
      assertThat(await).hasToString("AWAIT_REPLICA main/replica1 fence pg:0/2000 within 250 ms");
      assertThat(s.awaited(await, AwaitOutcome.CAUGHT_UP)).hasToString("REPLICA main/replica1 replica-fence-waited");
      assertThat(s.preferredReplica()).isSameAs(pg.replicas[0]);
    }

    @Test
    void aFenceNoReplicaReplayedInTimeIsAbandonedUntilAReplicaCoversIt() {
      pg.health(0, Health.BEHIND);
      s.positionRead(pg.fence());
      Route await = decide(READ);
      assertThat(s.awaited(await, AwaitOutcome.TIMED_OUT)).hasToString("PRIMARY main/primary primary-fence-fallback");
      assertThat(s.abandonedFence()).isEqualTo(pg.fence());
      assertThat(decide(READ)).as("no second wait for the same fence").hasToString("PRIMARY main/primary primary-fence-fallback");
      pg.health(1, Health.COVERING);
      assertThat(decide(READ)).hasToString("REPLICA main/replica2 replica-fenced");
      s.positionRead(new dev.junction.position.PgLsn(0x4000));
      assertThat(decide(READ).opcode()).as("a new fence is waited for again").isEqualTo(Route.Opcode.AWAIT_REPLICA);
    }

    @Test
    void aFailedWaitFallsBackToThePrimary() {
      pg.health(0, Health.BEHIND);
      s.positionRead(pg.fence());
      Route await = decide(READ);
      assertThat(s.awaited(await, AwaitOutcome.FAILED)).hasToString("PRIMARY main/primary primary-fence-fallback");
    }

    @Test
    void aReplicaThatCannotBeReachedForTheWaitSendsTheReadToThePrimary() {
      pg.health(0, Health.BEHIND);
      s.positionRead(pg.fence());
      Route await = decide(READ);
      assertThat(s.unavailable(await, NO_SCOPE)).hasToString("PRIMARY main/primary primary-no-replica");
    }

    @Test
    void noReadableReplicaUnderAFenceMeansThePrimaryWithoutWaiting() {
      pg.health(0, Health.DOWN);
      pg.health(1, Health.LAGGING);
      s.positionRead(pg.fence());
      assertThat(decide(READ)).hasToString("PRIMARY main/primary primary-no-replica");
    }
  }

  @Nested
  class Retries {
    @Test
    void aReplicaThatCannotBeAcquiredIsSkippedForTheStatement() {
      Route first = decide(READ);
      Route second = s.unavailable(first, NO_SCOPE);
      assertThat(second.opcode()).isEqualTo(Route.Opcode.REPLICA);
      assertThat(second.target()).isNotSameAs(first.target());
      assertThat(s.unavailable(second, NO_SCOPE)).hasToString("PRIMARY main/primary primary-no-replica");
      assertThat(decide(READ).opcode()).as("the next statement may try them again").isEqualTo(Route.Opcode.REPLICA);
    }

    @Test
    void thePrimaryHasNoAlternative() {
      assertThat(s.unavailable(decide(WRITE), NO_SCOPE)).isNull();
    }

    @Test
    void aReadThatLostItsReplicaRunsOnceMoreOnAnotherOne() {
      Classification c = pg.classify(READ);
      Route first = s.decide(c, READ, NO_SCOPE);
      Route retry = s.failed(first, c, Failure.CONNECTION, NO_SCOPE);
      assertThat(retry.opcode()).isEqualTo(Route.Opcode.REPLICA);
      assertThat(retry.target()).isNotSameAs(first.target());
      assertThat(s.failed(retry, c, Failure.CONNECTION, NO_SCOPE)).as("only once").isNull();
    }

    @Test
    void aReadWithoutAnotherReplicaIsRetriedOnThePrimary() {
      pg.health(1, Health.DOWN);
      Classification c = pg.classify(READ);
      Route first = s.decide(c, READ, NO_SCOPE);
      assertThat(s.failed(first, c, Failure.CONNECTION, NO_SCOPE)).hasToString("PRIMARY main/primary primary-retry");
    }

    @Test
    void aHiddenWriteRefusedByTheReplicaIsRetriedOnThePrimaryAndFenced() {
      Classification c = pg.classify("select my_function_that_writes()");
      Route first = s.decide(c, "select my_function_that_writes()", NO_SCOPE);
      Route retry = s.failed(first, c, Failure.READ_ONLY_VIOLATION, NO_SCOPE);
      assertThat(retry).hasToString("PRIMARY main/primary primary-retry");
      s.succeeded(retry, c, NO_SCOPE);
      assertThat(s.fencePending()).isTrue();
    }

    @Test
    void aFailingStatementIsNotRetried() {
      Classification c = pg.classify(READ);
      assertThat(s.failed(s.decide(c, READ, NO_SCOPE), c, Failure.STATEMENT, NO_SCOPE)).isNull();
    }

    @Test
    void aRetryRespectsTheFence() {
      pg.health(0, Health.COVERING);
      pg.health(1, Health.BEHIND);
      s.positionRead(pg.fence());
      Classification c = pg.classify(READ);
      Route first = s.decide(c, READ, NO_SCOPE);
      assertThat(first.target()).isSameAs(pg.replicas[0]);
      assertThat(s.failed(first, c, Failure.CONNECTION, NO_SCOPE)).hasToString("PRIMARY main/primary primary-retry");
    }
  }

  @Nested
  class Transactions {
    @Test
    void autoCommitOffPinsEveryStatementToThePrimaryFromTheFirstOne() {
      s.setAutoCommit(false);
      assertThat(decide(READ)).hasToString("PRIMARY main/primary primary-transaction [tx begin]");
      Classification w = pg.classify(WRITE);
      Route write = s.decide(w, WRITE, NO_SCOPE);
      assertThat(write).hasToString("PRIMARY main/primary primary-transaction [tx]");
      assertThat(s.succeeded(write, w, NO_SCOPE)).isFalse();
      assertThat(s.fencePending()).as("not committed yet").isFalse();
      assertThat(decide(READ)).hasToString("PRIMARY main/primary primary-transaction [tx]");
      assertThat(s.endTransaction(true, NO_SCOPE)).isFalse();
      assertThat(s.fencePending()).isTrue();
      assertThat(decide(READ).opcode()).as("the next transaction starts afresh").isEqualTo(Route.Opcode.PRIMARY);
      assertThat(s.transactionTarget()).isSameAs(pg.primary);
    }

    @Test
    void aCommitAfterReadsOnlyOrARollbackFencesNothing() {
      s.setAutoCommit(false);
      run(READ);
      assertThat(s.endTransaction(true, SCOPE)).isFalse();
      run(WRITE);
      assertThat(s.endTransaction(false, SCOPE)).isFalse();
      run(WRITE);
      assertThat(s.endTransaction(true, SCOPE)).as("inside a scope: read the position now").isTrue();
    }

    @Test
    void aReadOnlyTransactionRunsOnOneReplicaAndStaysReadOnly() {
      s.setReadOnly(true);
      s.setAutoCommit(false);
      Route first = decide(READ);
      assertThat(first.opcode()).isEqualTo(Route.Opcode.REPLICA);
      assertThat(first.reason()).isEqualTo(RouteReason.REPLICA_READ_ONLY_TRANSACTION);
      assertThat(first.beginsTransaction() && first.readOnlyTransaction()).isTrue();
      Route write = decide(WRITE);
      assertThat(write.target()).as("the server refuses it, wherever the transaction runs").isSameAs(first.target());
      assertThat(write.readOnlyTransaction()).isTrue();
    }

    @Test
    void aReadOnlyTransactionThatFallsBackToThePrimaryIsStillReadOnly() {
      s.setReadOnly(true);
      s.setAutoCommit(false);
      assertThat(decide(READ, FORCED)).hasToString("PRIMARY main/primary primary-transaction [tx begin read-only]");
      assertThat(decide(WRITE)).hasToString("PRIMARY main/primary primary-transaction [tx read-only]");
      s.endTransaction(true, NO_SCOPE);
      pg.health(0, Health.DOWN);
      pg.health(1, Health.DOWN);
      assertThat(decide(READ)).hasToString("PRIMARY main/primary primary-transaction [tx begin read-only]");
    }

    @Test
    void aReadOnlyTransactionUnderAFenceWaitsLikeARead() {
      pg.health(0, Health.BEHIND);
      s.positionRead(pg.fence());
      Route await = decide("begin read only");
      assertThat(await.opcode()).isEqualTo(Route.Opcode.AWAIT_REPLICA);
      assertThat(s.inTransaction()).as("nothing changes before the target is known").isFalse();
      assertThat(s.awaited(await, AwaitOutcome.CAUGHT_UP))
          .hasToString("REPLICA main/replica1 replica-read-only-transaction [tx begin read-only]");
      assertThat(s.inTransaction()).isTrue();
    }

    @Test
    void aDeferredFenceIsResolvedBeforeAReadOnlyTransactionChoosesItsReplica() {
      run(WRITE);
      assertThat(decide("begin read only")).hasToString("READ_POSITION main/primary");
      assertThat(s.inTransaction()).isFalse();
      s.positionRead(pg.fence());
      pg.health(0, Health.COVERING);
      assertThat(decide("begin read only"))
          .hasToString("REPLICA main/replica1 replica-read-only-transaction [tx begin read-only]");
    }

    @Test
    void sqlBeginPinsLikeAutoCommitOffAndCommitEndsIt() {
      assertThat(run("begin")).hasToString("PRIMARY main/primary primary-transaction [tx begin]");
      assertThat(run(READ)).hasToString("PRIMARY main/primary primary-transaction [tx]");
      run(WRITE);
      Classification commit = pg.classify("commit");
      Route r = s.decide(commit, "commit", SCOPE);
      assertThat(r).hasToString("PRIMARY main/primary primary-transaction [tx]");
      assertThat(s.succeeded(r, commit, SCOPE)).isTrue();
      assertThat(s.inTransaction()).isFalse();
      assertThat(decide(READ).opcode()).isEqualTo(Route.Opcode.REPLICA);
    }

    @Test
    void beginReadWriteOverridesAReadOnlyConnection() {
      s.setReadOnly(true);
      assertThat(decide("begin read write")).hasToString("PRIMARY main/primary primary-transaction [tx begin]");
    }

    @Test
    void beginReadOnlyOnAReadWriteConnectionGoesToAReplica() {
      assertThat(decide("start transaction read only"))
          .hasToString("REPLICA main/replica1 replica-read-only-transaction [tx begin read-only]");
    }

    @Test
    void aReplicaThatCannotBeAcquiredForATransactionIsReplacedBeforeItStarts() {
      Route first = decide("begin read only");
      Route next = s.unavailable(first, NO_SCOPE);
      assertThat(next).hasToString("REPLICA main/replica2 replica-read-only-transaction [tx begin read-only]");
      assertThat(s.transactionTarget()).isSameAs(pg.replicas[1]);
      Route last = s.unavailable(next, NO_SCOPE);
      assertThat(last).hasToString("PRIMARY main/primary primary-transaction [tx begin read-only]");
      assertThat(s.unavailable(last, NO_SCOPE)).isNull();
      assertThat(s.inTransaction()).as("a BEGIN that never ran opens nothing").isFalse();
    }

    @Test
    void aMultiStatementStringThatLeavesATransactionOpenPinsIt() {
      Route r = run("insert into t values (1); begin");
      assertThat(r).hasToString("PRIMARY main/primary primary-transaction [tx begin]");
      assertThat(s.inTransaction()).isTrue();
      assertThat(decide(READ)).hasToString("PRIMARY main/primary primary-transaction [tx]");
      assertThat(s.endTransaction(true, SCOPE)).as("its insert is fenced").isTrue();
    }

    @Test
    void aMultiStatementStringThatClosesItsTransactionLeavesNoneOpen() {
      Route r = run("begin; update t set a = 1; commit");
      assertThat(r.opcode()).isEqualTo(Route.Opcode.PRIMARY);
      assertThat(s.inTransaction()).isFalse();
      assertThat(s.fencePending()).isTrue();
      Route ro = run("begin read only; select 1; commit");
      assertThat(ro.inTransaction()).isFalse();
      assertThat(s.inTransaction()).isFalse();
    }

    @Test
    void aConnectionFailureInsideATransactionLosesItUntilRollback() {
      s.setAutoCommit(false);
      run(WRITE);
      Classification w = pg.classify(WRITE);
      Route second = s.decide(w, WRITE, NO_SCOPE);
      assertThat(s.failed(second, w, Failure.CONNECTION, NO_SCOPE)).isNull();
      assertThat(s.transactionLost()).isTrue();
      Route refused = decide(READ);
      assertThat(refused.opcode()).isEqualTo(Route.Opcode.REFUSE);
      assertThat(refused.refusal()).isEqualTo(Refusal.TRANSACTION_LOST);
      assertThat(decide("commit").refusal()).isEqualTo(Refusal.TRANSACTION_LOST);
      assertThat(s.endTransaction(false, NO_SCOPE)).isFalse();
      assertThat(s.transactionLost()).isFalse();
      assertThat(s.fencePending()).as("nothing was committed").isFalse();
      assertThat(decide(READ)).hasToString("PRIMARY main/primary primary-transaction [tx begin]");
    }

    @Test
    void aSqlRollbackEndsALostTransaction() {
      run("begin");
      Classification w = pg.classify(WRITE);
      s.failed(s.decide(w, WRITE, NO_SCOPE), w, Failure.CONNECTION, NO_SCOPE);
      assertThat(decide(WRITE).refusal()).isEqualTo(Refusal.TRANSACTION_LOST);
      assertThat(run("rollback")).hasToString("PRIMARY main/primary primary-transaction");
      assertThat(s.inTransaction()).isFalse();
      assertThat(decide(WRITE)).hasToString("PRIMARY main/primary primary-write");
    }

    @Test
    void aCommitThatLostItsConnectionMayHaveCommittedSoItFences() {
      run("begin");
      run(WRITE);
      Classification commit = pg.classify("commit");
      s.failed(s.decide(commit, "commit", NO_SCOPE), commit, Failure.CONNECTION, NO_SCOPE);
      assertThat(s.fencePending()).isTrue();
    }

    @Test
    void aBeginThatLostItsConnectionOpensNothing() {
      Classification begin = pg.classify("begin");
      Route r = s.decide(begin, "begin", NO_SCOPE);
      s.failed(r, begin, Failure.CONNECTION, NO_SCOPE);
      assertThat(s.inTransaction()).isFalse();
      assertThat(s.transactionLost()).isFalse();
    }

    @Test
    void aReadOnlyTransactionIsNotRetriedElsewhere() {
      run("begin read only");
      Classification c = pg.classify(READ);
      Route r = s.decide(c, READ, NO_SCOPE);
      assertThat(r.opcode()).isEqualTo(Route.Opcode.REPLICA);
      assertThat(s.failed(r, c, Failure.CONNECTION, NO_SCOPE)).isNull();
      assertThat(s.transactionLost()).isTrue();
    }

    @Test
    void callsAndSavepointsFollowTheTransaction() {
      assertThat(s.decide(RouteSession.CALL, null, NO_SCOPE)).hasToString("PRIMARY main/primary primary-write");
      s.setReadOnly(true);
      s.setAutoCommit(false);
      Route begin = decide(READ);
      assertThat(s.decide(RouteSession.SAVEPOINT, null, NO_SCOPE).target()).isSameAs(begin.target());
      assertThat(s.decide(RouteSession.CALL, null, NO_SCOPE).target()).isSameAs(begin.target());
    }
  }

  @Nested
  class SessionState {
    @Test
    void aReplayableSettingRunsOnThePrimaryAndIsReplayed() {
      assertThat(decide("set search_path = app")).hasToString("PRIMARY main/primary primary-session-state [replay]");
      assertThat(decide(READ).opcode()).as("and reads still use replicas").isEqualTo(Route.Opcode.REPLICA);
    }

    @Test
    void aTransactionLocalSettingIsNotReplayed() {
      run("begin");
      assertThat(decide("set local statement_timeout = 1000")).hasToString("PRIMARY main/primary primary-transaction [tx]");
      assertThat(decide("set search_path = app")).hasToString("PRIMARY main/primary primary-transaction [tx replay]");
    }

    @Test
    void sessionBoundStatePinsTheSessionToThePrimary() {
      for (String sql : List.of("create temporary table tmp (a int)", "listen events", "prepare q as select 1",
          "discard all")) {
        RouteSession fresh = pg.session();
        Classification c = pg.classify(sql);
        assertThat(fresh.decide(c, sql, NO_SCOPE).opcode()).as(sql).isEqualTo(Route.Opcode.PRIMARY);
        assertThat(fresh.pinned()).as(sql).isTrue();
        assertThat(fresh.decide(pg.classify(READ), READ, NO_SCOPE)).as(sql)
            .hasToString("PRIMARY main/primary primary-session-state");
        assertThat(fresh.decide(pg.classify("begin read only"), "begin read only", NO_SCOPE)).as(sql)
            .hasToString("PRIMARY main/primary primary-transaction [tx begin read-only]");
      }
    }

    @Test
    void aSessionStatementInsideAMultiStatementStringPins() {
      run("set search_path = app; select 1");
      assertThat(s.pinned()).isTrue();
    }

    @Test
    void sessionBoundStateInsideAReplicaTransactionIsRefused() {
      run("begin read only");
      Route r = decide("create temporary table tmp (a int)");
      assertThat(r.refusal()).isEqualTo(Refusal.SESSION_STATE_ON_REPLICA);
      assertThat(decide("set search_path = app"))
          .hasToString("REPLICA main/replica1 replica-read-only-transaction [tx read-only replay]");
    }

    @Test
    void sessionBoundStateOpeningAReadOnlyTransactionPlacesItOnThePrimary() {
      s.setReadOnly(true);
      s.setAutoCommit(false);
      assertThat(decide("prepare q as select 1"))
          .hasToString("PRIMARY main/primary primary-transaction [tx begin read-only]");
      assertThat(s.pinned()).isTrue();
    }

    @Test
    void setAutocommitAsSqlIsRefused() {
      Topology maria = new Topology(Dialect.MARIADB, 1);
      RouteSession session = maria.session();
      for (String sql : List.of("SET autocommit = 0", "set @@autocommit=1", "SET SESSION autocommit = OFF")) {
        Route r = session.decide(maria.classify(sql), sql, NO_SCOPE);
        assertThat(r.refusal()).as(sql).isEqualTo(Refusal.SQL_AUTOCOMMIT);
        assertThat(r.refusal().message()).contains("setAutoCommit");
      }
      assertThat(session.decide(maria.classify("SET autocommit_x = 0"), "SET autocommit_x = 0", NO_SCOPE).opcode())
          .isEqualTo(Route.Opcode.PRIMARY);
    }

    /**
     * Settings under which the server reads literals or quotes differently from the classifier are refused, in
     * every spelling; the forms that keep the defaults (and a variable's value, as mysqldump restores sql_mode) pass.
     */
    @Test
    void settingsThatChangeHowTextIsReadAreRefused() {
      Topology pg = new Topology(Dialect.POSTGRESQL, 1);
      for (String sql : List.of("SET standard_conforming_strings = off", "set session standard_conforming_strings to 'off'",
          "SET standard_conforming_strings = false", "SET LOCAL standard_conforming_strings = 0",
          "SELECT set_config('standard_conforming_strings', 'off', false)",
          "SET search_path = public; SET standard_conforming_strings = off",
          "ALTER ROLE app SET standard_conforming_strings = off")) {
        RouteSession session = pg.session();
        Route r = session.decide(pg.classify(sql), sql, NO_SCOPE);
        assertThat(r.refusal()).as(sql).isEqualTo(Refusal.TEXT_READING_SETTING);
        assertThat(r.refusal().message()).contains("E'...'");
      }
      for (String sql : List.of("SET standard_conforming_strings = on", "SET standard_conforming_strings TO 'on'",
          "RESET standard_conforming_strings", "SET standard_conforming_strings TO DEFAULT", "SET search_path = public")) {
        assertThat(pg.session().decide(pg.classify(sql), sql, NO_SCOPE).opcode()).as(sql).isNotEqualTo(Route.Opcode.REFUSE);
      }
      Topology maria = new Topology(Dialect.MARIADB, 1);
      for (String sql : List.of("SET sql_mode = 'ANSI_QUOTES'", "SET SESSION sql_mode = 'STRICT_TRANS_TABLES,NO_BACKSLASH_ESCAPES'",
          "set @@sql_mode = 'ANSI'", "SET sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')", "SET sql_mode = 'ORACLE'")) {
        Route r = maria.session().decide(maria.classify(sql), sql, NO_SCOPE);
        assertThat(r.refusal()).as(sql).isEqualTo(Refusal.TEXT_READING_SETTING);
      }
      for (String sql : List.of("SET sql_mode = 'STRICT_TRANS_TABLES'", "SET SQL_MODE=@OLD_SQL_MODE", "SET NAMES utf8mb4",
          "SET sql_mode = 'TRADITIONAL'")) {
        assertThat(maria.session().decide(maria.classify(sql), sql, NO_SCOPE).opcode()).as(sql).isNotEqualTo(Route.Opcode.REFUSE);
      }
    }
  }

  /** A unit summary as the proxy gives it (see {@link RouteSession.Unit}). */
  record U(RouteReason primaryReason, boolean pins, boolean readsData, boolean readOnlyBegin) implements RouteSession.Unit {
    static final U READS = new U(null, false, true, false);
    static final U SETTINGS = new U(null, false, false, false);
    static final U WRITES = new U(RouteReason.PRIMARY_WRITE, false, true, false);
    static final U PINS = new U(RouteReason.PRIMARY_SESSION_STATE, true, false, false);
    static final U READ_ONLY_BEGIN = new U(null, false, false, true);
  }

  /** The proxy's units: the same read rules, decided outside transactions, with the held backend as preference. */
  @Nested
  class Units {
    Route unit(U u) {
      return s.decide(u, null, NO_SCOPE);
    }

    @Test
    void aReadUnitWithAPendingFenceReadsThePositionFirstThenGoesOnlyWhereItIsCovered() {
      pg.health(0, Health.BEHIND);
      pg.health(1, Health.COVERING);
      assertThat(unit(U.WRITES)).hasToString("PRIMARY main/primary primary-write");
      assertThat(s.writeCommitted(NO_SCOPE)).as("outside a scope the position is read by the next read").isFalse();
      Route step = unit(U.READS);
      assertThat(step.opcode()).isEqualTo(Route.Opcode.READ_POSITION);
      s.positionRead(pg.fence());
      for (int i = 0; i < 4; i++) {
        assertThat(unit(U.READS)).hasToString("REPLICA main/replica2 replica-fenced");
      }
    }

    @Test
    void aUnitOfSettingsAloneNeedsNoFence() {
      pg.health(0, Health.BEHIND);
      pg.health(1, Health.BEHIND);
      s.positionRead(pg.fence());
      s.writeCommitted(NO_SCOPE);
      Route r = unit(U.SETTINGS);
      assertThat(r.opcode()).as("no position read, no wait for SET alone").isEqualTo(Route.Opcode.REPLICA);
      assertThat(r.reason()).isEqualTo(RouteReason.REPLICA);
      assertThat(s.fencePending()).as("the next read still reads the position").isTrue();
    }

    @Test
    void aReadOnlyBeginStartsOnACoveringReplicaAndRespectsThePendingFence() {
      pg.health(0, Health.BEHIND);
      pg.health(1, Health.COVERING);
      s.writeCommitted(NO_SCOPE);
      assertThat(unit(U.READ_ONLY_BEGIN).opcode()).isEqualTo(Route.Opcode.READ_POSITION);
      s.positionRead(pg.fence());
      assertThat(unit(U.READ_ONLY_BEGIN)).hasToString("REPLICA main/replica2 replica-read-only-transaction");
      assertThat(s.inTransaction()).as("the proxy keeps the transaction itself").isFalse();
    }

    @Test
    void anUncoveredFenceWaitsOnTheMostAdvancedReplicaOnceThenFallsBack() {
      pg.health(0, Health.BEHIND);
      pg.health(1, Health.BEHIND);
      s.positionRead(pg.fence());
      Route await = unit(U.READS);
      assertThat(await.opcode()).isEqualTo(Route.Opcode.AWAIT_REPLICA);
      assertThat(await.waitMillis()).isEqualTo(Topology.BUDGET_MILLIS);
      assertThat(s.awaited(await, AwaitOutcome.TIMED_OUT)).hasToString("PRIMARY main/primary primary-fence-fallback");
      assertThat(unit(U.READS)).as("abandoned: no second wait").hasToString("PRIMARY main/primary primary-fence-fallback");
    }

    @Test
    void theHeldReplicaIsPreferredWhileItQualifiesAndAHeldPrimaryIsNoPreference() {
      pg.health(0, Health.COVERING);
      pg.health(1, Health.BEHIND);
      for (int i = 0; i < 4; i++) {
        assertThat(s.decide(U.READS, pg.replicas[1], NO_SCOPE)).hasToString("REPLICA main/replica2 replica");
      }
      java.util.Set<EndpointState> seen = new java.util.HashSet<>();
      for (int i = 0; i < 4; i++) {
        seen.add(s.decide(U.READS, pg.primary, NO_SCOPE).target());
      }
      assertThat(seen).as("reads spread over the replicas once the backend is given back").containsExactlyInAnyOrder(pg.replicas);
      s.positionRead(pg.fence());
      assertThat(s.decide(U.READS, pg.replicas[1], NO_SCOPE)).as("the held replica does not cover the fence")
          .hasToString("REPLICA main/replica1 replica-fenced");
      Topology other = new Topology(Dialect.POSTGRESQL, 2);
      other.health(0, Health.COVERING);
      other.health(1, Health.COVERING);
      assertThat(s.decide(U.READS, other.replicas[1], NO_SCOPE)).as("another replica set's server is no preference")
          .hasToString("REPLICA main/replica1 replica-fenced");
    }

    @Test
    void aReplicaWithAConnectionReadyIsPreferredAmongThoseThatQualify() {
      pg.health(0, Health.COVERING);
      pg.health(1, Health.COVERING);
      RouteContext onlySecondReady = new RouteContext() {
        @Override
        public boolean primaryForced() {
          return false;
        }

        @Override
        public boolean inScope() {
          return false;
        }

        @Override
        public dev.junction.position.ReplicationPosition scopeFence(String shard) {
          return null;
        }

        @Override
        public boolean connectionReady(EndpointState endpoint) {
          return endpoint == pg.replicas[1];
        }
      };
      for (int i = 0; i < 4; i++) {
        assertThat(s.decide(U.READS, null, onlySecondReady)).hasToString("REPLICA main/replica2 replica");
      }
      Topology second = new Topology(Dialect.POSTGRESQL, 2);
      second.health(0, Health.COVERING);
      second.health(1, Health.BEHIND);
      RouteSession session = second.session();
      session.positionRead(second.fence());
      RouteContext onlyBehindReady = new RouteContext() {
        @Override
        public boolean primaryForced() {
          return false;
        }

        @Override
        public boolean inScope() {
          return false;
        }

        @Override
        public dev.junction.position.ReplicationPosition scopeFence(String shard) {
          return null;
        }

        @Override
        public boolean connectionReady(EndpointState endpoint) {
          return endpoint == second.replicas[1];
        }
      };
      for (int i = 0; i < 4; i++) {
        assertThat(session.decide(U.READS, null, onlyBehindReady)).as("never a replica that does not qualify")
            .hasToString("REPLICA main/replica1 replica-fenced");
      }
    }

    @Test
    void anUnreadablePositionSendsReadsToThePrimaryUntilTheNextWriteReadsItAgain() {
      pg.health(0, Health.COVERING);
      s.writeCommitted(NO_SCOPE);
      assertThat(unit(U.READS).opcode()).isEqualTo(Route.Opcode.READ_POSITION);
      s.positionUnavailable();
      assertThat(s.fencePending()).isFalse();
      assertThat(unit(U.READS)).hasToString("PRIMARY main/primary primary-fence-store-unavailable");
      assertThat(unit(U.SETTINGS)).hasToString("PRIMARY main/primary primary-fence-store-unavailable");
      assertThat(s.placeLeg(NO_SCOPE).target()).isSameAs(pg.primary);
      s.writeCommitted(NO_SCOPE);
      assertThat(unit(U.READS).opcode()).as("a later write asks again").isEqualTo(Route.Opcode.READ_POSITION);
      s.positionRead(pg.fence());
      assertThat(s.positionUnknown()).isFalse();
      assertThat(unit(U.READS)).hasToString("REPLICA main/replica1 replica-fenced");
    }

    @Test
    void anAdoptedTokenFenceIsMergedAndAPendingFenceStaysPending() {
      pg.health(0, Health.BEHIND);
      pg.health(1, Health.COVERING);
      s.positionRead(pg.behind());
      s.adoptFence(pg.fence());
      assertThat(s.ownFence()).isEqualTo(pg.fence());
      s.adoptFence(pg.behind());
      assertThat(s.ownFence()).as("merged by maximum").isEqualTo(pg.fence());
      assertThat(unit(U.READS)).hasToString("REPLICA main/replica2 replica-fenced");
      s.writeCommitted(NO_SCOPE);
      s.adoptFence(pg.ahead());
      assertThat(s.fencePending()).as("this session's own write is newer than any token").isTrue();
      assertThat(unit(U.READS).opcode()).isEqualTo(Route.Opcode.READ_POSITION);
    }

    @Test
    void aPinningUnitKeepsTheSessionOnThePrimary() {
      pg.health(0, Health.COVERING);
      assertThat(unit(U.PINS)).hasToString("PRIMARY main/primary primary-session-state");
      assertThat(s.pinned()).isTrue();
      assertThat(unit(U.READS)).hasToString("PRIMARY main/primary primary-session-state");
      assertThat(s.placeLeg(NO_SCOPE)).hasToString("PRIMARY main/primary primary-session-state");
    }

    @Test
    void aFailedAcquisitionChoosesAnotherReplicaOrThePrimaryButNeverRetriesThePrimary() {
      pg.health(0, Health.COVERING);
      pg.health(1, Health.COVERING);
      Route first = unit(U.READS);
      Route second = s.unavailable(first, NO_SCOPE);
      assertThat(second.opcode()).isEqualTo(Route.Opcode.REPLICA);
      assertThat(second.target()).isNotSameAs(first.target());
      assertThat(s.unavailable(second, NO_SCOPE)).hasToString("PRIMARY main/primary primary-no-replica");
      assertThat(s.unavailable(unit(U.WRITES), NO_SCOPE)).isNull();
    }

    @Test
    void aLegTakesNoStep() {
      pg.health(0, Health.BEHIND);
      pg.health(1, Health.COVERING);
      assertThat(s.placeLeg(NO_SCOPE).opcode()).isEqualTo(Route.Opcode.REPLICA);
      s.writeCommitted(NO_SCOPE);
      assertThat(s.placeLeg(NO_SCOPE)).as("a pending fence: the primary, not a position read")
          .hasToString("PRIMARY main/primary primary-no-replica");
      s.positionRead(pg.fence());
      for (int i = 0; i < 4; i++) {
        assertThat(s.placeLeg(NO_SCOPE)).hasToString("REPLICA main/replica2 replica-fenced");
      }
      pg.health(1, Health.DOWN);
      assertThat(s.placeLeg(NO_SCOPE)).as("no wait: the primary").hasToString("PRIMARY main/primary primary-no-replica");
    }

    @Test
    void unitsAreDecidedOutsideTransactionsOnly() {
      s.setAutoCommit(false);
      assertThatThrownBy(() -> unit(U.READS)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anUnfencedReadUnitIsAnInternedRoute() {
      pg.health(0, Health.COVERING);
      assertThat(s.decide(U.READS, pg.replicas[0], NO_SCOPE)).isSameAs(s.decide(U.READS, pg.replicas[0], NO_SCOPE));
    }

    /** The proxy's hot path: deciding a read unit (unfenced, or under a covered fence) allocates nothing. */
    @Test
    void aReadUnitDecisionAllocatesNothing() {
      pg.health(0, Health.COVERING);
      pg.health(1, Health.COVERING);
      RouteSession fenced = pg.session();
      fenced.positionRead(pg.fence());
      // com.sun.management through reflection: the tests compile inside module dev.junction.core, which does
      // not read jdk.management (and should not, for a test)
      java.util.function.LongSupplier allocatedBytes = allocatedBytesOfThisThread();
      Route[] sink = new Route[4];
      for (int round = 0; round < 2; round++) { // the first round warms up (class loading, interning)
        long before = allocatedBytes.getAsLong();
        for (int i = 0; i < 100_000; i++) {
          sink[0] = s.decide(U.READS, null, NO_SCOPE);
          sink[1] = s.decide(U.READS, pg.replicas[1], NO_SCOPE);
          sink[2] = s.decide(U.SETTINGS, pg.primary, NO_SCOPE);
          sink[3] = fenced.decide(U.READS, null, NO_SCOPE);
        }
        long allocated = allocatedBytes.getAsLong() - before;
        if (round == 1) {
          assertThat(allocated).as("bytes allocated by 400,000 read-unit decisions").isLessThan(16_000);
        }
      }
      assertThat(sink[3].reason()).isEqualTo(RouteReason.REPLICA_FENCED);
    }

    private java.util.function.LongSupplier allocatedBytesOfThisThread() {
      Object threads = java.lang.management.ManagementFactory.getThreadMXBean();
      try {
        java.lang.reflect.Method m = Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes");
        return () -> {
          try {
            return (long) m.invoke(threads);
          } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
          }
        };
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("this JVM cannot count allocated bytes per thread", e);
      }
    }
  }

  @Test
  void routesAreValuesAndTheCommonOnesAreInterned() {
    assertThat(decide(WRITE)).isSameAs(decide(WRITE));
    assertThatThrownBy(() -> new Route(Route.Opcode.REPLICA, null, RouteReason.REPLICA, null, 0, 0, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> pg.set.place(pg.primary, RouteReason.REPLICA, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
