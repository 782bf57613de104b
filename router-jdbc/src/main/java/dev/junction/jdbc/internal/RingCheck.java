package dev.junction.jdbc.internal;

import dev.junction.config.ConfigException;
import dev.junction.config.JunctionConfig;
import dev.junction.ring.RingAgreement;
import dev.junction.ring.RingRecord;
import dev.junction.shard.ShardRing;
import dev.junction.shard.ShardedTable;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The startup check of a sharded data source: reads every shard's {@link RingTable} record and
 * lets {@link RingAgreement} decide whether this configuration may route. On a first start (no
 * shard records a ring) it claims the configured ring, after checking a sample of each sharded
 * table's keys against it, so data written before ring records existed is not silently
 * misrouted either.
 *
 * <p>A shard whose servers are all unreachable cannot be checked; the router still starts when
 * every reachable shard agrees (a dead shard cannot be misrouted to), but it never claims a ring
 * it could not record everywhere.
 */
final class RingCheck {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RingCheck.class);
  /** Keys read per sharded table and shard when claiming a ring over existing data. */
  static final int PLACEMENT_SAMPLE = 1000;
  private static final int TRANSITION_RETRIES = 20;
  private static final long TRANSITION_PAUSE_MILLIS = 100;

  private RingCheck() {}

  /**
   * The record to route by, or null when no shard could be reached to tell (the router then starts
   * unverified and checks again before its first sharded statement).
   *
   * @throws ConfigException (key {@code junction.sharding}) with the refusal
   */
  static RingRecord agree(JunctionConfig config, ShardRing configured, List<ShardRuntime> shards) {
    boolean claimed = false;
    for (int attempt = 0; ; attempt++) {
      Map<String, RingRecord> records = new HashMap<>();
      Map<String, String> unreachable = new LinkedHashMap<>();
      for (ShardRuntime shard : shards) {
        try {
          RingRecord r = read(shard);
          if (r != null) {
            records.put(shard.name, r);
          }
        } catch (SQLException e) {
          unreachable.put(shard.name, e.getMessage());
        }
      }
      RingAgreement.Outcome outcome = RingAgreement.decide(configured, records);
      if (outcome instanceof RingAgreement.Agreed agreed) {
        if (!unreachable.isEmpty()) {
          LOG.warn("Junction: could not read the ring record of shard(s) {} ({}); the reachable shards agree with {}",
              unreachable.keySet(), unreachable.values(), agreed.record().describe());
        }
        return agreed.record();
      }
      if (outcome instanceof RingAgreement.Refused refused) {
        if (inTransition(records) && attempt < TRANSITION_RETRIES) {
          pause();
          continue; // the resharding tool is updating the shards one by one
        }
        throw new ConfigException("junction.sharding", refused.message());
      }
      if (claimed) {
        throw new ConfigException("junction.sharding", "Junction: recorded ring " + configured + " but the shards"
            + " still record none; check that the configured account can write table " + RingTable.TABLE);
      }
      if (unreachable.size() == shards.size()) {
        LOG.warn("Junction: no shard is reachable ({}); the ring is checked before the first sharded statement",
            unreachable.values());
        return null;
      }
      if (!unreachable.isEmpty()) {
        throw new ConfigException("junction.sharding", "Junction: no shard records a ring yet, and shard(s) "
            + unreachable.keySet() + " cannot be reached (" + String.join("; ", unreachable.values()) + "). The ring is"
            + " recorded on every shard at the first start; start again when all shards are up.");
      }
      checkPlacement(config, configured, shards);
      for (ShardRuntime shard : shards) {
        try (Connection c = shard.primary.dataSource().getConnection()) {
          RingTable.stampIfAbsent(c, config.dialect(), RingRecord.stable(shard.name, configured));
        } catch (SQLException e) {
          throw new ConfigException("junction.sharding", "Junction: cannot record the ring in shard '" + shard.name
              + "' (" + e.getMessage() + "). The account needs CREATE and INSERT on table " + RingTable.TABLE
              + " once, at the first start; or record it with ./junction.sh reshard init --config <config.yaml>.");
        }
      }
      LOG.info("Junction: recorded ring v{} {} in every shard (first start)", configured.version(), configured.shardIds());
      claimed = true;
    }
  }

  private static boolean inTransition(Map<String, RingRecord> records) {
    RingRecord first = null;
    for (RingRecord r : records.values()) {
      if (first == null) {
        first = r;
      } else if (!r.sameRings(first)) {
        return true;
      }
    }
    return false;
  }

  private static void pause() {
    try {
      Thread.sleep(TRANSITION_PAUSE_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConfigException("junction.sharding", "interrupted while the shards' ring records were changing");
    }
  }

  /** The shard's record from its primary, or from a replica when the primary cannot be reached. */
  private static RingRecord read(ShardRuntime shard) throws SQLException {
    SQLException failure;
    try (Connection c = shard.primary.dataSource().getConnection()) {
      return RingTable.read(c);
    } catch (SQLException e) {
      failure = e;
    }
    for (EndpointPool replica : shard.replicas) {
      try (Connection c = replica.dataSource().getConnection()) {
        return RingTable.read(c);
      } catch (SQLException e) {
        failure.addSuppressed(e);
      }
    }
    throw failure;
  }

  /**
   * Before claiming a ring over existing rows: a sample of every sharded table's keys on every
   * shard must map to that shard. Rows placed by another ring (the configuration was changed before
   * ring records existed) are refused here instead of becoming invisible.
   */
  private static void checkPlacement(JunctionConfig config, ShardRing ring, List<ShardRuntime> shards) {
    List<String> problems = new ArrayList<>();
    for (ShardedTable table : config.sharding().tables()) {
      for (ShardRuntime shard : shards) {
        int sampled = 0;
        int misplaced = 0;
        List<String> examples = new ArrayList<>();
        String sql = "SELECT " + table.keyColumn() + " FROM " + table.name() + " WHERE " + table.keyColumn()
            + " IS NOT NULL LIMIT " + PLACEMENT_SAMPLE;
        try (Connection c = shard.primary.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
          while (rs.next()) {
            sampled++;
            Object key = table.keyType().coerce(rs.getObject(1));
            String owner = ring.shardFor(key);
            if (!owner.equals(shard.name)) {
              misplaced++;
              if (examples.size() < 3) {
                examples.add(key + " -> " + owner);
              }
            }
          }
        } catch (SQLException e) {
          if (RingTable.isMissingTable(e)) {
            continue; // not created yet: nothing placed
          }
          throw new ConfigException("junction.sharding", "Junction: cannot check the placement of table " + table.name()
              + " on shard '" + shard.name + "': " + e.getMessage());
        }
        if (misplaced > 0) {
          problems.add(table.name() + " on " + shard.name + ": " + misplaced + " of " + sampled + " sampled keys belong"
              + " elsewhere (e.g. " + String.join(", ", examples) + ")");
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException("junction.sharding", "Junction: no shard records a ring yet, and the rows are not"
          + " placed by the configured ring " + ring.shardIds() + ": " + String.join("; ", problems) + ". They were"
          + " written under another ring (shards, weights, virtual nodes or overrides); routing by this one would look"
          + " for them on the wrong shards. Start once with the configuration the rows were written with (it records"
          + " that ring), then change rings with " + RingAgreement.RESHARD_COMMAND + ".");
    }
  }
}
