package dev.junction.it.shard;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes straight to the shard primaries, placing rows where the ring says: the merge mode's
 * loader, and the fallback when Junction fails a DDL statement or an INSERT (which is recorded).
 */
public final class DirectLoad {
  private DirectLoad() {}

  /** DDL straight on the shard primaries: every shard, but the unsharded table on the default shard only. */
  public static void createDirectly(DifferentialRig rig, String ddl) throws SQLException {
    for (int shard = 0; shard < rig.shardCount(); shard++) {
      if (!ddl.contains(Schema.AUDIT) || shard == rig.defaultShard()) {
        try (Connection c = rig.shardPrimary(shard); Statement s = c.createStatement()) {
          s.execute(ddl);
        }
      }
    }
  }

  /** Each INSERT's rows straight to the shard primaries the ring names (broadcast: all; unsharded: default). */
  public static void loadByRing(DifferentialRig rig, List<Loader.Chunk> plan) throws SQLException {
    List<Connection> shards = new ArrayList<>();
    try {
      for (int shard = 0; shard < rig.shardCount(); shard++) {
        shards.add(rig.shardPrimary(shard));
      }
      for (Loader.Chunk chunk : plan) {
        String table = chunk.table().table();
        int keyColumn = chunk.table().keyColumn(Schema.KEY);
        for (int shard = 0; shard < shards.size(); shard++) {
          List<Object[]> rows = new ArrayList<>();
          for (Object[] row : chunk.rows()) {
            boolean here = table.equals(Schema.REGIONS)
                || (table.equals(Schema.AUDIT) ? shard == rig.defaultShard() : rig.shardOf((Long) row[keyColumn]) == shard);
            if (here) {
              rows.add(row);
            }
          }
          if (!rows.isEmpty()) {
            Loader.run(shards.get(shard), new Loader.Chunk(chunk.table(), rows, chunk.parameters()));
          }
        }
      }
    } finally {
      for (Connection c : shards) {
        c.close();
      }
    }
  }
}
