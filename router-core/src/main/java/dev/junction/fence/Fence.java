package dev.junction.fence;

import dev.junction.position.ReplicationPosition;
import java.util.HashMap;
import java.util.Map;

/**
 * The read-your-writes barrier of one consistency scope: per shard, the primary position its last
 * write reached. Immutable; {@link #advance} returns a new fence that is never behind the old one.
 */
public record Fence(Map<String, ReplicationPosition> positions) {
  public static final Fence NONE = new Fence(Map.of());

  public Fence {
    positions = Map.copyOf(positions);
  }

  /** The position a replica of {@code shard} must have replayed, or null when reads there are unfenced. */
  public ReplicationPosition of(String shard) {
    return positions.get(shard);
  }

  public boolean isEmpty() {
    return positions.isEmpty();
  }

  public Fence advance(String shard, ReplicationPosition position) {
    ReplicationPosition current = positions.get(shard);
    ReplicationPosition next = current == null ? position : current.max(position);
    if (next == current) {
      return this;
    }
    Map<String, ReplicationPosition> copy = new HashMap<>(positions);
    copy.put(shard, next);
    return new Fence(copy);
  }

  /**
   * This fence with {@code shard}'s position set to {@code position}, even when it is lower: only for
   * a fence found ahead of its primary, whose history was lost (see {@link ReplicationPosition#clampTo}).
   */
  public Fence replace(String shard, ReplicationPosition position) {
    Map<String, ReplicationPosition> copy = new HashMap<>(positions);
    copy.put(shard, position);
    return new Fence(copy);
  }

  /** Union of two fences, keeping the later position per shard. */
  public Fence merge(Fence other) {
    Fence result = this;
    for (Map.Entry<String, ReplicationPosition> e : other.positions.entrySet()) {
      result = result.advance(e.getKey(), e.getValue());
    }
    return result;
  }
}
