package dev.junction.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.Junction;
import dev.junction.Scope;
import dev.junction.fence.Fence;
import dev.junction.fence.FenceStoreUnavailableException;
import dev.junction.fence.FenceTokenCodec;
import dev.junction.fence.FenceTokenCodec.Rejection;
import dev.junction.position.PgLsn;
import jakarta.servlet.FilterChain;
import jakarta.servlet.http.Cookie;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/** Which scope a request runs in, and how the fence token travels; the routing itself is tested against real servers. */
class ConsistencyScopeFilterTest {
  private static final FenceTokenCodec CODEC = new FenceTokenCodec("0123456789abcdef-secret".getBytes(StandardCharsets.UTF_8));
  private static final FenceTokenTransport TOKENS = new FenceTokenTransport(CODEC, "X-Junction-Token", "jfence", Duration.ofSeconds(30));

  private final AtomicReference<Scope> seen = new AtomicReference<>();
  private final AtomicReference<Boolean> primaryForced = new AtomicReference<>();
  private final FilterChain recordScope = (req, res) -> {
    seen.set(Junction.currentScope());
    primaryForced.set(Junction.primaryForced());
  };

  private static ConsistencyScopeFilter filter(ScopeSource... sources) {
    return new ConsistencyScopeFilter(List.of(sources), "X-User-Id", TOKENS);
  }

  @Test
  void principalKeysTheScopeAndWinsOverTheHeader() throws Exception {
    MockHttpServletRequest request = new MockHttpServletRequest();
    request.setUserPrincipal(() -> "alice");
    request.addHeader("X-User-Id", "mallory");
    filter(ScopeSource.PRINCIPAL, ScopeSource.HEADER).doFilter(request, new MockHttpServletResponse(), recordScope);
    assertThat(seen.get().key()).isEqualTo("principal:alice");
    assertThat(Junction.currentScope()).as("closed after the request").isNull();
  }

  @Test
  void theHeaderKeysTheScopeOfAnonymousRequests() throws Exception {
    MockHttpServletRequest request = new MockHttpServletRequest();
    request.addHeader("X-User-Id", "42");
    filter(ScopeSource.PRINCIPAL, ScopeSource.HEADER).doFilter(request, new MockHttpServletResponse(), recordScope);
    assertThat(seen.get().key()).isEqualTo("header:42");
  }

  @Test
  void withoutAnyApplicableSourceThereIsNoScope() throws Exception {
    MockHttpServletRequest request = new MockHttpServletRequest();
    request.addHeader("X-User-Id", "x".repeat(ConsistencyScopeFilter.MAX_KEY_LENGTH + 1));
    filter(ScopeSource.PRINCIPAL, ScopeSource.HEADER).doFilter(request, new MockHttpServletResponse(), recordScope);
    assertThat(seen.get()).isNull();

    filter(ScopeSource.NONE).doFilter(new MockHttpServletRequest(), new MockHttpServletResponse(), recordScope);
    assertThat(seen.get()).isNull();
  }

  @Test
  void aCarriedTokenFencesTheRequestAndTheAdvancedFenceGoesBack() throws Exception {
    Fence carried = Fence.NONE.advance("main", new PgLsn(1000));
    MockHttpServletRequest request = new MockHttpServletRequest();
    request.addHeader("X-Junction-Token", CODEC.encode(carried));
    MockHttpServletResponse response = new MockHttpServletResponse();

    filter(ScopeSource.HEADER, ScopeSource.TOKEN).doFilter(request, response, (req, res) -> {
      Scope scope = Junction.currentScope();
      assertThat(scope.key()).isNull();
      assertThat(scope.fence()).isEqualTo(carried);
      try {
        scope.advance(null, "main", new PgLsn(2000)); // what a committed write does
      } catch (FenceStoreUnavailableException e) {
        throw new AssertionError(e);
      }
      res.getWriter().write("body");                 // the header must be set before this leaves
    });

    String token = response.getHeader("X-Junction-Token");
    assertThat(CODEC.decode(token).of("main")).isEqualTo(new PgLsn(2000));
    assertThat(response.getHeader("Set-Cookie")).startsWith("jfence=" + token).contains("Max-Age=30", "HttpOnly", "SameSite=Lax");
    assertThat(response.getContentAsString()).isEqualTo("body");
  }

