package dev.junction.proxy.server;

import dev.junction.config.ConfigException;
import dev.junction.config.ConfigValues;
import dev.junction.proxy.auth.AuthMethod;
import dev.junction.proxy.auth.Credential;
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
                          int maxConnections, int maxMessageBytes, Duration shutdownGrace, int workerThreads) {

  public static ProxyConfig defaults() {
    return new ProxyConfig("127.0.0.1", 6432, "127.0.0.1", 9187, AuthMethod.SCRAM_SHA_256, Map.of(), null, null,
        1000, 64 << 20, Duration.ofSeconds(30), 256);
  }

  public ProxyConfig withPorts(int port, int adminPort) {
    return new ProxyConfig(host, port, adminHost, adminPort, auth, users, tlsCertificate, tlsPrivateKey, maxConnections,
        maxMessageBytes, shutdownGrace, workerThreads);
  }

  public ProxyConfig withAuth(AuthMethod method, Map<String, Credential> users) {
    return new ProxyConfig(host, port, adminHost, adminPort, method, Map.copyOf(users), tlsCertificate, tlsPrivateKey,
        maxConnections, maxMessageBytes, shutdownGrace, workerThreads);
  }

  public boolean tlsEnabled() {
    return tlsCertificate != null;
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
    Set<String> accepted = Set.of("listen", "admin-listen", "auth", "users", "tls", "max-connections", "max-message-size",
        "shutdown-grace", "worker-threads");
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
        users.put(String.valueOf(u.get("name")), Credential.parse(String.valueOf(u.get("password"))));
      }
    }
    if (auth != AuthMethod.TRUST && users.isEmpty()) {
      throw new ConfigException("junction.proxy.users", "no users configured for auth " + auth.name().toLowerCase().replace('_', '-')
          + "; add users, or set auth: trust (only on a trusted network)");
    }
    Path cert = null;
    Path key = null;
    if (p.get("tls") instanceof Map<?, ?> tls) {
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
    return new ProxyConfig(listen[0], Integer.parseInt(listen[1]), admin[0], Integer.parseInt(admin[1]), auth, Map.copyOf(users),
        cert, key, maxConnections, (int) maxMessage, grace, workers);
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
