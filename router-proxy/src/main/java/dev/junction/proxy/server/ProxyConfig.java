package dev.junction.proxy.server;

import dev.junction.config.ConfigException;
import dev.junction.config.ConfigValues;
import dev.junction.proxy.auth.AuthMethod;
import dev.junction.proxy.auth.Credential;
import dev.junction.proxy.relay.RelayRuntime;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The {@code junction.proxy} section of the shared YAML file: where the proxy listens, how clients
 * authenticate, TLS, the admin port and limits. The routing part of the same file is read by
 * {@code YamlConfigLoader}.
 *
 * @param users user name to credential: a plain password, or a PostgreSQL verifier
 *              ({@code SCRAM-SHA-256$...} or {@code md5...}) copied from {@code pg_authid}
 */
public record ProxyConfig(String host, int port, String adminHost, int adminPort, AuthMethod auth,
                          Map<String, Credential> users, Path tlsCertificate, Path tlsPrivateKey,
                          int maxConnections, int maxMessageBytes, Duration shutdownGrace, int workerThreads,
                          Pooling pooling, Hardening hardening) {

  /**
   * How backend connections are shared.
   *
   * @param mode transaction (a backend per transaction; the default) or session (the client keeps its primary backend)
   * @param queryWaitTimeout how long a client waits for a free backend before 53300
   * @param maxPreparedStatements server-side prepared statements kept per backend connection (LRU)
   */
  public record Pooling(RelayRuntime.PoolMode mode, Duration queryWaitTimeout, int maxPreparedStatements) {
    public static Pooling defaults() {
      return new Pooling(RelayRuntime.PoolMode.TRANSACTION, Duration.ofSeconds(60), 256);
    }
  }

  /**
   * Limits that protect the proxy from clients.
   *
   * @param loginTimeout a client must finish startup and authentication within this
   * @param idleClientTimeout close clients idle this long outside a transaction (0: never)
   * @param idleInTransactionTimeout close clients idle this long inside a transaction (0: never)
   * @param tlsRequired refuse clients that do not use TLS
   * @param allowPlaintextPasswords accept cleartext and MD5 authentication without TLS
   * @param adminToken bearer token the admin HTTP port requires (null: none)
   * @param adminUsers users that may open the admin console (database {@code junction})
   */
  public record Hardening(Duration loginTimeout, Duration idleClientTimeout, Duration idleInTransactionTimeout,
                          boolean tlsRequired, boolean allowPlaintextPasswords, String adminToken, Set<String> adminUsers) {
    public static Hardening defaults() {
      return new Hardening(Duration.ofSeconds(60), Duration.ZERO, Duration.ZERO, false, false, null, Set.of());
    }

    @Override
    public String toString() {
      return "Hardening[loginTimeout=" + loginTimeout + ", idleClientTimeout=" + idleClientTimeout
          + ", idleInTransactionTimeout=" + idleInTransactionTimeout + ", tlsRequired=" + tlsRequired
          + ", allowPlaintextPasswords=" + allowPlaintextPasswords + ", adminToken=" + (adminToken == null ? "none" : "<redacted>")
          + ", adminUsers=" + adminUsers + "]";
    }
  }

  /** The configuration of earlier versions, with default pooling and hardening. */
  public ProxyConfig(String host, int port, String adminHost, int adminPort, AuthMethod auth,
                     Map<String, Credential> users, Path tlsCertificate, Path tlsPrivateKey,
                     int maxConnections, int maxMessageBytes, Duration shutdownGrace, int workerThreads) {
    this(host, port, adminHost, adminPort, auth, users, tlsCertificate, tlsPrivateKey, maxConnections, maxMessageBytes,
        shutdownGrace, workerThreads, Pooling.defaults(), Hardening.defaults());
  }

  public static ProxyConfig defaults() {
    return new ProxyConfig("127.0.0.1", 6432, "127.0.0.1", 9187, AuthMethod.SCRAM_SHA_256, Map.of(), null, null,
        1000, 64 << 20, Duration.ofSeconds(30), defaultWorkerThreads());
  }

  /**
   * Half the cores, at least one. WHY not one per core: the proxy is a sidecar that shares its host
   * with the application (and, in the benchmark, with the servers). On 2 cores, pgbench select-only
   * through one event loop cost 30-32 us of proxy CPU per transaction against 39-41 us through two
   * (same build, same run; docs/proxy.md, Measured): fewer threads than busy cores means fewer
   * wake-ups and context switches, which were the largest item in the profile. A host dedicated to
   * the proxy can raise it with {@code worker-threads}.
   */
  static int defaultWorkerThreads() {
    return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
  }

  public ProxyConfig withPorts(int port, int adminPort) {
    return new ProxyConfig(host, port, adminHost, adminPort, auth, users, tlsCertificate, tlsPrivateKey, maxConnections,
        maxMessageBytes, shutdownGrace, workerThreads, pooling, hardening);
  }

  public ProxyConfig withAuth(AuthMethod method, Map<String, Credential> users) {
    return new ProxyConfig(host, port, adminHost, adminPort, method, Map.copyOf(users), tlsCertificate, tlsPrivateKey,
        maxConnections, maxMessageBytes, shutdownGrace, workerThreads, pooling, hardening);
  }

  public ProxyConfig withPooling(Pooling pooling) {
    return new ProxyConfig(host, port, adminHost, adminPort, auth, users, tlsCertificate, tlsPrivateKey,
        maxConnections, maxMessageBytes, shutdownGrace, workerThreads, pooling, hardening);
  }

  public ProxyConfig withHardening(Hardening hardening) {
    return new ProxyConfig(host, port, adminHost, adminPort, auth, users, tlsCertificate, tlsPrivateKey,
        maxConnections, maxMessageBytes, shutdownGrace, workerThreads, pooling, hardening);
  }

  public ProxyConfig withShutdownGrace(Duration shutdownGrace) {
    return new ProxyConfig(host, port, adminHost, adminPort, auth, users, tlsCertificate, tlsPrivateKey,
        maxConnections, maxMessageBytes, shutdownGrace, workerThreads, pooling, hardening);
  }

  public ProxyConfig withMaxConnections(int maxConnections) {
    return new ProxyConfig(host, port, adminHost, adminPort, auth, users, tlsCertificate, tlsPrivateKey,
        maxConnections, maxMessageBytes, shutdownGrace, workerThreads, pooling, hardening);
  }

  public boolean tlsEnabled() {
    return tlsCertificate != null;
  }

  public boolean tlsRequired() { return hardening.tlsRequired(); }
  public boolean allowPlaintextPasswords() { return hardening.allowPlaintextPasswords(); }
  public Duration loginTimeout() { return hardening.loginTimeout(); }
  public Duration idleClientTimeout() { return hardening.idleClientTimeout(); }
  public Duration idleInTransactionTimeout() { return hardening.idleInTransactionTimeout(); }
  public Set<String> adminUsers() { return hardening.adminUsers(); }

  @Override
  public String toString() {
    return "ProxyConfig[listen=" + host + ":" + port + ", admin=" + adminHost + ":" + adminPort + ", auth=" + auth
        + ", users=" + users.keySet() + ", tls=" + tlsEnabled() + ", maxConnections=" + maxConnections + ", pooling=" + pooling
        + ", " + hardening + "]";
  }

  /** Reads {@code junction.proxy} from the YAML file (absent: defaults). */
  @SuppressWarnings("unchecked")
  public static ProxyConfig load(Path file) {
    Object root;
    try (Reader reader = Files.newBufferedReader(file)) {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
    } catch (IOException e) {
      throw new ConfigException("file " + file, "cannot read: " + e.getMessage());
    }
    Map<String, Object> top = root instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    Object junction = top.getOrDefault("junction", top);
    Object proxy = junction instanceof Map<?, ?> j ? ((Map<String, Object>) j).get("proxy") : null;
    return fromMap(proxy == null ? Map.of() : (Map<String, Object>) proxy);
  }

  @SuppressWarnings("unchecked")
  static ProxyConfig fromMap(Map<String, Object> p) {
    return fromMap(p, System::getenv);
  }

  private static final java.util.regex.Pattern ENV = java.util.regex.Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?}");

  /** Expands {@code ${NAME}} and {@code ${NAME:default}}; an unset variable without default fails naming the key. */
  static String expand(String key, String text, java.util.function.Function<String, String> env) {
    java.util.regex.Matcher m = ENV.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = env.apply(m.group(1));
      if (value == null) {
        value = m.group(2);
      }
      if (value == null) {
        throw new ConfigException(key, "environment variable " + m.group(1) + " is not set and no default was given (use ${"
            + m.group(1) + ":default})");
      }
      m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  @SuppressWarnings("unchecked")
  static ProxyConfig fromMap(Map<String, Object> p, java.util.function.Function<String, String> env) {
    Set<String> accepted = Set.of("listen", "admin-listen", "auth", "users", "tls", "max-connections", "max-message-size",
        "shutdown-grace", "worker-threads", "pool-mode", "query-wait-timeout", "max-prepared-statements", "login-timeout",
        "idle-client-timeout", "idle-in-transaction-timeout", "allow-plaintext-passwords", "admin-token", "admin-users");
    for (String key : p.keySet()) {
      if (!accepted.contains(key)) {
        throw new ConfigException("junction.proxy." + key, "unknown key; accepted keys here: " + String.join(", ", new TreeSet<>(accepted)));
      }
    }
    ProxyConfig d = defaults();
    String[] listen = hostPort("junction.proxy.listen", p.getOrDefault("listen", d.host + ":" + d.port));
    String[] admin = hostPort("junction.proxy.admin-listen", p.getOrDefault("admin-listen", d.adminHost + ":" + d.adminPort));
    AuthMethod auth = p.containsKey("auth") ? ConfigValues.enumValue("junction.proxy.auth", p.get("auth"), AuthMethod.class) : d.auth;
    Map<String, Credential> users = new LinkedHashMap<>();
    Object userList = p.get("users");
    if (userList != null) {
      if (!(userList instanceof List<?> list)) {
        throw new ConfigException("junction.proxy.users", "expected a list of {name, password}");
      }
      for (int i = 0; i < list.size(); i++) {
        String key = "junction.proxy.users[" + i + "]";
        if (!(list.get(i) instanceof Map<?, ?> u) || u.get("name") == null || u.get("password") == null) {
          throw new ConfigException(key, "each user needs name and password (a plain password or a PostgreSQL SCRAM/MD5 verifier)");
        }
        try {
          users.put(String.valueOf(u.get("name")), Credential.parse(expand(key + ".password", String.valueOf(u.get("password")), env)));
        } catch (IllegalArgumentException e) {
          throw new ConfigException(key + ".password", e.getMessage());
        }
      }
    }
    if (auth != AuthMethod.TRUST && users.isEmpty()) {
      throw new ConfigException("junction.proxy.users", "no users configured for auth " + auth.name().toLowerCase().replace('_', '-')
          + "; add users, or set auth: trust (only on a trusted network)");
    }
    Path cert = null;
    Path key = null;
    boolean tlsRequired = false;
    if (p.get("tls") instanceof Map<?, ?> tls) {
      for (Object k : tls.keySet()) {
        if (!Set.of("certificate", "private-key", "mode").contains(String.valueOf(k))) {
          throw new ConfigException("junction.proxy.tls." + k, "unknown key; accepted keys here: certificate, mode, private-key");
        }
      }
      Object mode = tls.get("mode");
      if (mode != null) {
        String m = String.valueOf(mode).toLowerCase(java.util.Locale.ROOT);
        if (!m.equals("require") && !m.equals("prefer")) {
          throw new ConfigException("junction.proxy.tls.mode", "expected prefer (TLS when the client asks) or require, got " + mode);
        }
        tlsRequired = m.equals("require");
      }
      Object c = tls.get("certificate");
      Object k = tls.get("private-key");
      if (c == null || k == null) {
        throw new ConfigException("junction.proxy.tls", "needs both certificate and private-key (PEM files)");
      }
      cert = Path.of(String.valueOf(c));
      key = Path.of(String.valueOf(k));
      for (Path f : List.of(cert, key)) {
        if (!Files.isReadable(f)) {
          throw new ConfigException("junction.proxy.tls", "cannot read " + f);
        }
      }
    }
    int maxConnections = p.containsKey("max-connections") ? ConfigValues.integer("junction.proxy.max-connections", p.get("max-connections")) : d.maxConnections;
    long maxMessage = p.containsKey("max-message-size") ? ConfigValues.bytes("junction.proxy.max-message-size", p.get("max-message-size")) : d.maxMessageBytes;
    if (maxMessage < 1024 || maxMessage > (1L << 30)) {
      throw new ConfigException("junction.proxy.max-message-size", "must be between 1KB and 1GB, got " + maxMessage);
    }
    Duration grace = p.containsKey("shutdown-grace") ? ConfigValues.duration("junction.proxy.shutdown-grace", p.get("shutdown-grace")) : d.shutdownGrace;
    int workers = p.containsKey("worker-threads") ? ConfigValues.integer("junction.proxy.worker-threads", p.get("worker-threads")) : d.workerThreads;
    if (workers < 1 || workers > 256) {
      throw new ConfigException("junction.proxy.worker-threads", "must be between 1 and 256, got " + workers);
    }
    Pooling dp = Pooling.defaults();
    RelayRuntime.PoolMode mode = p.containsKey("pool-mode")
        ? ConfigValues.enumValue("junction.proxy.pool-mode", p.get("pool-mode"), RelayRuntime.PoolMode.class) : dp.mode();
    Duration wait = p.containsKey("query-wait-timeout") ? ConfigValues.duration("junction.proxy.query-wait-timeout", p.get("query-wait-timeout")) : dp.queryWaitTimeout();
    int maxPrepared = p.containsKey("max-prepared-statements")
        ? ConfigValues.integer("junction.proxy.max-prepared-statements", p.get("max-prepared-statements")) : dp.maxPreparedStatements();
    if (maxPrepared < 1) {
      throw new ConfigException("junction.proxy.max-prepared-statements", "must be >= 1, got " + maxPrepared);
    }
    Hardening dh = Hardening.defaults();
    Duration login = p.containsKey("login-timeout") ? ConfigValues.duration("junction.proxy.login-timeout", p.get("login-timeout")) : dh.loginTimeout();
    Duration idleClient = p.containsKey("idle-client-timeout")
        ? ConfigValues.duration("junction.proxy.idle-client-timeout", p.get("idle-client-timeout")) : dh.idleClientTimeout();
    Duration idleTx = p.containsKey("idle-in-transaction-timeout")
        ? ConfigValues.duration("junction.proxy.idle-in-transaction-timeout", p.get("idle-in-transaction-timeout")) : dh.idleInTransactionTimeout();
    boolean plaintext = p.containsKey("allow-plaintext-passwords") && Boolean.parseBoolean(String.valueOf(p.get("allow-plaintext-passwords")));
    String token = p.get("admin-token") == null ? null : expand("junction.proxy.admin-token", String.valueOf(p.get("admin-token")), env);
    if (token != null && token.length() < 16) {
      throw new ConfigException("junction.proxy.admin-token", "must be at least 16 characters");
    }
    Set<String> adminUsers = new java.util.LinkedHashSet<>();
    if (p.get("admin-users") instanceof List<?> list) {
      list.forEach(u -> adminUsers.add(String.valueOf(u)));
    } else if (p.get("admin-users") != null) {
      throw new ConfigException("junction.proxy.admin-users", "expected a list of user names");
    }
    if (tlsRequired && cert == null) {
      throw new ConfigException("junction.proxy.tls.mode", "require needs a certificate and private-key");
    }
    return new ProxyConfig(listen[0], Integer.parseInt(listen[1]), admin[0], Integer.parseInt(admin[1]), auth, Map.copyOf(users),
        cert, key, maxConnections, (int) maxMessage, grace, workers, new Pooling(mode, wait, maxPrepared),
        new Hardening(login, idleClient, idleTx, tlsRequired, plaintext, token, Set.copyOf(adminUsers)));
  }

  private static String[] hostPort(String key, Object value) {
    String text = String.valueOf(value);
    int colon = text.lastIndexOf(':');
    if (colon <= 0) {
      throw new ConfigException(key, "expected host:port, e.g. 127.0.0.1:6432, got " + text);
    }
    try {
      int port = Integer.parseInt(text.substring(colon + 1));
      if (port < 0 || port > 65535) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      throw new ConfigException(key, "port must be 0..65535 (0: any free port), got " + text);
    }
    return new String[] {text.substring(0, colon), text.substring(colon + 1)};
  }
}
