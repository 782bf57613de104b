package dev.junction.bench;

import dev.junction.classify.Classification;
import dev.junction.classify.ClassifierSettings;
import dev.junction.classify.Dialect;
import dev.junction.classify.StatementClassifier;
import dev.junction.fence.Fence;
import dev.junction.fence.LocalFenceStore;
import dev.junction.health.EndpointState;
import dev.junction.health.ReplicaSelector;
import dev.junction.position.PgLsn;
import dev.junction.position.ReplicationPosition;
import dev.junction.route.ReplicaSet;
import dev.junction.route.Route;
import dev.junction.route.RouteContext;
import dev.junction.route.RouteSession;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-statement decision without I/O: a cached classification, the scope's fence from the local
 * store, and replica selection against that fence. Target: well under 1 µs together. The
 * {@code session*} benchmarks run the whole decision ({@link RouteSession#decide}: transaction and
 * session state, hint, fence, selection, the interned route); target: tens of nanoseconds unfenced.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class RouteDecisionBenchmark {
  static final String SQL = "SELECT id, name, balance FROM accounts WHERE id = ?";
  static final String WRITE = "UPDATE accounts SET balance = ? WHERE id = ?";

  StatementClassifier classifier;
  LocalFenceStore fences;
  ReplicaSelector selector;
  EndpointState[] replicas;
  RouteSession session;
  RouteSession fencedSession;
  RouteContext context;
  dev.junction.Scope scope;

  @Setup
  public void setUp() {
    classifier = new StatementClassifier(Dialect.POSTGRESQL, ClassifierSettings.defaults());
    classifier.classify(SQL);
    fences = new LocalFenceStore(Duration.ofSeconds(30), 100_000);
    fences.advance("user:42", "main", new PgLsn(0x3000_0000L));
    selector = new ReplicaSelector(ReplicaSelector.Strategy.ROUND_ROBIN);
    replicas = new EndpointState[] {
        new EndpointState("main", "replica1", EndpointState.Role.REPLICA, 1),
        new EndpointState("main", "replica2", EndpointState.Role.REPLICA, 1)};
    replicas[0].observePosition(new PgLsn(0x3000_0100L));
    replicas[1].observePosition(new PgLsn(0x2000_0000L));
    classifier.classify(WRITE);
    ReplicaSet set = new ReplicaSet("main", new EndpointState("main", "primary", EndpointState.Role.PRIMARY, 1), replicas,
        new ReplicaSelector(ReplicaSelector.Strategy.ROUND_ROBIN), 250);
    session = new RouteSession(set);
    fencedSession = new RouteSession(set);
    fencedSession.positionRead(new PgLsn(0x3000_0000L)); // the session's own write: replica1 covers it
    context = RouteContext.ofThread(fences);
  }

  @org.openjdk.jmh.annotations.TearDown
  public void tearDown() {
    if (scope != null) {
      scope.close();
    }
  }

  @Benchmark
  public Classification classifyCached() {
    return classifier.classify(SQL);
  }

  @Benchmark
  public EndpointState unfencedDecision() {
    Classification c = classifier.classify(SQL);
    return c.replicaEligible() ? selector.pick(replicas, null, null) : null;
  }

  @Benchmark
  public EndpointState fencedDecision() {
    Classification c = classifier.classify(SQL);
    if (!c.replicaEligible()) {
      return null;
    }
    Fence fence = fences.load("user:42");
    ReplicationPosition position = fence.of("main");
    return selector.pick(replicas, position, null);
  }

  /** The whole decision for a cached, unfenced read outside a scope: classification + RouteSession.decide. */
  @Benchmark
  public Route sessionUnfencedRead() {
    return session.decide(classifier.classify(SQL), SQL, context);
  }

  /** The same, for a session whose own write fences its reads (no scope, no store). */
  @Benchmark
  public Route sessionOwnFencedRead() {
    return fencedSession.decide(classifier.classify(SQL), SQL, context);
  }

  /** A write outside a transaction. */
  @Benchmark
  public Route sessionWrite() {
    return session.decide(classifier.classify(WRITE), WRITE, context);
  }

  /** A read inside a keyed scope whose fence the local store holds (loaded once per scope). */
  @Benchmark
  public Route sessionScopedRead() {
    if (scope == null) {
      scope = dev.junction.Junction.scope("user:42");
    }
    return session.decide(classifier.classify(SQL), SQL, context);
  }
}
