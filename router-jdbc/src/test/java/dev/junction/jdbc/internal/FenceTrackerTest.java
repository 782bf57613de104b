package dev.junction.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.Junction;
import dev.junction.Scope;
import dev.junction.fence.Fence;
import dev.junction.fence.FenceStore;
import dev.junction.fence.FenceStoreUnavailableException;
import dev.junction.fence.LocalFenceStore;
import dev.junction.health.EndpointState;
import dev.junction.position.PgLsn;
import dev.junction.position.ReplicationPosition;
import dev.junction.route.RouteSession.AwaitOutcome;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link FenceTracker} without a server: a scripted dialect answers positions and waits, endpoint
 * states are real, so each test sees what the tracker read, recorded, observed and reported.
 */
class FenceTrackerTest {
  static final PgLsn LOW = new PgLsn(0x1000);
  static final PgLsn MID = new PgLsn(0x2000);
  static final PgLsn HIGH = new PgLsn(0x3000);

  /** Positions and wait outcomes on demand; records every call. */
  static final class ScriptedDialect implements JdbcDialect {
    final List<String> calls = new ArrayList<>();
    ReplicationPosition position = MID;
    ReplicationPosition head = MID;
    boolean caughtUp;
    SQLException failure;

    @Override
    public ReplicationPosition primaryPosition(Connection primary) throws SQLException {
      calls.add("position");
      if (failure != null) {
        throw failure;
      }
      return position;
    }

    @Override
    public ReplicationPosition primaryHead(Connection primary) throws SQLException {
      calls.add("head");
      if (failure != null) {
        throw failure;
      }
      return head;
    }

    @Override
    public ReplicationPosition replayedPosition(Connection replica) {
      throw new UnsupportedOperationException();
    }

    @Override
    public LagSample sampleLag(Connection replica, ReplicationPosition primaryNow) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean awaitReplay(Connection replica, ReplicationPosition fence, long timeoutMillis) throws SQLException {
      calls.add("await " + fence.encode() + " " + timeoutMillis);
      if (failure != null) {
        throw failure;
      }
      return caughtUp;
    }
  }

  final ScriptedDialect dialect = new ScriptedDialect();
  final EndpointState primary = new EndpointState("s", "p", EndpointState.Role.PRIMARY, 1);
  final ConnectionHolderTest.FakeSource r1 =
      new ConnectionHolderTest.FakeSource(new EndpointState("s", "r1", EndpointState.Role.REPLICA, 1));
  final ConnectionHolderTest.FakeSource r2 =
      new ConnectionHolderTest.FakeSource(new EndpointState("s", "r2", EndpointState.Role.REPLICA, 1));
  final List<String> events = new ArrayList<>();
  final Set<ReplicationPosition> sighted = new HashSet<>();
  FenceStore store = new LocalFenceStore(Duration.ofSeconds(30), 100);

  FenceTracker tracker() {
    return new FenceTracker("s", primary, new ConnectionHolder.Source[] {r1, r2}, dialect, store, 200,
        new FenceTracker.Events() {
          @Override
          public void waited(long nanos, boolean caughtUp) {
            events.add("waited " + (caughtUp ? "caught-up" : "timeout"));
          }

          @Override
          public void clamped() {
            events.add("clamped");
          }

          @Override
          public void recordFailed() {
            events.add("record-failed");
          }
        }, sighted::add);
  }

  Connection connection() {
    return new ConnectionHolderTest.FakeConnection("c").proxy;
  }

  @Test
  void aPositionReadTeachesThePrimaryState() throws Exception {
    assertThat(tracker().readPosition(connection())).isEqualTo(MID);
    assertThat(primary.replayed()).isEqualTo(MID);
    assertThat(dialect.calls).containsExactly("position");
  }

  @Test
  void recordingOutsideAScopeDoesNothing() {
    tracker().recordInScope(MID);
    assertThat(events).isEmpty();
  }

  @Test
  void recordingInsideAKeyedScopeAdvancesTheScopeAndItsStore() throws Exception {
    try (Scope scope = Junction.scope("user-1")) {
      tracker().recordInScope(MID);
      assertThat(scope.fence().of("s")).isEqualTo(MID);
    }
    assertThat(store.load("user-1").of("s")).isEqualTo(MID);
    assertThat(events).isEmpty();
  }

