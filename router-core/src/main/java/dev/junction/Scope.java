package dev.junction;

import dev.junction.fence.Fence;
import dev.junction.fence.FenceStore;
import dev.junction.fence.FenceStoreUnavailableException;
import dev.junction.position.ReplicationPosition;

/**
 * A consistency scope: reads inside it never observe a state older than the writes made inside it
 * (or carried into it by a token). Keyed scopes read their fence from the store once, on first use,
 * then keep it in memory; writes update both, so a scope costs at most one store read.
 */
public final class Scope implements AutoCloseable {
  private final String key;
  private final Scope previous;
  private Fence fence;
  private FenceStore loadedFrom;

  Scope(String key, Fence initial, Scope previous) {
    this.key = key;
    this.fence = initial;
    this.previous = previous;
  }

  /** The key of a stored scope, or null for a client-carried (token) scope. */
  public String key() {
    return key;
  }

  /** The fence as this scope knows it now (token scopes: what the client carried plus new writes). */
  public synchronized Fence fence() {
    return fence;
  }

  /** The fence for routing: loads it from {@code store} on first use for keyed scopes. */
  public synchronized Fence fence(FenceStore store) throws FenceStoreUnavailableException {
    if (key != null && loadedFrom != store) {
      fence = fence.merge(store.load(key));
      loadedFrom = store;
    }
    return fence;
  }

  /**
   * Records a committed write; keyed scopes also advance the store. The in-memory fence moves first,
   * so this scope stays fenced even when the store write fails.
   */
  public void advance(FenceStore store, String shard, ReplicationPosition position) throws FenceStoreUnavailableException {
    synchronized (this) {
      fence = fence.advance(shard, position);
    }
    if (key != null && store != null) {
      store.advance(key, shard, position);
    }
  }

  @Override
  public void close() {
    Junction.restore(this, previous);
  }

  @Override
  public String toString() {
    return key == null ? "token-scope" : "scope(" + key + ")";
  }
}
