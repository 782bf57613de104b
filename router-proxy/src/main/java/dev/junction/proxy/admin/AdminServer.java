package dev.junction.proxy.admin;

import dev.junction.jdbc.EndpointHealth;
import dev.junction.jdbc.RoutingDataSource;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;

/**
 * The proxy's operator port: {@code /health} (readiness: JSON per endpoint; 503 when a primary is
 * down or the proxy is draining), {@code /live} (liveness, when the proxy serves it with {@link #route}),
 * {@code /metrics} (Prometheus text from the router's Micrometer meters), {@code /status} (JSON:
 * sessions and pools) and {@code /explain?sql=...} (where a statement would be routed, and why).
 * Read-only by design. It runs on its own event loop, so a busy proxy still answers health checks;
 * with a token configured every request needs {@code Authorization: Bearer <token>}.
 *
 * <p>More pages (a static HTML page, another JSON view) plug in with {@link #route(String, Supplier)}.
 */
public final class AdminServer implements AutoCloseable {
  private final RoutingDataSource dataSource;
  private final PrometheusMeterRegistry registry;
  private final Channel channel;
  private final String token;
  private final java.util.Map<String, Supplier<FullHttpResponse>> routes = new java.util.concurrent.ConcurrentHashMap<>();
  /** Set when the proxy stops accepting clients: {@code /health} answers 503 from then on. */
  private volatile boolean draining;

  public AdminServer(String host, int port, RoutingDataSource dataSource, PrometheusMeterRegistry registry, EventLoopGroup group)
      throws InterruptedException {
    this(host, port, dataSource, registry, group, null, () -> "{}\n");
  }

  public AdminServer(String host, int port, RoutingDataSource dataSource, PrometheusMeterRegistry registry, EventLoopGroup group,
                     String token, Supplier<String> status) throws InterruptedException {
    this.dataSource = dataSource;
    this.registry = registry;
    this.token = token;
    route("/status", () -> json(HttpResponseStatus.OK, status.get()));
    this.channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpServerCodec(4096, 8192, 8192), new HttpObjectAggregator(16 * 1024), new Handler());
          }
        })
        .bind(host, port).sync().channel();
  }

  /** Serves {@code path} (GET) from {@code page}; for extra operator pages. */
  public void route(String path, Supplier<FullHttpResponse> page) {
    routes.put(path, page);
  }

  /** A JSON response, for pages added with {@link #route}. */
  public static FullHttpResponse json(HttpResponseStatus status, String body) {
    FullHttpResponse response = text(status, body);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
    return response;
  }

  /**
   * From now on {@code /health} answers 503 {@code "DRAINING"}: the proxy has stopped accepting clients
   * (SIGTERM) and is waiting for open sessions, so a load balancer or Kubernetes Service must stop
   * sending it new ones. Before, {@code /health} stayed 200 until the admin port closed after the drain.
   */
  public void startDraining() {
    draining = true;
  }

  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
  }

  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      FullHttpResponse response;
      try {
        response = route(request);
      } catch (RuntimeException e) {
        response = text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "error: " + e.getMessage() + "\n");
      }
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  private FullHttpResponse route(FullHttpRequest request) {
    if (!request.decoderResult().isSuccess()) {
      return text(HttpResponseStatus.BAD_REQUEST, "malformed request\n");
    }
    if (request.method() != HttpMethod.GET) {
      return text(HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET is supported\n");
    }
    if (token != null) {
      String auth = request.headers().get(HttpHeaderNames.AUTHORIZATION);
      if (auth == null || !java.security.MessageDigest.isEqual(auth.getBytes(StandardCharsets.UTF_8),
          ("Bearer " + token).getBytes(StandardCharsets.UTF_8))) {
        FullHttpResponse denied = text(HttpResponseStatus.UNAUTHORIZED, "a bearer token is required (junction.proxy.admin-token)\n");
        denied.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
        return denied;
      }
    }
    QueryStringDecoder uri = new QueryStringDecoder(request.uri());
    Supplier<FullHttpResponse> page = routes.get(uri.path());
    if (page != null) {
      return page.get();
    }
    switch (uri.path()) {
      case "/health":
        return health();
      case "/metrics":
        FullHttpResponse metrics = text(HttpResponseStatus.OK, registry.scrape());
        metrics.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        return metrics;
      case "/explain":
        List<String> sql = uri.parameters().get("sql");
        if (sql == null || sql.isEmpty() || sql.get(0).isBlank()) {
          return text(HttpResponseStatus.BAD_REQUEST, "usage: /explain?sql=<url-encoded statement>\n");
        }
        return text(HttpResponseStatus.OK, dataSource.explain(sql.get(0)).render());
      default:
        return text(HttpResponseStatus.NOT_FOUND, "endpoints: /health, /live, /metrics, /status, /explain?sql=..., /admin/ (the live page)\n");
    }
  }

  private FullHttpResponse health() {
    List<EndpointHealth> endpoints = dataSource.health();
    boolean primariesUp = endpoints.stream().filter(h -> h.role().equals("primary")).allMatch(EndpointHealth::up);
    boolean ready = primariesUp && !draining;
    StringBuilder json = new StringBuilder("{\"status\":\"").append(draining ? "DRAINING" : primariesUp ? "UP" : "DOWN")
        .append("\",\"endpoints\":[");
    for (int i = 0; i < endpoints.size(); i++) {
      EndpointHealth h = endpoints.get(i);
      if (i > 0) {
        json.append(',');
      }
      json.append("{\"shard\":").append(Json.quote(h.shard()))
          .append(",\"endpoint\":").append(Json.quote(h.endpoint()))
          .append(",\"role\":").append(Json.quote(h.role()))
          .append(",\"status\":\"").append(h.up() ? (h.inRotation() ? "UP" : "LAGGING") : "DOWN").append('"')
          .append(",\"lagMillis\":").append(h.lagMillis())
          .append(",\"lagBytes\":").append(h.lagBytes())
          .append(",\"replayedPosition\":").append(Json.quote(h.replayedPosition()))
          .append(",\"consecutiveFailures\":").append(h.consecutiveFailures())
          .append(",\"lastError\":").append(Json.quote(h.lastError()))
          .append(",\"activeConnections\":").append(h.activeConnections())
          .append('}');
    }
    // The fence store is reported, not judged: while it is down fenced reads go to the primary (slower, correct).
    var store = dataSource.fenceStoreStatus();
    json.append("],\"fenceStore\":{\"kind\":").append(Json.quote(dataSource.fenceStoreKind()))
        .append(",\"status\":\"").append(store.up() ? "UP" : "DOWN").append('"')
        .append(",\"detail\":").append(Json.quote(store.detail())).append("}}\n");
    FullHttpResponse response = text(ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, json.toString());
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
    return response;
  }

  private static FullHttpResponse text(HttpResponseStatus status, String body) {
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
        Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
    return response;
  }
}