  @Test
  void aFenceTheStoreRefusesIsMadeTrueByWaitingForEveryReplica() throws Exception {
    store = new FenceStore() {
      @Override
      public Fence load(String scopeKey) {
        return Fence.NONE;
      }

      @Override
      public void advance(String scopeKey, String shard, ReplicationPosition position) throws FenceStoreUnavailableException {
        throw new FenceStoreUnavailableException("redis down (test)", null);
      }

      @Override
      public String kind() {
        return "test";
      }
    };
    r2.state.observePosition(HIGH); // already covers: not waited for
    dialect.caughtUp = true;
    try (Scope scope = Junction.scope("user-2")) {
      tracker().recordInScope(MID);
      assertThat(scope.fence().of("s")).as("the scope itself stays fenced").isEqualTo(MID);
    }
    assertThat(events).containsExactly("record-failed");
    assertThat(dialect.calls).hasSize(1);
    assertThat(dialect.calls.get(0)).startsWith("await " + MID.encode());
    assertThat(r1.state.covers(MID)).as("the replica that replayed it is known to").isTrue();
    assertThat(r1.handedOut).hasSize(1);
    assertThat(r1.handedOut.get(0).closed).as("the connection goes back").isTrue();
    assertThat(r2.handedOut).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({"true, CAUGHT_UP, waited caught-up", "false, TIMED_OUT, waited timeout"})
  void anAwaitReportsItsOutcomeAndTeachesTheReplica(boolean caughtUp, AwaitOutcome outcome, String event) throws Exception {
    dialect.caughtUp = caughtUp;
    assertThat(tracker().await(connection(), r1.state, MID, 150)).isEqualTo(outcome);
    assertThat(dialect.calls).containsExactly("await " + MID.encode() + " 150");
    assertThat(events).containsExactly(event);
    assertThat(r1.state.covers(MID)).isEqualTo(caughtUp);
  }

  @Test
  void aFailedAwaitThrowsAndIsStillMeasured() {
    dialect.failure = new SQLException("gone", "08006");
    try {
      tracker().await(connection(), r1.state, MID, 150);
      throw new AssertionError("expected the failure");
    } catch (SQLException e) {
      assertThat(e.getSQLState()).isEqualTo("08006");
    }
    assertThat(events).containsExactly("waited timeout");
    assertThat(r1.state.covers(MID)).isFalse();
  }

  /** unlessLost: (cached head, fresh head, fence) → result, whether the primary was asked, whether it clamped. */
  @ParameterizedTest
  @CsvSource({
      // no cached head: nothing known, keep the fence, no query
      "     , 3000, 2000, 2000, false, false",
      // the cached head covers the fence: keep it, no query
      " 3000, 3000, 2000, 2000, false, false",
      // cached head behind, fresh head covers: a newer write, keep
      " 1000, 3000, 2000, 2000, true,  false",
      // fresh head behind the fence too: lost history, clamp to the head
      " 1000, 1000, 2000, 1000, true,  true",
  })
  void aFenceAheadOfThePrimaryIsClampedToItsFreshHead(String cached, long head, long fence, long expected,
                                                      boolean asked, boolean clamped) {
    if (cached != null) {
      primary.observePosition(new PgLsn(Long.parseLong(cached.trim(), 16)));
    }
    dialect.head = new PgLsn(Long.parseLong(Long.toString(head), 16));
    PgLsn f = new PgLsn(Long.parseLong(Long.toString(fence), 16));
    ReplicationPosition result = tracker().unlessLost(f, this::connection, true);
    assertThat(result).isEqualTo(new PgLsn(Long.parseLong(Long.toString(expected), 16)));
    assertThat(dialect.calls.contains("head")).isEqualTo(asked);
    assertThat(events.contains("clamped")).isEqualTo(clamped);
    assertThat(sighted.contains(f)).isEqualTo(clamped);
  }

  @Test
  void whenTheHeadCannotBeReadTheFenceIsKept() {
    primary.observePosition(LOW);
    dialect.failure = new SQLException("primary down", "08006");
    assertThat(tracker().unlessLost(MID, this::connection, true)).isEqualTo(MID);
    assertThat(events).isEmpty();
  }
}
