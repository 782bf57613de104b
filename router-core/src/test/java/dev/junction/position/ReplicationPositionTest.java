package dev.junction.position;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ReplicationPositionTest {

  @ParameterizedTest
  @CsvSource({
      "0/0, 0/0, true",
      "0/3000148, 0/3000148, true",
      "0/3000149, 0/3000148, true",
      "0/3000147, 0/3000148, false",
      "1/0, 0/FFFFFFFF, true",
      "0/FFFFFFFF, 1/0, false",
      "FFFFFFFF/FFFFFFFF, 7FFFFFFF/FFFFFFFF, true", // unsigned: the top half of the LSN space compares above
  })
  void pgLsnCoversComparesUnsigned(String replica, String fence, boolean covers) {
    assertThat(PgLsn.parse(replica).covers(PgLsn.parse(fence))).isEqualTo(covers);
  }

  @Test
  void pgLsnRoundTripsThroughItsTextForms() {
    PgLsn lsn = PgLsn.parse("16/B374D848");
    assertThat(lsn.value()).isEqualTo(0x16B374D848L);
    assertThat(lsn.toString()).isEqualTo("16/B374D848");
    assertThat(ReplicationPosition.parse(lsn.encode())).isEqualTo(lsn);
    assertThat(PgLsn.parse("0/10").minus(PgLsn.parse("0/4"))).isEqualTo(12);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"''", "0", "0/", "/1", "x/1", "1/1/1", "100000000/0"})
  void pgLsnRejectsGarbageWithTheExpectedForm(String text) {
    assertThatThrownBy(() -> PgLsn.parse(text)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("X/Y");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "0-1-42         | 0-1-42       | true",
      "0-1-43         | 0-1-42       | true",
      "0-1-41         | 0-1-42       | false",
      "0-2-42         | 0-1-42       | true",   // server id is informational in strict mode
      "0-1-50,1-1-3   | 1-1-3        | true",
      "0-1-50,1-1-2   | 0-1-1,1-1-3  | false",
      "0-1-50         | 1-1-1        | false",  // nothing applied from domain 1
      "''             | 0-1-1        | false",
      "0-1-1          | ''           | true",
  })
  void mariaDbCoversEveryDomainOfTheFence(String replica, String fence, boolean covers) {
    assertThat(MariaDbGtidPosition.parse(replica).covers(MariaDbGtidPosition.parse(fence))).isEqualTo(covers);
  }

  @Test
  void mariaDbMaxTakesTheLaterSequencePerDomain() {
    ReplicationPosition a = MariaDbGtidPosition.parse("0-1-10,1-1-5");
    ReplicationPosition b = MariaDbGtidPosition.parse("0-1-7,1-2-9,2-1-1");
    ReplicationPosition max = a.max(b);
    assertThat(max.toString()).isEqualTo("0-1-10,1-2-9,2-1-1");
    assertThat(max.covers(a)).isTrue();
    assertThat(max.covers(b)).isTrue();
    assertThat(ReplicationPosition.parse(max.encode())).isEqualTo(max);
  }

  @Test
  void unknownEncodingsNameTheAcceptedForms() {
    assertThatThrownBy(() -> ReplicationPosition.parse("mysql:abc")).hasMessageContaining("pg:").hasMessageContaining("maria:");
    assertThatThrownBy(() -> MariaDbGtidPosition.parse("0-1")).hasMessageContaining("domain-server-sequence");
  }

  @org.junit.jupiter.api.Test
  void aFenceAheadOfThePrimaryIsClampedToThePrimaryHead() {
    org.assertj.core.api.Assertions.assertThat(PgLsn.parse("5/0").clampTo(PgLsn.parse("0/3000000"))).isEqualTo(PgLsn.parse("0/3000000"));
    org.assertj.core.api.Assertions.assertThat(PgLsn.parse("0/100").clampTo(PgLsn.parse("0/3000000"))).isEqualTo(PgLsn.parse("0/100"));
    MariaDbGtidPosition fence = MariaDbGtidPosition.parse("0-1-500,1-1-7,2-1-9");
    org.assertj.core.api.Assertions.assertThat(fence.clampTo(MariaDbGtidPosition.parse("0-2-20,1-1-8")))
        .isEqualTo(MariaDbGtidPosition.parse("0-2-20,1-1-7"));
    org.assertj.core.api.Assertions.assertThat(fence.clampTo(MariaDbGtidPosition.parse("0-1-600,1-1-7,2-1-9"))).isSameAs(fence);
  }
}
