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
    assertThat(s.after("DISCARD ALL")).isEqualTo(Settings.EMPTY);
    assertThat(s.after("SET SESSION search_path = c").applySql()).contains("SET SESSION search_path = c").doesNotContain("a, b");
    assertThat(Settings.EMPTY.after("SET a.b = 1")).isEqualTo(Settings.EMPTY.after("SET a.b = 1"));
  }

  @Test
  void statementsThatCannotBeReplayedSayNull() {
    for (String sql : List.of("SET ROLE admin", "SET SESSION AUTHORIZATION bob", "RESET ROLE", "LISTEN x", "DISCARD TEMP",
        "SET \"role\" = 'admin'", "set session \"ROLE\" to admin", "SET session_authorization = 'bob'", "RESET session_authorization",
        "PREPARE p AS SELECT 1", "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", "SET LOCAL work_mem = '1MB'")) {
      assertThat(Settings.EMPTY.after(sql)).as(sql).isNull();
    }
  }

  @Test
  void startupParametersAreQuotedLiteralsReadAsTheServerReadsStartupParameters() {
    Settings s = Settings.EMPTY.withParameter("application_name", "it's me");
    assertThat(s.applySql()).isEqualTo("RESET ALL;\nSELECT pg_catalog.set_config('application_name', 'it''s me', false)");
    assertThat(Settings.EMPTY.withParameter("search_path", "a,b").applySql())
        .isEqualTo("RESET ALL;\nSELECT pg_catalog.set_config('search_path', 'a,b', false)");
    assertThatThrownBy(() -> Settings.EMPTY.withParameter("x; DROP TABLE t", "1")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Settings.EMPTY.withParameter("Role", "admin")).isInstanceOf(Settings.NotPoolable.class);
    assertThatThrownBy(() -> Settings.EMPTY.withParameter("session_authorization", "bob")).isInstanceOf(Settings.NotPoolable.class);
  }

  /** PostgreSQL's resets return to the startup value, not the server's default (SessionStateIT checks the server). */
  @Test
  void resetsReturnToTheStartupValues() {
    Settings start = Settings.EMPTY.withParameter("search_path", "tenant").withParameter("TimeZone", "UTC");
    Settings changed = start.after("SET search_path TO other").after("SET work_mem = '8MB'");
    for (String reset : List.of("RESET ALL", "DISCARD ALL", "discard all;")) {
      assertThat(changed.after(reset)).as(reset).isEqualTo(start);
    }
    for (String reset : List.of("RESET search_path", "SET search_path TO DEFAULT", "set search_path = default;")) {
      assertThat(changed.after(reset).applySql()).as(reset)
          .contains("set_config('search_path', 'tenant', false)").contains("work_mem").doesNotContain("other");
      assertThat(Settings.isReset(reset)).isTrue();
    }
    assertThat(changed.after("RESET work_mem").applySql()).doesNotContain("work_mem");
    assertThat(changed.startupSql(Settings.ALL))
        .isEqualTo("SELECT pg_catalog.set_config('search_path', 'tenant', false);\nSELECT pg_catalog.set_config('timezone', 'UTC', false)");
    assertThat(changed.startupSql(java.util.Set.of("timezone"))).isEqualTo("SELECT pg_catalog.set_config('timezone', 'UTC', false)");
    assertThat(changed.startupSql(java.util.Set.of("work_mem"))).isNull();
    assertThat(Settings.EMPTY.startupSql(Settings.ALL)).isNull();
    assertThat(Settings.isReset("SET search_path TO a")).isFalse();
    assertThat(Settings.isReset("SET search_path TO default_schema")).isFalse();
    assertThat(Settings.resetKeys("RESET TIME ZONE")).containsExactly("timezone");
    assertThat(Settings.resetKeys("set time zone local")).containsExactly("timezone");
    assertThat(Settings.resetKeys("SET TIME ZONE DEFAULT;")).containsExactly("timezone");
    assertThat(Settings.resetKeys("SET NAMES DEFAULT")).containsExactly("client_encoding");
    assertThat(Settings.resetKeys("SET search_path TO DEFAULT -- back")).containsExactly("search_path");
    assertThat(Settings.resetKeys("RESET ALL")).isSameAs(Settings.ALL);
    assertThat(Settings.resetKeys("DISCARD ALL -- pool reset")).isSameAs(Settings.ALL);
    assertThat(start.startupKeysAmong(java.util.Set.of("role", "timezone"))).containsExactly("timezone");
    assertThat(Settings.EMPTY.startupKeysAmong(Settings.ALL)).isEmpty();
    assertThat(changed.after("RESET TIME ZONE").applySql()).contains("set_config('timezone', 'UTC', false)");
    assertThat(changed.after("SET TIME ZONE LOCAL").applySql()).contains("set_config('timezone', 'UTC', false)");
    assertThat(Settings.UNKNOWN).isNotEqualTo(Settings.EMPTY).isNotEqualTo(start);
  }

  @Test
  void aTrailingCommentDoesNotSwallowTheNextSetting() {
    Settings s = Settings.EMPTY.after("SET work_mem = '8MB' -- more memory").after("SET search_path TO a");
    assertThat(s.applySql()).isEqualTo("RESET ALL;\nSET work_mem = '8MB' -- more memory\n;\nSET search_path TO a");
  }

  @Test
  void optionsAreParsedLikePostgres() {
    assertThat(RelaySession.options("-c statement_timeout=5s --search-path=a,b -csearch_path=x"))
        .containsExactly(new String[] {"statement_timeout", "5s"}, new String[] {"search_path", "a,b"}, new String[] {"search_path", "x"});
    assertThatThrownBy(() -> RelaySession.options("-D /data")).isInstanceOf(IllegalArgumentException.class);
  }
}
