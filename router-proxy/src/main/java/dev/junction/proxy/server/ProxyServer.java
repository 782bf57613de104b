package dev.junction.proxy.server;

import dev.junction.jdbc.RoutingDataSource;
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
import java.util.concurrent.atomic.AtomicBoolean;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL-protocol sidecar: accepts clients (psql, pgbench, any driver) and runs their
 * statements through a {@link RoutingDataSource}, so applications that cannot change their data
 * access get read/write splitting and read-your-writes per session.
 *
 * <p>Pipeline per client: [TLS] → {@link FrontendDecoder} → {@link BackendEncoder} → {@link ClientSession}
 * → {@link ProtocolErrorHandler}, all on the channel's event loop (there are {@code worker-threads} loops,
 * since the session blocks in JDBC). A decoder failure on one
 * connection answers that client with an ErrorResponse and closes it; the server keeps serving the others.
 */
public final class ProxyServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

  private final ProxyConfig config;
  private final RoutingDataSource dataSource;
  private final SslContext sslContext;
  private final EventLoopGroup boss = new NioEventLoopGroup(1);
  private final EventLoopGroup io;
  private final Map<Integer, ClientSession> sessions = new ConcurrentHashMap<>();
  private final AtomicInteger nextProcessId = new AtomicInteger(10_000);
  private final SecureRandom random = new SecureRandom();
  private final String serverVersion;
  private final String serverTimeZone;
  private final Channel channel;
  private final AdminServer admin;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ChannelGroup clients = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

  public ProxyServer(ProxyConfig config, RoutingDataSource dataSource, PrometheusMeterRegistry registry) throws Exception {
    this.config = config;
    this.dataSource = dataSource;
    this.sslContext = config.tlsEnabled()
        ? SslContextBuilder.forServer(config.tlsCertificate().toFile(), config.tlsPrivateKey().toFile()).build() : null;
    // Sessions run on their channel's event loop: JDBC blocks, so there are many loops (worker-threads),
    // and a session's reads and writes need no thread handoff.
    this.io = new NioEventLoopGroup(config.workerThreads());
    String[] server = backendIdentity(dataSource);
    this.serverVersion = server[0];
    this.serverTimeZone = server[1];
    Gauge.builder("junction.proxy.sessions", sessions, Map::size).description("Client sessions of the proxy").register(registry);
    DecoderLimits limits = new DecoderLimits(config.maxMessageBytes(), DecoderLimits.DEFAULT_MAX_STARTUP_PACKET_LENGTH);
    BackendEncoder encoder = new BackendEncoder();
    ProtocolErrorHandler errors = new ProtocolErrorHandler();
    this.channel = new ServerBootstrap().group(boss, io).channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.SO_KEEPALIVE, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            clients.add(ch);
            FrontendDecoder decoder = new FrontendDecoder(limits);
            ClientSession session = new ClientSession(ProxyServer.this, decoder, nextProcessId.incrementAndGet(), random.nextInt());
            ch.pipeline().addLast("decoder", decoder).addLast("encoder", encoder)
                .addLast("session", session).addLast("errors", errors);
          }
        })
        .bind(config.host(), config.port()).sync().channel();
    this.admin = new AdminServer(config.adminHost(), config.adminPort(), dataSource, registry, io);
    log.info("Junction proxy listening on {}:{} (admin on {}:{}), auth {}, TLS {}", config.host(), port(), config.adminHost(),
        admin.port(), config.auth(), sslContext != null ? "on" : "off");
  }

  /** The backend's version and time zone, announced to clients as if the proxy were that server. */
  private static String[] backendIdentity(RoutingDataSource ds) {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT current_setting('server_version'), current_setting('TimeZone')")) {
      rs.next();
      return new String[] {rs.getString(1), rs.getString(2)};
    } catch (SQLException e) {
      log.warn("could not read the backend's version ({}); announcing 15.0", e.getMessage());
      return new String[] {"15.0", "UTC"};
    }
  }

  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  public int adminPort() {
    return admin.port();
  }

  ProxyConfig config() { return config; }
  RoutingDataSource dataSource() { return dataSource; }
  SslContext sslContext() { return sslContext; }
  String serverVersion() { return serverVersion; }
  String serverTimeZone() { return serverTimeZone; }

  /** Registers a session that passed startup; false when the connection limit is reached. */
  boolean admit(ClientSession session) {
    if (sessions.size() >= config.maxConnections()) {
      return false;
    }
    sessions.put(session.processId(), session);
    return true;
  }

  void unregister(ClientSession session) {
    sessions.remove(session.processId(), session);
  }

  void cancel(int processId, int secretKey) {
    ClientSession session = sessions.get(processId);
    if (session != null) {
      session.cancel(secretKey);
    }
  }

  public int sessionCount() {
    return sessions.size();
  }

  /** Stops accepting, lets open sessions finish for up to the configured grace, then closes everything. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    channel.close().syncUninterruptibly();
    long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
    while (!sessions.isEmpty() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (!sessions.isEmpty()) {
      log.info("closing {} sessions still open after the {} grace period", sessions.size(), config.shutdownGrace());
    }
    admin.close();
    clients.close().awaitUninterruptibly(5, java.util.concurrent.TimeUnit.SECONDS);
    Duration quiet = Duration.ofMillis(100);
    boss.shutdownGracefully(0, quiet.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS).syncUninterruptibly();
    io.shutdownGracefully(quiet.toMillis(), 2 * quiet.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS).syncUninterruptibly();
  }
}
