package dev.junction.proxy.server;

import dev.junction.jdbc.RoutingDataSource;
import dev.junction.proxy.relay.AdminConsole;
import dev.junction.proxy.relay.NettyTransport;
import dev.junction.proxy.relay.RelayRuntime;
import dev.junction.proxy.relay.RelaySession;
import dev.junction.proxy.relay.SessionHost;
import dev.junction.route.RouteReason;
import io.netty.channel.ChannelHandler;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import dev.junction.proxy.admin.AdminServer;
import dev.junction.proxy.protocol.BackendEncoder;
import dev.junction.proxy.protocol.DecoderLimits;
import dev.junction.proxy.protocol.FrontendDecoder;
import dev.junction.proxy.protocol.ProtocolErrorHandler;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.atomic.AtomicBoolean;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL-protocol sidecar: accepts clients (psql, pgbench, any driver) and relays their
 * messages to pooled backend connections, choosing primary or replica per unit of work with the
 * router's classifier, endpoint health and fences.
 *
 * <p>Pipeline per client: [TLS] → {@link FrontendDecoder} → {@link BackendEncoder} → {@link RelaySession}
 * → {@link ProtocolErrorHandler}, on one of {@code worker-threads} event loops; the backend
 * connections a session borrows live on the same loop (see {@code Pool}). With
 * {@code junction.sharding} the relay routes each unit by shard ({@code ShardRelay}), transactions over
 * several shards included. The admin HTTP server runs
 * on its own thread. A decoder failure on one connection answers that client with an
 * ErrorResponse and closes it; the server keeps serving the others.
 */
public final class ProxyServer implements AutoCloseable, SessionHost {
  private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

  private volatile ProxyConfig config;
  private final RoutingDataSource dataSource;
  private final SslContext sslContext;
  private final EventLoopGroup boss = NettyTransport.group(1);
  private final EventLoopGroup io;
  private final EventLoopGroup adminLoop = new NioEventLoopGroup(1);
  private final Map<Integer, RelaySession> relaySessions = new ConcurrentHashMap<>();
  private final AtomicInteger nextProcessId = new AtomicInteger(10_000);
  private final SecureRandom random = new SecureRandom();
  private final Channel channel;
  private final AdminServer admin;
  /** The live admin page on the admin port ({@code /admin/}). */
  private final dev.junction.proxy.admin.AdminPage adminPage;
  private final RelayRuntime runtime;
  private final AdminConsole console;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ChannelGroup clients = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final java.util.concurrent.atomic.LongAdder accepted = new java.util.concurrent.atomic.LongAdder();
  private volatile Path configFile;

  /**
   * The proxy speaks PostgreSQL to its clients and, relaying or through its sharded session, to its
   * servers. A MySQL or MariaDB configuration would start and then fail every session on its first
   * statement with a syntax error (the session settings are PostgreSQL's), so it is refused here,
   * naming the key and the way that works for those servers.
   */
  public static void requirePostgres(dev.junction.config.JunctionConfig routing) {
    if (routing.dialect() != dev.junction.classify.Dialect.POSTGRESQL) {
      throw new dev.junction.config.ConfigException("junction.dialect", "the proxy serves PostgreSQL clients from PostgreSQL"
          + " servers only, got " + routing.dialect().name().toLowerCase(java.util.Locale.ROOT) + "; for MySQL or MariaDB use"
          + " the library (RoutingDataSource) or the Spring Boot starter in the application");
    }
  }

