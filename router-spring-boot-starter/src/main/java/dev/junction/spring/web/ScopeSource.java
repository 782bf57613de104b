package dev.junction.spring.web;

/** Where {@link ConsistencyScopeFilter} finds the consistency scope of a request. */
public enum ScopeSource {
  /** The authenticated user ({@code request.getUserPrincipal()}): scope key {@code principal:<name>}. */
  PRINCIPAL,
  /** A request header ({@code junction.web.header-name}): scope key {@code header:<value>}. */
  HEADER,
  /** A signed fence token the client carries (header and/or cookie); no shared store needed. */
  TOKEN,
  /** No scope: each connection fences only its own writes. */
  NONE
}
