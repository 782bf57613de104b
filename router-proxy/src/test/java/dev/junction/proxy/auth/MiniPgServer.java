package dev.junction.proxy.auth;

import dev.junction.proxy.protocol.BackendEncoder;
import dev.junction.proxy.protocol.BackendMessage;
import dev.junction.proxy.protocol.BackendMessage.BackendKeyData;
import dev.junction.proxy.protocol.BackendMessage.CommandComplete;
import dev.junction.proxy.protocol.BackendMessage.Empty;
import dev.junction.proxy.protocol.BackendMessage.EncryptionResponse;
import dev.junction.proxy.protocol.BackendMessage.ErrorResponse;
import dev.junction.proxy.protocol.BackendMessage.ParameterDescription;
import dev.junction.proxy.protocol.BackendMessage.ParameterStatus;
import dev.junction.proxy.protocol.BackendMessage.ReadyForQuery;
import dev.junction.proxy.protocol.BackendMessage.RowDescription;
import dev.junction.proxy.protocol.DataRowWriter;
import dev.junction.proxy.protocol.FieldDescription;
import dev.junction.proxy.protocol.Format;
import dev.junction.proxy.protocol.FrontendDecoder;
import dev.junction.proxy.protocol.FrontendMessage;
import dev.junction.proxy.protocol.FrontendMessage.Bind;
import dev.junction.proxy.protocol.FrontendMessage.Describe;
import dev.junction.proxy.protocol.FrontendMessage.Execute;
import dev.junction.proxy.protocol.FrontendMessage.Parse;
import dev.junction.proxy.protocol.FrontendMessage.PasswordMessage;
import dev.junction.proxy.protocol.FrontendMessage.Query;
import dev.junction.proxy.protocol.FrontendMessage.StartupMessage;
import dev.junction.proxy.protocol.FrontendMessage.Target;
import dev.junction.proxy.protocol.PgError;
import dev.junction.proxy.protocol.PgType;
import dev.junction.proxy.protocol.PgValueCodec;
import dev.junction.proxy.protocol.ProtocolErrorHandler;
import dev.junction.proxy.protocol.ValueFormatException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Test scaffolding, not product code: a loopback server that runs the startup and authentication
 * handshake with the real protocol classes, then answers queries from a {@link Results} callback
 * (default: every statement is a command without rows), so a real client such as pgjdbc can be
 * pointed at it.
 */
public final class MiniPgServer implements AutoCloseable {

  /** A result column. */
  public record Column(String name, PgType type) {
  }

  /** What a statement returns: rows, or just a command tag. */
  public record Result(List<Column> columns, List<List<Object>> rows, String tag) {
    public static Result command(String tag) {
      return new Result(List.of(), List.of(), tag);
    }
  }

  /** Answers statements; parameters arrive decoded by {@link PgValueCodec}. */
  public interface Results {
    Result execute(String sql, List<Integer> parameterTypes, List<Object> parameters);
  }

  public static final Results COMMANDS_ONLY = (sql, types, params) -> Result.command(tagOf(sql));

  private final EventLoopGroup group = new NioEventLoopGroup(1);
  private final Channel serverChannel;
  private final Function<StartupMessage, Authenticator> authenticators;
  private final Results results;
  /** Every message the clients sent, in order. */
  public final List<FrontendMessage> received = new CopyOnWriteArrayList<>();
  /** Log details of authentication failures. */
  public final List<String> authFailures = new CopyOnWriteArrayList<>();

  public MiniPgServer(Function<StartupMessage, Authenticator> authenticators) {
    this(authenticators, COMMANDS_ONLY);
  }

