package dev.junction.ring;

import dev.junction.shard.ShardRing;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides whether a router may route by its configured ring, from what the shards themselves
 * record ({@link RingRecord}, one per configured shard). Pure: the JDBC layer reads the records
 * and acts on the outcome.
 *
 * <p>WHY: a key's shard is a function of the ring, and rows were placed by the ring that was in
 * force when they were written. A router whose configured ring differs from the one the data was
 * placed by looks for rows on the wrong shards and answers "no rows" without an error (adding a
 * shard to the configuration before moving the rows did exactly that). So the ring lives with the
 * data, and a disagreement is a refusal that names the resharding command. The one exception is a
 * router configured with either ring of a resharding in progress: it follows the phase the data
 * records.
 */
public final class RingAgreement {

  /** The command an operator runs to change the ring with the data; named in every refusal. */
  public static final String RESHARD_COMMAND = "./junction.sh reshard plan --config <new-config.yaml>";

  private RingAgreement() {}

  /** What the router may do. */
  public sealed interface Outcome permits Agreed, Unstamped, Refused {}

  /**
   * The shards agree with each other and with the configuration.
   *
   * @param record the (shared) record to route by
   * @param configIsTarget true when the configuration describes the target ring of a resharding
   */
  public record Agreed(RingRecord record, boolean configIsTarget) implements Outcome {}

  /** No shard records a ring yet (a first start, or data from before ring records): claim it. */
  public record Unstamped() implements Outcome {}

  /** The router must not route: {@code message} says why and what to run. */
  public record Refused(String message) implements Outcome {}

  /**
   * @param configured the ring built from the configuration
   * @param records for every configured shard id (in any order), its record or null when it has none
   */
  public static Outcome decide(ShardRing configured, Map<String, RingRecord> records) {
    RingLayout config = RingLayout.of(configured);
    List<String> unstamped = new ArrayList<>();
    Map<String, RingRecord> stamped = new LinkedHashMap<>();
    for (String id : configured.shardIds()) {
      RingRecord r = records.get(id);
      if (r == null) {
        unstamped.add(id);
      } else {
        stamped.put(id, r);
      }
    }
    if (stamped.isEmpty()) {
      return new Unstamped();
    }
    for (Map.Entry<String, RingRecord> e : stamped.entrySet()) {
      if (!e.getKey().equals(e.getValue().shardId())) {
        return new Refused("Junction: the database configured as shard '" + e.getKey() + "' records that it is shard '"
            + e.getValue().shardId() + "' (table junction_ring). Its URL points at another shard's database: fix the"
            + " URL of junction.shards[name=" + e.getKey() + "]. Routing by this configuration would read and write"
            + " rows on the wrong shard.");
      }
    }
    RingRecord first = stamped.values().iterator().next();
    for (Map.Entry<String, RingRecord> e : stamped.entrySet()) {
      if (!e.getValue().sameRings(first)) {
        return new Refused("Junction: the shards disagree about the ring: shard '" + first.shardId() + "' records "
            + first.describe() + " but shard '" + e.getKey() + "' records " + e.getValue().describe() + ". A resharding"
            + " step was interrupted while it updated them; run ./junction.sh reshard status --config <config.yaml>"
            + " and resume or roll it back.");
      }
    }
    boolean isSource = config.equals(first.layout());
    boolean isTarget = first.phase() != RingPhase.STABLE && config.equals(first.targetLayout());
    if (!isSource && !isTarget) {
      return new Refused("Junction: this configuration describes ring " + config.shardIds() + " [" + config.fingerprint()
          + "], but the shards record " + first.describe() + " (table junction_ring). The rows were placed by the"
          + " recorded ring; routing by another one would look for them on the wrong shards and return no rows"
          + " without an error. To move the rows to the configured ring, run " + RESHARD_COMMAND + "; to keep the"
          + " recorded ring, configure exactly its shards, weights, virtual-nodes-per-weight and overrides."
          + describeDifference(config, first.layout()));
    }
    if (!unstamped.isEmpty()) {
      return new Refused("Junction: shard(s) " + unstamped + " of this configuration record no ring (table"
          + " junction_ring is missing or empty) while " + new ArrayList<>(stamped.keySet()) + " record "
          + first.describe() + ". A shard joins the ring only through a resharding that copies its rows: run "
          + RESHARD_COMMAND + ".");
    }
    return new Agreed(first, isTarget && !isSource);
  }

  private static String describeDifference(RingLayout configured, RingLayout recorded) {
    List<String> added = new ArrayList<>(configured.shardIds());
    added.removeAll(recorded.shardIds());
    List<String> removed = new ArrayList<>(recorded.shardIds());
    removed.removeAll(configured.shardIds());
    StringBuilder out = new StringBuilder();
    if (!added.isEmpty()) {
      out.append(" Configured but not in the recorded ring: ").append(added).append('.');
    }
    if (!removed.isEmpty()) {
      out.append(" In the recorded ring but not configured: ").append(removed).append('.');
    }
    if (added.isEmpty() && removed.isEmpty()) {
      out.append(" Same shards; the weights, virtual nodes or overrides differ. Recorded: ").append(recorded.text())
          .append(" Configured: ").append(configured.text());
    }
    return out.toString();
  }
}
