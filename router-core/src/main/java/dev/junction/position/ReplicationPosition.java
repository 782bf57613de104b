package dev.junction.position;

/**
 * A point in a primary's replication stream, comparable between the primary and its replicas.
 *
 * <p>A fence is the position a primary reached right after a write committed; a replica may serve a
 * fenced read only when its replayed position {@link #covers covers} the fence. Positions have a
 * compact text encoding used by the Redis fence store and client-carried tokens.
 */
public sealed interface ReplicationPosition permits PgLsn, MariaDbGtidPosition {

  /** True when a replica at this position has applied everything up to and including {@code fence}. */
  boolean covers(ReplicationPosition fence);

  /** The later of the two positions (per GTID domain for MariaDB). */
  ReplicationPosition max(ReplicationPosition other);

  /**
   * This fence limited to what a primary at {@code head} has: the part of it that {@code head}'s
   * history can still satisfy. Equal to this fence whenever {@code head} covers it. Used when a
   * primary is found behind a fence, which only happens when the history the fence refers to was
   * lost (a failover to a replica that had not received it, or a primary rebuilt from scratch).
   */
  ReplicationPosition clampTo(ReplicationPosition head);

  /** Text form, parseable by {@link #parse}; e.g. {@code pg:16/B374D848} or {@code maria:0-1-42,1-1-7}. */
  String encode();

  /** Parses {@link #encode()} output; throws IllegalArgumentException naming the accepted forms. */
  static ReplicationPosition parse(String encoded) {
    if (encoded.startsWith("pg:")) {
      return PgLsn.parse(encoded.substring(3));
    }
    if (encoded.startsWith("maria:")) {
      return MariaDbGtidPosition.parse(encoded.substring(6));
    }
    throw new IllegalArgumentException("unknown replication position '" + encoded
        + "': expected 'pg:<hi>/<lo>' or 'maria:<domain>-<server>-<seq>[,...]'");
  }
}
