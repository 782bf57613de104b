package dev.junction.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.config.JunctionConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class WebScopeReportTest {
  private static final JunctionConfig.Fencing LOCAL = JunctionConfig.Fencing.defaults();

  @Test
  void theDefaultCoversEveryRequestAndWarnsOnlyAboutTheGeneratedKey() {
    WebScopeReport report = WebScopeReport.of(List.of(ScopeSource.PRINCIPAL, ScopeSource.TOKEN), "X-User-Id",
        "X-Junction-Token", "junction-fence", LOCAL, true);
    assertThat(report.summary()).startsWith("Junction request scope: principal (authenticated users")
        .contains("else token (every other request; fence carried by the client in cookie junction-fence and header X-Junction-Token;"
            + " signed with a key generated at startup, valid on this instance only)");
    assertThat(report.warnings()).singleElement().asString()
        .startsWith("junction.fencing.token-secret is not set").contains("set the same junction.fencing.token-secret");
  }

  @Test
  void aSharedSecretGivesNoWarning() {
    WebScopeReport report = WebScopeReport.of(List.of(ScopeSource.PRINCIPAL, ScopeSource.TOKEN), "X-User-Id",
        null, "junction-fence", LOCAL, false);
    assertThat(report.warnings()).isEmpty();
    assertThat(report.summary()).contains("signed with junction.fencing.token-secret");
  }

  @Test
  void principalAloneWarnsThatAnonymousRequestsAreUnscopedAndWhatToSet() {
    WebScopeReport report = WebScopeReport.of(List.of(ScopeSource.PRINCIPAL, ScopeSource.HEADER), "X-User-Id", null, null, LOCAL, false);
    assertThat(report.warnings()).singleElement().asString()
        .startsWith("junction.web.scope (principal, header) leaves requests without an authenticated user and without the X-User-Id header"
            + " without a consistency scope")
        .contains("Add 'token' at the end of junction.web.scope");
  }

  @Test
  void noneIsReportedAsNoScopeWithAWarning() {
    WebScopeReport report = WebScopeReport.of(List.of(ScopeSource.NONE), "X-User-Id", null, null, LOCAL, false);
    assertThat(report.summary()).isEqualTo("Junction request scope: none (requests are not fenced)");
    assertThat(report.warnings()).singleElement().asString().startsWith("junction.web.scope is 'none'");
  }

  @Test
  void noneAfterPrincipalLeavesAnonymousRequestsUnscoped() {
    WebScopeReport report = WebScopeReport.of(List.of(ScopeSource.PRINCIPAL, ScopeSource.NONE, ScopeSource.TOKEN), "X-User-Id",
        "X-Junction-Token", null, LOCAL, false);
    assertThat(report.summary()).doesNotContain("token (");
    assertThat(report.warnings()).singleElement().asString().contains("without an authenticated user without a consistency scope");
  }
}
