package dev.junction.fence.redis;

import dev.junction.fence.Fence;
import dev.junction.fence.FenceStore;
import dev.junction.fence.FenceStoreUnavailableException;
import dev.junction.position.MariaDbGtidPosition;
import dev.junction.position.PgLsn;
import dev.junction.position.ReplicationPosition;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.event.connection.DisconnectedEvent;
import dev.junction.config.Redaction;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Fences shared by every application server through Redis (Lettuce), so a read served by server B
 * honours a write made through server A.
 *
 * <p>This class lives in its own module ({@code router-fence-redis}) so that applications using the
 * local store carry no Lettuce, Reactor or Netty; {@code FenceStores} loads it by name when
 * {@code fencing.store} is {@code redis}.
 *
 * <p>Design notes:
 * <ul>
 *   <li>One Redis hash per scope ({@code <prefix><scopeKey>}), one field per shard (per shard and GTID
 *       domain for MariaDB). Values are fixed-width so that string order is position order, which lets
 *       a Lua script advance them monotonically and atomically: two servers racing never move a fence
 *       backwards. Each advance refreshes the key's TTL.</li>
 *   <li>Fail safe, not fail open: when Redis errors, times out or disconnects, fences written meanwhile
 *       may be lost (Redis keeps nothing on disk in most deployments). So after any failure the store
 *       reports itself unavailable for one fence TTL, and during that window every read in a keyed
 *       scope goes to the primary. After the window, any fence that could have been lost has expired
 *       anyway.</li>
 *   <li>Commands fail fast while disconnected ({@code REJECT_COMMANDS}) with a short timeout, so a dead
 *       Redis costs a read a few milliseconds at most, then nothing during the window.</li>
 * </ul>
 */
public final class RedisFenceStore implements FenceStore {
  private static final String ADVANCE_SCRIPT = """
      for i = 1, #ARGV - 1, 2 do
        local current = redis.call('HGET', KEYS[1], ARGV[i])
        if (not current) or current < ARGV[i + 1] then
          redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
        end
      end
      redis.call('PEXPIRE', KEYS[1], ARGV[#ARGV])
      return 1
      """;

  private final RedisClient client;
  /** Only to scrub client messages before they are kept as {@link #lastError}: never shown. */
  private final String redisUri;
  private final String keyPrefix;
  private final Duration ttl;
  private final Object connectLock = new Object();
  private volatile StatefulRedisConnection<String, String> connection;
  private volatile long unavailableUntilNanos;
  private volatile long nextConnectAttemptNanos;

  public RedisFenceStore(String redisUri, Duration ttl, Duration commandTimeout, String keyPrefix) {
    this.ttl = ttl;
    this.keyPrefix = keyPrefix;
    this.redisUri = redisUri;
    RedisURI uri = RedisURI.create(redisUri);
    uri.setTimeout(commandTimeout);
    this.client = RedisClient.create(uri);
    client.setOptions(ClientOptions.builder()
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .autoReconnect(true)
        .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
        // Connecting costs a TCP (and maybe TLS) handshake: give it more room than one command.
        .socketOptions(SocketOptions.builder().connectTimeout(commandTimeout.compareTo(Duration.ofSeconds(1)) < 0
            ? Duration.ofSeconds(1) : commandTimeout).build())
        .build());
    client.getResources().eventBus().get()
        .filter(event -> event instanceof DisconnectedEvent)
        .subscribe(event -> markFailure("connection to Redis lost", null));
    try {
      connection(); // connect eagerly so the first request does not pay for it; a failure is retried later
    } catch (FenceStoreUnavailableException e) {
      // reported by the first load or advance
    }
  }

  @Override
  public Fence load(String scopeKey) throws FenceStoreUnavailableException {
    StatefulRedisConnection<String, String> c = usableConnection();
    try {
      return decode(c.sync().hgetall(keyPrefix + scopeKey));
    } catch (RuntimeException e) {
      markFailure("reading a fence failed", e);
      throw new FenceStoreUnavailableException("Redis fence store failed reading scope '" + scopeKey + "': " + e.getMessage(), e);
    }
  }

  /**
   * Always attempted, even inside the fail-safe window: other servers may be reading this Redis
   * happily, so a fence this server skipped would be a stale read there. When it fails, the caller
   * must make the write safe another way (Junction waits for the replicas to replay it).
   */
  @Override
  public void advance(String scopeKey, String shard, ReplicationPosition position) throws FenceStoreUnavailableException {
    StatefulRedisConnection<String, String> c = connection();
    List<String> args = new ArrayList<>();
    encode(shard, position, args);
    args.add(Long.toString(ttl.toMillis()));
    try {
      c.sync().eval(ADVANCE_SCRIPT, ScriptOutputType.INTEGER, new String[] {keyPrefix + scopeKey}, args.toArray(String[]::new));
    } catch (RuntimeException e) {
      markFailure("advancing a fence failed", e);
      throw new FenceStoreUnavailableException("Redis fence store failed advancing scope '" + scopeKey + "': " + e.getMessage(), e);
    }
  }

  /** True while the store is in its post-failure window (see the class notes). */
  public boolean degraded() {
    return System.nanoTime() - unavailableUntilNanos < 0;
  }

