package dev.junction.route;

import dev.junction.Junction;
import dev.junction.Scope;
import dev.junction.fence.FenceStore;
import dev.junction.fence.FenceStoreUnavailableException;
import dev.junction.health.EndpointState;
import dev.junction.position.ReplicationPosition;

/**
 * What the decision needs from outside the session: the consistency scope and the primary hint.
 * The JDBC façade reads them from the calling thread ({@link #ofThread}); the proxy from its client
 * session. The decision asks only when it needs the answer (a write never asks for the scope's
 * fence), so a keyed scope is loaded from its store at most once, by its first read.
 */
public interface RouteContext {

  /** No scope, no hint: reads are fenced only by the session's own writes. */
  RouteContext NONE = new RouteContext() {
    @Override
    public boolean primaryForced() {
      return false;
    }

    @Override
    public boolean inScope() {
      return false;
    }

    @Override
    public ReplicationPosition scopeFence(String shard) {
      return null;
    }
  };

  /** True when every statement must run on the primary ({@code Junction.primary(...)}). */
  boolean primaryForced();

  /**
   * True inside a consistency scope that others may read: a committed write's position must be read
   * right away and recorded in the scope, instead of being deferred to this session's next read.
   */
  boolean inScope();

  /**
   * The scope's fence for {@code shard}, or null when none. Must answer from memory or a cache the
   * scope keeps (a keyed scope loads its store once).
   *
   * @throws FenceStoreUnavailableException when the scope's store cannot be read: no replica can
   *     then be proven fresh enough, and the read goes to the primary
   */
  ReplicationPosition scopeFence(String shard) throws FenceStoreUnavailableException;

  /**
   * Whether the front-end can have a connection to {@code endpoint} without waiting (the proxy: an
   * idle backend in the pool partition of the client's event loop). The replica choice prefers one
   * that can, among the replicas that qualify; it never chooses a replica that does not qualify
   * because of it. Must answer from memory. The JDBC façade does not know ahead and answers true.
   */
  default boolean connectionReady(EndpointState endpoint) {
    return true;
  }

  /** The calling thread's {@link Junction} scope and primary hint; keyed scopes load from {@code store}. */
  static RouteContext ofThread(FenceStore store) {
    return new RouteContext() {
      @Override
      public boolean primaryForced() {
        return Junction.primaryForced();
      }

      @Override
      public boolean inScope() {
        return Junction.currentScope() != null;
      }

      @Override
      public ReplicationPosition scopeFence(String shard) throws FenceStoreUnavailableException {
        Scope scope = Junction.currentScope();
        return scope == null ? null : scope.fence(store).of(shard);
      }
    };
  }
}
