package dev.junction.jdbc.internal;

import dev.junction.config.ConfigException;
import dev.junction.ring.RingLayout;
import dev.junction.ring.RingRecord;
import dev.junction.shard.ShardRing;
import java.sql.SQLTransactionRollbackException;
import java.sql.SQLTransientConnectionException;

/** Which ring a router routes by in each phase of a resharding, and the refusals of the switch. */
final class RingRouting {
  /** Retryable: the statement did not run; a retry after the switch (well under a second) succeeds. */
  static final String RETRY_SQLSTATE = "40001";

  private RingRouting() {}

  /**
   * A deferred ring check: the full startup check ({@link RingCheck}); returns the record it
   * confirmed, throws with the refusal or when the shards still cannot be reached.
   */
  interface PendingCheck {
    RingRecord run();
  }

  /**
   * Tells the shard which ring version this router's writes follow: the resharding's triggers
   * reject writes from sessions older than the shard's {@code min_write_version}.
   */
  static void setSessionRingVersion(java.sql.Connection c, dev.junction.classify.Dialect dialect, long version)
      throws java.sql.SQLException {
    String sql = dialect == dev.junction.classify.Dialect.POSTGRESQL
        ? "SELECT set_config('junction.ring_version', ?, false)" : "SET @junction_ring_version = ?";
    try (java.sql.PreparedStatement ps = c.prepareStatement(sql)) {
      if (dialect == dev.junction.classify.Dialect.POSTGRESQL) {
        ps.setString(1, Long.toString(version));
      } else {
        ps.setLong(1, version);
      }
      ps.execute();
    }
  }

  /** The ring every key is routed by, outside the cut-over (where two rings are consulted). */
  static ShardRing ringFor(RingRecord record) {
    return switch (record.phase()) {
      case STABLE, COPYING -> record.sourceRing();
      case FENCED, SWITCHED -> record.targetRing();
    };
  }

  /**
   * For a router that started before any shard was reachable and routes by its configured ring:
   * the shards must now confirm that very ring.
   */
  static RingRecord requireSameRing(RingRecord record, ShardRing configured) {
    if (record == null) {
      throw new IllegalStateException("no shard can be reached yet");
    }
    if (!RingLayout.of(ringFor(record)).equals(RingLayout.of(configured))) {
      throw new ConfigException("junction.sharding", "Junction: the shards record " + record.describe() + ", which"
          + " this router (started while no shard was reachable) does not route by; restart it");
    }
    return record;
  }

  /** The refusal of a sharded statement while the ring is unconfirmed (retryable: 08001-class, nothing ran). */
  static SQLTransientConnectionException unverified(RuntimeException cause) {
    return new SQLTransientConnectionException("Junction: the ring recorded in the shards has not been confirmed yet ("
        + (cause == null ? "checked less than a second ago" : cause.getMessage()) + "); no statement runs on sharded"
        + " data until it is. Retry when the shards are reachable.", "08001", cause);
  }

  static SQLTransactionRollbackException refusedWhileSwitching(RingRecord record, String why) {
    return new SQLTransactionRollbackException("Junction: refused while the shards switch rings (" + record.describe()
        + "): " + why + ". Nothing ran; retry the statement (or transaction) shortly.", RETRY_SQLSTATE);
  }

  static SQLTransactionRollbackException ringChangedInTransaction(RingRecord record) {
    return new SQLTransactionRollbackException("Junction: the ring changed during this transaction (now "
        + (record == null ? "unverified" : record.describe()) + "); roll it back and run it again.", RETRY_SQLSTATE);
  }

  /**
   * The ring state moved on while a statement routed by the one before waited for its connection (a
   * pool or a fence wait can outlast a lease): it would run where the new state may no longer keep
   * the key, so it does not run.
   */
  static SQLTransactionRollbackException ringChangedWhileWaiting(RingRecord record) {
    return new SQLTransactionRollbackException("Junction: the ring changed while this statement waited for its connection"
        + " (now " + (record == null ? "unverified" : record.describe()) + "); nothing ran. Retry the statement.",
        RETRY_SQLSTATE);
  }

  static SQLTransactionRollbackException leaseExpired(long millis) {
    return new SQLTransactionRollbackException("Junction: this router could not confirm the ring recorded in the shards for "
        + millis + " ms (a resharding may be switching rings); nothing ran. Retry when the shards are reachable.",
        RETRY_SQLSTATE);
  }
}
