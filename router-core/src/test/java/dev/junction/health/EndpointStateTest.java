package dev.junction.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.position.PgLsn;
import org.junit.jupiter.api.Test;

/** A replica's cached position belongs to one incarnation of the server (issue #16 item 2). */
class EndpointStateTest {
  static final long STARTED = 1_700_000_000_000L;

  static EndpointState replica() {
    return new EndpointState("main", "r1", EndpointState.Role.REPLICA, 1);
  }

  @Test
  void samplesOfOneIncarnationRaiseThePosition() {
    EndpointState r = replica();
    r.observeSample(r.generation(), STARTED, new PgLsn(100));
    r.observeSample(r.generation(), STARTED + 1_000, new PgLsn(200)); // MariaDB-style start time jitter
    assertThat(r.covers(new PgLsn(200))).isTrue();
  }

  @Test
  void aConnectionFailureWithdrawsThePositionUntilAFreshSample() {
    EndpointState r = replica();
    r.observeSample(r.generation(), STARTED, new PgLsn(500));
    r.recordFailure("connection refused", 1, 1);
    assertThat(r.covers(new PgLsn(1))).as("covers no fence after a failure").isFalse();
    assertThat(r.replayed()).isNull();
    assertThat(r.lagMillis()).as("unknown lag").isEqualTo(-1);
    r.observeSample(r.generation(), STARTED + 60_000, new PgLsn(300));
    assertThat(r.covers(new PgLsn(300))).isTrue();
    assertThat(r.covers(new PgLsn(500))).isFalse();
  }

  @Test
  void aSampleFromANewIncarnationReplacesTheCacheEvenWhenAhead() {
    EndpointState r = replica();
    r.observeSample(r.generation(), STARTED, new PgLsn(500));
    long before = r.generation();
    r.observeSample(before, STARTED + 60_000, new PgLsn(600));
    assertThat(r.generation()).as("a new incarnation starts a new generation").isNotEqualTo(before);
    assertThat(r.replayed()).isEqualTo(new PgLsn(600));
  }

  @Test
  void aSampleThatWentBackwardsReplacesTheCache() {
    EndpointState r = replica();
    r.observeSample(r.generation(), 0, new PgLsn(500));
    r.observeSample(r.generation(), 0, new PgLsn(300)); // restarted, start time unknown
    assertThat(r.covers(new PgLsn(400))).isFalse();
    assertThat(r.replayed()).isEqualTo(new PgLsn(300));
  }

  @Test
  void anObservationFromBeforeAResetIsIgnored() {
    EndpointState r = replica();
    r.observeSample(r.generation(), STARTED, new PgLsn(100));
    long inFlight = r.generation(); // a poll or fence wait starts here, on the old incarnation
    r.recordFailure("connection reset", 1, 1);
    r.observeSample(r.generation(), STARTED + 60_000, new PgLsn(50)); // the new incarnation, replaying
    r.observeSample(inFlight, STARTED, new PgLsn(900)); // the old result arrives late
    r.observeAtLeast(inFlight, new PgLsn(900));
    assertThat(r.replayed()).isEqualTo(new PgLsn(50));
    assertThat(r.covers(new PgLsn(100))).isFalse();
  }

  @Test
  void aProofOfProgressOnlyRaises() {
    EndpointState r = replica();
    r.observeSample(r.generation(), STARTED, new PgLsn(500));
    r.observeAtLeast(r.generation(), new PgLsn(300));
    assertThat(r.replayed()).isEqualTo(new PgLsn(500));
    r.observeAtLeast(r.generation(), new PgLsn(700));
    assertThat(r.replayed()).isEqualTo(new PgLsn(700));
  }

  @Test
  void aServerThatIsNoLongerAReplicaCoversNothing() {
    EndpointState r = replica();
    r.observeSample(r.generation(), STARTED, new PgLsn(500));
    r.observeSample(r.generation(), STARTED, null);
    assertThat(r.covers(new PgLsn(1))).isFalse();
  }
}