  public ProxyServer(ProxyConfig config, RoutingDataSource dataSource, PrometheusMeterRegistry registry) throws Exception {
    requirePostgres(dataSource.config());
    this.config = config;
    this.dataSource = dataSource;
    this.sslContext = config.tlsEnabled()
        ? SslContextBuilder.forServer(config.tlsCertificate().toFile(), config.tlsPrivateKey().toFile()).build() : null;
    this.io = NettyTransport.group(config.workerThreads());
    this.runtime = new RelayRuntime(dataSource.config(), dataSource::endpointStates, dataSource::classify, io, registry,
        config.pooling().mode(), config.pooling().queryWaitTimeout(), config.pooling().maxPreparedStatements(),
        dataSource.isSharded() ? new dev.junction.jdbc.internal.ShardRouter(dataSource) : null);
    this.console = new AdminConsole(new ConsoleBackend());
    Gauge.builder("junction.proxy.sessions", this, ProxyServer::sessionCount).description("Client sessions of the proxy").register(registry);
    if (runtime != null) {
      Gauge.builder("junction.proxy.backend.active", runtime, RelayRuntime::activeConnections)
          .description("Backend connections lent to clients").register(registry);
    }
    DecoderLimits limits = new DecoderLimits(config.maxMessageBytes(), DecoderLimits.DEFAULT_MAX_STARTUP_PACKET_LENGTH);
    BackendEncoder encoder = new BackendEncoder();
    ProtocolErrorHandler errors = new ProtocolErrorHandler();
    this.channel = new ServerBootstrap().group(boss, io).channel(NettyTransport.serverChannel())
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.SO_KEEPALIVE, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            clients.add(ch);
            accepted.increment();
            FrontendDecoder decoder = new FrontendDecoder(limits);
            ChannelHandler session = new RelaySession(ProxyServer.this, decoder, nextProcessId.incrementAndGet(), random.nextInt());
            ch.pipeline().addLast("coalescer", new WriteCoalescer()).addLast("decoder", decoder).addLast("encoder", encoder)
                .addLast("session", session).addLast("errors", errors);
          }
        })
        .bind(config.host(), config.port()).sync().channel();
    this.admin = new AdminServer(config.adminHost(), config.adminPort(), dataSource, registry, adminLoop,
        config.hardening().adminToken(), this::statusJson);
    this.adminPage = dev.junction.proxy.admin.AdminPage.mount(admin, dataSource);
    admin.route("/live", this::liveness);
    io.scheduleAtFixedRate(this::sweep, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
    log.info("Junction proxy listening on {}:{} (admin on {}:{}), auth {}, TLS {}, {} pooling, {} transport", config.host(), port(),
        config.adminHost(), admin.port(), config.auth(), sslContext == null ? "off" : config.tlsRequired() ? "required" : "on",
        config.pooling().mode().name().toLowerCase(), NettyTransport.name());
  }

  /** Checks idle and idle-in-transaction timeouts of every relay session on its own loop. */
  private void sweep() {
    long now = System.nanoTime();
    for (RelaySession s : relaySessions.values()) {
      if (s.loop() != null) {
        s.loop().execute(() -> s.checkTimeouts(now));
      }
    }
  }

  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  public int adminPort() {
    return admin.port();
  }

  /** The file {@code RELOAD} and SIGHUP re-read (null: reload refused). */
  public void configFile(Path file) {
    this.configFile = file;
  }

  @Override
  public ProxyConfig config() { return config; }
  @Override
  public SslContext sslContext() { return sslContext; }
  @Override
  public RelayRuntime runtime() { return runtime; }
  @Override
  public AdminConsole admin() { return console; }

  @Override
  public boolean admit(RelaySession session) {
    if (sessionCount() >= config.maxConnections()) {
      return false;
    }
    relaySessions.put(session.processId(), session);
    return true;
  }

  @Override
  public void unregister(RelaySession session) {
    relaySessions.remove(session.processId(), session);
  }

  @Override
  public void cancel(int processId, int secretKey) {
    RelaySession relay = relaySessions.get(processId);
    if (relay != null && relay.loop() != null) {
      relay.loop().execute(() -> relay.cancel(secretKey));
    }
  }

  public int sessionCount() {
    return relaySessions.size();
  }

  /**
   * Re-reads the configuration file: proxy users, admin settings, timeouts and endpoint pool sizes
   * take effect for new logins and acquisitions; clients stay connected. Changes that need a restart
   * (listen address, endpoints, sharding, TLS files) are refused with the reason.
   */
  public synchronized String reload() {
    Path file = configFile;
    if (file == null) {
      throw new IllegalStateException("this proxy was not started from a configuration file; nothing to reload");
    }
    ProxyConfig next = ProxyConfig.load(file);
    dev.junction.config.JunctionConfig routing = dev.junction.config.YamlConfigLoader.load(file);
    ProxyConfig current = config;
    if (!next.host().equals(current.host()) || next.port() != current.port() && current.port() != 0
        || next.workerThreads() != current.workerThreads() || next.tlsEnabled() != current.tlsEnabled()) {
      throw new IllegalStateException("listen, worker-threads and tls changes need a restart; nothing was changed");
    }
    List<String> changes = new java.util.ArrayList<>();
    if (runtime != null) {
      changes.addAll(runtime.reload(routing));
    }
    if (!next.users().keySet().equals(current.users().keySet()) || !next.users().equals(current.users())) {
      changes.add("users");
    }
    config = new ProxyConfig(current.host(), current.port(), current.adminHost(), current.adminPort(), next.auth(), next.users(),
        current.tlsCertificate(), current.tlsPrivateKey(), next.maxConnections(), next.maxMessageBytes(), next.shutdownGrace(),
        current.workerThreads(), new ProxyConfig.Pooling(current.pooling().mode(), next.pooling().queryWaitTimeout(),
        next.pooling().maxPreparedStatements()), next.hardening());
    String summary = changes.isEmpty() ? "configuration reloaded; nothing changed" : "configuration reloaded; changed: " + String.join(", ", changes);
    log.info(summary);
    return summary;
  }

  private String statusJson() {
    StringBuilder json = new StringBuilder("{\"sessions\":").append(sessionCount()).append(",\"accepted\":").append(accepted.sum());
    if (runtime != null) {
      json.append(",\"pools\":[");
      List<String[]> rows = runtime.poolRows();
      for (int i = 0; i < rows.size(); i++) {
        String[] r = rows.get(i);
        json.append(i == 0 ? "" : ",").append("{\"shard\":").append(dev.junction.proxy.admin.Json.quote(r[0]))
            .append(",\"endpoint\":").append(dev.junction.proxy.admin.Json.quote(r[1]))
            .append(",\"role\":\"").append(r[2]).append("\",\"active\":").append(r[3]).append(",\"idle\":").append(r[4])
            .append(",\"waiting\":").append(r[5]).append(",\"size\":").append(r[6]).append('}');
      }
      json.append(']');
    }
    return json.append("}\n").toString();
  }

  /** What the admin console shows. */
  private final class ConsoleBackend implements AdminConsole.Backend {
    @Override
    public RelayRuntime runtime() {
      if (runtime == null) {
        throw new IllegalStateException("the admin console needs the relaying proxy (not available with sharding yet)");
      }
      return runtime;
    }

    @Override
    public List<String[]> clients() {
      List<String[]> rows = new java.util.ArrayList<>();
      for (RelaySession s : relaySessions.values()) {
        rows.add(s.describe());
      }
      return rows;
    }

    @Override
    public List<String[]> stats() {
      List<String[]> rows = new java.util.ArrayList<>();
      rows.add(new String[] {"clients", Integer.toString(sessionCount())});
      rows.add(new String[] {"accepted_connections", Long.toString(accepted.sum())});
      if (runtime != null) {
        rows.add(new String[] {"backend_active", Integer.toString(runtime.activeConnections())});
        rows.add(new String[] {"prepared_statements", Integer.toString(runtime.preparedStatementCount())});
        rows.add(new String[] {"paused", Boolean.toString(runtime.paused())});
        for (RouteReason reason : RouteReason.values()) {
          rows.add(new String[] {"routed_" + reason.tag(), Long.toString((long) dataSource.routedCount(reason))});
        }
      }
      return rows;
    }

    @Override
    public List<String[]> lag() {
      List<String[]> rows = new java.util.ArrayList<>();
      for (dev.junction.jdbc.EndpointHealth h : dataSource.health()) {
        rows.add(new String[] {h.shard(), h.endpoint(), h.role(), Boolean.toString(h.up()), Boolean.toString(h.inRotation()),
            Long.toString(h.lagMillis()), Long.toString(h.lagBytes()), h.replayedPosition()});
      }
      return rows;
    }

    @Override
    public String reload() {
      return ProxyServer.this.reload();
    }
  }

  /** How long {@code /live} waits for every event loop to run a no-op task. */
  private static final long LIVENESS_WAIT_MILLIS = 2_000;

  /**
   * {@code /live}: 200 while the listening socket is open and every event loop (acceptor and I/O) runs a
   * task within {@value #LIVENESS_WAIT_MILLIS} ms; 503 when one does not (a wedged loop: a restart helps)
   * and while draining on shutdown. Why not {@code /health}: it answers 503 while a primary is down,
   * and restarting the proxy cannot bring a database back; a liveness probe on it restarts healthy
   * proxies during every database outage and drops their clients' sessions.
   */
  private FullHttpResponse liveness() {
    HttpResponseStatus unavailable = HttpResponseStatus.SERVICE_UNAVAILABLE;
    if (closed.get()) {
      return AdminServer.json(unavailable, "{\"status\":\"DRAINING\",\"sessions\":" + sessionCount() + "}\n");
    }
    if (!channel.isActive()) {
      return AdminServer.json(unavailable, "{\"status\":\"DOWN\",\"detail\":\"the client port is not listening\"}\n");
    }
    List<Future<?>> pings = new ArrayList<>();
    for (EventLoopGroup group : List.of(boss, io)) {
      for (EventExecutor loop : group) {
        pings.add(loop.submit(() -> { }));
      }
    }
    long deadline = System.nanoTime() + LIVENESS_WAIT_MILLIS * 1_000_000;
    for (Future<?> ping : pings) {
      long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
      if (!ping.awaitUninterruptibly(left) || !ping.isSuccess()) {
        return AdminServer.json(unavailable, "{\"status\":\"DOWN\",\"detail\":\"an event loop did not answer within "
            + LIVENESS_WAIT_MILLIS + " ms\"}\n");
      }
    }
    return AdminServer.json(HttpResponseStatus.OK,
        "{\"status\":\"UP\",\"sessions\":" + sessionCount() + "}\n");
  }

  /** Stops accepting, lets open sessions finish for up to the configured grace, then closes everything. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    admin.startDraining(); // /health and /live answer 503 while the sessions drain
    channel.close().syncUninterruptibly();
    log.info("stopping: accepting no new clients; {} sessions open, waiting up to {} for them to finish", sessionCount(),
        config.shutdownGrace());
    long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
    while (sessionCount() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (sessionCount() > 0) {
      log.info("closing {} sessions still open after the {} grace period", sessionCount(), config.shutdownGrace());
    }
    admin.close();
    adminPage.close();
    clients.close().awaitUninterruptibly(5, java.util.concurrent.TimeUnit.SECONDS);
    if (runtime != null) {
      runtime.close();
    }
    Duration quiet = Duration.ofMillis(100);
    boss.shutdownGracefully(0, quiet.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS).syncUninterruptibly();
    io.shutdownGracefully(quiet.toMillis(), 2 * quiet.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS).syncUninterruptibly();
    adminLoop.shutdownGracefully(0, quiet.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS).syncUninterruptibly();
  }
}
