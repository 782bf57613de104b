package dev.junction.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.position.PgLsn;
import org.junit.jupiter.api.Test;

/** The relay's reading of {@link RelaySession#PRIMARY_HEAD_SQL}'s answer (a live server: RelayReadYourWritesIT). */
class PrimaryHeadTest {
  @Test
  void aPositionJustPastAPageHeaderBecomesThePageBoundary() {
    assertThat(RelaySession.primaryHead("0/5000028 8192 16777216")).isEqualTo(PgLsn.parse("0/5000000")); // segment start + 40
    assertThat(RelaySession.primaryHead("0/5002018 8192 16777216")).isEqualTo(PgLsn.parse("0/5002000")); // page start + 24
    assertThat(RelaySession.primaryHead("1/5002020 8192 16777216")).isEqualTo(PgLsn.parse("1/5002020"));
  }

  @Test
  void anAnswerOfAnotherShapeIsNoPosition() {
    assertThat(RelaySession.primaryHead("0/5000028")).isNull();
    assertThat(RelaySession.primaryHead("0/5000028 8kB 16MB")).isNull();
    assertThat(RelaySession.primaryHead("nonsense 8192 16777216")).isNull();
  }
}
