package dev.junction.proxy.relay;

import dev.junction.proxy.protocol.BackendMessage;
import dev.junction.proxy.protocol.FieldDescription;
import dev.junction.proxy.protocol.Format;
import dev.junction.proxy.protocol.FrontendMessage;
import dev.junction.proxy.protocol.PgError;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The admin console operators know from PgBouncer: connect to the virtual database {@code junction}
 * (as a user listed in {@code admin-users}) and run {@code SHOW POOLS | CLIENTS | SERVERS | STATS |
 * LAG | HELP}, {@code RELOAD}, {@code PAUSE}, {@code RESUME}. Simple query protocol only; every
 * answer is text columns, so {@code psql -c} and any driver can read it.
 */
public final class AdminConsole {
  public static final String DATABASE = "junction";

  /** What the console reads and the commands it runs. */
  public interface Backend {
    RelayRuntime runtime();

    /** One row per client session (see {@link RelaySession#describe()}). */
    List<String[]> clients();

    /** Counters: name and value. */
    List<String[]> stats();

    /** One row per endpoint: shard, endpoint, role, up, in rotation, lag ms, lag bytes, replayed position. */
    List<String[]> lag();

    /** Re-reads the configuration file; returns what changed, or throws with the reason it was refused. */
    String reload();
  }

  private final Backend backend;

  public AdminConsole(Backend backend) {
    this.backend = backend;
  }

  Session open(RelaySession session, ChannelHandlerContext ctx) {
    Session s = new Session(ctx);
    s.out(m -> new BackendMessage.ParameterStatus("server_version", "15.0 (Junction admin console)").writeTo(m));
    s.out(m -> new BackendMessage.ParameterStatus("server_encoding", "UTF8").writeTo(m));
    s.out(m -> new BackendMessage.ParameterStatus("client_encoding", "UTF8").writeTo(m));
    s.out(m -> new BackendMessage.ParameterStatus("DateStyle", "ISO, MDY").writeTo(m));
    s.out(m -> new BackendMessage.ParameterStatus("integer_datetimes", "on").writeTo(m));
    s.out(m -> new BackendMessage.ParameterStatus("standard_conforming_strings", "on").writeTo(m));
    s.out(m -> new BackendMessage.BackendKeyData(session.processId(), 0).writeTo(m));
    s.out(m -> BackendMessage.ReadyForQuery.IDLE.writeTo(m));
    ctx.flush();
    return s;
  }

  /** One console connection. */
  final class Session {
    private final ChannelHandlerContext ctx;

    Session(ChannelHandlerContext ctx) {
      this.ctx = ctx;
    }

    void out(java.util.function.Consumer<ByteBuf> writer) {
      ByteBuf buf = ctx.alloc().buffer(256);
      writer.accept(buf);
      ctx.write(buf, ctx.voidPromise());
    }

    void handle(FrontendMessage m) {
      if (m instanceof FrontendMessage.Terminate) {
        ctx.close();
        return;
      }
      if (!(m instanceof FrontendMessage.Query q)) {
        if (m instanceof FrontendMessage.Sync) {
          out(b -> new BackendMessage.ErrorResponse(PgError.error("0A000",
              "the Junction admin console speaks the simple query protocol only (e.g. psql -c 'SHOW POOLS')")).writeTo(b));
          out(b -> BackendMessage.ReadyForQuery.IDLE.writeTo(b));
          ctx.flush();
        }
        return;
      }
      String sql = q.sql().strip().replaceAll(";\\s*$", "").replaceAll("\\s+", " ").toUpperCase(Locale.ROOT);
      try {
        switch (sql) {
          case "SHOW POOLS" -> table(List.of("shard", "endpoint", "role", "cl_active", "sv_idle", "cl_waiting", "pool_size", "pool_mode"),
              backend.runtime().poolRows(), "SHOW");
          case "SHOW CLIENTS" -> table(List.of("user", "database", "state", "addr", "connected_s", "units", "server", "pinned"),
              backend.clients(), "SHOW");
          case "SHOW SERVERS" -> table(List.of("endpoint", "state", "backend_pid", "uses", "tx_status", "prepared"),
              backend.runtime().serverRows(), "SHOW");
          case "SHOW STATS" -> table(List.of("name", "value"), backend.stats(), "SHOW");
          case "SHOW LAG" -> table(List.of("shard", "endpoint", "role", "up", "in_rotation", "lag_ms", "lag_bytes", "replayed"),
              backend.lag(), "SHOW");
          case "SHOW HELP", "HELP" -> table(List.of("command"), List.of(new String[] {"SHOW POOLS|CLIENTS|SERVERS|STATS|LAG"},
              new String[] {"RELOAD"}, new String[] {"PAUSE"}, new String[] {"RESUME"}), "SHOW");
          case "PAUSE" -> {
            backend.runtime().pause();
            awaitIdle(System.nanoTime() + 30_000_000_000L);
            return;
          }
          case "RESUME" -> {
            backend.runtime().resume();
            complete("RESUME");
          }
          case "RELOAD" -> {
            String changed = backend.reload();
            out(b -> new BackendMessage.NoticeResponse(PgError.of(PgError.Severity.NOTICE, "00000", changed)).writeTo(b));
            complete("RELOAD");
          }
          default -> error(PgError.error("42601", "unknown admin command \"" + q.sql().strip()
              + "\"; try SHOW HELP"));
        }
      } catch (RuntimeException e) {
        error(PgError.error("55000", e.getMessage() == null ? e.toString() : e.getMessage()));
      }
    }

    /** PAUSE answers once no client holds a backend connection (or after 30 s, with a warning). */
    private void awaitIdle(long deadline) {
      int active = backend.runtime().activeConnections();
      if (active == 0) {
        complete("PAUSE");
        return;
      }
      if (System.nanoTime() - deadline >= 0) {
        out(b -> new BackendMessage.NoticeResponse(PgError.of(PgError.Severity.WARNING, "01000",
            active + " backend connections are still in use; new transactions wait until RESUME")).writeTo(b));
        complete("PAUSE");
        return;
      }
      ctx.channel().eventLoop().schedule(() -> awaitIdle(deadline), 20, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private void table(List<String> columns, List<String[]> rows, String tag) {
      List<FieldDescription> fields = new ArrayList<>();
      for (String c : columns) {
        fields.add(new FieldDescription(c, 0, 0, 25, -1, -1, Format.TEXT));
      }
      out(b -> new BackendMessage.RowDescription(fields).writeTo(b));
      for (String[] row : rows) {
        List<byte[]> values = new ArrayList<>();
        for (String v : row) {
          values.add(v == null ? null : v.getBytes(StandardCharsets.UTF_8));
        }
        out(b -> new BackendMessage.DataRow(values).writeTo(b));
      }
      complete(tag + " " + rows.size());
    }

    private void complete(String tag) {
      out(b -> new BackendMessage.CommandComplete(tag).writeTo(b));
      out(b -> BackendMessage.ReadyForQuery.IDLE.writeTo(b));
      ctx.flush();
    }

    private void error(PgError e) {
      out(b -> new BackendMessage.ErrorResponse(e).writeTo(b));
      out(b -> BackendMessage.ReadyForQuery.IDLE.writeTo(b));
      ctx.flush();
    }

    void fatal(PgError e) {
      out(b -> new BackendMessage.ErrorResponse(e).writeTo(b));
      ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
