package dev.junction.spring;

/** One sharded table ({@code junction.sharding.tables[i]}): its rows live on the shard their key hashes to. */
public class ShardedTableProperties {
  /** Table name as written in SQL (unquoted, any case). Required. */
  private String name;

  /** The shard-key column. Required. */
  private String key;

  /**
   * Type of the key column: long (integer columns), string (text) or uuid. Decides how key values
   * are hashed, so it must match the column, or a row is looked for on the wrong shard.
   */
  private String keyType = "long";

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }

  public String getKeyType() {
    return keyType;
  }

  public void setKeyType(String keyType) {
    this.keyType = keyType;
  }
}