  @Test
  void theCookieCarriesTheTokenWhenTheHeaderIsAbsent() throws Exception {
    Fence carried = Fence.NONE.advance("main", new PgLsn(77));
    MockHttpServletRequest request = new MockHttpServletRequest();
    request.setCookies(new Cookie("jfence", CODEC.encode(carried)));
    filter(ScopeSource.TOKEN).doFilter(request, new MockHttpServletResponse(), recordScope);
    assertThat(seen.get().fence()).isEqualTo(carried);
  }

  @Test
  void noTokenAndNoWriteSendsNoToken() throws Exception {
    MockHttpServletResponse response = new MockHttpServletResponse();
    filter(ScopeSource.TOKEN).doFilter(new MockHttpServletRequest(), response, recordScope);
    assertThat(seen.get().fence().isEmpty()).isTrue();
    assertThat(primaryForced.get()).isFalse();
    assertThat(response.getHeader("X-Junction-Token")).isNull();
  }

  @Test
  void aTokenThatDoesNotVerifyIsCountedAndIgnoredWithoutForcingThePrimary() throws Exception {
    // Issue #16: a bad token used to pin the request's reads to the primary, so any client could
    // move all its reads there by sending garbage. Now it is no fence, and counted by reason.
    List<Rejection> rejections = new ArrayList<>();
    FenceTokenCodec other = new FenceTokenCodec("another-secret-of-16+".getBytes(StandardCharsets.UTF_8));
    String[] tokens = {other.encode(Fence.NONE.advance("main", new PgLsn(5))), "garbage", "v1.czA9cGc6MS8y.AAAA"};
    for (String token : tokens) {
      MockHttpServletRequest request = new MockHttpServletRequest();
      request.addHeader("X-Junction-Token", token);
      MockHttpServletResponse response = new MockHttpServletResponse();
      new ConsistencyScopeFilter(List.of(ScopeSource.TOKEN), "X-User-Id", TOKENS, rejections::add).doFilter(request, response, recordScope);
      assertThat(primaryForced.get()).as(token).isFalse();
      assertThat(seen.get().fence().isEmpty()).isTrue();
      assertThat(response.getHeader("X-Junction-Token")).isNull();
    }
    assertThat(rejections).containsExactly(Rejection.UNKNOWN_KEY, Rejection.MALFORMED, Rejection.MALFORMED);
    assertThat(Junction.primaryForced()).isFalse();
  }

  @Test
  void anExpiredTokenIsNoFence() throws Exception {
    List<Rejection> rejections = new ArrayList<>();
    Clock past = Clock.fixed(Instant.now().minusSeconds(31), ZoneOffset.UTC);
    FenceTokenCodec then = new FenceTokenCodec("0123456789abcdef-secret".getBytes(StandardCharsets.UTF_8), null, Duration.ofSeconds(30), past);
    MockHttpServletRequest request = new MockHttpServletRequest();
    request.setCookies(new Cookie("jfence", then.encode(Fence.NONE.advance("main", new PgLsn(5)))));
    new ConsistencyScopeFilter(List.of(ScopeSource.TOKEN), "X-User-Id", TOKENS, rejections::add)
        .doFilter(request, new MockHttpServletResponse(), recordScope);
    assertThat(seen.get().fence().isEmpty()).isTrue();
    assertThat(rejections).containsExactly(Rejection.EXPIRED);
  }

  @Test
  void aRequestThatDoesNotWriteSendsNoNewTokenSoExpiryCountsFromTheLastWrite() throws Exception {
    MockHttpServletRequest request = new MockHttpServletRequest();
    request.addHeader("X-Junction-Token", CODEC.encode(Fence.NONE.advance("main", new PgLsn(5))));
    MockHttpServletResponse response = new MockHttpServletResponse();
    filter(ScopeSource.TOKEN).doFilter(request, response, recordScope);
    assertThat(seen.get().fence().of("main")).isEqualTo(new PgLsn(5));
    assertThat(response.getHeader("X-Junction-Token")).isNull();
    assertThat(response.getHeader("Set-Cookie")).isNull();
  }
}
