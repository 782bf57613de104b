package dev.junction.ring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.shard.ShardRing;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RingAgreementTest {
  static final ShardRing THREE = ShardRing.of("s0", "s1", "s2");
  static final ShardRing FOUR = THREE.withShard("s3");

  static Map<String, RingRecord> stamped(ShardRing ring, String... ids) {
    Map<String, RingRecord> m = new HashMap<>();
    for (String id : ids) {
      m.put(id, RingRecord.stable(id, ring));
    }
    return m;
  }

  static RingRecord resharding(String id, RingPhase phase) {
    return new RingRecord(id, THREE.version(), RingLayout.of(THREE), phase, FOUR.version(), RingLayout.of(FOUR), 0);
  }

  @Test
  void nothingRecordedIsAFirstStart() {
    assertThat(RingAgreement.decide(THREE, Map.of())).isInstanceOf(RingAgreement.Unstamped.class);
  }

  @Test
  void theSameRingAgrees() {
    var outcome = RingAgreement.decide(ShardRing.of("s2", "s1", "s0"), stamped(THREE, "s0", "s1", "s2"));
    assertThat(outcome).isInstanceOf(RingAgreement.Agreed.class);
    assertThat(((RingAgreement.Agreed) outcome).configIsTarget()).isFalse();
  }

  @Test
  void aShardAddedToTheConfigurationBeforeItsRowsMovedIsRefusedNamingTheCommand() {
    var outcome = RingAgreement.decide(FOUR, stamped(THREE, "s0", "s1", "s2"));
    assertThat(outcome).isInstanceOf(RingAgreement.Refused.class);
    assertThat(((RingAgreement.Refused) outcome).message())
        .contains("./junction.sh reshard plan", "[s0, s1, s2, s3]", "Configured but not in the recorded ring: [s3]");
  }

  @Test
  void aRemovedShardAWeightChangeAndAnOverrideAreRefused() {
    assertThat(RingAgreement.decide(ShardRing.of("s0", "s1"), stamped(THREE, "s0", "s1")))
        .isInstanceOf(RingAgreement.Refused.class);
    assertThat(RingAgreement.decide(THREE.withWeight("s1", 2), stamped(THREE, "s0", "s1", "s2")))
        .isInstanceOf(RingAgreement.Refused.class);
    assertThat(RingAgreement.decide(THREE.withOverride(7L, "s2"), stamped(THREE, "s0", "s1", "s2")))
        .isInstanceOf(RingAgreement.Refused.class);
  }

  @Test
  void aUrlPointingAtAnotherShardsDatabaseIsRefused() {
    Map<String, RingRecord> m = stamped(THREE, "s0", "s2");
    m.put("s1", RingRecord.stable("s2", THREE));
    var outcome = RingAgreement.decide(THREE, m);
    assertThat(((RingAgreement.Refused) outcome).message()).contains("configured as shard 's1' records that it is shard 's2'");
  }

  @Test
  void aPartlyRecordedRingIsRefused() {
    var outcome = RingAgreement.decide(THREE, stamped(THREE, "s0", "s1"));
    assertThat(((RingAgreement.Refused) outcome).message()).contains("[s2]", "record no ring");
  }

  @Test
  void eitherRingOfAReshardingInProgressTakesPartAndAnyOtherIsRefused() {
    Map<String, RingRecord> m = new HashMap<>();
    for (String id : FOUR.shardIds()) {
      m.put(id, resharding(id, RingPhase.COPYING));
    }
    assertThat(RingAgreement.decide(FOUR, m)).isEqualTo(new RingAgreement.Agreed(m.get("s0"), true));
    Map<String, RingRecord> sourceOnly = new HashMap<>(m);
    sourceOnly.remove("s3");
    assertThat(RingAgreement.decide(THREE, sourceOnly)).isEqualTo(new RingAgreement.Agreed(m.get("s0"), false));
    assertThat(RingAgreement.decide(FOUR.withShard("s4"), m)).isInstanceOf(RingAgreement.Refused.class);
  }

  @Test
  void shardsInDifferentPhasesAreRefusedAsAnInterruptedStep() {
    Map<String, RingRecord> m = new HashMap<>();
    for (String id : FOUR.shardIds()) {
      m.put(id, resharding(id, RingPhase.COPYING));
    }
    m.put("s2", resharding("s2", RingPhase.FENCED));
    assertThat(((RingAgreement.Refused) RingAgreement.decide(FOUR, m)).message()).contains("disagree", "reshard status");
  }
}
