package dev.junction.proxy.relay;

import dev.junction.config.ConfigException;
import dev.junction.config.JunctionConfig;
import dev.junction.health.EndpointState;
import java.net.URI;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One backend server the proxy pools connections to: its address and credentials (from the
 * endpoint's JDBC URL), the router's shared {@link EndpointState} (health, lag, circuit) and one
 * {@link Pool} partition per event loop.
 */
final class Endpoint {
  final Logger log = LoggerFactory.getLogger(Endpoint.class);
  final String shard;
  final String name;
  final EndpointState state;
  final String host;
  final int port;
  final String database;
  final String user;
  final String password;
  final Duration connectTimeout;
  final Duration idleTimeout;
  final Duration maxLifetime;
  final long circuitOpenMillis;
  volatile int maxSize;
  final Pool[] partitions;

  Endpoint(String shard, JunctionConfig.Endpoint config, EndpointState state, RelayRuntime runtime) {
    this(shard, config, state, runtime, true);
  }

  Endpoint(String shard, JunctionConfig.Endpoint config, EndpointState state, RelayRuntime runtime, boolean pools) {
    this.shard = shard;
    this.name = config.name();
    this.state = state;
    String url = config.url();
    String prefix = "jdbc:postgresql:";
    if (!url.startsWith(prefix)) {
      throw new ConfigException("junction.shards." + shard + "." + name + ".url",
          "the proxy connects to PostgreSQL only; expected jdbc:postgresql://host:port/database, got " + url);
    }
    URI uri = URI.create(url.substring("jdbc:".length()));
    this.host = uri.getHost() == null ? "localhost" : uri.getHost();
    this.port = uri.getPort() < 0 ? 5432 : uri.getPort();
    String path = uri.getPath() == null || uri.getPath().length() <= 1 ? config.username() : uri.getPath().substring(1);
    this.database = path;
    this.user = config.username() == null ? "postgres" : config.username();
    this.password = config.password();
    this.connectTimeout = config.pool().connectionTimeout();
    this.idleTimeout = config.pool().idleTimeout();
    this.maxLifetime = config.pool().maxLifetime();
    this.circuitOpenMillis = runtime.circuitOpenMillis;
    this.maxSize = config.pool().maximumSize();
    this.partitions = new Pool[pools ? runtime.loops.length : 0];
    for (int i = 0; i < partitions.length; i++) {
      partitions[i] = new Pool(this, runtime, runtime.loops[i], i);
    }
  }

  /** How many connections partition {@code index} of {@code count} may open: the size split evenly, at least 1. */
  int partitionMax(int index) {
    int count = partitions.length;
    int max = maxSize;
    return Math.max(1, max / count + (index < max % count ? 1 : 0));
  }

  boolean isPrimary() {
    return state.role() == EndpointState.Role.PRIMARY;
  }

  int active() {
    int n = 0;
    for (Pool p : partitions) {
      n += p.active();
    }
    return n;
  }

  int idle() {
    int n = 0;
    for (Pool p : partitions) {
      n += p.idleCount();
    }
    return n;
  }

  int waiting() {
    int n = 0;
    for (Pool p : partitions) {
      n += p.waiting();
    }
    return n;
  }

  @Override
  public String toString() {
    return shard + "/" + name;
  }
}
