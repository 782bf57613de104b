package dev.junction.fence;

import dev.junction.config.ConfigException;
import dev.junction.config.JunctionConfig;
import dev.junction.config.Redaction;
import java.lang.reflect.InvocationTargetException;
import java.time.Duration;

/**
 * Opens the fence store that {@code junction.fencing.store} names.
 *
 * <p>The Redis store lives in the optional module {@code dev.junction:router-fence-redis}, so that an
 * application using the local store carries no Lettuce, Reactor or Netty. It is loaded by class name,
 * only when configured; when the module is missing, startup fails naming the key and the dependency
 * to add, rather than falling back to a local store that would silently break read-your-writes
 * across servers.
 */
public final class FenceStores {
  /** The Redis store's class in {@code router-fence-redis}; its constructor takes (uri, ttl, timeout, key prefix). */
  static final String REDIS_STORE_CLASS = "dev.junction.fence.redis.RedisFenceStore";
  static final String REDIS_MODULE = "dev.junction:router-fence-redis";

  private FenceStores() {}

  /** Opens the configured store; the caller closes it. */
  public static FenceStore open(JunctionConfig.Fencing fencing) {
    return switch (fencing.store()) {
      case LOCAL -> new LocalFenceStore(fencing.ttl(), fencing.localMaximumScopes());
      case REDIS -> openRedis(fencing);
    };
  }

  private static FenceStore openRedis(JunctionConfig.Fencing f) {
    Class<?> type = redisStoreClass();
    try {
      return (FenceStore) type.getConstructor(String.class, Duration.class, Duration.class, String.class)
          .newInstance(f.redisUri(), f.ttl(), f.redisTimeout(), f.redisKeyPrefix());
    } catch (InvocationTargetException e) {
      if (mentionsSecret(e.getCause(), f.redisUri())) {
        // e.g. a malformed URI: the client library echoes it, password included; never pass that on
        throw new IllegalArgumentException("cannot open the Redis fence store at " + Redaction.summary(f.redisUri()) + ": "
            + e.getCause().getClass().getSimpleName() + ": " + Redaction.scrub(e.getCause().getMessage(), f.redisUri()));
      }
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException("cannot open the Redis fence store", e.getCause());
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new IllegalStateException(REDIS_STORE_CLASS + " in " + REDIS_MODULE
          + " does not match this router-core; use the same Junction version for both (the junction-bom aligns them)", e);
    }
  }

  /** True when a message in {@code t}'s cause chain contains {@code uri} or its user-info (where the password is). */
  private static boolean mentionsSecret(Throwable t, String uri) {
    if (uri == null) {
      return false;
    }
    int at = uri.indexOf('@');
    int start = uri.indexOf("//");
    String userInfo = at > 0 && start >= 0 && start + 2 < at ? uri.substring(start + 2, at) : null;
    for (Throwable x = t; x != null; x = x.getCause()) {
      String m = x.getMessage();
      if (m != null && (m.contains(uri) || userInfo != null && m.contains(userInfo))) {
        return true;
      }
    }
    return false;
  }

  private static Class<?> redisStoreClass() {
    ClassNotFoundException notFound = null;
    for (ClassLoader loader : new ClassLoader[] {FenceStores.class.getClassLoader(), Thread.currentThread().getContextClassLoader()}) {
      if (loader == null) {
        continue;
      }
      try {
        return Class.forName(REDIS_STORE_CLASS, true, loader);
      } catch (ClassNotFoundException e) {
        notFound = e;
      } catch (LinkageError e) {
        // present, but Lettuce is not: same remedy
        throw missingModule(e);
      }
    }
    throw missingModule(notFound);
  }

  private static ConfigException missingModule(Throwable cause) {
    ConfigException e = new ConfigException("junction.fencing.store",
        "redis needs the module " + REDIS_MODULE + " on the classpath (it brings Lettuce); add that dependency,"
            + " or use store: local (one instance only) or token scopes");
    if (cause != null) {
      e.initCause(cause);
    }
    return e;
  }
}
