package dev.junction.spring;

import dev.junction.spring.web.ScopeSource;
import java.util.ArrayList;
import java.util.List;

/**
 * The consistency scope opened around each servlet request ({@code junction.web.*}): every read
 * of the request sees at least the writes made earlier in the same scope, on any instance.
 */
public class WebProperties {
  /**
   * Where a request's scope comes from, tried in order until one applies: principal (the
   * authenticated user), header (the header-name request header), token (a signed fence token the
   * client carries in token-cookie and/or token-header) or none. The default gives logged-in users a
   * per-user scope and every other client (anonymous users, applications without login) a token
   * scope, so no request reads data older than its own client's writes.
   */
  private List<ScopeSource> scope = new ArrayList<>(List.of(ScopeSource.PRINCIPAL, ScopeSource.TOKEN));

  /** Request header whose value keys the scope for scope: header, e.g. set by a gateway to the user id. */
  private String headerName = "X-User-Id";

  /** Header that carries the fence token in requests and returns the updated token in responses. */
  private String tokenHeader = "X-Junction-Token";

  /**
   * Cookie that carries the fence token as well (read when the header is absent, set in responses),
   * so browsers need no code; an empty value turns the cookie off.
   */
  private String tokenCookie = "junction-fence";

  /**
   * Servlet filter order of the scope filter: after Spring Security (-100), so the principal is
   * known, and before anything that reads the database.
   */
  private int filterOrder = -90;

  public List<ScopeSource> getScope() {
    return scope;
  }

  public void setScope(List<ScopeSource> scope) {
    this.scope = scope;
  }

  public String getHeaderName() {
    return headerName;
  }

  public void setHeaderName(String headerName) {
    this.headerName = headerName;
  }

  public String getTokenHeader() {
    return tokenHeader;
  }

  public void setTokenHeader(String tokenHeader) {
    this.tokenHeader = tokenHeader;
  }

  public String getTokenCookie() {
    return tokenCookie;
  }

  public void setTokenCookie(String tokenCookie) {
    this.tokenCookie = tokenCookie;
  }

  public int getFilterOrder() {
    return filterOrder;
  }

  public void setFilterOrder(int filterOrder) {
    this.filterOrder = filterOrder;
  }
}
