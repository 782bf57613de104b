package dev.junction.fence;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.junction.position.ReplicationPosition;
import java.time.Duration;

/**
 * Fences kept in this JVM, in a Caffeine cache whose entries expire {@code ttl} after their last
 * advance. Right for a single application instance or sticky sessions; a fleet needs Redis.
 */
public final class LocalFenceStore implements FenceStore {
  private final Cache<String, Fence> fences;

  public LocalFenceStore(Duration ttl, long maximumScopes) {
    this.fences = Caffeine.newBuilder().expireAfterWrite(ttl).maximumSize(maximumScopes).build();
  }

  @Override
  public Fence load(String scopeKey) {
    Fence fence = fences.getIfPresent(scopeKey);
    return fence == null ? Fence.NONE : fence;
  }

  @Override
  public void advance(String scopeKey, String shard, ReplicationPosition position) {
    fences.asMap().merge(scopeKey, Fence.NONE.advance(shard, position), Fence::merge);
  }

  @Override
  public String kind() {
    return "local";
  }
}
