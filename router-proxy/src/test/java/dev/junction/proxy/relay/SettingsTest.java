package dev.junction.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SettingsTest {
  @Test
  void plainSetsAreKeptByParameterAndReplayedAfterResetAll() {
    Settings s = Settings.EMPTY.after("SET search_path TO a, b").after("set Work_Mem = '8MB';").after("SET TIME ZONE 'UTC'");
    assertThat(s.applySql()).isEqualTo("RESET ALL;\nSET search_path TO a, b;\nset Work_Mem = '8MB';\nSET TIME ZONE 'UTC'");
    assertThat(s.after("SET work_mem TO DEFAULT").applySql()).doesNotContain("Work_Mem");
    assertThat(s.after("RESET timezone").applySql()).doesNotContain("TIME ZONE");
    assertThat(s.after("RESET ALL")).isEqualTo(Settings.EMPTY);
    assertThat(s.after("SET SESSION search_path = c").applySql()).contains("SET SESSION search_path = c").doesNotContain("a, b");
    assertThat(Settings.EMPTY.after("SET a.b = 1")).isEqualTo(Settings.EMPTY.after("SET a.b = 1"));
  }

  @Test
  void statementsThatCannotBeReplayedSayNull() {
    for (String sql : List.of("SET ROLE admin", "SET SESSION AUTHORIZATION bob", "RESET ROLE", "LISTEN x", "DISCARD ALL",
        "PREPARE p AS SELECT 1", "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", "SET LOCAL work_mem = '1MB'")) {
      assertThat(Settings.EMPTY.after(sql)).as(sql).isNull();
    }
  }

  @Test
  void startupParametersAreQuotedLiterals() {
    Settings s = Settings.EMPTY.withParameter("application_name", "it's me");
    assertThat(s.applySql()).isEqualTo("RESET ALL;\nSET application_name TO 'it''s me'");
    assertThatThrownBy(() -> Settings.EMPTY.withParameter("x; DROP TABLE t", "1")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void optionsAreParsedLikePostgres() {
    assertThat(RelaySession.options("-c statement_timeout=5s --search-path=a,b -csearch_path=x"))
        .containsExactly(new String[] {"statement_timeout", "5s"}, new String[] {"search_path", "a,b"}, new String[] {"search_path", "x"});
    assertThatThrownBy(() -> RelaySession.options("-D /data")).isInstanceOf(IllegalArgumentException.class);
  }
}
