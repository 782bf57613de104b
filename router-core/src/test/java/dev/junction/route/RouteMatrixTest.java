package dev.junction.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.classify.Classification;
import dev.junction.classify.Dialect;
import dev.junction.classify.StatementClassifier;
import dev.junction.health.EndpointState;
import dev.junction.position.ReplicationPosition;
import dev.junction.route.RouteSession.AwaitOutcome;
import dev.junction.route.RouteSession.Failure;
import dev.junction.route.Topology.Health;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The decision over configuration matrices (in the style of Caffeine's cache-spec tests): every
 * session state × fence × context × replica health (0 to 3 replicas) × front-end behaviour ×
 * statement, per dialect (about 450,000 decisions with {@code -Djunction.route.matrix.full=true}, a
 * deterministic third of the multi-replica combinations by default). Each one is carried out by a simulated
 * front-end and checked against rules stated independently of the implementation: safety (no
 * stale or misplaced statement), liveness (a read goes to a replica whenever one qualifies),
 * transaction stickiness, and the fence bookkeeping after success. A coverage check at the end
 * proves every route reason, opcode and refusal was reached.
 */
class RouteMatrixTest {

  /** The session's state before the statement under test, reached through the public API. */
  enum SessionSetup { AUTO_COMMIT, READ_ONLY_CONNECTION, TX_NOT_STARTED, TX_WROTE, READ_ONLY_TX_NOT_STARTED, SQL_TX,
    SQL_READ_ONLY_TX, PINNED, LOST }

  /** The fence reads must respect. */
  enum FenceSetup { NONE, OWN, SCOPE, PENDING, STORE_DOWN, ABANDONED }

  /** What the simulated front-end meets when it carries the route out. */
  enum Behaviour {
    /** Every connection is available; waits end with the replica caught up. */
    SMOOTH,
    /** Every connection is available; waits time out. */
    SLOW,
    /** The first replica's pool is exhausted (its circuit stays closed); waits time out. */
    FIRST_REPLICA_UNREACHABLE,
    /** The primary's pool cannot give a connection; waits end caught up. */
    PRIMARY_UNREACHABLE,
    /** The first execution on a replica loses its connection. */
    REPLICA_CONNECTION_LOST,
    /** The first execution on a replica is refused as a write (a function the classifier could not see). */
    REPLICA_REFUSES_WRITE
  }

  record Stmt(String name, String sql) {}

  private static final boolean FULL = Boolean.getBoolean("junction.route.matrix.full");
  private static final Map<Dialect, StatementClassifier> CLASSIFIERS = new EnumMap<>(Dialect.class);
  private static final Set<RouteReason> REASONS_SEEN = EnumSet.noneOf(RouteReason.class);
  private static final Set<Route.Opcode> OPCODES_SEEN = EnumSet.noneOf(Route.Opcode.class);
  private static final Set<Refusal> REFUSALS_SEEN = EnumSet.noneOf(Refusal.class);
  private static final Map<String, Integer> COUNTS = new TreeMap<>();

  static List<Stmt> statements(Dialect d) {
    boolean pg = d == Dialect.POSTGRESQL;
    return List.of(
        new Stmt("read", "select * from accounts where id = 1"),
        new Stmt("locking-read", "select * from accounts where id = 1 for update"),
        new Stmt("side-effect", pg ? "select nextval('s')" : "select last_insert_id()"),
        new Stmt("insert", "insert into accounts (id) values (7)"),
        new Stmt("update", "update accounts set balance = 1 where id = 7"),
        new Stmt("ddl", "create table other (a int)"),
        new Stmt("begin", pg ? "begin" : "start transaction"),
        new Stmt("begin-read-only", pg ? "begin read only" : "start transaction read only"),
        new Stmt("begin-read-write", "start transaction read write"),
        new Stmt("commit", "commit"),
        new Stmt("rollback", "rollback"),
        new Stmt("savepoint", "savepoint sp1"),
        new Stmt("set", pg ? "set search_path = app" : "set names utf8mb4"),
        new Stmt("set-local", pg ? "set local statement_timeout = 5" : "set transaction read only"),
        new Stmt("temp-table", "create temporary table tmp (a int)"),
        new Stmt("session-bound", pg ? "listen events" : "lock tables accounts read"),
        new Stmt("hint", "/* junction:primary */ select 1"),
        new Stmt("unparseable", "selec broken from"),
        new Stmt("multi-open", "insert into accounts (id) values (8); begin"),
        new Stmt("multi-closed", "begin; update accounts set balance = 2 where id = 8; commit"),
        new Stmt("show", pg ? "show search_path" : "show tables"),
        new Stmt("utility", pg ? "vacuum accounts" : "optimize table accounts"),
        new Stmt("select-into", "select * into newt from accounts"),
        new Stmt("modifying-cte", pg ? "with w as (delete from accounts returning *) select * from w"
            : "select * from accounts where id in (select id from accounts where id > 1) for update"),
        new Stmt("too-deep", "select " + "(".repeat(80) + "1" + ")".repeat(80)),
        new Stmt("set-autocommit", pg ? "set autocommit = off" : "set autocommit = 0"),
        new Stmt("text-reading", pg ? "set standard_conforming_strings = off" : "set sql_mode = 'ANSI_QUOTES'"),
        new Stmt("call", null));
  }

  static List<Health[]> healthConfigurations() {
    List<Health[]> out = new ArrayList<>();
    out.add(new Health[0]);
    Health[] all = Health.values();
    for (Health a : all) {
      out.add(new Health[] {a});
      for (Health b : all) {
        out.add(new Health[] {a, b});
        for (Health c : all) {
          if ((a.ordinal() + 2 * b.ordinal() + 3 * c.ordinal()) % 13 == 0) { // a sample of the 3-replica space
            out.add(new Health[] {a, b, c});
          }
        }
      }
    }
    return out;
  }

  @TestFactory
  Stream<DynamicTest> postgresql() {
    return cases(Dialect.POSTGRESQL);
  }

  @TestFactory
  Stream<DynamicTest> mariadb() {
    return cases(Dialect.MARIADB);
  }

  private Stream<DynamicTest> cases(Dialect dialect) {
    StatementClassifier classifier;
    synchronized (CLASSIFIERS) {
      classifier = CLASSIFIERS.computeIfAbsent(dialect, StatementClassifier::new);
    }
    List<DynamicTest> tests = new ArrayList<>();
    for (SessionSetup session : SessionSetup.values()) {
      for (FenceSetup fence : FenceSetup.values()) {
        for (boolean forced : new boolean[] {false, true}) {
          if (forced && fence != FenceSetup.NONE && fence != FenceSetup.SCOPE) {
            continue; // Junction.primary() overrides fences: two of them suffice
          }
          String name = dialect + " " + session + " fence=" + fence + (forced ? " Junction.primary()" : "");
          tests.add(DynamicTest.dynamicTest(name, () -> {
            List<String> violations = new ArrayList<>();
            List<Stmt> statements = statements(dialect);
            for (Health[] health : healthConfigurations()) {
              // The decision never writes endpoint health, so one topology serves every case below.
              Topology topology = new Topology(dialect, health.length, classifier);
              for (int i = 0; i < health.length; i++) {
                topology.health(i, health[i]);
              }
              for (Behaviour behaviour : Behaviour.values()) {
                if (!FULL && health.length >= 2 && (java.util.Arrays.hashCode(health) + behaviour.ordinal()) % 3 != 0) {
                  continue; // a deterministic third of the multi-replica space; -Djunction.route.matrix.full=true for all
                }
                for (Stmt stmt : statements) {
                  new Case(topology, health, session, fence, forced, behaviour, stmt).check(violations);
                }
              }
            }
            assertThat(violations).as(name).isEmpty();
          }));
        }
      }
    }
    return tests.stream();
  }

  // ---------------------------------------------------------------- the proxy's units

  /** A unit summary as the proxy's relay gives it. */
  enum UnitKind implements RouteSession.Unit {
    READS(null, false, true, false),
    SETTINGS(null, false, false, false),
    WRITES(RouteReason.PRIMARY_WRITE, false, true, false),
    PINS(RouteReason.PRIMARY_SESSION_STATE, true, false, false),
    READ_ONLY_BEGIN(null, false, false, true);

    private final RouteReason primaryReason;
    private final boolean pins;
    private final boolean readsData;
    private final boolean readOnlyBegin;

    UnitKind(RouteReason primaryReason, boolean pins, boolean readsData, boolean readOnlyBegin) {
      this.primaryReason = primaryReason;
      this.pins = pins;
      this.readsData = readsData;
      this.readOnlyBegin = readOnlyBegin;
    }

    @Override
    public RouteReason primaryReason() {
      return primaryReason;
    }

    @Override
    public boolean pins() {
      return pins;
    }

    @Override
    public boolean readsData() {
      return readsData;
    }

    @Override
    public boolean readOnlyBegin() {
      return readOnlyBegin;
    }

    boolean fenced() {
      return readsData || readOnlyBegin;
    }

    boolean mayUseReplica() {
      return primaryReason == null && !pins;
    }
  }

  /** The unit session's read-your-writes state before the unit. */
  enum UnitFence { NONE, OWN, TOKEN, PENDING, ABANDONED, POSITION_UNKNOWN, PINNED }

  /** The backend the relay holds when it decides. */
  enum Held { NONE, PRIMARY, FIRST_REPLICA }

  /**
   * The proxy's units over the same matrices: unit summary × fence state × held backend × pool
   * readiness × replica health × front-end behaviour, carried out by a simulated relay (steps
   * asynchronously in the real one, in order here) and checked against the same rules.
   */
  @TestFactory
  Stream<DynamicTest> proxyUnits() {
    List<DynamicTest> tests = new ArrayList<>();
    for (UnitFence fence : UnitFence.values()) {
      for (Held held : Held.values()) {
        String name = "unit fence=" + fence + " held=" + held;
        tests.add(DynamicTest.dynamicTest(name, () -> {
          List<String> violations = new ArrayList<>();
          for (Health[] health : healthConfigurations()) {
            Topology topology = new Topology(Dialect.POSTGRESQL, health.length);
            for (int i = 0; i < health.length; i++) {
              topology.health(i, health[i]);
            }
            if (held == Held.FIRST_REPLICA && health.length == 0) {
              continue;
            }
            for (Behaviour behaviour : List.of(Behaviour.SMOOTH, Behaviour.SLOW, Behaviour.FIRST_REPLICA_UNREACHABLE,
                Behaviour.PRIMARY_UNREACHABLE)) {
              for (boolean firstReady : new boolean[] {true, false}) {
                for (UnitKind unit : UnitKind.values()) {
                  new UnitCase(topology, health, fence, held, behaviour, firstReady, unit).check(violations);
                }
              }
            }
          }
          assertThat(violations).as(name).isEmpty();
        }));
      }
    }
    return tests.stream();
  }

  /** One unit decision: set the session up, carry the unit out as the relay does, check the rules. */
  static final class UnitCase {
    final Topology t;
    final Health[] health;
    final UnitFence fenceSetup;
    final Held heldSetup;
    final Behaviour behaviour;
    final boolean firstReady;
    final UnitKind unit;
    final RouteSession s;
    final RouteContext ctx;

    UnitCase(Topology t, Health[] health, UnitFence fenceSetup, Held heldSetup, Behaviour behaviour, boolean firstReady,
             UnitKind unit) {
      this.t = t;
      this.health = health;
      this.fenceSetup = fenceSetup;
      this.heldSetup = heldSetup;
      this.behaviour = behaviour;
      this.firstReady = firstReady;
      this.unit = unit;
      this.s = new RouteSession(t.set, true);
      this.ctx = new RouteContext() {
        @Override
        public boolean primaryForced() {
          return false;
        }

        @Override
        public boolean inScope() {
          return false;
        }

        @Override
        public ReplicationPosition scopeFence(String shard) {
          return null;
        }

        @Override
        public boolean connectionReady(EndpointState endpoint) {
          return firstReady || t.replicas.length == 0 || endpoint != t.replicas[0];
        }
      };
    }

    boolean reachable(EndpointState e) {
      return switch (behaviour) {
        case FIRST_REPLICA_UNREACHABLE -> t.replicas.length == 0 || e != t.replicas[0];
        case PRIMARY_UNREACHABLE -> e != t.primary;
        default -> true;
      };
    }

    EndpointState held() {
      return switch (heldSetup) {
        case NONE -> null;
        case PRIMARY -> t.primary;
        case FIRST_REPLICA -> t.replicas[0];
      };
    }

    void setUp() {
      switch (fenceSetup) {
        case OWN -> s.positionRead(t.fence());
        case TOKEN -> s.adoptFence(t.fence());
        case PENDING -> {
          s.positionRead(t.behind());
          s.writeCommitted(ctx);
        }
        case ABANDONED -> {
          s.positionRead(t.fence());
          Route r = s.decide(UnitKind.READS, null, ctx);
          if (r.opcode() == Route.Opcode.AWAIT_REPLICA) {
            s.awaited(r, AwaitOutcome.TIMED_OUT);
          }
        }
        case POSITION_UNKNOWN -> {
          s.writeCommitted(ctx);
          s.positionUnavailable();
        }
        case PINNED -> s.decide(UnitKind.PINS, null, ctx);
        default -> { }
      }
    }

    void check(List<String> violations) {
      setUp();
      boolean pendingBefore = s.fencePending();
      boolean pinnedBefore = s.pinned();
      ReplicationPosition abandoned = s.abandonedFence();
      List<String> v = new ArrayList<>();
      List<Route> seen = new ArrayList<>();
      EndpointState held = held();
      EndpointState holding = held; // the relay gives the held backend up when it takes a step elsewhere
      Route r = s.decide(unit, held, ctx);
      boolean caughtUp = false;
      Route placed = null;
      int budget = 6 + t.replicas.length * 2;
      loop:
      while (true) {
        seen.add(r);
        OPCODES_SEEN.add(r.opcode());
        if (--budget < 0) {
          v.add("no decision");
          break;
        }
        switch (r.opcode()) {
          case REFUSE -> {
            v.add("a unit refused");
            break loop;
          }
          case READ_POSITION -> {
            holding = null;
            if (!reachable(r.target())) {
              s.positionUnavailable();
            } else {
              s.positionRead(t.fence());
            }
            r = s.decide(unit, null, ctx); // the relay decides again without a held backend
          }
          case AWAIT_REPLICA -> {
            holding = null;
            if (!reachable(r.target())) {
              r = s.unavailable(r, ctx);
              continue;
            }
            caughtUp = behaviour == Behaviour.SMOOTH || behaviour == Behaviour.PRIMARY_UNREACHABLE;
            r = s.awaited(r, caughtUp ? AwaitOutcome.CAUGHT_UP : AwaitOutcome.TIMED_OUT);
          }
          case PRIMARY, REPLICA -> {
            if (r.target() != holding && !reachable(r.target())) {
              Route next = s.unavailable(r, ctx);
              if (next == null) {
                break loop;
              }
              r = next;
              continue;
            }
            placed = r;
            REASONS_SEEN.add(r.reason());
            break loop;
          }
        }
      }
      COUNTS.merge("unit " + (placed == null ? "failed" : placed.opcode().name()), 1, Integer::sum);
      boolean fenced = unit.fenced();
      boolean unknown = s.positionUnknown();

      for (Route step : seen) {
        if (step.opcode() == Route.Opcode.READ_POSITION) {
          expect(v, pendingBefore && fenced, "READ_POSITION only for a unit that reads under a pending fence");
          expect(v, t.replicas.length > 0, "READ_POSITION on a shard without replicas");
        }
        if (step.opcode() == Route.Opcode.AWAIT_REPLICA) {
          expect(v, fenced, "AWAIT for a unit that reads no data");
          expect(v, t.fence().equals(step.fence()), "AWAIT for " + step.fence());
          expect(v, step.waitMillis() == Topology.BUDGET_MILLIS, "AWAIT budget " + step.waitMillis());
          expect(v, step.target().readable(), "AWAIT on an unreadable replica");
          expect(v, !t.fence().equals(abandoned), "AWAIT for an abandoned fence");
          for (EndpointState rep : t.replicas) {
            if (rep.readable() && rep.covers(t.fence()) && reachable(rep)) {
              v.add("AWAIT although " + rep + " covers the fence");
            }
          }
        }
      }
      if (placed != null) {
        boolean mayUseReplica = unit.mayUseReplica() && !pinnedBefore;
        ReplicationPosition needed = fenced && fenceSetup != UnitFence.NONE && fenceSetup != UnitFence.PINNED ? t.fence() : null;
        if (placed.opcode() == Route.Opcode.REPLICA) {
          EndpointState rep = placed.target();
          boolean onAwaited = caughtUp && seen.size() > 1 && seen.get(seen.size() - 2).opcode() == Route.Opcode.AWAIT_REPLICA;
          expect(v, mayUseReplica, "a replica for a unit that needs the primary");
          expect(v, rep.readable(), "placed on an unreadable replica");
          expect(v, onAwaited || rep.covers(needed), "a replica that does not cover the fence " + needed);
          expect(v, !unknown, "a replica although the primary's position is unknown");
          expect(v, rep == holding || reachable(rep), "placed on an unreachable replica");
          expect(v, placed.reason() != RouteReason.REPLICA_READ_ONLY_TRANSACTION || unit == UnitKind.READ_ONLY_BEGIN,
              "read-only-transaction reason for a unit that opens none");
          if (!onAwaited && rep != holding && !ctx.connectionReady(rep)) {
            for (EndpointState other : t.replicas) {
              if (other != rep && other.readable() && other.covers(needed) && reachable(other) && ctx.connectionReady(other)) {
                v.add("a replica without a ready connection although " + other + " qualifies and has one");
              }
            }
          }
        } else {
          List<EndpointState> qualifying = new ArrayList<>();
          for (EndpointState rep : t.replicas) {
            if (rep.readable() && (rep == holding || reachable(rep)) && rep.covers(needed)) {
              qualifying.add(rep);
            }
          }
          if (mayUseReplica && !qualifying.isEmpty() && !unknown) {
            v.add("the primary although " + qualifying + " qualify");
          }
          expect(v, unit.primaryReason() == null || placed.reason() == unit.primaryReason(), "the unit's primary reason");
        }
        if (held != null && held != t.primary && mayUseReplica && !unknown && held.readable() && held.covers(needed)
            && !(pendingBefore && fenced)) {
          expect(v, placed.target() == held, "the held replica is kept while it qualifies");
        }
        if (unit == UnitKind.WRITES) {
          boolean readNow = s.writeCommitted(ctx);
          expect(v, !readNow, "no scope: the position is read by the next read");
          expect(v, s.fencePending() == (t.replicas.length > 0), "a committed write is fenced when replicas exist");
        }
      } else {
        expect(v, !reachable(t.primary) && holding != t.primary, "a unit fails only when the primary is unreachable");
      }
      // a leg of a read spanning shards, in the same state
      Route leg = s.placeLeg(ctx);
      expect(v, leg.isPlacement(), "a leg takes no step");
      ReplicationPosition legFence = s.ownFence();
      if (leg.opcode() == Route.Opcode.REPLICA) {
        expect(v, !s.fencePending() && !s.positionUnknown() && !s.pinned(), "a leg on a replica under a pending or unknown fence");
        expect(v, leg.target().readable() && leg.target().covers(legFence), "a leg on a replica that does not cover the fence");
      } else if (!s.fencePending() && !s.positionUnknown() && !s.pinned()) {
        for (EndpointState rep : t.replicas) {
          if (rep.readable() && rep.covers(legFence)) {
            v.add("a leg on the primary although " + rep + " covers the fence");
          }
        }
      }
      for (String message : v) {
        violations.add("unit " + unit + " fence=" + fenceSetup + " held=" + heldSetup + " health=" + java.util.Arrays.toString(health)
            + " " + behaviour + (firstReady ? "" : " first-not-ready") + ": " + message + " -> " + placed + " via " + seen);
      }
    }

    private static void expect(List<String> v, boolean ok, String rule) {
      if (!ok) {
        v.add(rule);
      }
    }
  }

  @AfterAll
  static void everyReasonOpcodeAndRefusalWasReached() {
    System.out.println("route matrix: " + COUNTS);
    assertThat(REASONS_SEEN).containsExactlyInAnyOrder(RouteReason.values());
    assertThat(OPCODES_SEEN).containsExactlyInAnyOrder(Route.Opcode.values());
    // A scope fence that moves during a transaction is not a matrix dimension: WriteFenceHolesTest reaches it.
    assertThat(REFUSALS_SEEN).containsExactlyInAnyOrderElementsOf(EnumSet.complementOf(
        EnumSet.of(Refusal.SCOPE_WRITE_AFTER_REPLICA_TRANSACTION_BEGAN)));
  }

  /** One decision: set the session up, carry the statement out, check the rules. */
  static final class Case {
    final Topology t;
    final Health[] health;
    final SessionSetup sessionSetup;
    final FenceSetup fenceSetup;
    final boolean forced;
    final Behaviour behaviour;
    final Stmt stmt;
    final RouteContext ctx;
    final RouteSession s;
    final List<String> steps = new ArrayList<>();

    Case(Topology t, Health[] health, SessionSetup sessionSetup, FenceSetup fenceSetup, boolean forced,
         Behaviour behaviour, Stmt stmt) {
      this.t = t;
      this.health = health;
      this.sessionSetup = sessionSetup;
      this.fenceSetup = fenceSetup;
      this.forced = forced;
      this.behaviour = behaviour;
      this.stmt = stmt;
      boolean inScope = fenceSetup == FenceSetup.SCOPE || fenceSetup == FenceSetup.STORE_DOWN;
      this.ctx = Topology.context(inScope, fenceSetup == FenceSetup.SCOPE ? t.fence() : null,
          fenceSetup == FenceSetup.STORE_DOWN, forced);
      this.s = t.session();
    }

    boolean reachable(EndpointState e) {
      return switch (behaviour) {
        case FIRST_REPLICA_UNREACHABLE -> t.replicas.length == 0 || e != t.replicas[0];
        case PRIMARY_UNREACHABLE -> e != t.primary;
        default -> true;
      };
    }

    /** Result of carrying one statement out. */
    record Outcome(Route route, boolean failed, boolean awaitedCaughtUp, List<Route> steps, EndpointState failedOn) {}

    /** The simulated front-end: performs the steps until the statement runs, is refused, or fails. */
    Outcome execute(Classification c, String sql, List<String> violations, String label) {
      List<Route> seen = new ArrayList<>();
      boolean executionFailed = false;
      EndpointState failedOn = null;
      Route r = s.decide(c, sql, ctx);
      boolean caughtUp = false;
      int budget = 4 + t.replicas.length * 2;
      while (true) {
        seen.add(r);
        OPCODES_SEEN.add(r.opcode());
        if (--budget < 0) {
          violations.add(label + ": no decision after " + seen);
          return new Outcome(null, true, false, seen, failedOn);
        }
        switch (r.opcode()) {
          case REFUSE -> {
            REFUSALS_SEEN.add(r.refusal());
            return new Outcome(r, false, false, seen, failedOn);
          }
          case READ_POSITION -> {
            if (!reachable(r.target())) {
              Route next = s.unavailable(r, ctx);
              if (next == null) {
                return new Outcome(null, true, false, seen, failedOn);
              }
              r = next;
              continue;
            }
            s.positionRead(t.fence());
            r = s.decide(c, sql, ctx);
          }
          case AWAIT_REPLICA -> {
            if (!reachable(r.target())) {
              r = s.unavailable(r, ctx);
              continue;
            }
            caughtUp = behaviour == Behaviour.SMOOTH || behaviour == Behaviour.PRIMARY_UNREACHABLE;
            r = s.awaited(r, caughtUp ? AwaitOutcome.CAUGHT_UP : AwaitOutcome.TIMED_OUT);
          }
          case PRIMARY, REPLICA -> {
            if (!reachable(r.target())) {
              Route next = s.unavailable(r, ctx);
              if (next == null) {
                return new Outcome(null, true, false, seen, failedOn);
              }
              r = next;
              continue;
            }
            boolean failsOnce = (behaviour == Behaviour.REPLICA_CONNECTION_LOST || behaviour == Behaviour.REPLICA_REFUSES_WRITE)
                && r.opcode() == Route.Opcode.REPLICA && !executionFailed;
            if (failsOnce) {
              executionFailed = true;
              failedOn = r.target();
              Route retry = s.failed(r, c, behaviour == Behaviour.REPLICA_CONNECTION_LOST ? Failure.CONNECTION
                  : Failure.READ_ONLY_VIOLATION, ctx);
              if (retry == null) {
                return new Outcome(null, true, false, seen, failedOn);
              }
              if (retry.target() == r.target()) {
                violations.add(label + ": retried on the replica that failed: " + seen + " then " + retry);
              }
              if (r.inTransaction()) {
                violations.add(label + ": a transaction's statement retried elsewhere: " + seen + " then " + retry);
              }
              r = retry;
              continue;
            }
            REASONS_SEEN.add(r.reason());
            boolean onAwaited = seen.size() > 1 && seen.get(seen.size() - 2).opcode() == Route.Opcode.AWAIT_REPLICA
                && seen.get(seen.size() - 2).target() == r.target();
            return new Outcome(r, false, caughtUp && onAwaited, seen, failedOn);
          }
        }
      }
    }

    /** Runs a setup statement to success (or to whatever happens to it). */
    void setup(String sql, List<String> violations) {
      Classification c = t.classify(sql);
      Outcome o = execute(c, sql, violations, "setup");
      if (o.route() != null && o.route().isPlacement() && s.succeeded(o.route(), c, ctx)) {
        s.positionRead(t.fence());
      }
    }

    void setUp(List<String> violations) {
      String read = "select * from accounts where id = 1";
      String write = "update accounts set balance = 0 where id = 1";
      switch (fenceSetup) {
        case OWN -> s.positionRead(t.fence());
        case PENDING -> {
          Classification w = t.classify(write);
          Route r = s.decide(w, write, RouteContext.NONE);
          s.succeeded(r, w, RouteContext.NONE);
        }
        case ABANDONED -> {
          s.positionRead(t.fence());
          Classification c = t.classify(read);
          Route r = s.decide(c, read, RouteContext.NONE);
          if (r.opcode() == Route.Opcode.AWAIT_REPLICA) {
            s.awaited(r, AwaitOutcome.TIMED_OUT);
          }
        }
        default -> { }
      }
      switch (sessionSetup) {
        case READ_ONLY_CONNECTION -> s.setReadOnly(true);
        case TX_NOT_STARTED -> s.setAutoCommit(false);
        case TX_WROTE -> {
          s.setAutoCommit(false);
          setup(write, violations);
        }
        case READ_ONLY_TX_NOT_STARTED -> {
          s.setReadOnly(true);
          s.setAutoCommit(false);
        }
        case SQL_TX -> setup(t.dialect == Dialect.POSTGRESQL ? "begin" : "start transaction", violations);
        case SQL_READ_ONLY_TX -> setup(t.dialect == Dialect.POSTGRESQL ? "begin read only" : "start transaction read only",
            violations);
        case PINNED -> setup("create temporary table tmp0 (a int)", violations);
        case LOST -> {
          s.setAutoCommit(false);
          Classification w = t.classify(write);
          Route r = s.decide(w, write, ctx);
          if (r.isPlacement()) {
            s.succeeded(r, w, ctx);
            Route second = s.decide(w, write, ctx);
            if (second.isPlacement()) {
              s.failed(second, w, Failure.CONNECTION, ctx);
            }
          }
        }
        default -> { }
      }
    }

    void check(List<String> violations) {
      setUp(violations);
      Classification c = stmt.sql() == null ? RouteSession.CALL : t.classify(stmt.sql());
      TransactionEffect effect = TransactionEffect.of(c);
      SessionEffect sessionEffect = SessionEffect.of(c, stmt.sql());
      boolean lost = s.transactionLost();
      boolean inTx = s.inTransaction();
      EndpointState txTarget = s.transactionTarget();
      boolean txOnReplica = txTarget != null && txTarget != t.primary;
      boolean pinnedBefore = s.pinned();
      boolean pendingBefore = s.fencePending();
      ReplicationPosition abandoned = s.abandonedFence();
      boolean fenced = fenceSetup == FenceSetup.OWN || fenceSetup == FenceSetup.SCOPE || fenceSetup == FenceSetup.PENDING
          || fenceSetup == FenceSetup.ABANDONED || s.ownFence() != null || pendingBefore;
      ReplicationPosition fence = fenced ? t.fence() : null;
      boolean storeDown = fenceSetup == FenceSetup.STORE_DOWN;

      Outcome o = execute(c, stmt.sql(), violations, stmt.name());
      Route r = o.route();
      COUNTS.merge(r == null ? "failed" : r.opcode().name(), 1, Integer::sum);
      List<String> v = new ArrayList<>();

      // --- steps
      for (Route step : o.steps()) {
        if (step.opcode() == Route.Opcode.READ_POSITION) {
          if (!pendingBefore && !(fenceSetup == FenceSetup.PENDING)) {
            v.add("READ_POSITION without a pending fence");
          }
          if (t.replicas.length == 0) {
            v.add("READ_POSITION on a shard without replicas");
          }
        }
        if (step.opcode() == Route.Opcode.AWAIT_REPLICA) {
          if (fence == null || !fence.equals(step.fence())) {
            v.add("AWAIT for " + step.fence() + ", the fence is " + fence);
          }
          if (step.waitMillis() != Topology.BUDGET_MILLIS) {
            v.add("AWAIT budget " + step.waitMillis());
          }
          if (!step.target().readable()) {
            v.add("AWAIT on an unreadable replica");
          }
          if (fence != null && fence.equals(abandoned)) {
            v.add("AWAIT for an abandoned fence");
          }
          for (EndpointState rep : t.replicas) {
            if (rep.readable() && rep.covers(fence) && reachable(rep) && !storeDown) {
              v.add("AWAIT although " + rep + " covers the fence");
            }
          }
        }
      }

      // --- the final route
      boolean autocommitSql = sessionEffect == SessionEffect.AUTOCOMMIT;
      if (lost) {
        if (effect == TransactionEffect.ROLLS_BACK) {
          expect(v, r != null && r.opcode() == Route.Opcode.PRIMARY || o.failed(), "a rollback of a lost transaction runs");
        } else {
          expect(v, r != null && r.refusal() == Refusal.TRANSACTION_LOST, "a lost transaction refuses everything else");
        }
      } else if (autocommitSql) {
        expect(v, r != null && r.refusal() == Refusal.SQL_AUTOCOMMIT, "SET autocommit is refused");
      } else if (sessionEffect == SessionEffect.TEXT_READING) {
        expect(v, r != null && r.refusal() == Refusal.TEXT_READING_SETTING, "a setting that changes how text is read is refused");
      } else if (inTx && txTarget != null) {
        if (r == null) {
          boolean replicaFailure = txOnReplica
              && (behaviour == Behaviour.REPLICA_CONNECTION_LOST || behaviour == Behaviour.REPLICA_REFUSES_WRITE);
          expect(v, !reachable(txTarget) || replicaFailure, "a transaction's statement fails only when its server does");
          expect(v, s.transactionLost() == (behaviour == Behaviour.REPLICA_CONNECTION_LOST && txOnReplica),
              "a transaction is lost exactly when its connection is");
        } else if (r.opcode() == Route.Opcode.REFUSE) {
          expect(v, r.refusal() == Refusal.SESSION_STATE_ON_REPLICA && txOnReplica && sessionEffect == SessionEffect.PIN,
              "only session-bound state is refused in a replica transaction");
        } else {
          expect(v, r.target() == txTarget, "a transaction's statements stay on its target " + txTarget);
          expect(v, r.inTransaction() && !r.beginsTransaction(), "flags say: inside the transaction");
          expect(v, o.steps().size() == 1, "no steps inside a transaction");
        }
      } else if (r != null && r.opcode() != Route.Opcode.REFUSE) {
        boolean opens = r.beginsTransaction();
        expect(v, opens == (inTx || effect == TransactionEffect.BEGINS), "a transaction opens exactly when one is due");
        if (r.opcode() == Route.Opcode.REPLICA) {
          EndpointState rep = r.target();
          expect(v, reachable(rep), "placed on an unreachable replica");
          expect(v, rep.readable(), "placed on an unreadable replica");
          expect(v, o.awaitedCaughtUp() || rep.covers(fence), "a replica that does not cover the fence " + fence);
          expect(v, !storeDown, "a replica although the fence store is down");
          expect(v, !pinnedBefore && !forced, "a replica although pinned or forced to the primary");
          if (opens) {
            expect(v, r.readOnlyTransaction(), "only read-only transactions start on a replica");
            expect(v, sessionEffect != SessionEffect.PIN, "session-bound state never opens a replica transaction");
          } else {
            expect(v, c.replicaEligible(), "a statement that is not replica-eligible on a replica");
          }
          expect(v, r.reason() != RouteReason.REPLICA || fence == null, "reason 'replica' only for unfenced reads");
          expect(v, r.reason() != RouteReason.REPLICA_FENCED || fence != null, "reason 'replica-fenced' needs a fence");
        } else {
          boolean mayUseReplica = !opens ? c.replicaEligible() && !pinnedBefore && !forced
              : r.readOnlyTransaction() && !pinnedBefore && !forced && sessionEffect != SessionEffect.PIN
              && !(c.multiStatement());
          List<EndpointState> qualifying = new ArrayList<>();
          for (EndpointState rep : t.replicas) {
            if (rep.readable() && reachable(rep) && rep.covers(fence) && rep != o.failedOn()) {
              qualifying.add(rep);
            }
          }
          boolean hiddenWrite = behaviour == Behaviour.REPLICA_REFUSES_WRITE && o.failedOn() != null;
          if (mayUseReplica && !qualifying.isEmpty() && !storeDown && !hiddenWrite) {
            v.add("the primary although " + qualifying + " qualify");
          }
          if (r.reason() == RouteReason.PRIMARY_FENCE_FALLBACK) {
            expect(v, fence != null, "fence fallback without a fence");
          }
        }
        if (opens) {
          boolean askedReadOnly = switch (effect == TransactionEffect.BEGINS ? c.transactionAccess()
              : dev.junction.classify.TransactionAccess.UNSPECIFIED) {
            case READ_ONLY -> true;
            case READ_WRITE -> false;
            case UNSPECIFIED -> s.readOnly();
          };
          expect(v, r.readOnlyTransaction() == askedReadOnly, "a transaction is read-only exactly when asked to be");
        }
      }

      // --- after success
      if (r != null && r.isPlacement()) {
        boolean wasPending = s.fencePending();
        boolean readNow = s.succeeded(r, c, ctx);
        boolean writeOutsideTx = !r.inTransaction() && r.target() == t.primary && c.kind() != dev.junction.classify.StatementKind.SESSION
            && (!c.replicaEligible() || r.reason() == RouteReason.PRIMARY_RETRY) && effect == TransactionEffect.NONE
            && !(c.kind() == dev.junction.classify.StatementKind.UTILITY
                && c.primaryReason() == dev.junction.classify.PrimaryReason.NONE);
        if (t.replicas.length == 0) {
          expect(v, !readNow && !s.fencePending(), "no fence on a shard without replicas");
        } else if (writeOutsideTx) {
          boolean inScope = fenceSetup == FenceSetup.SCOPE || fenceSetup == FenceSetup.STORE_DOWN;
          expect(v, inScope ? readNow && !s.fencePending() : !readNow && s.fencePending(),
              "a write outside a transaction is fenced (now in a scope, deferred outside)");
        } else if (r.opcode() == Route.Opcode.REPLICA && !r.inTransaction()) {
          expect(v, !readNow && s.fencePending() == wasPending, "a replica read fences nothing");
        }
        if (r.beginsTransaction() && !effect.ends()) {
          expect(v, s.inTransaction() && s.transactionTarget() == r.target(), "the transaction runs where it began");
        }
      }
      for (String message : v) {
        violations.add(t.dialect + " " + sessionSetup + " fence=" + fenceSetup + (forced ? " forced" : "") + " health="
            + java.util.Arrays.toString(health) + " " + behaviour + " [" + stmt.name() + "]: "
            + message + " -> " + (r == null ? "failed" : r) + " via " + o.steps());
      }
    }

    private static void expect(List<String> v, boolean ok, String rule) {
      if (!ok) {
        v.add(rule);
      }
    }
  }
}
