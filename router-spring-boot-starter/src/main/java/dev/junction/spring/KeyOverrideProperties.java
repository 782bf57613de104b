package dev.junction.spring;

/**
 * One pinned key ({@code junction.sharding.overrides[i]}). The key is bound as text, because
 * properties files and environment variables carry no types; {@link ShardingMapper} gives it the
 * type of the sharded tables' key columns, since a pin only matches keys of the same type.
 */
public class KeyOverrideProperties {
  /** The shard-key value to pin, e.g. 42, a customer code or a UUID. Required. */
  private String key;

  /** Name of the shard the key is pinned to. Required. */
  private String shard;

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }

  public String getShard() {
    return shard;
  }

  public void setShard(String shard) {
    this.shard = shard;
  }
}
