package dev.junction.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletResponse;

/** The hook runs exactly once and before the first byte could leave: headers it sets are never lost. */
class BeforeCommitResponseTest {
  private final MockHttpServletResponse raw = new MockHttpServletResponse();
  private final List<String> events = new ArrayList<>();
  private final BeforeCommitResponse response = new BeforeCommitResponse(raw, () -> {
    events.add("hook saw " + raw.getContentAsByteArray().length + " bytes, committed=" + raw.isCommitted());
    raw.setHeader("X-Token", "t");
  });

  @Test
  void runsBeforeTheFirstByteOfAStream() throws Exception {
    response.getOutputStream().write('a');
    response.getOutputStream().write(new byte[100]);
    response.beforeCommit();
    assertThat(events).containsExactly("hook saw 0 bytes, committed=false");
    assertThat(raw.getHeader("X-Token")).isEqualTo("t");
  }

  @Test
  void runsBeforeTheFirstCharacterOfAWriter() throws Exception {
    response.getWriter().print("hello");
    response.getWriter().flush();
    assertThat(events).containsExactly("hook saw 0 bytes, committed=false");
    assertThat(raw.getContentAsString()).isEqualTo("hello");
  }

  @Test
  void runsBeforeAnExplicitFlushErrorOrRedirect() throws Exception {
    response.flushBuffer();
    assertThat(events).hasSize(1);
    assertThat(raw.isCommitted()).isTrue();
    assertThat(raw.getHeader("X-Token")).isEqualTo("t");

    MockHttpServletResponse raw2 = new MockHttpServletResponse();
    List<String> seen = new ArrayList<>();
    BeforeCommitResponse error = new BeforeCommitResponse(raw2, () -> seen.add("hook"));
    error.sendError(500);
    assertThat(seen).containsExactly("hook");

    MockHttpServletResponse raw3 = new MockHttpServletResponse();
    BeforeCommitResponse redirect = new BeforeCommitResponse(raw3, () -> raw3.setHeader("X-Token", "r"));
    redirect.sendRedirect("/elsewhere");
    assertThat(raw3.getHeader("X-Token")).isEqualTo("r");
  }

  @Test
  void runsAtTheEndWhenNothingWasWritten() {
    response.beforeCommit();
    response.beforeCommit();
    assertThat(events).hasSize(1);
    assertThat(raw.getHeader("X-Token")).isEqualTo("t");
  }

  @Test
  void runsAgainAfterAResetDroppedItsHeaders() throws Exception {
    response.getOutputStream().write('a');
    response.reset();
    assertThat(raw.getHeader("X-Token")).isNull();
    response.getOutputStream().write('b');
    assertThat(events).hasSize(2);
    assertThat(raw.getHeader("X-Token")).isEqualTo("t");
  }

  @Test
  void neverRunsOnAnAlreadyCommittedResponse() throws Exception {
    raw.setCommitted(true);
    response.beforeCommit();
    assertThat(events).isEmpty();
  }
}
