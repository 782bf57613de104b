package dev.junction.fence;

import dev.junction.position.ReplicationPosition;

/**
 * Where the fences of keyed consistency scopes live: in this JVM ({@link LocalFenceStore}) or shared
 * by a fleet of stateless application servers (the Redis store of the optional module
 * {@code router-fence-redis}); {@link FenceStores} opens the configured one.
 *
 * <p>Contract: {@link #advance} never moves a fence backwards, even when two servers write concurrently.
 * When the store cannot answer, {@link #load} throws {@link FenceStoreUnavailableException} and the
 * router sends the read to the primary: never to a possibly stale replica.
 */
public interface FenceStore extends AutoCloseable {

  /** The current fence of {@code scopeKey} ({@link Fence#NONE} when there is none or it expired). */
  Fence load(String scopeKey) throws FenceStoreUnavailableException;

  /** Moves the fence of {@code scopeKey} on {@code shard} forward to at least {@code position}. */
  void advance(String scopeKey, String shard, ReplicationPosition position) throws FenceStoreUnavailableException;

  /** A short name for metrics and explain output ({@code local}, {@code redis}). */
  String kind();

  /**
   * Whether the store can serve fences now, for {@code /health}, the admin status and the
   * {@code junction.fence.store.up} gauge. While it cannot, fenced reads in keyed scopes go to the
   * primary: the application keeps working, slower, so this is a degraded signal, not a failure of
   * the router. Must not block for longer than the store's command timeout; the detail names no secret.
   */
  default Status status() {
    return Status.UP;
  }

  /**
   * @param detail why the store is down (never a URI or password), or {@code ok}
   * @param downSince when the current outage began (the first failure since the store was last seen
   *     up); null while up, or when the store does not track it
   * @param lastError the most recent failure, redacted (exception type and message, no URI user-info
   *     or password); kept after recovery so a flapping store can be diagnosed; null when none
   * @param lastErrorAt when {@code lastError} happened; null when none
   */
  record Status(boolean up, String detail, java.time.Instant downSince, String lastError, java.time.Instant lastErrorAt) {
    public static final Status UP = new Status(true, "ok");

    /** A status without history: a store that does not track when it failed. */
    public Status(boolean up, String detail) {
      this(up, detail, null, null, null);
    }
  }

  @Override
  default void close() {}
}
