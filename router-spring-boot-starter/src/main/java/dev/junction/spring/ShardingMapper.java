package dev.junction.spring;

import dev.junction.config.ConfigException;
import dev.junction.config.ConfigValues;
import dev.junction.config.JunctionConfig;
import dev.junction.shard.KeyType;
import dev.junction.shard.ShardedTable;
import java.sql.SQLDataException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Maps {@code junction.sharding.*} onto {@link JunctionConfig.Sharding}, reporting missing and
 * unparsable values with their exact key and the YAML loader's wording. Cross-field rules (known
 * shard names, ranges) stay in {@link JunctionConfig#validate()}, so both front ends share them.
 */
final class ShardingMapper {
  private static final String PREFIX = "junction.sharding";

  private ShardingMapper() {}

  /** {@code null} (not sharded) when the section is absent. */
  static JunctionConfig.Sharding toSharding(ShardingProperties s) {
    if (s == null) {
      return null;
    }
    List<ShardedTable> tables = tables(orEmpty(s.getTables()));
    return new JunctionConfig.Sharding(
        s.getVirtualNodesPerWeight(),
        s.getRingVersion(),
        blankToNull(s.getDefaultShard()),
        s.getWeights() == null ? Map.of() : new LinkedHashMap<>(s.getWeights()),
        tables,
        List.copyOf(orEmpty(s.getBroadcastTables())),
        overrides(orEmpty(s.getOverrides()), tables),
        ConfigValues.enumValue(PREFIX + ".multi-shard-transactions", s.getMultiShardTransactions(),
            JunctionConfig.MultiShardTransactions.class),
        s.getScatterThreads(),
        s.getMaxMergeGroups(),
        s.getWorkerId());
  }

  private static List<ShardedTable> tables(List<ShardedTableProperties> properties) {
    List<ShardedTable> tables = new ArrayList<>();
    for (int i = 0; i < properties.size(); i++) {
      ShardedTableProperties t = properties.get(i);
      String key = PREFIX + ".tables[" + i + "]";
      if (isBlank(t.getName())) {
        throw new ConfigException(key + ".name", "required: the table name");
      }
      if (isBlank(t.getKey())) {
        throw new ConfigException(key + ".key", "required: the shard-key column of table " + t.getName());
      }
      KeyType type = t.getKeyType() == null ? KeyType.LONG : ConfigValues.enumValue(key + ".key-type", t.getKeyType(), KeyType.class);
      tables.add(new ShardedTable(t.getName().trim(), t.getKey().trim(), type));
    }
    return tables;
  }

  private static List<JunctionConfig.KeyOverride> overrides(List<KeyOverrideProperties> properties, List<ShardedTable> tables) {
    List<KeyType> candidates = keyTypes(tables);
    List<JunctionConfig.KeyOverride> overrides = new ArrayList<>();
    for (int i = 0; i < properties.size(); i++) {
      KeyOverrideProperties o = properties.get(i);
      String key = PREFIX + ".overrides[" + i + "]";
      Object value = isBlank(o.getKey()) ? null : typedKey(o.getKey().trim(), candidates, key + ".key");
      overrides.add(new JunctionConfig.KeyOverride(value, blankToNull(o.getShard())));
    }
    return overrides;
  }

  /**
   * The types an override key may take, most specific first. Text has no type of its own, and a
   * pin matches only keys of its own type ({@code "42"} is not {@code 42}), so the key takes its
   * sharded tables' key type. Without sharded tables it reads as an integer when it is one, as an
   * unquoted YAML value does.
   */
  private static List<KeyType> keyTypes(List<ShardedTable> tables) {
    Set<KeyType> declared = tables.stream().map(ShardedTable::keyType)
        .collect(Collectors.toCollection(() -> EnumSet.noneOf(KeyType.class)));
    if (declared.isEmpty()) {
      return List.of(KeyType.LONG, KeyType.STRING);
    }
    return List.of(KeyType.LONG, KeyType.UUID, KeyType.STRING).stream().filter(declared::contains).toList();
  }

  private static Object typedKey(String text, List<KeyType> candidates, String key) {
    for (KeyType type : candidates) {
      try {
        return type.coerce(text);
      } catch (SQLDataException notThisType) {
        // try the next declared type
      }
    }
    String types = candidates.stream().map(t -> t.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(" or "));
    throw new ConfigException(key, "'" + text + "' is not a valid " + types + " key, the key-type of the sharded tables");
  }

  private static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  private static String blankToNull(String s) {
    return isBlank(s) ? null : s.trim();
  }
}
