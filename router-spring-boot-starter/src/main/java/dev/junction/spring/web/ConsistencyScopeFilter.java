package dev.junction.spring.web;

import dev.junction.Junction;
import dev.junction.Scope;
import dev.junction.fence.Fence;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.security.Principal;
import java.util.List;
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
 * <p>A token that does not verify (tampered, or signed with another secret) is ignored and the
 * request's reads go to the primary: the only way to be sure it sees its own writes.
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

  /**
   * @param headerName header for {@link ScopeSource#HEADER}
   * @param tokens token transport for {@link ScopeSource#TOKEN}; null when tokens are not configured
   */
  ConsistencyScopeFilter(List<ScopeSource> sources, String headerName, FenceTokenTransport tokens) {
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
    boolean trusted = true;
    try {
      carried = tokens.decode(tokens.read(request));
    } catch (IllegalArgumentException e) {
      log.debug("Ignoring the fence token of {} {} ({}); its reads go to the primary. All instances must share "
          + "junction.fencing.token-secret.", request.getMethod(), request.getRequestURI(), e.getMessage());
      carried = Fence.NONE;
      trusted = false;
    }
    try (Scope scope = Junction.scope(carried)) {
      BeforeCommitResponse wrapped = new BeforeCommitResponse(response, () -> tokens.write(request, response, scope.fence()));
      try {
        if (trusted) {
          chain.doFilter(request, wrapped);
        } else {
          onPrimary(request, wrapped, chain);
        }
      } finally {
        wrapped.beforeCommit();
      }
    }
  }

  private static void onPrimary(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    try {
      Junction.primary(() -> {
        chain.doFilter(request, response);
        return null;
      });
    } catch (ServletException | IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new ServletException(e);
    }
  }
}
