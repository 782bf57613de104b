package dev.junction;

import dev.junction.fence.Fence;
import java.util.concurrent.Callable;

/**
 * The application-facing switches of the router, bound to the current thread.
 *
 * <pre>{@code
 * try (Scope scope = Junction.scope("user:" + userId)) {   // read-your-writes for this user,
 *   orders.save(order);                                     // across connections and servers
 *   return orders.findByUser(userId);                       // never older than the save
 * }
 * Junction.primary(() -> report.run());                     // force the primary for a block
 * }</pre>
 *
 * Scopes nest: closing one restores the enclosing scope. Outside any scope, each logical
 * connection is its own scope.
 */
public final class Junction {
  private static final ThreadLocal<Scope> CURRENT = new ThreadLocal<>();
  private static final ThreadLocal<int[]> PRIMARY_DEPTH = ThreadLocal.withInitial(() -> new int[1]);

  private Junction() {}

  /** Opens a keyed scope whose fences live in the data source's fence store (local or Redis). */
  public static Scope scope(String key) {
    if (key == null || key.isBlank()) {
      throw new IllegalArgumentException("scope key must be non-blank, e.g. \"user:42\" or a session id");
    }
    return open(new Scope(key, Fence.NONE, CURRENT.get()));
  }

  /** Opens a scope whose fence travels with the client (see {@code FenceTokenCodec}); no store involved. */
  public static Scope scope(Fence carried) {
    return open(new Scope(null, carried, CURRENT.get()));
  }

  private static Scope open(Scope scope) {
    CURRENT.set(scope);
    return scope;
  }

  static void restore(Scope closing, Scope previous) {
    if (CURRENT.get() == closing) {
      if (previous == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(previous);
      }
    }
  }

  /** The scope bound to this thread, or null. */
  public static Scope currentScope() {
    return CURRENT.get();
  }

  /** Runs {@code work} with every statement of this thread routed to the primary. */
  public static <T> T primary(Callable<T> work) throws Exception {
    int[] depth = PRIMARY_DEPTH.get();
    depth[0]++;
    try {
      return work.call();
    } finally {
      depth[0]--;
    }
  }

  /** As {@link #primary(Callable)} for work without a result. */
  public static void primary(Runnable work) {
    int[] depth = PRIMARY_DEPTH.get();
    depth[0]++;
    try {
      work.run();
    } finally {
      depth[0]--;
    }
  }

  /** True inside {@link #primary}. */
  public static boolean primaryForced() {
    return PRIMARY_DEPTH.get()[0] > 0;
  }

  /**
   * Captures this thread's scope and primary hint so work handed to another thread (a scatter-gather
   * worker, an async task) routes exactly as it would here. Without it, a worker thread has no
   * scope, and its reads would ignore the caller's fences.
   */
  public static Context capture() {
    return new Context(CURRENT.get(), primaryForced());
  }

  /** A thread's routing context, to be re-established on another thread with {@link #call}. */
  public record Context(Scope scope, boolean primary) {
    /** Runs {@code work} on the current thread with this context bound, restoring the thread's own afterwards. */
    public <T> T call(Callable<T> work) throws Exception {
      Scope previousScope = CURRENT.get();
      int[] depth = PRIMARY_DEPTH.get();
      int previousDepth = depth[0];
      if (scope == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(scope);
      }
      depth[0] = primary ? Math.max(1, previousDepth) : 0;
      try {
        return work.call();
      } finally {
        depth[0] = previousDepth;
        if (previousScope == null) {
          CURRENT.remove();
        } else {
          CURRENT.set(previousScope);
        }
      }
    }
  }
}
