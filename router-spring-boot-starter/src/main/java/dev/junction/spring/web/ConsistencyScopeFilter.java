package dev.junction.spring.web;

import dev.junction.Junction;
import dev.junction.Scope;
import dev.junction.fence.Fence;
import dev.junction.fence.FenceTokenCodec.InvalidTokenException;
import dev.junction.fence.FenceTokenCodec.Rejection;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.security.Principal;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Opens a Junction consistency scope around each request, so a request never reads data older than
 * what the same user (or client) wrote before, whichever application instance served the write.
 *
 * <p>The sources are tried in the configured order and the first that applies wins: the
 * authenticated principal, a request header, or a client-carried fence token. A keyed scope
 * (principal, header) keeps its fence in the configured fence store; with several instances that
 * must be Redis. A token scope needs no store: the updated token goes back in a response header
 * and/or cookie, written just before the response commits.
 *
 * <p>A token that is malformed, expired, signed with an unknown key or tampered with is counted
 * (reason tag) and treated as no fence. It does not send the request to the primary: otherwise any
 * client could move all its reads to the primary by sending garbage. Legitimate tokens cannot be
 * rejected this way except across a key change beyond the previous key, or past their expiry (the
 * fence TTL, by which time every replica has replayed them).
 *
 * <p>The token goes back to the client only when the request advanced the fence, so a token's
 * expiry counts from the client's last write, not its last request.
 *
 * <p>The scope is bound to the request thread; asynchronous request processing on other threads
 * runs outside it.
 */
public final class ConsistencyScopeFilter extends OncePerRequestFilter {
  /** Longer header values are ignored: a scope key is an identifier, not a payload. */
  static final int MAX_KEY_LENGTH = 256;
  private static final Logger log = LoggerFactory.getLogger(ConsistencyScopeFilter.class);

  private final List<ScopeSource> sources;
  private final String headerName;
  private final FenceTokenTransport tokens;
  private final Consumer<Rejection> rejected;

  ConsistencyScopeFilter(List<ScopeSource> sources, String headerName, FenceTokenTransport tokens) {
    this(sources, headerName, tokens, r -> { });
  }

  /**
   * @param headerName header for {@link ScopeSource#HEADER}
   * @param tokens token transport for {@link ScopeSource#TOKEN}; null when tokens are not configured
   * @param rejected told about every token that was rejected (the metric)
   */
  ConsistencyScopeFilter(List<ScopeSource> sources, String headerName, FenceTokenTransport tokens, Consumer<Rejection> rejected) {
    this.rejected = rejected;
    if (sources.contains(ScopeSource.TOKEN) && tokens == null) {
      throw new IllegalArgumentException("scope source TOKEN needs a token transport");
    }
    this.sources = List.copyOf(sources);
    this.headerName = headerName;
    this.tokens = tokens;
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    for (ScopeSource source : sources) {
      switch (source) {
        case PRINCIPAL -> {
          Principal principal = request.getUserPrincipal();
          if (principal != null && usable(principal.getName())) {
            inKeyedScope("principal:" + principal.getName(), request, response, chain);
            return;
          }
        }
        case HEADER -> {
          String value = request.getHeader(headerName);
          if (usable(value)) {
            inKeyedScope("header:" + value, request, response, chain);
            return;
          }
        }
        case TOKEN -> {
          inTokenScope(request, response, chain);
          return;
        }
        case NONE -> {
          chain.doFilter(request, response);
          return;
        }
      }
    }
    chain.doFilter(request, response);
  }

  private static boolean usable(String key) {
    return key != null && !key.isBlank() && key.length() <= MAX_KEY_LENGTH;
  }

  private static void inKeyedScope(String key, HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    try (Scope ignored = Junction.scope(key)) {
      chain.doFilter(request, response);
    }
  }

  private void inTokenScope(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    Fence carried;
    try {
      carried = tokens.decode(tokens.read(request));
    } catch (InvalidTokenException e) {
      // Never the token itself in the log: it is the client's credential for its fence.
      log.debug("Ignoring the fence token of {} {} ({}: {}); the request runs without a carried fence.",
          request.getMethod(), request.getRequestURI(), e.reason().tag(), e.getMessage());
      rejected.accept(e.reason());
      carried = Fence.NONE;
    }
    Fence received = carried;
    try (Scope scope = Junction.scope(carried)) {
      BeforeCommitResponse wrapped = new BeforeCommitResponse(response, () -> {
        Fence now = scope.fence();
        if (!now.equals(received)) {
          tokens.write(request, response, now);
        }
      });
      try {
        chain.doFilter(request, wrapped);
      } finally {
        wrapped.beforeCommit();
      }
    }
  }
}