  public MiniPgServer(Function<StartupMessage, Authenticator> authenticators, Results results) {
    this.authenticators = authenticators;
    this.results = results;
    ProtocolErrorHandler errors = new ProtocolErrorHandler();
    BackendEncoder encoder = new BackendEncoder();
    serverChannel = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            FrontendDecoder decoder = new FrontendDecoder();
            ch.pipeline().addLast(decoder, encoder, new Session(decoder), errors);
          }
        })
        .bind(new InetSocketAddress("127.0.0.1", 0))
        .syncUninterruptibly()
        .channel();
  }

  public int port() {
    return ((InetSocketAddress) serverChannel.localAddress()).getPort();
  }

  public String url(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
  }

  @Override
  public void close() {
    serverChannel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 200, TimeUnit.MILLISECONDS).syncUninterruptibly();
  }

  static String tagOf(String sql) {
    String trimmed = sql.strip();
    int end = 0;
    while (end < trimmed.length() && Character.isLetter(trimmed.charAt(end))) {
      end++;
    }
    return trimmed.substring(0, end).toUpperCase(Locale.ROOT);
  }

  /** One connection. */
  private final class Session extends ChannelInboundHandlerAdapter {
    private final FrontendDecoder decoder;
    private final PgValueCodec codec = new PgValueCodec();
    private final DataRowWriter rows = new DataRowWriter();
    private final Map<String, Parse> statements = new HashMap<>();
    private final Map<String, Portal> portals = new HashMap<>();
    private Authenticator authenticator;
    private boolean skipUntilSync;

    private record Portal(Parse parse, Bind bind, Result result) {
    }

    Session(FrontendDecoder decoder) {
      this.decoder = decoder;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      FrontendMessage m = (FrontendMessage) msg;
      received.add(m);
      if (m instanceof FrontendMessage.SslRequest || m instanceof FrontendMessage.GssEncRequest) {
        ctx.writeAndFlush(EncryptionResponse.DECLINED);
      } else if (m instanceof StartupMessage startup) {
        startup.negotiation().ifPresent(ctx::write);
        authenticator = authenticators.apply(startup);
        handle(ctx, authenticator.start());
      } else if (m instanceof PasswordMessage p) {
        handle(ctx, authenticator.onPasswordMessage(p.payload()));
      } else if (m instanceof FrontendMessage.Terminate || m instanceof FrontendMessage.CancelRequest) {
        ctx.close();
      } else if (m instanceof FrontendMessage.Sync) {
        skipUntilSync = false;
        ctx.writeAndFlush(ReadyForQuery.IDLE);
      } else if (m instanceof FrontendMessage.Flush) {
        ctx.flush();
      } else if (m instanceof Query q) {
        simpleQuery(ctx, q.sql());
      } else if (!skipUntilSync) {
        try {
          extended(ctx, m);
        } catch (ValueFormatException e) {
          ctx.write(new ErrorResponse(e.toError()));
          skipUntilSync = true;
        }
      }
    }

    private void handle(ChannelHandlerContext ctx, AuthStep step) {
      if (step instanceof AuthStep.Challenge c) {
        ctx.writeAndFlush(c.message());
      } else if (step instanceof AuthStep.Success s) {
        s.messages().forEach(ctx::write);
        decoder.authenticationSucceeded();
        ctx.write(new ParameterStatus("server_version", "15.0"));
        ctx.write(new ParameterStatus("client_encoding", "UTF8"));
        ctx.write(new ParameterStatus("DateStyle", "ISO, MDY"));
        ctx.write(new ParameterStatus("integer_datetimes", "on"));
        ctx.write(new ParameterStatus("standard_conforming_strings", "on"));
        ctx.write(new ParameterStatus("TimeZone", "UTC"));
        ctx.write(new BackendKeyData(4242, 0x5EC12E7));
        ctx.writeAndFlush(ReadyForQuery.IDLE);
      } else if (step instanceof AuthStep.Failure f) {
        authFailures.add(f.logDetail());
        ctx.writeAndFlush(new ErrorResponse(f.error())).addListener(ChannelFutureListener.CLOSE);
      }
    }

    private void simpleQuery(ChannelHandlerContext ctx, String sql) {
      if (sql.isBlank()) {
        ctx.write(Empty.EMPTY_QUERY_RESPONSE);
      } else {
        Result result = results.execute(sql, List.of(), List.of());
        if (!result.columns().isEmpty()) {
          ctx.write(rowDescription(result, null));
        }
        writeRows(ctx, result, null);
      }
      ctx.writeAndFlush(ReadyForQuery.IDLE);
    }

    private void extended(ChannelHandlerContext ctx, FrontendMessage m) {
      if (m instanceof Parse p) {
        statements.put(p.statement(), p);
        ctx.write(Empty.PARSE_COMPLETE);
      } else if (m instanceof Bind b) {
        Parse parse = statements.get(b.statement());
        List<Object> params = new ArrayList<>();
        for (int i = 0; i < b.parameterValues().size(); i++) {
          int oid = i < parse.parameterTypes().size() ? parse.parameterTypes().get(i) : 0;
          params.add(codec.decode(b.parameterValues().get(i), oid, b.parameterFormat(i)));
        }
        Result result = parse.query().isBlank() ? null : results.execute(parse.query(), parse.parameterTypes(), params);
        portals.put(b.portal(), new Portal(parse, b, result));
        ctx.write(Empty.BIND_COMPLETE);
      } else if (m instanceof Describe d && d.target() == Target.STATEMENT) {
        Parse parse = statements.get(d.name());
        List<Integer> types = parse.parameterTypes().stream().map(t -> t == 0 ? PgType.TEXT.oid() : t).toList();
        ctx.write(new ParameterDescription(types));
        List<Object> nulls = new ArrayList<>();
        types.forEach(t -> nulls.add(null));
        Result shape = parse.query().isBlank() ? null : results.execute(parse.query(), types, nulls);
        ctx.write(shape == null || shape.columns().isEmpty() ? Empty.NO_DATA : rowDescription(shape, null));
      } else if (m instanceof Describe d) {
        Portal portal = portals.get(d.name());
        ctx.write(portal.result() == null || portal.result().columns().isEmpty() ? Empty.NO_DATA
            : rowDescription(portal.result(), portal.bind()));
      } else if (m instanceof Execute e) {
        Portal portal = portals.get(e.portal());
        if (portal.result() == null) {
          ctx.write(Empty.EMPTY_QUERY_RESPONSE);
        } else {
          writeRows(ctx, portal.result(), portal.bind());
        }
      } else if (m instanceof FrontendMessage.Close) {
        ctx.write(Empty.CLOSE_COMPLETE);
      } else {
        ctx.write(new ErrorResponse(PgError.error("0A000", "MiniPgServer does not handle " + m)));
        skipUntilSync = true;
      }
    }

    private RowDescription rowDescription(Result result, Bind bind) {
      List<FieldDescription> fields = new ArrayList<>();
      for (int i = 0; i < result.columns().size(); i++) {
        Column c = result.columns().get(i);
        fields.add(FieldDescription.of(c.name(), c.type(), bind == null ? Format.TEXT : bind.resultFormat(i)));
      }
      return new RowDescription(fields);
    }

    private void writeRows(ChannelHandlerContext ctx, Result result, Bind bind) {
      int n = result.columns().size();
      for (List<Object> row : result.rows()) {
        ByteBuf buf = ctx.alloc().buffer();
        rows.begin(buf, n);
        for (int i = 0; i < n; i++) {
          PgType type = result.columns().get(i).type();
          if (bind != null && bind.resultFormat(i) == Format.BINARY) {
            rows.writeBytes(codec.encodeBinary(row.get(i), type));
          } else {
            rows.writeText(codec.encodeText(row.get(i), type));
          }
        }
        rows.end();
        ctx.write(buf);
      }
      ctx.write(new CommandComplete(result.columns().isEmpty() ? result.tag() : "SELECT " + result.rows().size()));
    }
  }
}
