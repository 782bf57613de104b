package dev.junction.shard;

import java.util.Locale;
import java.util.Objects;

/**
 * A table whose rows are spread over the shards by the value of one column.
 *
 * @param name the table name as written in SQL (matched case-insensitively, unquoted)
 * @param keyColumn the shard-key column (case-insensitive)
 * @param keyType how key values are canonicalised before hashing
 */
public record ShardedTable(String name, String keyColumn, KeyType keyType) {
  public ShardedTable {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(keyColumn, "keyColumn");
    Objects.requireNonNull(keyType, "keyType");
    name = name.toLowerCase(Locale.ROOT);
    keyColumn = keyColumn.toLowerCase(Locale.ROOT);
  }
}