  private StatefulRedisConnection<String, String> usableConnection() throws FenceStoreUnavailableException {
    if (degraded()) {
      throw new FenceStoreUnavailableException("Redis fence store is in its fail-safe window after a failure;"
          + " fenced reads use the primary until " + ttl + " after the last failure", null);
    }
    return connection();
  }

  private StatefulRedisConnection<String, String> connection() throws FenceStoreUnavailableException {
    StatefulRedisConnection<String, String> c = connection;
    if (c != null) {
      return c;
    }
    synchronized (connectLock) {
      if (connection != null) {
        return connection;
      }
      if (System.nanoTime() - nextConnectAttemptNanos < 0) {
        throw new FenceStoreUnavailableException("Redis fence store is not connected (retrying shortly)", null);
      }
      try {
        connection = client.connect();
        return connection;
      } catch (RuntimeException e) {
        nextConnectAttemptNanos = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        markFailure("connecting failed", e);
        throw new FenceStoreUnavailableException("cannot connect to the Redis fence store: " + e.getMessage(), e);
      }
    }
  }

  /**
   * Starts (or extends) the fail-safe window and records what failed for {@link #status()}: the
   * exception's type and message with the URI and any user-info or password parameter masked, since
   * client messages may echo the URI.
   */
  private void markFailure(String what, Throwable cause) {
    unavailableUntilNanos = System.nanoTime() + ttl.toNanos();
    recordError(what, cause);
  }

  private void recordError(String what, Throwable cause) {
    Instant now = Instant.now();
    if (downSince == null) {
      downSince = now;
    }
    String why = cause == null ? what : what + ": " + cause.getClass().getSimpleName()
        + (cause.getMessage() == null ? "" : ": " + Redaction.scrub(cause.getMessage(), redisUri));
    lastError = why.length() > 500 ? why.substring(0, 500) + "..." : why;
    lastErrorAt = now;
  }

  private volatile Instant downSince;
  private volatile String lastError;
  private volatile Instant lastErrorAt;

  static void encode(String shard, ReplicationPosition position, List<String> out) {
    if (position instanceof PgLsn lsn) {
      out.add(shard);
      out.add(String.format("pg:%016X", lsn.value()));
    } else if (position instanceof MariaDbGtidPosition gtid) {
      for (String part : gtid.toString().split(",")) {
        String[] f = part.split("-");
        out.add(shard + "#" + f[0]);
        out.add(String.format("maria:%020d-%s", Long.parseUnsignedLong(f[2]), f[1]));
      }
    } else {
      throw new IllegalArgumentException("unsupported position type " + position.getClass().getName());
    }
  }

  static Fence decode(Map<String, String> fields) {
    if (fields.isEmpty()) {
      return Fence.NONE;
    }
    Map<String, ReplicationPosition> positions = new HashMap<>();
    Map<String, StringBuilder> gtids = new HashMap<>();
    for (Map.Entry<String, String> e : fields.entrySet()) {
      String value = e.getValue();
      if (value.startsWith("pg:")) {
        positions.put(e.getKey(), new PgLsn(Long.parseUnsignedLong(value.substring(3), 16)));
      } else if (value.startsWith("maria:")) {
        int hash = e.getKey().lastIndexOf('#');
        String shard = e.getKey().substring(0, hash);
        String domain = e.getKey().substring(hash + 1);
        String[] seqServer = value.substring(6).split("-");
        StringBuilder sb = gtids.computeIfAbsent(shard, k -> new StringBuilder());
        if (sb.length() > 0) {
          sb.append(',');
        }
        sb.append(domain).append('-').append(seqServer[1]).append('-').append(Long.parseUnsignedLong(seqServer[0]));
      }
    }
    gtids.forEach((shard, text) -> positions.put(shard, MariaDbGtidPosition.parse(text.toString())));
    return new Fence(positions);
  }

  @Override
  public String kind() {
    return "redis";
  }

  private static final long STATUS_CACHE_NANOS = 1_000_000_000L;
  private volatile Status lastStatus;
  private volatile long lastStatusNanos;

  /**
   * Down while in the fail-safe window or when a PING fails. The PING result is kept for one second,
   * so health checks and metric scrapes together cost Redis at most one PING a second. Details carry
   * the exception type only: Redis client messages can contain the URI.
   */
  @Override
  public Status status() {
    long now = System.nanoTime();
    Status cached = lastStatus;
    if (cached != null && now - lastStatusNanos < STATUS_CACHE_NANOS && !degraded()) {
      return cached;
    }
    Status s;
    if (degraded()) {
      s = new Status(false, "fail-safe window after a failure: fenced reads in keyed scopes use the primary for one fence TTL ("
          + ttl + ") after the last failure");
    } else {
      try {
        connection().sync().ping();
        s = Status.UP;
      } catch (FenceStoreUnavailableException e) {
        s = new Status(false, "not connected to Redis");
      } catch (RuntimeException e) {
        recordError("PING failed", e); // a health check reports; it does not change routing
        s = new Status(false, "PING failed (" + e.getClass().getSimpleName() + ")");
      }
    }
    if (s.up()) {
      downSince = null;
    }
    s = new Status(s.up(), s.detail(), s.up() ? null : downSince, lastError, lastErrorAt);
    lastStatus = s;
    lastStatusNanos = now;
    return s;
  }

  @Override
  public void close() {
    StatefulRedisConnection<String, String> c = connection;
    if (c != null) {
      c.close();
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
