package dev.junction.spring;

import dev.junction.classify.UnknownFunctions;
import dev.junction.health.ReplicaSelector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.util.unit.DataSize;

/**
 * How reads pick a replica and when a replica is too far behind ({@code junction.routing.*}).
 * Defaults equal {@link dev.junction.config.JunctionConfig.Routing#defaults()}.
 */
public class RoutingProperties {
  /** round-robin (spread by weight) or least-lag (the replica with the smallest measured lag). */
  private ReplicaSelector.Strategy replicaSelection = ReplicaSelector.Strategy.ROUND_ROBIN;

  /** Replicas lagging more than this leave the read rotation. */
  private Duration maxLag = Duration.ofSeconds(5);

  /** Optional byte threshold (0 disables it); with it, a replica within either threshold stays in rotation. */
  private DataSize maxLagBytes = DataSize.ofBytes(0);

  /** A replica out of rotation returns only below this lag (hysteresis). Default: half of max-lag. */
  private Duration readmitLag;

  /** How often each replica's replayed position and lag are polled (also how fast a dead server is noticed). */
  private Duration lagPollInterval = Duration.ofMillis(250);

  /** How long a read that must see an earlier write waits for a replica to catch up before using the primary. */
  private Duration maxFenceWait = Duration.ofMillis(50);

  /** How long an endpoint is skipped after a connection failure (doubles per repeated failure, at most 30s). */
  private Duration circuitOpen = Duration.ofSeconds(1);

  /** Number of classified statements kept in the parse cache (0 disables the cache). */
  private int parseCacheSize = 10_000;

  /**
   * Application functions that send a statement calling them to the primary (e.g. my_audit_fn,
   * app.bump_counter), in addition to the built-in list (nextval, setval, pg_advisory_lock, get_lock, ...).
   * A bare name matches in any schema; a qualified name only in that schema. Case-insensitive.
   */
  private List<String> sideEffectFunctions = new ArrayList<>();

  /**
   * CPU time one statement's parse may take; a statement whose parse takes longer goes to the primary
   * unparsed and is counted (junction.classifier.parse.budget.exceeded).
   */
  private Duration parseBudget = Duration.ofMillis(50);

  /**
   * Where a statement calling a function that is neither a side-effect function nor known to be
   * read-only goes: replica (default; list writing functions in side-effect-functions) or primary (for
   * applications with user-defined functions that write; built-in read-only functions such as count,
   * lower, coalesce, now and the ones in read-only-functions still go to replicas).
   */
  private UnknownFunctions unknownFunctions = UnknownFunctions.REPLICA;

  /**
   * Application functions known to be read-only (e.g. app.price_of), added to the built-in list; used
   * only with unknown-functions=primary. A qualified name matches only that schema, a bare name only
   * unqualified calls.
   */
  private List<String> readOnlyFunctions = new ArrayList<>();

  public ReplicaSelector.Strategy getReplicaSelection() {
    return replicaSelection;
  }

  public void setReplicaSelection(ReplicaSelector.Strategy replicaSelection) {
    this.replicaSelection = replicaSelection;
  }

  public Duration getMaxLag() {
    return maxLag;
  }

  public void setMaxLag(Duration maxLag) {
    this.maxLag = maxLag;
  }

  public DataSize getMaxLagBytes() {
    return maxLagBytes;
  }

  public void setMaxLagBytes(DataSize maxLagBytes) {
    this.maxLagBytes = maxLagBytes;
  }

  public Duration getReadmitLag() {
    return readmitLag;
  }

  public void setReadmitLag(Duration readmitLag) {
    this.readmitLag = readmitLag;
  }

  public Duration getLagPollInterval() {
    return lagPollInterval;
  }

  public void setLagPollInterval(Duration lagPollInterval) {
    this.lagPollInterval = lagPollInterval;
  }

  public Duration getMaxFenceWait() {
    return maxFenceWait;
  }

  public void setMaxFenceWait(Duration maxFenceWait) {
    this.maxFenceWait = maxFenceWait;
  }

  public Duration getCircuitOpen() {
    return circuitOpen;
  }

  public void setCircuitOpen(Duration circuitOpen) {
    this.circuitOpen = circuitOpen;
  }

  public int getParseCacheSize() {
    return parseCacheSize;
  }

  public void setParseCacheSize(int parseCacheSize) {
    this.parseCacheSize = parseCacheSize;
  }

  public List<String> getSideEffectFunctions() {
    return sideEffectFunctions;
  }

  public void setSideEffectFunctions(List<String> sideEffectFunctions) {
    this.sideEffectFunctions = sideEffectFunctions;
  }

  public Duration getParseBudget() {
    return parseBudget;
  }

  public void setParseBudget(Duration parseBudget) {
    this.parseBudget = parseBudget;
  }

  public UnknownFunctions getUnknownFunctions() {
    return unknownFunctions;
  }

  public void setUnknownFunctions(UnknownFunctions unknownFunctions) {
    this.unknownFunctions = unknownFunctions;
  }

  public List<String> getReadOnlyFunctions() {
    return readOnlyFunctions;
  }

  public void setReadOnlyFunctions(List<String> readOnlyFunctions) {
    this.readOnlyFunctions = readOnlyFunctions;
  }
}
