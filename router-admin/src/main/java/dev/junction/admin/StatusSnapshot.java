package dev.junction.admin;

import java.util.List;
import java.util.Map;

/**
 * Everything the admin page shows, at one instant. Serialised as JSON ({@link AdminStatus#json()});
 * the field names are the page's contract.
 *
 * @param generatedAt   ISO-8601 instant of the snapshot
 * @param dialect       {@code postgresql}, {@code mariadb} or {@code mysql}
 * @param fenceStore    {@code local} or {@code redis}
 * @param shards        each shard with its primary and replicas
 * @param routing       routing decisions per reason over the last {@link Routing#windowSeconds()}
 * @param fences        fence waits and fallbacks over the same window
 * @param ring          the shard map, or null when the data source is not sharded
 * @param resharding    a running resharding, or null when none runs (resharding does not exist yet)
 */
public record StatusSnapshot(String generatedAt, String dialect, String fenceStore, List<Shard> shards, Routing routing,
                             Fences fences, Ring ring, Map<String, Object> resharding) {

  /** One shard and its endpoints, primary first. */
  public record Shard(String name, List<Endpoint> endpoints) {}

  /**
   * One endpoint. {@code lagMillis}/{@code lagBytes} are -1 when unknown (and always 0 on a primary);
   * {@code inRotation} is whether unfenced reads may go there now.
   */
  public record Endpoint(String name, String role, boolean up, boolean inRotation, long lagMillis, long lagBytes,
                         String replayedPosition, int activeConnections, int idleConnections, int consecutiveFailures,
                         String lastError) {}

  /**
   * @param windowSeconds  how far back the counts reach (less right after start)
   * @param byReason       statements per route reason (metric tag, e.g. {@code replica-fenced}) in the window
   * @param perSecond      statements per second over the window, oldest first, as {primary, replica} pairs
   */
  public record Routing(int windowSeconds, Map<String, Long> byReason, List<long[]> perSecond) {}

  /**
   * @param waitsCaughtUp      fenced reads that waited and found a replica that caught up, in the window
   * @param waitsTimedOut      fenced reads that waited the full max-fence-wait, in the window
   * @param fallbacks          fenced reads sent to the primary because no replica had replayed the fence
   * @param storeUnavailable   fenced reads sent to the primary because the fence store could not be read
   * @param recordFailures     fences that could not be written to the store (since start)
   * @param storeUp            whether the fence store answers now (false: fenced reads in keyed scopes use the primary)
   * @param storeDetail        why it does not ({@code ok} when it does); never a URI or password
   */
  public record Fences(long waitsCaughtUp, long waitsTimedOut, long fallbacks, long storeUnavailable, long recordFailures,
                       boolean storeUp, String storeDetail) {}

  /** The consistent-hash ring: its version and each shard's weight and share of the hash space. */
  public record Ring(long version, int virtualNodes, List<Ownership> shards, int overrides) {}

  /** One shard's place on the ring. */
  public record Ownership(String shard, int weight, double share) {}
}
