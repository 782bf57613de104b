package dev.junction.spring;

import dev.junction.config.JunctionConfig.FenceStoreKind;
import java.time.Duration;

/**
 * Where read-your-writes fences of consistency scopes live ({@code junction.fencing.*}). Several
 * application instances must share {@code store: redis} (or client-carried tokens) for a write on
 * one instance to fence reads on another. Defaults equal
 * {@link dev.junction.config.JunctionConfig.Fencing#defaults()}.
 */
public class FencingProperties {
  /** local (in-memory, this instance only) or redis (shared by every instance). */
  private FenceStoreKind store = FenceStoreKind.LOCAL;

  /** How long a fence outlives its write; must exceed any plausible replica lag. */
  private Duration ttl = Duration.ofSeconds(30);

  /** Most scopes the local store remembers (least recently used ones are dropped first). */
  private long localMaximumScopes = 1_000_000;

  /** Redis URI for store: redis, e.g. redis://127.0.0.1:6379 or rediss://user:secret@host:6380/0. */
  private String redisUri;

  /** Timeout of one Redis command; past it, reads of keyed scopes use the primary for a moment. */
  private Duration redisTimeout = Duration.ofMillis(200);

  /** Prefix of the Redis keys that hold fences. */
  private String redisKeyPrefix = "junction:fence:";

  /**
   * HMAC secret (at least 16 characters, identical on every instance) that signs client-carried
   * fence tokens. Without it, the request filter signs tokens with a key generated at startup,
   * which only works with a single instance (a startup warning says so).
   */
  private String tokenSecret;

  /**
   * The secret token-secret had before a rotation: tokens signed with it are still accepted (never
   * issued). Rotate by setting token-secret to the new value and this to the old one on every
   * instance, then remove this one fence TTL later.
   */
  private String tokenSecretPrevious;

  public FenceStoreKind getStore() {
    return store;
  }

  public void setStore(FenceStoreKind store) {
    this.store = store;
  }

  public Duration getTtl() {
    return ttl;
  }

  public void setTtl(Duration ttl) {
    this.ttl = ttl;
  }

  public long getLocalMaximumScopes() {
    return localMaximumScopes;
  }

  public void setLocalMaximumScopes(long localMaximumScopes) {
    this.localMaximumScopes = localMaximumScopes;
  }

  public String getRedisUri() {
    return redisUri;
  }

  public void setRedisUri(String redisUri) {
    this.redisUri = redisUri;
  }

  public Duration getRedisTimeout() {
    return redisTimeout;
  }

  public void setRedisTimeout(Duration redisTimeout) {
    this.redisTimeout = redisTimeout;
  }

  public String getRedisKeyPrefix() {
    return redisKeyPrefix;
  }

  public void setRedisKeyPrefix(String redisKeyPrefix) {
    this.redisKeyPrefix = redisKeyPrefix;
  }

  public String getTokenSecret() {
    return tokenSecret;
  }

  public void setTokenSecret(String tokenSecret) {
    this.tokenSecret = tokenSecret;
  }

  public String getTokenSecretPrevious() {
    return tokenSecretPrevious;
  }

  public void setTokenSecretPrevious(String tokenSecretPrevious) {
    this.tokenSecretPrevious = tokenSecretPrevious;
  }

  /** Never the secrets. */
  @Override
  public String toString() {
    return "FencingProperties[store=" + store + ", ttl=" + ttl + ", tokenSecret=" + (tokenSecret == null ? "unset" : "****")
        + ", tokenSecretPrevious=" + (tokenSecretPrevious == null ? "unset" : "****") + "]";
  }
}
