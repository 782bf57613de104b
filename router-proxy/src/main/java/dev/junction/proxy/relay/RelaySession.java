package dev.junction.proxy.relay;

import dev.junction.classify.Classification;
import dev.junction.classify.StatementKind;
import dev.junction.fence.Fence;
import dev.junction.health.EndpointState;
import dev.junction.position.PgLsn;
import dev.junction.position.ReplicationPosition;
import dev.junction.proxy.auth.AuthMethod;
import dev.junction.proxy.auth.AuthStep;
import dev.junction.proxy.auth.Authenticator;
import dev.junction.proxy.auth.Authenticators;
import dev.junction.proxy.protocol.BackendMessage;
import dev.junction.proxy.protocol.FrontendDecoder;
import dev.junction.proxy.protocol.FrontendMessage;
import dev.junction.proxy.protocol.PgError;
import dev.junction.proxy.protocol.SqlStates;
import dev.junction.route.Route;
import dev.junction.route.RouteContext;
import dev.junction.route.RouteReason;
import dev.junction.route.RouteSession;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslHandler;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection of the relaying proxy: startup and authentication, then the client's
 * messages relayed to pooled backend connections and the servers' answers relayed back as they
 * came.
 *
 * <p>Design notes:
 * <ul>
 *   <li><b>Units.</b> Outside a transaction the client's messages are grouped into units (a simple
 *       Query, or extended-protocol messages up to Sync or Flush); each unit is classified (cached) and
 *       routed as a whole: to the primary when any of its statements needs it, else to a replica that
 *       covers the session's fence. Inside a transaction (the backend's own ReadyForQuery status says
 *       so) everything goes to the backend that holds it, unparsed but for statement names.</li>
 *   <li><b>Transaction pooling.</b> A backend is lent for a unit and kept while its ReadyForQuery says
 *       the transaction is open; it goes back to the pool only when it is idle outside any transaction
 *       with nothing in flight. A client that leaves inside a transaction gets its backend rolled back
 *       (or closed, if a statement is still running), so no later client can write inside it.</li>
 *   <li><b>Session state.</b> Startup parameters and plain {@code SET}s are {@link Settings}, replayed
 *       on whichever backend serves the client (only when that backend's differ). Statements whose
 *       effect cannot be replayed (temporary tables, LISTEN, SQL PREPARE, SET ROLE, session advisory
 *       locks, set_config) pin the client to its primary backend for the rest of the session; that
 *       backend is closed, not pooled, when the client leaves.</li>
 *   <li><b>Prepared statements</b> are tracked per client and re-prepared on a backend that has not
 *       seen them ({@link PreparedStatements}); the unnamed statement too. A {@code PQprepare} (named
 *       Parses and a Sync) of statements a server accepted before needs no backend: answered here.</li>
 *   <li><b>The decision is router-core's.</b> Where a unit runs, and what read-your-writes needs,
 *       is decided by one {@link RouteSession} per replica set (per shard), the library's own rules:
 *       the relay asks it with the unit's summary ({@link Unit} is a {@link RouteSession.Unit}) and
 *       carries the route out asynchronously: READ_POSITION reads {@code pg_current_wal_insert_lsn()}
 *       on a primary connection (after the commit, so at or past its record), AWAIT_REPLICA polls the
 *       replica's replay position within the route's budget, PRIMARY/REPLICA borrow from that
 *       endpoint's pool; outcomes go back (a write seen to commit, a position read or not, a pool that
 *       failed, a replica that no longer qualifies). What stays here is the proxy's own: units,
 *       transactions kept on their backend by the server's status, pinning, pools and the fence token
 *       ({@code SET}/{@code SHOW junction.fence}).</li>
 *   <li><b>No blocking.</b> Everything runs on the client channel's event loop, which is also the loop
 *       of every backend it borrows (see {@link Pool}); waits are callbacks and timers. While the client
 *       does not read, the backend is not read either (Netty writability), so one slow client holds
 *       only its own backend.</li>
 * </ul>
 */
public final class RelaySession extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(RelaySession.class);
  static final Pattern FENCE_COMMAND = Pattern.compile(
      "(?is)\\s*(SET\\s+(?:SESSION\\s+)?junction\\.fence\\s*(?:=|TO)\\s*'([^']*)'|SHOW\\s+junction\\.fence)\\s*;?\\s*");
  private static final int MAX_PENDING_MESSAGES = 4096;

  private final SessionHost host;
  private final RelayRuntime runtime;
  private final FrontendDecoder decoder;
  private final int processId;
  private final int secretKey;

  private ChannelHandlerContext ctx;
  private EventLoop loop;
  private int loopIndex;
  /** The classifier as seen from this session's event loop (see {@link ClassificationMemo}). */
  private ClassificationMemo memo;
  private Authenticator authenticator;
  private String user;
  private String database;
  private boolean ready;
  private boolean admitted;
  private boolean closed;
  private AdminConsole.Session admin;
  private ScheduledFuture<?> loginTimer;

  private Settings settings = Settings.EMPTY;
  private final ArrayDeque<FrontendMessage> pending = new ArrayDeque<>();
  private final Map<String, PreparedStatements.Statement> statements = new HashMap<>();
  private String unnamedSql;
  private List<Integer> unnamedTypes;
  private long unnamedSerial;

  /** The replica set the current unit goes to (the attached backend's, or the one being routed to). */
  private ShardEndpoints cur;
  /** The routing decision and read-your-writes state per replica set (shard), by {@link ShardEndpoints#index}. */
  private final RouteSession[] routes;
  /** What the decision asks the proxy: no scope, no hint; whether a pool has an idle backend on this loop. */
  private final RouteContext routeContext = new RouteContext() {
    @Override
    public boolean primaryForced() {
      return false;
    }

    @Override
    public boolean inScope() {
      return false; // fences travel as tokens; no scope to record into
    }

    @Override
    public ReplicationPosition scopeFence(String shard) {
      return null;
    }

    @Override
    public boolean connectionReady(EndpointState endpoint) {
      return cur.endpointOf(endpoint).partitions[loopIndex].available();
    }
  };
  private final ShardRelay shardRelay;

  private BackendConnection attached;
  private BackendConnection heldPrimary;
  private boolean pinned;
  private boolean waiting;
  private boolean pumping;
  private boolean wrote;
  /** A COMMIT completed since the last ReadyForQuery (see {@link #commandComplete}). */
  private boolean committedInUnit;
  private boolean unitFailed;
  private Settings settingsAfterUnit;
  /**
   * A unit sent reset startup parameters ({@link Unit#resetKeys}) and its ReadyForQuery has not come yet: what
   * follows waits for it and for the restore. Only such units set it: a reset of anything else needs no restore,
   * and a unit ended with Flush gets no ReadyForQuery until the client's Sync, which would then wait forever.
   */
  private boolean resetInUnit;
  /** The startup parameters the units sent since the last ReadyForQuery reset ({@link Settings#ALL}: all of them). */
  private java.util.Set<String> resetKeys;
  /** What {@link #restoreSettings} runs on the attached backend: the reset startup parameters' startup values. */
  private String restoreSql;
  /**
   * The attached backend got extended-protocol messages ending with Flush, no Sync yet: PostgreSQL keeps
   * their implicit transaction open until the Sync, so everything up to it must go to that backend, and the
   * backend must never be lent on or given back before it (see {@link #detach}).
   */
  private boolean unsynced;
  /** After a refused unit that ended with Flush: the client's messages up to its Sync are dropped, as the server does after an error. */
  private boolean skipToSync;

  private String reportedToken;

  /** Read and written on the session's loop only ({@link #checkTimeouts} runs there): a plain field. */
  long lastActivityNanos = System.nanoTime();
  private final long connectedAtNanos = System.nanoTime();
  private String remote = "?";
  private long units;

  public RelaySession(SessionHost host, FrontendDecoder decoder, int processId, int secretKey) {
    this.host = host;
    this.runtime = host.runtime();
    this.decoder = decoder;
    this.processId = processId;
    this.secretKey = secretKey;
    this.cur = runtime.shards[0];
    this.routes = new RouteSession[runtime.shards.length];
    for (int i = 0; i < routes.length; i++) {
      routes[i] = new RouteSession(runtime.shards[i].replicaSet, true);
    }
    this.shardRelay = runtime.sharding == null ? null : new ShardRelay(this, runtime);
  }

  public int processId() {
    return processId;
  }

  public EventLoop loop() {
    return loop;
  }

  /** One line for SHOW CLIENTS: user, database, state, address, connected seconds, units, backend. */
  public String[] describe() {
    BackendConnection b = attached;
    String state = !ready ? "login" : b == null ? "idle" : b.status == 'I' ? "active" : "in-transaction";
    return new String[] {String.valueOf(user), String.valueOf(database), state, remote,
        Long.toString((System.nanoTime() - connectedAtNanos) / 1_000_000_000L), Long.toString(units),
        b == null ? "" : b.toString(), pinned ? "pinned" : ""};
  }

  // ================================================================== Netty

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.loop = ctx.channel().eventLoop();
    this.loopIndex = runtime.loopIndex(loop);
    this.memo = runtime.memos[loopIndex];
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    remote = String.valueOf(ctx.channel().remoteAddress());
    long millis = host.config().loginTimeout().toMillis();
    loginTimer = loop.schedule(() -> {
      if (!ready && ctx.channel().isActive()) {
        log.info("session {}: no login within {} ms, closing {}", processId, millis, remote);
        fatal(PgError.fatal("08P01", "Junction: login timed out after " + millis + " ms"));
      }
    }, millis, TimeUnit.MILLISECONDS);
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    FrontendMessage m = (FrontendMessage) msg;
    if (!ready) {
      try {
        startupMessage(m);
      } catch (RuntimeException e) {
        log.warn("session {}: login failed unexpectedly: {}", processId, e.toString(), e);
        fatal(PgError.fatal("XX000", "internal proxy error during login"));
      }
      return;
    }
    if (admin != null) {
      admin.handle(m);
      return;
    }
    pending.add(m);
    if (pending.size() > MAX_PENDING_MESSAGES) {
      ctx.channel().config().setAutoRead(false);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    lastActivityNanos = System.nanoTime(); // once per read, not per message: the timeouts count in seconds
    if (ready && admin == null) {
      pump();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    boolean writable = ctx.channel().isWritable();
    if (attached != null && attached.channel != null) {
      attached.channel.config().setAutoRead(writable);
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closed = true;
    if (local != null) {
      local.release();
      local = null;
    }
    if (loginTimer != null) {
      loginTimer.cancel(false);
    }
    if (admitted) {
      host.unregister(this);
    }
    pending.clear();
    if (attached != null) {
      abandon(attached);
      attached = null;
    }
    if (heldPrimary != null) {
      abandon(heldPrimary);
      heldPrimary = null;
    }
    if (shardRelay != null) {
      shardRelay.sessionClosed(); // the other shards' backends of an open transaction
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.fireExceptionCaught(cause); // protocol violations: FATAL + close (ProtocolErrorHandler)
  }

  // ================================================================== startup

  private void startupMessage(FrontendMessage message) {
    if (message instanceof FrontendMessage.SslRequest) {
      if (host.sslContext() != null) {
        SslHandler ssl = host.sslContext().newHandler(ctx.alloc());
        ctx.pipeline().addFirst("tls", new SslHandler(ssl.engine(), true));
        ctx.writeAndFlush(BackendMessage.EncryptionResponse.SSL_ACCEPTED);
      } else {
        ctx.writeAndFlush(BackendMessage.EncryptionResponse.DECLINED);
      }
    } else if (message instanceof FrontendMessage.GssEncRequest) {
      ctx.writeAndFlush(BackendMessage.EncryptionResponse.DECLINED);
    } else if (message instanceof FrontendMessage.CancelRequest c) {
      host.cancel(c.processId(), c.secretKey());
      ctx.close();
    } else if (message instanceof FrontendMessage.StartupMessage startup) {
      startup(startup);
    } else if (message instanceof FrontendMessage.PasswordMessage p) {
      if (authenticator == null) {
        fatal(PgError.fatal(SqlStates.PROTOCOL_VIOLATION, "password message before startup"));
        return;
      }
      authStep(authenticator.onPasswordMessage(p.payload()), null);
    } else if (message instanceof FrontendMessage.Terminate) {
      ctx.close();
    } else {
      fatal(PgError.fatal(SqlStates.PROTOCOL_VIOLATION, "expected a startup message"));
    }
  }

  private FrontendMessage.StartupMessage startupMessage;

  private void startup(FrontendMessage.StartupMessage s) {
    startupMessage = s;
    user = s.user();
    database = s.database();
    boolean tls = ctx.pipeline().get(SslHandler.class) != null;
    if (host.config().tlsRequired() && !tls) {
      fatal(PgError.fatal("28000", "Junction: this proxy requires TLS (junction.proxy.tls.mode: require); connect with sslmode=require"));
      return;
    }
    AuthMethod method = host.config().auth();
    if (!tls && (method == AuthMethod.PASSWORD || method == AuthMethod.MD5) && !host.config().allowPlaintextPasswords()) {
      fatal(PgError.fatal("28000", "Junction: " + method.name().toLowerCase(Locale.ROOT) + " authentication over an unencrypted"
          + " connection is refused; connect with TLS, use scram-sha-256, or set junction.proxy.allow-plaintext-passwords: true"));
      return;
    }
    if (s.parameters().containsKey("replication")) {
      fatal(PgError.fatal(dev.junction.JunctionSqlState.REFUSED, "Junction: replication connections are not supported; connect to the primary directly"));
      return;
    }
    s.negotiation().ifPresent(n -> n.writeTo(out()));
    authenticator = Authenticators.create(method, user, host.config().users().get(user));
    authStep(authenticator.start(), s);
  }

  private void authStep(AuthStep step, FrontendMessage.StartupMessage s) {
    if (step instanceof AuthStep.Challenge c) {
      c.message().writeTo(out());
      flushClient();
    } else if (step instanceof AuthStep.Success success) {
      success.messages().forEach(m -> m.writeTo(out()));
      decoder.authenticationSucceeded();
      authenticated();
    } else if (step instanceof AuthStep.Failure f) {
      log.info("session {}: authentication failed for user {}: {}", processId, user, f.logDetail());
      fatal(f.error());
    }
  }

  /** Messages the proxy writes itself collect here and go out before anything relayed after them. */
  private ByteBuf local;

  private ByteBuf out() {
    if (local == null) {
      local = ctx.alloc().buffer(256);
    }
    return local;
  }

  /** Relayed messages up to this size are copied into {@link #local} (see {@link #relay}). */
  private static final int COPY_LIMIT = 4 * 1024;
  /** What {@link #local} holds at most before it is written on. */
  private static final int GATHER_LIMIT = 16 * 1024;

  private void writeLocal() {
    ByteBuf buf = local;
    if (buf != null) {
      local = null;
      ctx.write(buf, ctx.voidPromise());
    }
  }

  private void authenticated() {
    if (!host.admit(this)) {
      fatal(PgError.fatal("53300", "sorry, too many clients already (junction.proxy.max-connections = "
          + host.config().maxConnections() + ")"));
      return;
    }
    admitted = true;
    if (database.equals(AdminConsole.DATABASE)) {
      if (!host.config().adminUsers().contains(user)) {
        fatal(PgError.fatal("28000", "Junction: user \"" + user + "\" may not use the admin console; list it in junction.proxy.admin-users"));
        return;
      }
      writeLocal(); // AuthenticationOk first
      admin = host.admin().open(this, ctx);
      ready = true;
      loginTimer.cancel(false);
      return;
    }
    if (!database.equals(runtime.database)) {
      fatal(PgError.fatal("3D000", "database \"" + database + "\" does not exist (this Junction proxy serves \""
          + runtime.database + "\", and \"" + AdminConsole.DATABASE + "\" for the admin console)"));
      return;
    }
    try {
      settings = startupSettings(startupMessage.parameters());
    } catch (Settings.NotPoolable e) {
      fatal(PgError.fatal(dev.junction.JunctionSqlState.REFUSED, "Junction: " + e.getMessage()));
      return;
    } catch (IllegalArgumentException e) {
      fatal(PgError.fatal("22023", e.getMessage()));
      return;
    }
    Map<String, String> known = runtime.knownParameters(settings);
    if (known != null) {
      finishStartup(known);
      return;
    }
    // First client with these settings: check them on a real server, and learn what it reports.
    Endpoint target = cur.primary.state.circuitClosed() || cur.replicas.length == 0 ? cur.primary : cur.replicas[0];
    waiting = true;
    target.partitions[loopIndex].acquire(new Pool.Callback() {
      @Override
      public void acquired(BackendConnection b) {
        if (closed) {
          b.pool.release(b);
          return;
        }
        b.session = null;
        b.internal(new InternalQuery(settings.applySql()) {
          @Override
          void done(BackendConnection backend, char status) {
            if (failed()) {
              backend.pool.release(backend);
              fatal(PgError.fatal(errorSqlState == null ? "22023" : errorSqlState, error));
              return;
            }
            backend.settings = settings;
            Map<String, String> parameters = new LinkedHashMap<>(backend.parameters);
            runtime.knownParameters(settings, parameters);
            backend.pool.release(backend);
            waiting = false;
            finishStartup(parameters);
          }
        });
      }

      @Override
      public void failed(PgError error) {
        fatal(PgError.fatal(error.sqlState(), error.message()));
      }
    });
  }

  private Settings startupSettings(Map<String, String> parameters) {
    Settings s = Settings.EMPTY;
    for (Map.Entry<String, String> p : parameters.entrySet()) {
      String name = p.getKey();
      switch (name) {
        case "user", "database" -> { }
        case "options" -> {
          for (String[] kv : options(p.getValue())) {
            s = applyStartupParameter(s, kv[0], kv[1]);
          }
        }
        default -> s = applyStartupParameter(s, name, p.getValue());
      }
    }
    return s;
  }

  private Settings applyStartupParameter(Settings s, String name, String value) {
    if (name.equalsIgnoreCase("junction.fence")) {
      acceptToken(value);
      return s;
    }
    String conflict = TextSettings.conflict(name, value);
    if (conflict != null) {
      throw new IllegalArgumentException(conflict);
    }
    if (name.equalsIgnoreCase("client_encoding")) {
      String enc = value.toUpperCase(Locale.ROOT).replace("-", "");
      return s.withParameter(name, enc.equals("SQL_ASCII") ? "SQL_ASCII" : "UTF8");
    }
    return s.withParameter(name, value);
  }

  /** {@code -c name=value} and {@code --name=value} items of the {@code options} startup parameter. */
  static List<String[]> options(String options) {
    List<String[]> out = new java.util.ArrayList<>();
    String[] words = options.trim().split("(?<!\\\\)\\s+");
    for (int i = 0; i < words.length; i++) {
      String w = words[i].replace("\\ ", " ");
      String item = null;
      if (w.equals("-c") && i + 1 < words.length) {
        item = words[++i].replace("\\ ", " ");
      } else if (w.startsWith("-c")) {
        item = w.substring(2);
      } else if (w.startsWith("--")) {
        item = w.substring(2);
      } else if (!w.isEmpty()) {
        throw new IllegalArgumentException("unsupported startup option \"" + w + "\" (the proxy accepts -c name=value)");
      }
      if (item != null) {
        int eq = item.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException("invalid startup option \"" + item + "\"; expected name=value");
        }
        out.add(new String[] {item.substring(0, eq).replace('-', '_'), item.substring(eq + 1)});
      }
    }
    return out;
  }

  private void finishStartup(Map<String, String> parameters) {
    if (closed) {
      return;
    }
    for (Map.Entry<String, String> p : parameters.entrySet()) {
      new BackendMessage.ParameterStatus(p.getKey(), p.getValue()).writeTo(out());
    }
    reportFence();
    new BackendMessage.BackendKeyData(processId, secretKey).writeTo(out());
    BackendMessage.ReadyForQuery.IDLE.writeTo(out());
    flushClient();
    leanPipeline();
    ready = true;
    waiting = false;
    loginTimer.cancel(false);
    pump();
  }

  /**
   * From here on every write to the client is a buffer this session gathered itself ({@link #relay},
   * {@link #out}), so the encoder and the write coalescer of the login only pass writes on: WHY: each
   * was two more pipeline hops for every write and flush of every transaction. The flush just above
   * left the coalescer holding nothing.
   */
  private void leanPipeline() {
    io.netty.channel.ChannelPipeline p = ctx.pipeline();
    if (p.get("coalescer") != null) {
      p.remove("coalescer");
    }
    if (p.get("encoder") != null) {
      p.remove("encoder");
    }
  }

  // ================================================================== the unit pump

  /** What one unit of client messages needs; its routing summary is what {@link RouteSession} decides on. */
  static final class Unit implements RouteSession.Unit {
    int count;
    boolean primary;
    RouteReason reason;
    boolean readOnlyBegin;
    boolean transactionControl;
    boolean pins;
    boolean writes;
    boolean statements;
    boolean reads;
    boolean syncOnly;
    /** The unit holds a statement a hot standby refuses in a transaction (PREPARE TRANSACTION, SERIALIZABLE). */
    boolean standbyRefuses;
    /** A COMMIT/END/ROLLBACK (not ROLLBACK TO) was accounted: later statements of the unit run outside that transaction. */
    boolean endedTransaction;
    /** A statement after the unit's COMMIT/ROLLBACK needs the primary. */
    boolean primaryAfterEnd;
    Settings settingsAfter;
    /** The startup parameters a reset of the unit returns to their startup values ({@link Settings#ALL}: all). */
    java.util.Set<String> resetKeys;
    /** Why the unit is refused before it is sent (not sharded; a sharded unit's refusal is {@link #refusal}). */
    String sessionRefusal;
    String fenceCommand;
    /** Sharded: the configured shard index all statements of the unit go to; -1: none named one. */
    int shard = -1;
    /** Sharded: the unit's statements need several shards (split or scatter, see {@link ShardRelay}). */
    boolean multi;
    /** Sharded: why the unit cannot run (planner or ring-state refusal), answered instead of sending it. */
    java.sql.SQLException refusal;
    /** A simple Query holding only BEGIN / only COMMIT or ROLLBACK (sharded: answered locally before a shard is known). */
    StatementKind only;
    String onlySql;
    ShardRelay.Parts parts;
    int statementCount;

    @Override
    public RouteReason primaryReason() {
      return primary ? (reason == null ? RouteReason.PRIMARY_WRITE : reason) : null;
    }

    @Override
    public boolean pins() {
      return pins;
    }

    @Override
    public boolean readsData() {
      return reads;
    }

    @Override
    public boolean readOnlyBegin() {
      return readOnlyBegin;
    }
  }

  /** Moves pending client messages to backends for as long as nothing needs waiting for. */
  private void pump() {
    if (pumping || closed) {
      return;
    }
    pumping = true;
    try {
      while (!waiting && !pending.isEmpty() && !closed) {
        if (shardRelay != null && shardRelay.skipping()) {
          if (attached != null && !attached.idle()) {
            break;
          }
          shardRelay.skip();
          continue;
        }
        FrontendMessage first = pending.peek();
        if (skipToSync && first == ShardRelay.IMPLICIT_END) {
          skipToSync = false; // the end of a split unit's implicit transaction: rolled back there (ShardRelay)
          shardRelay.implicitFailed();
          continue;
        }
        if (skipToSync && !(first instanceof FrontendMessage.Terminate)) {
          pending.poll();
          if (first instanceof FrontendMessage.Sync) {
            skipToSync = false;
            readyMessage(localStatus()).writeTo(out());
            flushClient();
          }
          continue;
        }
        if (first instanceof FrontendMessage.Terminate) {
          pending.clear();
          ctx.close();
          return;
        }
        if (first instanceof FrontendMessage.CopyData || first instanceof FrontendMessage.CopyDone
            || first instanceof FrontendMessage.CopyFail) {
          pending.poll();
          if (attached != null) {
            forward(first, attached);
          }
          continue;
        }
        int local = localFenceUnit();
        if (local == -1) {
          break; // the rest of the unit has not arrived yet
        }
        if (local > 0) {
          if (attached != null && !attached.idle()) {
            break;
          }
          if (!extendedFenceCommands(local)) {
            break; // resolving the fence first
          }
          continue;
        }
        Unit u = unit();
        if (u == null) {
          break; // the rest of the unit has not arrived yet
        }
        if (u.fenceCommand != null) {
          if (attached != null && !attached.idle()) {
            break; // answer in order, once what was sent before is done
          }
          fenceCommand(u);
          continue;
        }
        if (resetInUnit && attached != null) {
          break; // a reset in flight: what follows waits for its ReadyForQuery, then for the restore below
        }
        if (attached != null && !attached.settings.equals(settings) && attached.idle() && attached.status != 'E' && !unsynced) {
          restoreSettings(attached); // after a reset the client ran there
          if (waiting) {
            break;
          }
          continue;
        }
        if (u.sessionRefusal != null) {
          if (attached != null && !attached.idle()) {
            break; // answer in order
          }
          refuseUnit(u, u.sessionRefusal);
          if (waiting) {
            break;
          }
          continue;
        }
        if (shardRelay != null) {
          int step = shardRelay.step(u);
          if (step == ShardRelay.WAIT) {
            break;
          }
          if (step == ShardRelay.DONE) {
            continue;
          }
        }
        Route decided = null;
        if (attached != null) {
          boolean inTransaction = attached.idle() && attached.status != 'I';
          if (unsynced && u.primary && !pinned && !attached.endpoint.isPrimary() && attached.idle()) {
            refuseAfterFlushOnReplica(u);
            continue;
          }
          if (inTransaction && !attached.endpoint.isPrimary() && (u.standbyRefuses || u.primaryAfterEnd || u.pins)) {
            refuseInReplicaTransaction(u);
            break; // resumes once the refusal is answered
          }
          if (pinned || inTransaction || unsynced) {
            send(u, attached);
            continue;
          }
          boolean pipelining = !attached.idle();
          if (pipelining && (u.settingsAfter != null || u.pins || u.transactionControl)) {
            break; // resumes at ReadyForQuery
          }
          if (!u.statements) {
            send(u, attached); // Parse/Describe/Close only: any server answers the same
            continue;
          }
          decided = decide(u, attached);
          if (decided.isPlacement() && decided.target() == attached.endpoint.state) {
            send(u, attached); // pipelined after earlier units, or the same server again
            continue;
          }
          if (pipelining) {
            break; // resumes at ReadyForQuery, decided again then
          }
          detach();
        }
        if (u.syncOnly) {
          pending.poll();
          readyMessage(localStatus()).writeTo(out());
          flushClient();
          continue;
        }
        if (!u.statements && answerParsesLocally(u)) {
          continue;
        }
        carryOut(u, decided != null ? decided : decide(u, null));
      }
    } finally {
      pumping = false;
      if (attached != null) {
        attached.flush();
      }
      autoRead(ctx.channel(), pending.size() < MAX_PENDING_MESSAGES);
    }
  }

  /**
   * Sets a channel's auto-read only when it changes: Netty's setter is an atomic exchange (a full fence)
   * even when the value stays, and the pump and every pool hand-back set it once per unit. Auto-read is
   * only ever changed on the channel's event loop, which is this thread.
   */
  static void autoRead(io.netty.channel.Channel channel, boolean on) {
    io.netty.channel.ChannelConfig config = channel.config();
    if (config.isAutoRead() != on) {
      config.setAutoRead(on);
    }
  }

  /** The next unit at the head of {@link #pending}, or null while it is incomplete. */
  private Unit unit() {
    Unit u = new Unit();
    int i = 0;
    Settings base = settingsAfterUnit != null ? settingsAfterUnit : settings; // a unit sent with Flush has not ended yet
    String unnamed = unnamedSql;
    Map<String, PreparedStatements.Statement> parsed = null;
    unnamedTypesInUnit = null;
    for (FrontendMessage m : pending) {
      i++;
      if (m instanceof FrontendMessage.Query q) {
        u.count = i;
        if (i == 1 && mayBeFenceCommand(q.sql())) {
          Matcher fc = FENCE_COMMAND.matcher(q.sql());
          if (fc.matches()) {
            u.fenceCommand = q.sql();
            return u;
          }
        }
        ClassificationMemo.Classified k = memo.lookup(q.sql());
        Classification c = k.classification();
        if (c.multiStatement()) {
          u.transactionControl |= c.parts().stream().anyMatch(p -> isTransactionControl(p.kind()));
          List<String> parts = c.parts().size() > 1 ? splitter().split(q.sql()) : List.of(q.sql());
          for (int p = 0; p < c.parts().size(); p++) {
            String part = p < parts.size() ? parts.get(p) : q.sql();
            base = account(u, c.parts().get(p), part, sessionBound(part), base);
            if (shardRelay != null) {
              shardRelay.account(u, c.parts().get(p), part, null, null, i);
            }
          }
        } else {
          base = account(u, c, q.sql(), k.sessionBound(), base);
          if (shardRelay != null) {
            shardRelay.account(u, c, q.sql(), null, null, i);
          }
        }
        return u;
      }
      if (m instanceof FrontendMessage.Parse p) {
        Classification c;
        if (p.statement().isEmpty()) {
          unnamed = p.query();
          unnamedTypesInUnit = p.parameterTypes();
          c = memo.classify(p.query());
        } else {
          PreparedStatements.Statement st = runtime.statements.intern(p.query(), p.parameterTypes(), settings);
          if (parsed == null) {
            parsed = new HashMap<>();
          }
          parsed.put(p.statement(), st);
          c = st.classification;
        }
        if (!c.replicaEligible() && c.kind() != StatementKind.SESSION && !isTransactionControl(c.kind())) {
          primary(u, primaryReason(c));
        }
        if (c.kind() != StatementKind.SESSION) {
          u.reads = true; // parsed against the schema: after the session's own DDL, only a server that replayed it will do
        }
      } else if (m instanceof FrontendMessage.Describe) {
        u.reads = true; // a statement's or portal's description, likewise
      } else if (m instanceof FrontendMessage.Bind b) {
        String sql;
        Classification c;
        boolean bound;
        List<Integer> types;
        if (b.statement().isEmpty()) {
          sql = unnamed;
          ClassificationMemo.Classified k = sql == null ? null : memo.lookup(sql);
          c = k == null ? null : k.classification();
          bound = k != null && k.sessionBound();
          types = unnamedTypesInUnit != null ? unnamedTypesInUnit : unnamedTypes;
        } else {
          PreparedStatements.Statement st = parsed != null && parsed.containsKey(b.statement()) ? parsed.get(b.statement())
              : statements.get(b.statement());
          sql = st == null ? null : st.sql;
          c = st == null ? null : st.classification;
          bound = st != null && st.sessionBound;
          types = st == null ? null : st.parameterTypes;
        }
        if (c != null) {
          base = account(u, c, sql, bound, base);
          if (shardRelay != null) {
            shardRelay.account(u, c, sql, b, types, i);
          }
        }
      } else if (m instanceof FrontendMessage.Sync || m instanceof FrontendMessage.Flush) {
        u.count = i;
        u.syncOnly = i == 1 && m instanceof FrontendMessage.Sync;
        if (m instanceof FrontendMessage.Flush && u.resetKeys != null) {
          refuse(u, "Junction: a reset (RESET, SET ... TO DEFAULT, DISCARD ALL) sent with Flush instead of Sync: PostgreSQL"
              + " runs what follows in the same transaction with the session's startup parameters, which this proxy"
              + " restores on the backend only once the reset's transaction has ended; end the reset with a Sync");
        }
        if (m instanceof FrontendMessage.Flush && u.settingsAfter != null) {
          u.settingsAfter = null; // whatever ends the open implicit transaction decides whether it lasts: kept with its backend
          u.pins = true;
          primary(u, RouteReason.PRIMARY_SESSION_STATE);
        }
        if (u.transactionControl && u.settingsAfter != null) {
          // A SET before a BEGIN (or COMMIT) of the same unit belongs to that transaction: it lasts or rolls back
          // with it, which ReadyForQuery does not tell; the session keeps the backend instead (as a simple Query does).
          u.settingsAfter = null;
          u.pins = true;
          primary(u, RouteReason.PRIMARY_SESSION_STATE);
        }
        return u;
      } else if (m instanceof FrontendMessage.FunctionCall) {
        u.count = i;
        u.primary = true;
        u.reason = RouteReason.PRIMARY_UTILITY;
        u.writes = true;
        return u;
      } else if (m instanceof FrontendMessage.CopyData || m instanceof FrontendMessage.CopyDone
          || m instanceof FrontendMessage.CopyFail || m instanceof FrontendMessage.Terminate) {
        u.count = i - 1;
        return i == 1 ? null : u;
      }
    }
    return null;
  }

  /**
   * Answers a unit of only named Parses and a Sync (libpq's {@code PQprepare}) without a backend, when
   * a server has accepted each of those statements before: the Parse is sent lazily, before the first
   * Bind or Describe on each backend, anyway. Waiting for a backend here could never end for a client
   * program that blocks one thread in {@code PQprepare} while that thread's other connections hold
   * every backend inside transactions (pgbench {@code -M prepared} with more clients per thread than
   * the pool has connections). The price: should the statement no longer parse (a table dropped, a
   * different search_path), the error comes with the Bind or Describe instead, as PostgreSQL reports
   * it for a prepared statement whose table was dropped after PREPARE. Outside a transaction only (a
   * sharded session inside one answers Parse-only units itself, see {@link ShardRelay#step}); a sharded
   * session's statement is prepared on the shard where it first runs.
   */
  private boolean answerParsesLocally(Unit u) {
    if (u.count < 2 || localStatus() != 'I') {
      return false;
    }
    int i = 0;
    for (FrontendMessage m : pending) {
      if (++i == u.count) {
        if (!(m instanceof FrontendMessage.Sync) || m == ShardRelay.SPLIT || m == ShardRelay.IMPLICIT_END) {
          return false; // (the proxy's own Syncs of a split sharded unit: never after Parses alone today)
        }
        break;
      }
      if (!(m instanceof FrontendMessage.Parse p) || p.statement().isEmpty()
          || !runtime.statements.intern(p.query(), p.parameterTypes(), settings).accepted) {
        return false;
      }
    }
    ByteBuf out = out();
    for (i = 1; i < u.count; i++) {
      FrontendMessage.Parse p = (FrontendMessage.Parse) pending.poll();
      statements.put(p.statement(), runtime.statements.intern(p.query(), p.parameterTypes(), settings));
      out.writeBytes(BackendConnection.PARSE_COMPLETE);
    }
    pending.poll();
    units++;
    readyMessage(localStatus()).writeTo(out);
    flushClient();
    return true;
  }

  private dev.junction.classify.StatementSplitter splitter;
  /** While {@link #unit()} scans: the parameter types of an unnamed Parse earlier in the same unit. */
  private List<Integer> unnamedTypesInUnit;

  private dev.junction.classify.StatementSplitter splitter() {
    if (splitter == null) {
      splitter = new dev.junction.classify.StatementSplitter(dev.junction.classify.Dialect.POSTGRESQL);
    }
    return splitter;
  }

  /**
   * False when {@code sql} cannot match {@link #FENCE_COMMAND}: after the leading whitespace (the
   * regex's ASCII {@code \s}) it does not start with SET or SHOW. Saves a regex matcher on every
   * simple query.
   */
  static boolean mayBeFenceCommand(String sql) {
    for (int i = 0, n = sql.length(); i < n; i++) {
      char c = sql.charAt(i);
      if (c != ' ' && c != '\t' && c != '\n' && c != 0x0B && c != '\f' && c != '\r') {
        return sql.regionMatches(true, i, "set", 0, 3) || sql.regionMatches(true, i, "show", 0, 4);
      }
    }
    return false;
  }

  private static boolean isTransactionControl(StatementKind k) {
    return k == StatementKind.TX_BEGIN || k == StatementKind.TX_COMMIT || k == StatementKind.TX_ROLLBACK
        || k == StatementKind.TX_SAVEPOINT;
  }

  /**
   * Adds one statement's needs to the unit; returns the settings after it. {@code sessionBound} is
   * {@link #sessionBound} of {@code sql}, kept with the classification (it was a scan per statement).
   */
  private Settings account(Unit u, Classification c, String sql, boolean sessionBound, Settings base) {
    if (u.resetKeys != null) {
      refuse(u, "Junction: a statement follows a reset (RESET, SET ... TO DEFAULT, DISCARD ALL) in the same message batch;"
          + " PostgreSQL runs it with the session's startup parameters, which this proxy restores on the backend only once"
          + " the batch has ended. Send the reset on its own (its own query, or followed by a Sync)");
    }
    u.statements = true;
    u.statementCount++;
    u.only = u.statementCount == 1 ? c.kind() : null;
    u.onlySql = sql;
    StatementKind kind = c.kind();
    if (kind == StatementKind.TX_BEGIN) {
      u.transactionControl = true;
      if (readOnlyBegin(c, sql)) {
        u.readOnlyBegin = true;
      } else {
        primary(u, RouteReason.PRIMARY_TRANSACTION);
        if (sql != null && (containsIgnoreCase(sql, "write") || containsIgnoreCase(sql, "serializable"))) {
          // nested in a transaction on a replica, a hot standby refuses READ WRITE (0A000) and SERIALIZABLE
          // where the primary applies them (TxControlDifferentialIT, seeds 99 and 2026)
          u.standbyRefuses = true;
        }
      }
      return base;
    }
    if (isTransactionControl(kind)) {
      u.transactionControl = true;
      if (kind == StatementKind.TX_COMMIT || kind == StatementKind.TX_ROLLBACK) {
        u.endedTransaction = true;
      }
      if (sql != null && containsIgnoreCase(sql, "prepare")) {
        primary(u, RouteReason.PRIMARY_TRANSACTION); // PREPARE TRANSACTION, COMMIT/ROLLBACK PREPARED: a standby refuses them
        u.standbyRefuses = true;
        u.writes = true; // COMMIT PREPARED makes a prepared transaction's writes visible: the session's reads are fenced after it
      }
      return base;
    }
    if (kind == StatementKind.SESSION) {
      if (dev.junction.classify.TransactionSettings.scoped(sql)) {
        if (containsIgnoreCase(sql, "serializable")) {
          primary(u, RouteReason.PRIMARY_TRANSACTION); // a hot standby refuses it; outside a transaction the primary warns
          u.standbyRefuses = true;
        }
        return base; // SET LOCAL / SET TRANSACTION / SET CONSTRAINTS end with the transaction
      }
      Settings next = sql == null ? null : base.after(sql);
      java.util.Set<String> reset = sql == null ? null : Settings.resetKeys(sql);
      if (reset != null) { // on a backend a reset reaches the server's default, not the client's startup value
        java.util.Set<String> affected = settings.startupKeysAmong(reset);
        if (!affected.isEmpty()) {
          u.resetKeys = u.resetKeys == null ? affected : Settings.union(u.resetKeys, affected);
        }
      }
      // after a Flush the implicit transaction is still open: a SET then belongs to whatever ends it
      boolean inTransaction = attached != null && (attached.status != 'I' || unsynced);
      if (next == null || u.transactionControl || inTransaction) {
        u.pins = true;
        primary(u, RouteReason.PRIMARY_SESSION_STATE);
      } else {
        u.settingsAfter = next; // replayed on every backend the client gets: any server may check it
      }
      return next == null ? base : next;
    }
    if (!c.replicaEligible() && sql != null && runtime.poolMode == RelayRuntime.PoolMode.TRANSACTION
        && !(pinned || u.writes || wrote && attached != null && (attached.status != 'I' || unsynced))
        && mentionsSequenceSession(sql) && SEQUENCE_SESSION.matcher(sql).find()) {
      refuse(u, "Junction: currval() and lastval() answer from the server session that called nextval(), and outside"
          + " that call's transaction (or message batch) this session's next statement may run on another pooled"
          + " backend, which would answer with another client's value. Use INSERT ... RETURNING, call it in the same"
          + " transaction as the insert, or use pool-mode session");
    }
    if (!c.replicaEligible()) {
      primary(u, primaryReason(c));
      u.writes = true;
    } else {
      u.reads = true;
    }
    if (shardRelay != null && !sessionBound && sql != null && containsIgnoreCase(sql, "set_config")) {
      sessionBound = true; // sharded: even a transaction-local set_config would have to follow the transaction to other shards
    }
    if (sessionState(c, sql) || sessionBound) {
      u.pins = true;
      u.writes = true;
      primary(u, RouteReason.PRIMARY_SESSION_STATE);
    }
    return base;
  }

  /**
   * The classifier's session state, narrowed for a read. The classifier calls {@code set_config}, currval and
   * lastval session state; the relay judges them itself: {@link #sessionBound} tells a transaction-local
   * {@code set_config} (a literal {@code true}, which ends with its transaction) from one that binds the session,
   * and currval/lastval outside the transaction of their nextval are refused ({@link #account}), so neither needs
   * to pin a session for good. Everything else the classifier calls session state keeps its answer (advisory
   * locks, {@code U&"..."} names nobody can read).
   */
  private static boolean sessionState(Classification c, String sql) {
    if (c.primaryReason() != dev.junction.classify.PrimaryReason.SESSION_STATE) {
      return false;
    }
    if (c.kind() != StatementKind.READ || sql == null || containsIgnoreCase(sql, "u&\"") || containsIgnoreCase(sql, "advisory")) {
      return true;
    }
    return !(containsIgnoreCase(sql, "set_config") || mentionsSequenceSession(sql));
  }

  /** A cheap first pass for {@link #SEQUENCE_SESSION} (it runs on the first write of every transaction). */
  private static boolean mentionsSequenceSession(String sql) {
    for (int i = 0, last = sql.length() - 7; i <= last; i++) {
      int c = sql.charAt(i) | 0x20;
      if (c == 'c' && sql.regionMatches(true, i, "currval", 0, 7) || c == 'l' && sql.regionMatches(true, i, "lastval", 0, 7)) {
        return true;
      }
    }
    return false;
  }

  /** A call of currval() or lastval() (quoted or not, with or without pg_catalog.). */
  static final java.util.regex.Pattern SEQUENCE_SESSION =
      java.util.regex.Pattern.compile("(?i)(?<![A-Za-z0-9_$\\u0080-\\uFFFF])\"?(?:currval|lastval)\"?\\s*\\(");

  /** Marks unit {@code u} refused with {@code message} (0A000) before anything of it is sent. */
  private void refuse(Unit u, String message) {
    if (shardRelay != null) {
      if (u.refusal == null) {
        u.refusal = dev.junction.JunctionSqlState.refusal(message);
      }
    } else if (u.sessionRefusal == null) {
      u.sessionRefusal = message;
    }
  }

  /**
   * A BEGIN that may run on a replica: read only, by its last READ ONLY/READ WRITE as in the server, and
   * not SERIALIZABLE, which a hot standby refuses ("cannot use serializable mode in a hot standby") where
   * the primary accepts it.
   */
  static boolean readOnlyBegin(Classification c, String sql) {
    TransactionStatement t = sql == null ? null : TransactionStatement.parse(sql);
    return t != null ? t.readOnly() && !t.serializable() : c.readOnlyTransaction()
        && (sql == null || !containsIgnoreCase(sql, "serializable"));
  }

  private static void primary(Unit u, RouteReason reason) {
    if (u.endedTransaction) {
      u.primaryAfterEnd = true;
    }
    if (!u.primary) {
      u.primary = true;
      u.reason = reason;
    }
  }

  /**
   * Statements whose effect outlives the transaction in the server session, which the classifier does not
   * mark as session state: the client must keep its backend. Session functions ({@code set_config}, session
   * advisory locks), cursors {@code WITH HOLD}, temporary tables made by {@code SELECT ... INTO TEMP} or in
   * {@code pg_temp}, and DO blocks (whatever they SET or create cannot be seen from outside). Computed once
   * per statement text and kept with its classification. A word inside a literal only pins needlessly.
   */
  static boolean sessionBound(String sql) {
    if (startsWithDo(sql)) {
      return true;
    }
    // One pass for the words (it runs once per statement text): a cheap first-letter test, then
    // the case-insensitive region compare, as containsIgnoreCase does for one word.
    boolean advisoryLock = false;
    boolean advisoryXactLock = false;
    for (int i = 0, n = sql.length(); i < n; i++) {
      int c = sql.charAt(i) | 0x20;
      if (c == 's') {
        if (sql.regionMatches(true, i, "set_config", 0, 10) && !TRANSACTION_LOCAL_SET_CONFIG.matcher(sql).region(i, n).lookingAt()) {
          return true;
        }
      } else if (c == 'w') {
        if (sql.regionMatches(true, i, "with", 0, 4) && followedByWord(sql, i + 4, "hold")) {
          return true;
        }
      } else if (c == 'p') {
        if (sql.regionMatches(true, i, "pg_temp", 0, 7) && PG_TEMP_QUALIFIER.matcher(sql).region(i, n).lookingAt()) {
          return true;
        }
      } else if (c == 'i') {
        if (sql.regionMatches(true, i, "into", 0, 4) && (i == 0 || !isIdentifierChar(sql.charAt(i - 1)))
            && INTO_TEMP.matcher(sql).region(i, n).lookingAt() && !startsWithWord(sql, "insert") && !startsWithWord(sql, "merge")) {
          return true;
        }
      } else if (c == 'a' && sql.regionMatches(true, i, "advisory_", 0, 9)) {
        advisoryLock |= sql.regionMatches(true, i + 9, "lock", 0, 4);
        advisoryXactLock |= sql.regionMatches(true, i + 9, "xact_lock", 0, 9);
      }
    }
    return advisoryLock && !advisoryXactLock;
  }

  /** True when the statement's first word is DO (after whitespace and comments, nested as PostgreSQL nests them). */
  static boolean startsWithDo(String sql) {
    int i = 0;
    int n = sql.length();
    while (i < n) {
      char c = sql.charAt(i);
      if (isSpace(c)) {
        i++;
      } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
        while (i < n && sql.charAt(i) != '\n') {
          i++;
        }
      } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
        int depth = 0;
        do {
          if (sql.startsWith("/*", i)) {
            depth++;
            i += 2;
          } else if (sql.startsWith("*/", i)) {
            depth--;
            i += 2;
          } else {
            i++;
          }
        } while (depth > 0 && i < n);
      } else {
        break;
      }
    }
    if (i + 2 > n || (sql.charAt(i) | 0x20) != 'd' || (sql.charAt(i + 1) | 0x20) != 'o') {
      return false;
    }
    if (i + 2 == n) {
      return true;
    }
    char next = sql.charAt(i + 2);
    return !(next >= 'a' && next <= 'z' || next >= 'A' && next <= 'Z' || next >= '0' && next <= '9' || next == '_'
        || next == '$' || next >= 0x80); // PostgreSQL's identifier characters: "DOx" is another word
  }

  /** PostgreSQL's whitespace (scan.l): space, tab, newline, carriage return, form feed, vertical tab. */
  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\u000B';
  }
  private static final java.util.regex.Pattern INTO_TEMP =
      java.util.regex.Pattern.compile("(?is)into[ \\t\\n\\r\\f\\u000B]+(?:(?:local|global)[ \\t\\n\\r\\f\\u000B]+)?"
          + "temp(?:orary)?[ \\t\\n\\r\\f\\u000B]"); // not an identifier such as temp_t, nor a schema temp.t

  /** The word {@code word} (lower case) follows position {@code at} of {@code sql} after at least one whitespace character. */
  private static boolean followedByWord(String sql, int at, String word) {
    int i = at;
    while (i < sql.length() && isSpace(sql.charAt(i))) {
      i++;
    }
    int end = i + word.length();
    return i > at && sql.regionMatches(true, i, word, 0, word.length()) && (end == sql.length() || !isIdentifierChar(sql.charAt(end)));
  }

  /** The statement's first word is {@code word} (lower case), after whitespace. */
  private static boolean startsWithWord(String sql, String word) {
    int i = 0;
    while (i < sql.length() && isSpace(sql.charAt(i))) {
      i++;
    }
    int end = i + word.length();
    return sql.regionMatches(true, i, word, 0, word.length()) && (end == sql.length() || !isIdentifierChar(sql.charAt(end)));
  }

  /** PostgreSQL's identifier characters after the first (scan.l ident_cont), non-ASCII included. */
  private static boolean isIdentifierChar(char c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$' || c >= 0x80;
  }

  /** {@code pg_temp} as a schema qualifier ({@code pg_temp.t}), not a word such as {@code pg_temp_3} or a search_path item. */
  private static final java.util.regex.Pattern PG_TEMP_QUALIFIER = java.util.regex.Pattern.compile("(?i)pg_temp[ \\t\\n\\r\\f\\u000B]*\\.");
  /** {@code set_config('name', value, true)}: transaction-local, it ends with the transaction, so it binds nothing. */
  private static final java.util.regex.Pattern TRANSACTION_LOCAL_SET_CONFIG = java.util.regex.Pattern.compile(
      "(?i)set_config[ \\t\\n\\r\\f\\u000B]*\\([ \\t\\n\\r\\f\\u000B]*'(?:[^']|'')*'[ \\t\\n\\r\\f\\u000B]*,"
          + "[ \\t\\n\\r\\f\\u000B]*(?:'(?:[^']|'')*'|\\$[0-9]+|[A-Za-z0-9_.]+)(?:::[A-Za-z]+)?[ \\t\\n\\r\\f\\u000B]*,"
          + "[ \\t\\n\\r\\f\\u000B]*true[ \\t\\n\\r\\f\\u000B]*\\)");

  /**
   * {@code word} is lower-case ASCII starting with a letter. It runs on every statement, so a cheap
   * first-letter test comes before the case-insensitive region compare.
   */
  private static boolean containsIgnoreCase(String text, String word) {
    int n = word.length();
    char first = word.charAt(0);
    for (int i = 0, last = text.length() - n; i <= last; i++) {
      if ((text.charAt(i) | 0x20) == first && text.regionMatches(true, i + 1, word, 1, n - 1)) {
        return true;
      }
    }
    return false;
  }

  /** One mapping for every front-end (a utility statement such as MySQL SHOW STATUS is primary-utility, not primary-write). */
  static RouteReason primaryReason(Classification c) {
    return RouteReason.forPrimary(c);
  }

  // ================================================================== routing (the seam)

  /**
   * Asks the current replica set's {@link RouteSession} where unit {@code u} runs. {@code held} is the
   * backend the session holds now (idle, or with earlier units in flight), or null: its replica is
   * preferred while it qualifies, and a route onto its endpoint runs on it without asking the pools.
   */
  private Route decide(Unit u, BackendConnection held) {
    if (pinned) {
      u.pins = true; // the session's state is on its primary backend (e.g. taken inside a transaction)
    }
    return routes[cur.index].decide(u, held == null ? null : held.endpoint.state, routeContext);
  }

  /** The decision of the current replica set (the one {@link #cur} names). */
  private RouteSession decision() {
    return routes[cur.index];
  }

  /**
   * Carries route {@code r} of unit {@code u} out: its steps asynchronously (the position read, the
   * wait on a replica), reporting each outcome back, then the placement: borrow from that endpoint's
   * pool and send.
   */
  private void carryOut(Unit u, Route r) {
    switch (r.opcode()) {
      case READ_POSITION -> resolveFence(() -> carryOut(u, decide(u, null)));
      case AWAIT_REPLICA -> waitForFence(u, r);
      case PRIMARY, REPLICA -> attachThenSend(u, r);
      case REFUSE -> failUnit(u, PgError.error(r.refusal().sqlState(), r.refusal().message()));
    }
  }

  /** Borrows a backend of placement {@code r}'s endpoint, brings it to the client's settings, then sends the unit. */
  private void attachThenSend(Unit u, Route r) {
    Endpoint endpoint = endpointOf(r.target());
    if (endpoint.isPrimary() && heldPrimary != null && heldPrimary.endpoint == endpoint) {
      BackendConnection b = heldPrimary;
      heldPrimary = null;
      attached = b;
      b.session = this;
      runtime.routed(cur, r.reason());
      send(u, b);
      return;
    }
    waiting = true;
    acquire(endpoint, b -> {
      if (!decision().qualifies(r)) {
        // A new backend's sample showed a restarted (or rebuilt) replica behind the fence: choose again.
        detach();
        unavailable(u, r, null);
        return;
      }
      runtime.routed(cur, r.reason());
      send(u, b);
    }, error -> unavailable(u, r, error));
  }

  /** No backend of {@code r}'s endpoint could serve the unit: the decision chooses again, or the unit fails with {@code error}. */
  private void unavailable(Unit u, Route r, PgError error) {
    Route next = decision().unavailable(r, routeContext);
    if (next != null) {
      carryOut(u, next);
    } else {
      failUnit(u, error != null ? error : PgError.error("08006", "Junction: no connection to " + r.target()));
    }
  }

  private Endpoint endpointOf(EndpointState state) {
    return cur.primary.state == state ? cur.primary : cur.endpointOf(state);
  }

  private void acquire(Endpoint endpoint, java.util.function.Consumer<BackendConnection> then,
                       java.util.function.Consumer<PgError> failed) {
    waiting = true;
    Pool pool = endpoint.partitions[loopIndex];
    Pool.Callback callback = new Pool.Callback() {
      @Override
      public void acquired(BackendConnection b) {
        if (closed) {
          b.pool.release(b);
          return;
        }
        attached = b;
        b.session = RelaySession.this;
        if (!ctx.channel().isWritable()) {
          b.channel.config().setAutoRead(false);
        }
        if (b.settings.equals(settings)) {
          waiting = false;
          then.accept(b);
          pump();
          return;
        }
        b.internal(new InternalQuery(settings.applySql()) {
          @Override
          void done(BackendConnection backend, char status) {
            if (failed()) {
              attached = null;
              backend.session = null;
              backend.pool.discard(backend);
              waiting = false;
              failed.accept(PgError.error(errorSqlState == null ? "22023" : errorSqlState,
                  "Junction: could not apply the session's settings on " + endpoint + ": " + error));
              pump();
              return;
            }
            backend.settings = settings;
            backend.ringVersion = 0; // RESET ALL undid it
            waiting = false;
            then.accept(backend);
            pump();
          }
        });
      }

      @Override
      public void failed(PgError error) {
        waiting = false;
        failed.accept(error);
        pump();
      }
    };
    BackendConnection idle = pool.lendNow(); // an idle one here: no task hop (see Pool#lendNow)
    if (idle != null) {
      callback.acquired(idle);
    } else {
      pool.acquire(callback);
    }
  }

  /**
   * A unit that needs the primary after a Flush that left the implicit transaction open on a replica (a read
   * sent with Flush instead of Sync): PostgreSQL would run it in that transaction, which a replica cannot,
   * and moving it elsewhere would split the transaction. Refused; the replica backend is closed (what ran
   * there is rolled back, as an error rolls the implicit transaction back in PostgreSQL) and the client's
   * messages up to its Sync are skipped, as after any error.
   */
  private void refuseAfterFlushOnReplica(Unit u) {
    String replica = attached.endpoint.toString();
    detach(); // unsynced: closed, not lent on
    FrontendMessage last = dropUnit(u);
    new BackendMessage.ErrorResponse(PgError.error(dev.junction.JunctionSqlState.REFUSED, "Junction: this statement needs"
        + " the primary, but the statements before it since the last Sync were sent with Flush and run on replica " + replica
        + " in one implicit transaction, which the proxy cannot move; send Sync before it (or send the write first, or"
        + " use BEGIN ... COMMIT). The statements since the last Sync were rolled back")).writeTo(out());
    endRefusedUnit(last, localStatus());
    flushClient();
  }

  /**
   * Refuses a unit a hot standby would answer differently from the primary (PREPARE TRANSACTION, SERIALIZABLE:
   * the standby raises 25006/0A000 where the primary prepares, or rolls back an aborted transaction; or
   * statements after the unit's own COMMIT/ROLLBACK that need the primary, which the standby would refuse with
   * 25006 where PostgreSQL runs them) inside a transaction that runs on a replica ({@code BEGIN READ ONLY}); the
   * proxy cannot move the transaction. The
   * server's transaction is failed first, so that the client's transaction is failed (status E) on both sides.
   */
  private void refuseInReplicaTransaction(Unit u) {
    refuseInTransaction(u, u.standbyRefuses
        ? "Junction: this transaction runs on replica " + attached.endpoint + " (it began READ ONLY), and a replica cannot"
            + " run PREPARE TRANSACTION, READ WRITE or SERIALIZABLE isolation; begin the transaction without READ ONLY (it"
            + " then runs on the primary). The transaction has failed: end it with ROLLBACK"
        : u.primaryAfterEnd
        ? "Junction: these statements end a transaction that runs on replica " + attached.endpoint + " (it began READ ONLY)"
            + " and then need the primary, in one message batch the proxy cannot split between servers; send the"
            + " statements after COMMIT/ROLLBACK after a Sync (or as their own query). The transaction has failed: end it"
            + " with ROLLBACK"
        : "Junction: this transaction runs on replica " + attached.endpoint + " (it began READ ONLY), and this statement"
            + " leaves session state (SET, a temporary table, LISTEN, PREPARE, a cursor WITH HOLD, an advisory lock) that"
            + " would tie the session to the replica for good; run it before BEGIN, use SET LOCAL, or begin the"
            + " transaction without READ ONLY (it then runs on the primary). The transaction has failed: end it with ROLLBACK");
  }

  /** Refuses {@code u} inside the transaction open on the attached backend, which fails it as the server would. */
  private void refuseInTransaction(Unit u, String message) {
    FrontendMessage last = dropUnit(u);
    PgError refusal = PgError.error(dev.junction.JunctionSqlState.REFUSED, message);
    waiting = true;
    attached.internal(new InternalQuery(ShardRelay.FAIL_TRANSACTION) {
      @Override
      void done(BackendConnection backend, char status) {
        waiting = false;
        new BackendMessage.ErrorResponse(refusal).writeTo(out());
        endRefusedUnit(last, status);
        flushClient();
        resume();
      }
    });
  }

  /** Refuses unit {@code u} before sending it (0A000): inside a transaction, that transaction fails with it. */
  private void refuseUnit(Unit u, String message) {
    if (attached != null && attached.status != 'I') {
      refuseInTransaction(u, message);
    } else {
      failUnit(u, PgError.error(dev.junction.JunctionSqlState.REFUSED, message));
    }
  }

  /**
   * Brings backend {@code b}, on which the client ran a reset, back to the client's settings: its startup
   * parameters again (see {@link Settings}), leaving whatever else the session set there. Inside a transaction
   * the restore belongs to it, and rolls back with the reset.
   */
  private void restoreSettings(BackendConnection b) {
    String sql = restoreSql;
    restoreSql = null;
    if (sql == null) {
      b.settings = settings; // no startup parameters: the server's defaults are the client's
      return;
    }
    waiting = true;
    b.internal(new InternalQuery(sql, true) {
      @Override
      void done(BackendConnection backend, char status) {
        waiting = false;
        if (failed()) {
          fatal(PgError.fatal(errorSqlState == null ? "22023" : errorSqlState,
              "Junction: could not restore the session's startup parameters after a reset on " + backend.endpoint + ": " + error));
          return;
        }
        backend.settings = settings;
        resume();
      }
    });
  }

  /** Answers a unit that could not be routed with an ErrorResponse, as the server would have. */
  private void failUnit(Unit u, PgError error) {
    FrontendMessage last = dropUnit(u);
    new BackendMessage.ErrorResponse(error).writeTo(out());
    // no backend: no transaction is open, unless other shards' backends hold this session's (sharded)
    endRefusedUnit(last, shardRelay == null ? 'I' : shardRelay.failedWithoutBackend());
    flushClient();
    waiting = false;
  }

  /** Takes unit {@code u}'s messages off {@link #pending} without sending them; returns the last one. */
  FrontendMessage dropUnit(Unit u) {
    FrontendMessage last = null;
    for (int i = 0; i < u.count; i++) {
      last = pending.poll();
    }
    return last;
  }

  /**
   * Ends a unit that was answered with an error instead of being sent ({@code last}: its last message), as
   * the server ends a failed statement: ReadyForQuery with {@code status} when the unit ended with a simple
   * Query or the client's Sync; otherwise (Flush, or a part of a unit split between shards) the client's
   * messages are dropped up to its Sync, which is answered then. One rule for every refusal: answering
   * ReadyForQuery after a Flush, and again at the Sync, was a second ReadyForQuery the server never sends.
   */
  void endRefusedUnit(FrontendMessage last, char status) {
    if (last instanceof FrontendMessage.Query || last instanceof FrontendMessage.Sync && last != ShardRelay.SPLIT) {
      readyMessage(status).writeTo(out());
    } else if (shardRelay != null) {
      shardRelay.skipRestOfUnit(); // it knows the split unit's own Sync from its parts'
    } else {
      skipToSync = true;
    }
  }

  /** Gives the attached backend back (or keeps the session's own primary in session mode). */
  private void detach() {
    BackendConnection b = attached;
    attached = null;
    if (b == null) {
      return;
    }
    if (unsynced) { // an implicit transaction is open on it: closed, so PostgreSQL rolls it back; never lent on
      unsynced = false;
      b.session = null;
      b.channel.config().setAutoRead(true);
      if (b.phase == BackendConnection.Phase.READY) {
        if (!b.queue.isEmpty()) {
          sendCancel(b);
        }
        b.pool.discard(b);
      }
      return;
    }
    if (runtime.poolMode == RelayRuntime.PoolMode.SESSION && b.endpoint.isPrimary()) {
      b.session = null;
      if (heldPrimary != null && heldPrimary != b) {
        abandon(heldPrimary); // sharded, session mode: one kept primary backend, the last shard's
      }
      heldPrimary = b;
      return;
    }
    autoRead(b.channel, true);
    b.pool.release(b);
  }

  // ================================================================== forwarding

  private void send(Unit u, BackendConnection b) {
    if (shardRelay != null && shardRelay.refusedAsLate(u, b)) {
      return;
    }
    if (shardRelay != null && shardRelay.beforeSend(u, b)) {
      return; // the transaction's BEGIN went first; the unit is sent once it succeeded (see ShardRelay#beforeSend)
    }
    units++;
    if (u.pins && !pinned) {
      pinned = true;
      log.debug("session {}: pinned to {} (session state that cannot be replayed)", processId, b);
    }
    if (u.writes && b.endpoint.isPrimary()) {
      wrote = true;
    }
    if (u.settingsAfter != null) {
      settingsAfterUnit = u.settingsAfter;
    }
    if (u.resetKeys != null) { // (never with Flush: refused in unit(), so its ReadyForQuery comes)
      resetInUnit = true;
      resetKeys = resetKeys == null ? u.resetKeys : Settings.union(resetKeys, u.resetKeys);
    }
    FrontendMessage last = null;
    for (int i = 0; i < u.count; i++) {
      forward(last = pending.poll(), b);
    }
    unsynced = last instanceof FrontendMessage.Flush && (unsynced || u.statements);
    b.flush();
  }

  private void forward(FrontendMessage m, BackendConnection b) {
    ByteBuf out = b.out();
    if (m instanceof FrontendMessage.Query q) {
      Frontend.query(out, q.sql());
      b.unnamedOwner = null;
      b.expect(Pending.QUERY);
    } else if (m instanceof FrontendMessage.Parse p) {
      if (p.statement().isEmpty()) {
        unnamedSql = p.query();
        unnamedTypes = p.parameterTypes();
        unnamedSerial++;
        Frontend.parse(out, "", p.query(), p.parameterTypes());
        b.unnamedOwner = this;
        b.unnamedSerial = unnamedSerial;
        b.expect(Pending.parse(""));
      } else {
        PreparedStatements.Statement st = runtime.statements.intern(p.query(), p.parameterTypes(), settings);
        statements.put(p.statement(), st);
        if (b.hasPrepared(st.id)) {
          b.expect(Pending.SYNTHETIC_PARSE_COMPLETE);
        } else {
          Frontend.parse(out, st.serverName, st.sql, st.parameterTypes);
          Long evicted = b.markPrepared(st.id);
          b.expect(Pending.parse(p.statement(), st));
          closeEvicted(b, evicted);
        }
      }
    } else if (m instanceof FrontendMessage.Bind bind) {
      String name = serverStatement(bind.statement(), b);
      Frontend.bind(b.out(), bind.portal(), name, bind.parameterFormats(), bind.parameterValues(), bind.resultFormats());
      b.expect(Pending.BIND);
    } else if (m instanceof FrontendMessage.Execute e) {
      Frontend.execute(out, e.portal(), e.maxRows());
      b.expect(Pending.EXECUTE);
    } else if (m == ShardRelay.SPLIT) {
      Frontend.sync(out);
      b.expect(Pending.SPLIT_SYNC);
    } else if (m instanceof FrontendMessage.Sync) {
      Frontend.sync(out);
      b.expect(Pending.SYNC);
    } else if (m instanceof FrontendMessage.Describe d) {
      if (d.target() == FrontendMessage.Target.STATEMENT) {
        Frontend.describe(b.out(), 'S', serverStatement(d.name(), b));
      } else {
        Frontend.describe(out, 'P', d.name());
      }
      b.expect(Pending.DESCRIBE);
    } else if (m instanceof FrontendMessage.Close c) {
      if (c.target() == FrontendMessage.Target.STATEMENT && !c.name().isEmpty() && statements.remove(c.name()) != null) {
        // The server-side statement is shared and cached; closing a name that does not exist answers CloseComplete.
        Frontend.close(out, 'S', "junction_no_such_statement");
      } else {
        if (c.target() == FrontendMessage.Target.STATEMENT && c.name().isEmpty()) {
          unnamedSql = null;
          if (b.unnamedOwner == this) {
            b.unnamedOwner = null;
          }
        }
        Frontend.close(out, c.target() == FrontendMessage.Target.STATEMENT ? 'S' : 'P', c.name());
      }
      b.expect(Pending.CLOSE);
    } else if (m instanceof FrontendMessage.Flush) {
      Frontend.flush(out);
    } else if (m instanceof FrontendMessage.CopyData d) {
      Frontend.copyData(out, d.data());
      if (out.readableBytes() > 64 * 1024) {
        b.flush();
      }
    } else if (m instanceof FrontendMessage.CopyDone) {
      Frontend.copyDone(out);
    } else if (m instanceof FrontendMessage.CopyFail f) {
      Frontend.copyFail(out, f.message());
    } else if (m instanceof FrontendMessage.FunctionCall f) {
      functionCall(out, f);
      b.unnamedOwner = null;
      b.expect(Pending.QUERY);
    } else {
      throw new IllegalStateException("cannot relay " + m.getClass().getSimpleName());
    }
  }

  private static void functionCall(ByteBuf out, FrontendMessage.FunctionCall f) {
    out.writeByte('F');
    int at = out.writerIndex();
    out.writeInt(0);
    out.writeInt(f.functionOid());
    out.writeShort(f.argumentFormats().size());
    f.argumentFormats().forEach(x -> out.writeShort(x.code()));
    out.writeShort(f.arguments().size());
    for (byte[] a : f.arguments()) {
      if (a == null) {
        out.writeInt(-1);
      } else {
        out.writeInt(a.length);
        out.writeBytes(a);
      }
    }
    out.writeShort(f.resultFormat().code());
    out.setInt(at, out.writerIndex() - at);
  }

  /** The name to use on {@code b} for the client's statement {@code name}, preparing it there first if needed. */
  private String serverStatement(String name, BackendConnection b) {
    if (name.isEmpty()) {
      if (b.unnamedOwner != this || b.unnamedSerial != unnamedSerial) {
        if (unnamedSql != null) {
          Frontend.parse(b.out(), "", unnamedSql, unnamedTypes);
          b.unnamedOwner = this;
          b.unnamedSerial = unnamedSerial;
          b.expect(Pending.PARSE_INJECTED);
        } else if (b.unnamedOwner != null) {
          // The client has no unnamed statement; the backend holds another session's: closed first, so that the
          // server answers 26000 as it would, instead of running that statement for this client.
          Frontend.close(b.out(), 'S', "");
          b.unnamedOwner = null;
          b.expect(Pending.CLOSE_INJECTED);
        }
      }
      return "";
    }
    PreparedStatements.Statement st = statements.get(name);
    if (st == null) {
      return name; // not a protocol statement of this client: the server answers (SQL PREPARE, or "does not exist")
    }
    if (!b.hasPrepared(st.id)) {
      Frontend.parse(b.out(), st.serverName, st.sql, st.parameterTypes);
      Long evicted = b.markPrepared(st.id);
      b.expect(Pending.parseInjected(st.id));
      closeEvicted(b, evicted);
    }
    return st.serverName;
  }

  private static void closeEvicted(BackendConnection b, Long evicted) {
    if (evicted != null) {
      Frontend.close(b.out(), 'S', "junction_" + evicted);
      b.expect(Pending.CLOSE_INJECTED);
    }
  }

  // ================================================================== backend callbacks

  /**
   * Passes one backend message on to the client. A small one is copied into {@link #local}, after
   * whatever the proxy wrote there itself, and the read batch's answer reaches the channel as one
   * buffer at {@link #flushClient}: a select-only transaction is 4 to 6 messages, and each sent
   * through the pipeline on its own (encoder, coalescer, a reference count per slice) was a visible
   * share of the event loop in the pgbench profile. Past {@link #GATHER_LIMIT} bytes the gathered
   * ones are written on (not flushed), so the channel's writability, which stops the backend from
   * being read for a client that does not read, still sees everything; a large message goes through
   * as it is, after what was gathered before it.
   */
  void relay(ByteBuf m) {
    if (shardRelay != null && m.getByte(0) == 'Z' && m.getByte(5) == 'I') {
      char virtual = shardRelay.virtualStatus();
      if (virtual != 'I') {
        m.setByte(5, virtual); // a unit without statements ran on a pooled backend inside a BEGIN the proxy answered
      }
    }
    int n = m.readableBytes();
    if (n <= COPY_LIMIT) {
      ByteBuf o = out();
      o.writeBytes(m, m.readerIndex(), n);
      m.release();
      if (o.readableBytes() >= GATHER_LIMIT) {
        writeLocal();
      }
    } else {
      writeLocal();
      ctx.write(m, ctx.voidPromise());
    }
    if (attached != null && !ctx.channel().isWritable() && attached.channel != null) {
      attached.channel.config().setAutoRead(false); // a client that does not read holds only its own backend
    }
  }

  void flushClient() {
    writeLocal();
    ctx.flush();
  }

  void statementFailed() {
    unitFailed = true;
  }

  /**
   * A statement completed (its CommandComplete, relayed as sent). Notes a COMMIT after this session wrote: with
   * AND CHAIN the backend's status stays in a transaction, so {@link #readyForQuery} cannot tell the commit by the
   * status alone (sharded: a shard's committed rows went unfenced when the chained transaction later spread and
   * rolled back, and the next read could miss them on a replica).
   */
  void commandComplete(ByteBuf m, BackendConnection b) {
    if (m.readableBytes() >= 15 && m.getByte(5) == 'D' && (tagIs(m, "DISCARD ALL") || tagIs(m, "DEALLOCATE ALL"))) {
      b.forgetPrepared(); // the server dropped every prepared statement there (only when it ran: a failed one keeps them)
    }
    if (wrote && m.readableBytes() == 12 && m.getByte(5) == 'C' && m.getByte(6) == 'O' && m.getByte(7) == 'M'
        && m.getByte(8) == 'M' && m.getByte(9) == 'I' && m.getByte(10) == 'T') {
      committedInUnit = true; // 'C', length 11, "COMMIT\0"
    }
  }

  /** The CommandComplete {@code m} carries exactly {@code tag}. */
  private static boolean tagIs(ByteBuf m, String tag) {
    if (m.readableBytes() != 6 + tag.length()) {
      return false; // 'C', int32 length, the tag, NUL
    }
    for (int i = 0; i < tag.length(); i++) {
      if (m.getByte(5 + i) != tag.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  void parseFailed(String clientName, BackendConnection b) {
    if (clientName.isEmpty()) {
      unnamedSql = null;
      if (b.unnamedOwner == this) {
        b.unnamedOwner = BackendConnection.UNKNOWN_OWNER; // none if it failed, the one before if it was skipped
      }
      return;
    }
    PreparedStatements.Statement st = statements.remove(clientName);
    if (st != null) {
      b.prepared.remove(st.id);
    }
  }

  /** A part of a unit split between shards ended (its Sync was the proxy's): after an error, skip the rest. */
  void splitReady() {
    if (unitFailed && shardRelay != null) {
      shardRelay.skipRestOfUnit();
    }
  }

  void readyForQuery(BackendConnection b, char status) {
    lastActivityNanos = System.nanoTime();
    flushClient();
    if (settingsAfterUnit != null) {
      if (!unitFailed && status == 'I') {
        settings = settingsAfterUnit;
        b.settings = settings;
      } // else the SETs rolled back with their (implicit) transaction: nothing changed
      settingsAfterUnit = null;
    }
    if (resetInUnit) {
      resetInUnit = false;
      if (!unitFailed) { // (a failed unit's reset did not run: a reset is refused after other statements of its unit)
        b.settings = Settings.UNKNOWN; // the server's defaults where the client's startup values belong: applied again first
        b.ringVersion = 0; // a RESET ALL / DISCARD ALL undid the declared ring version too
        restoreSql = settings.startupSql(resetKeys);
      }
      resetKeys = null;
    }
    unitFailed = false;
    if (wrote && (status == 'I' || committedInUnit)) {
      wrote = false; // a chained transaction that writes again sets it again
      decision().writeCommitted(routeContext); // the next read that may go to a replica reads the position first
    }
    committedInUnit = false;
    if (b.queue.isEmpty()) {
      if (!pumping) {
        pump();
        if (attached == b && b.idle() && b.status == 'I' && !pinned && !waiting
            && (runtime.poolMode == RelayRuntime.PoolMode.TRANSACTION || !b.endpoint.isPrimary())) {
          detach();
        }
      }
    }
  }

  void backendWritabilityChanged(BackendConnection b, boolean writable) {
    ctx.channel().config().setAutoRead(writable);
  }

  /**
   * A backend reported a setting that changes how the server reads statement text ({@link TextSettings}):
   * the session ends before any later statement is read the other way; the backend is closed by the caller.
   */
  void textSettingConflict(String conflict) {
    if (!closed) {
      fatal(PgError.fatal(dev.junction.JunctionSqlState.REFUSED, conflict));
      closed = true; // nothing more is read from the client or relayed to it (backendLost says nothing more)
    }
  }

  /** The attached backend's connection closed under the session. */
  void backendLost(BackendConnection b) {
    if (attached == b) {
      attached = null;
      boolean wasPinned = pinned;
      if (ctx.channel().isActive() && !closed) {
        PgError e = PgError.fatal("08006", "Junction: the connection to " + b.endpoint + " was lost"
            + (b.status != 'I' || wasPinned ? "; the transaction or session state on it is gone" : ""));
        if (b.status != 'I' || wasPinned || !b.queue.isEmpty() || unsynced) {
          unsynced = false;
          fatal(e);
        } else {
          pump();
        }
      }
    } else if (heldPrimary == b) {
      heldPrimary = null;
      if (ctx.channel().isActive() && !closed) {
        fatal(PgError.fatal("08006", "Junction: the session's primary connection was lost"));
      }
    }
  }

  // ================================================================== leaving

  /** The client is gone: make sure {@code b} goes back clean, or not at all. */
  private void abandon(BackendConnection b) {
    b.session = null;
    b.channel.config().setAutoRead(true);
    if (b.phase != BackendConnection.Phase.READY) {
      return;
    }
    boolean sessionMode = runtime.poolMode == RelayRuntime.PoolMode.SESSION;
    if (pinned || !b.queue.isEmpty() || b.copyIn || unsynced && b == attached) {
      // A statement may still run, the session holds state that cannot be reset reliably, or an implicit
      // transaction waits for its Sync: close it.
      // PostgreSQL rolls back whatever transaction was open.
      if (!b.queue.isEmpty()) {
        sendCancel(b);
      }
      b.pool.discard(b);
      return;
    }
    if (b.status == 'I' && !sessionMode) {
      b.pool.release(b);
      return;
    }
    String sql = b.status == 'I' ? "DISCARD ALL" : "ROLLBACK";
    b.internal(new InternalQuery(sessionMode ? (b.status == 'I' ? sql : "ROLLBACK; DISCARD ALL") : sql) {
      @Override
      void done(BackendConnection backend, char status) {
        if (!failed() && status == 'I') {
          if (sessionMode) {
            backend.prepared.clear();
            backend.settings = Settings.EMPTY;
            backend.unnamedOwner = null;
          }
          backend.pool.release(backend);
        } else {
          backend.pool.discard(backend);
        }
      }
    });
  }

  // ================================================================== cancel

  /** A CancelRequest named this session: cancel what its backend runs, if anything. */
  public void cancel(int key) {
    if (key != secretKey) {
      return;
    }
    BackendConnection b = attached;
    if (b != null && !b.queue.isEmpty()) {
      sendCancel(b);
    }
  }

  private void sendCancel(BackendConnection b) {
    b.cancelsInFlight++;
    Pool pool = b.pool;
    new Bootstrap().group(b.channel.eventLoop()).channel(NettyTransport.socketChannel(b.channel.eventLoop()))
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
              @Override
              public void channelActive(ChannelHandlerContext c) {
                ByteBuf buf = c.alloc().buffer(16);
                Frontend.cancel(buf, b.processId, b.secretKey);
                c.writeAndFlush(buf);
              }
            });
          }
        })
        .connect(b.endpoint.host, b.endpoint.port).addListener((io.netty.channel.ChannelFutureListener) f -> {
          if (!f.isSuccess()) {
            pool.cancelFinished(b);
          } else {
            f.channel().closeFuture().addListener(x -> pool.cancelFinished(b));
          }
        });
  }

  // ================================================================== fences

  /**
   * A READ_POSITION step: reads the primary's WAL insert position (at or past every commit that
   * returned) and reports it to the decision (or that it could not be read), then runs {@code then}.
   */
  private void resolveFence(Runnable then) {
    RouteSession decision = decision();
    readPrimaryHead(head -> {
      if (head == null) {
        decision.positionUnavailable();
      } else {
        decision.positionRead(head);
        reportFence();
      }
      then.run();
    });
  }

  /**
   * Reads the current replica set's primary's WAL insert position on a primary backend (the session's
   * own when it holds one, else a borrowed one), notes it as the primary's cached head, and hands it to
   * {@code then}, or null when it could not be read.
   */
  private void readPrimaryHead(java.util.function.Consumer<PgLsn> then) {
    waiting = true;
    BackendConnection mine = attached != null && attached.endpoint.isPrimary() && attached.idle() ? attached : null;
    long generation = cur.primary.state.generation(); // read before the query: an answer from before a reset is ignored
    java.util.function.Consumer<BackendConnection> query = b -> {
      waiting = true; // acquire() cleared it when it handed the backend over; the unit stays parked until the answer
      b.internal(new InternalQuery(PRIMARY_HEAD_SQL) {
        @Override
        void done(BackendConnection backend, char status) {
          waiting = false;
          PgLsn head = failed() || firstValue == null ? null : primaryHead(firstValue);
          if (head != null) {
            // as the library's FenceTracker: a fence read here is then at or below the cached head, so a
            // later wait on it does not read the head again (see clampIfLost)
            backend.endpoint.state.observeAtLeast(generation, head);
          }
          if (attached == backend && mine == null) {
            detach();
          }
          then.accept(head);
          pump();
        }
      });
    };
    if (mine != null) {
      query.accept(mine);
      return;
    }
    if (heldPrimary != null && heldPrimary.endpoint == cur.primary) {
      attached = heldPrimary;
      heldPrimary = null;
      attached.session = this;
      query.accept(attached);
      return;
    }
    acquire(cur.primary, query, error -> {
      waiting = false;
      then.accept(null);
    });
  }

  /** The primary's insert position and its WAL geometry, for {@link PgLsn#recordBoundary} (as the library's dialect reads them). */
  static final String PRIMARY_HEAD_SQL = "SELECT pg_current_wal_insert_lsn()::text || ' ' || current_setting('wal_block_size')"
      + " || ' ' || pg_size_bytes(current_setting('wal_segment_size'))";

  /**
   * The answer of {@link #PRIMARY_HEAD_SQL} as a fence: the insert position moved back over a page header
   * it points just past (else an idle primary's last fence could never be replayed), or null when the
   * text is not what the query returns.
   */
  static PgLsn primaryHead(String text) {
    String[] parts = text.split(" ");
    try {
      return parts.length != 3 ? null
          : PgLsn.recordBoundary(PgLsn.parse(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2]));
    } catch (IllegalArgumentException e) { // NumberFormatException too
      return null;
    }
  }

  /** Sends the session's fence as ParameterStatus {@code junction.fence} when tokens are enabled and it changed. */
  private void reportFence() {
    if (runtime.tokens == null || decision().ownFence() == null) {
      return;
    }
    String token = token();
    if (!token.equals(reportedToken)) {
      reportedToken = token;
      new BackendMessage.ParameterStatus("junction.fence", token).writeTo(out());
    }
  }

  /** The signed token of the session's own fences, one per shard. */
  private String token() {
    Fence f = Fence.NONE;
    for (ShardEndpoints s : runtime.shards) {
      ReplicationPosition p = routes[s.index].ownFence();
      if (p != null) {
        f = f.advance(s.name, p);
      }
    }
    return runtime.tokens.encode(f);
  }

  private void acceptToken(String token) {
    if (runtime.tokens == null) {
      throw new IllegalArgumentException("junction.fence tokens need junction.fencing.token-secret in the proxy's configuration");
    }
    Fence f;
    try {
      f = runtime.tokens.decode(token);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid junction.fence token: " + e.getMessage());
    }
    for (ShardEndpoints s : runtime.shards) {
      ReplicationPosition p = f.of(s.name);
      if (p != null) {
        routes[s.index].adoptFence(p);
      }
    }
  }

  /**
   * An AWAIT_REPLICA step: waits up to the route's budget for its replica to replay the fence,
   * polling the replay position on a borrowed backend, and reports the outcome to the decision.
   */
  private void waitForFence(Unit u, Route await) {
    ReplicationPosition cachedHead = cur.primary.state.replayed();
    if (cachedHead != null && !cachedHead.covers(await.fence())) {
      clampIfLost(u, await);
      return;
    }
    pollUntilCovered(u, await);
  }

  /**
   * The fence is ahead of the primary's cached head: a write newer than the last lag sample, or a
   * history the primary no longer has (a token or stored fence from before a failover or a rebuild),
   * which no replica will ever replay. Reads the head fresh; if it is behind the fence too, the fence
   * is clamped to it, as the library does (FenceTracker#unlessLost, docs/consistency.md "Failover"):
   * everything the primary still has is at or below that head, so a replica that covers it has every
   * surviving write. Without this each such read waited {@code max-fence-wait}, then used the primary.
   * The head is read again for every such read: the scope's newer writes merge into the ahead fence
   * without raising it, so a clamp kept from before would miss them.
   */
  private void clampIfLost(Unit u, Route await) {
    readPrimaryHead(head -> {
      if (head == null || head.covers(await.fence())) {
        pollUntilCovered(u, await); // cannot tell, or a write newer than the cached head: wait as for any fence
        return;
      }
      ReplicationPosition clamped = await.fence().clampTo(head);
      runtime.fenceClamped(cur, await.fence(), head);
      carryOut(u, decision().fenceClamped(await, clamped));
    });
  }

  private void pollUntilCovered(Unit u, Route await) {
    long deadline = System.nanoTime() + await.waitMillis() * 1_000_000L;
    acquire(endpointOf(await.target()), b -> pollReplay(u, b, await, deadline), error -> unavailable(u, await, error));
  }

  private void pollReplay(Unit u, BackendConnection b, Route await, long deadline) {
    waiting = true;
    long generation = b.endpoint.state.generation(); // a restart noticed meanwhile voids the result
    b.internal(new InternalQuery("SELECT pg_last_wal_replay_lsn()::text") {
      @Override
      void done(BackendConnection backend, char status) {
        if (!failed() && firstValue != null) {
          PgLsn replayed = PgLsn.parse(firstValue);
          backend.endpoint.state.observeAtLeast(generation, replayed);
          if (replayed.covers(await.fence())) {
            waiting = false;
            Route placed = decision().awaited(await, RouteSession.AwaitOutcome.CAUGHT_UP);
            runtime.routed(cur, placed.reason());
            send(u, backend);
            pump();
            return;
          }
        }
        if (failed() || System.nanoTime() - deadline >= 0) {
          Route next = decision().awaited(await, failed() ? RouteSession.AwaitOutcome.FAILED : RouteSession.AwaitOutcome.TIMED_OUT);
          waiting = false;
          detach();
          carryOut(u, next);
          pump();
          return;
        }
        loop.schedule(() -> {
          if (!closed && attached == backend) {
            pollReplay(u, backend, await, deadline);
          }
        }, 2, TimeUnit.MILLISECONDS);
      }
    });
  }

  /** Client statement names (and "" for the unnamed one) whose SQL is a junction.fence command, answered by the proxy. */
  private final Map<String, String> fenceStatements = new HashMap<>(2);

  private boolean isFenceSql(String sql) {
    return sql != null && sql.regionMatches(true, 0, "", 0, 0) && containsIgnoreCase(sql, "junction.fence")
        && FENCE_COMMAND.matcher(sql).matches();
  }

  /**
   * When the extended-protocol unit at the head of pending consists only of junction.fence commands
   * (Parse/Bind/Describe/Execute/Close of them, then Sync), its message count; 0 when it is a normal
   * unit; -1 when it may be one but its Sync has not arrived.
   */
  private int localFenceUnit() {
    if (!(pending.peek() instanceof FrontendMessage.Parse || pending.peek() instanceof FrontendMessage.Bind)) {
      return 0;
    }
    if (fenceStatements.isEmpty() && !(pending.peek() instanceof FrontendMessage.Parse p0 && isFenceSql(p0.query()))) {
      return 0;
    }
    Map<String, String> names = new HashMap<>(fenceStatements);
    int i = 0;
    for (FrontendMessage m : pending) {
      i++;
      if (m instanceof FrontendMessage.Parse p) {
        if (!isFenceSql(p.query())) {
          return 0;
        }
        names.put(p.statement(), p.query());
      } else if (m instanceof FrontendMessage.Bind b) {
        if (!names.containsKey(b.statement())) {
          return 0;
        }
      } else if (m instanceof FrontendMessage.Describe d) {
        if (d.target() == FrontendMessage.Target.STATEMENT && !names.containsKey(d.name())) {
          return 0;
        }
      } else if (m instanceof FrontendMessage.Sync) {
        return i;
      } else if (!(m instanceof FrontendMessage.Execute || m instanceof FrontendMessage.Close)) {
        return 0;
      }
    }
    return -1;
  }

  /** Answers an extended-protocol unit of junction.fence commands; false when the fence must be resolved first. */
  private boolean extendedFenceCommands(int count) {
    if (decision().fencePending()) {
      int i = 0;
      for (FrontendMessage m : pending) {
        if (i++ >= count) {
          break;
        }
        if (m instanceof FrontendMessage.Execute) {
          resolveFence(() -> { });
          return false;
        }
      }
    }
    Map<String, String> portals = new HashMap<>(2);
    boolean failed = false;
    for (int i = 0; i < count; i++) {
      FrontendMessage m = pending.poll();
      if (m instanceof FrontendMessage.Sync) {
        char st = localStatus();
        readyLocally(st == 'T' && failed ? 'E' : st);
        return true;
      }
      if (failed) {
        continue;
      }
      if (m instanceof FrontendMessage.Parse p) {
        fenceStatements.put(p.statement(), p.query());
        BackendMessage.Empty.PARSE_COMPLETE.writeTo(out());
      } else if (m instanceof FrontendMessage.Bind b) {
        portals.put(b.portal(), fenceStatements.get(b.statement()));
        BackendMessage.Empty.BIND_COMPLETE.writeTo(out());
      } else if (m instanceof FrontendMessage.Describe d) {
        String sql = d.target() == FrontendMessage.Target.STATEMENT ? fenceStatements.get(d.name()) : portals.get(d.name());
        if (d.target() == FrontendMessage.Target.STATEMENT) {
          new BackendMessage.ParameterDescription(List.of()).writeTo(out());
        }
        if (sql != null && isShow(sql)) {
          fenceRowDescription();
        } else {
          BackendMessage.Empty.NO_DATA.writeTo(out());
        }
      } else if (m instanceof FrontendMessage.Execute e) {
        String sql = portals.get(e.portal());
        if (sql == null) {
          new BackendMessage.ErrorResponse(PgError.error("34000", "portal \"" + e.portal() + "\" does not exist")).writeTo(out());
          failed = true;
        } else if (isShow(sql)) {
          failed = !showFence(false);
        } else {
          failed = !setFence(sql);
        }
      } else if (m instanceof FrontendMessage.Close c) {
        if (c.target() == FrontendMessage.Target.STATEMENT) {
          fenceStatements.remove(c.name());
        }
        BackendMessage.Empty.CLOSE_COMPLETE.writeTo(out());
      }
    }
    flushClient();
    return true;
  }

  private static boolean isShow(String sql) {
    return sql.stripLeading().regionMatches(true, 0, "SHOW", 0, 4);
  }

  private void fenceRowDescription() {
    new BackendMessage.RowDescription(List.of(new dev.junction.proxy.protocol.FieldDescription("junction.fence", 0, 0, 25, -1, -1,
        dev.junction.proxy.protocol.Format.TEXT))).writeTo(out());
  }

  /** Writes the fence token row (and its description for the simple protocol); false after an error. */
  private boolean showFence(boolean describe) {
    if (runtime.tokens == null) {
      new BackendMessage.ErrorResponse(PgError.error("55000",
          "junction.fence tokens need junction.fencing.token-secret in the proxy's configuration")).writeTo(out());
      return false;
    }
    if (describe) {
      fenceRowDescription();
    }
    new BackendMessage.DataRow(List.of(token().getBytes(java.nio.charset.StandardCharsets.UTF_8))).writeTo(out());
    new BackendMessage.CommandComplete("SHOW").writeTo(out());
    return true;
  }

  private boolean setFence(String sql) {
    Matcher m = FENCE_COMMAND.matcher(sql);
    m.matches();
    try {
      acceptToken(m.group(2));
      new BackendMessage.CommandComplete("SET").writeTo(out());
      return true;
    } catch (IllegalArgumentException e) {
      new BackendMessage.ErrorResponse(PgError.error("22023", e.getMessage())).writeTo(out());
      return false;
    }
  }

  private void fenceCommand(Unit u) {
    pending.poll();
    Matcher m = FENCE_COMMAND.matcher(u.fenceCommand);
    m.matches();
    char status = localStatus();
    if (m.group(1).regionMatches(true, 0, "SET", 0, 3)) {
      setFence(u.fenceCommand);
      readyLocally(status);
      return;
    }
    if (decision().fencePending()) {
      pending.addFirst(new FrontendMessage.Query(u.fenceCommand));
      resolveFence(this::pump);
      return;
    }
    showFence(true);
    readyLocally(status);
  }

  private void readyLocally(char status) {
    (status == 'T' ? BackendMessage.ReadyForQuery.IN_TRANSACTION : status == 'E' ? BackendMessage.ReadyForQuery.FAILED
        : BackendMessage.ReadyForQuery.IDLE).writeTo(out());
    flushClient();
  }

  // ================================================================== shards (see ShardRelay)

  /** Makes {@code shard} the current replica set: routing, fences and pools are that shard's from now on. */
  void switchShard(ShardEndpoints shard) {
    cur = shard;
  }

  /** The routing decision and read-your-writes state of {@code shard}. */
  RouteSession decisionOf(ShardEndpoints shard) {
    return routes[shard.index];
  }

  RouteContext routeContext() {
    return routeContext;
  }

  int maxMessageBytes() {
    return host.config().maxMessageBytes();
  }

  ShardEndpoints currentShard() {
    return cur;
  }

  /** The ReadyForQuery status the client sees when the proxy answers by itself. */
  char localStatus() {
    if (attached != null) {
      return attached.status;
    }
    return shardRelay == null ? 'I' : shardRelay.virtualStatus();
  }

  static BackendMessage.ReadyForQuery readyMessage(char status) {
    return status == 'T' ? BackendMessage.ReadyForQuery.IN_TRANSACTION : status == 'E' ? BackendMessage.ReadyForQuery.FAILED
        : BackendMessage.ReadyForQuery.IDLE;
  }

  /** The bookkeeping of forwarding {@code p}, without sending it (a sharded unit the proxy runs itself). */
  void registerParse(FrontendMessage.Parse p) {
    if (p.statement().isEmpty()) {
      unnamedSql = p.query();
      unnamedTypes = p.parameterTypes();
      unnamedSerial++;
    } else {
      statements.put(p.statement(), runtime.statements.intern(p.query(), p.parameterTypes(), settings));
    }
  }

  void registerClose(FrontendMessage.Close c) {
    if (c.target() == FrontendMessage.Target.STATEMENT) {
      if (c.name().isEmpty()) {
        unnamedSql = null;
      } else {
        statements.remove(c.name());
      }
    }
  }

  /** The SQL and parameter types of the client's statement {@code name} ("" = unnamed), or null. */
  Object[] statementOf(String name) {
    if (name.isEmpty()) {
      return unnamedSql == null ? null : new Object[] {unnamedSql, unnamedTypes};
    }
    PreparedStatements.Statement st = statements.get(name);
    return st == null ? null : new Object[] {st.sql, st.parameterTypes};
  }

  // accessors for ShardRelay (same package, same event loop)
  ArrayDeque<FrontendMessage> pendingMessages() { return pending; }
  BackendConnection attachedBackend() { return attached; }
  boolean isPinned() { return pinned; }
  void detachBackend() { detach(); }
  /** See {@link #unsynced}. */
  boolean unsynced() { return unsynced; }
  /** Ends the session with {@code error} (FATAL), as a lost backend does. */
  void fatalError(PgError error) { fatal(error); }
  /** Takes the attached backend off the session without giving it back (a transaction keeps it, see ShardTransaction). */
  void forgetAttached() { attached = null; }
  /** Makes {@code b}, held by the session's transaction, the attached backend again. */
  void attachBackend(BackendConnection b) {
    attached = b;
    b.session = this;
    if (!ctx.channel().isWritable()) {
      b.channel.config().setAutoRead(false);
    }
  }
  /** Gives back a backend the session's transaction held, as {@link #detach} would (or cleans it up after the client left). */
  void returnBackend(BackendConnection b) {
    if (closed) {
      abandon(b);
      return;
    }
    if (b.phase != BackendConnection.Phase.READY) {
      return;
    }
    if (b.status != 'I' || !b.idle()) {
      b.session = null;
      b.pool.discard(b);
      return;
    }
    attached = b;
    detach();
  }
  void abandonBackend(BackendConnection b) { abandon(b); }
  ByteBuf localOut() { return out(); }
  void setWaiting(boolean w) { waiting = w; }
  boolean isClosed() { return closed; }
  int loopIndex() { return loopIndex; }
  Settings sessionSettings() { return settings; }
  void resume() { pump(); }
  void acquireFor(Endpoint endpoint, java.util.function.Consumer<BackendConnection> then, java.util.function.Consumer<PgError> failed) {
    acquire(endpoint, then, failed);
  }
  void markRouted(RouteReason reason) { runtime.routed(cur, reason); }

  // ================================================================== timeouts and errors

  /** Called about once a second from the server's sweep, on this session's loop. */
  public void checkTimeouts(long now) {
    if (closed || !ready || admin != null) {
      return;
    }
    long idle = now - lastActivityNanos;
    var config = host.config();
    BackendConnection b = attached;
    boolean idleInTransaction = b != null ? b.idle() && b.status != 'I'
        : shardRelay != null && !waiting && pending.isEmpty() && shardRelay.holdsParkedBackends(); // all its shards parked
    if (idleInTransaction && !config.idleInTransactionTimeout().isZero()
        && idle > config.idleInTransactionTimeout().toNanos()) {
      fatal(PgError.fatal("25P03", "Junction: terminating the session: idle in transaction for longer than "
          + config.idleInTransactionTimeout().toMillis() + " ms (junction.proxy.idle-in-transaction-timeout)"));
    } else if ((b == null || (b.idle() && b.status == 'I')) && pending.isEmpty() && !waiting
        && !config.idleClientTimeout().isZero() && idle > config.idleClientTimeout().toNanos()) {
      fatal(PgError.fatal("57P05", "Junction: terminating the session: idle for longer than "
          + config.idleClientTimeout().toMillis() + " ms (junction.proxy.idle-client-timeout)"));
    }
  }

  void fatal(PgError error) {
    if (!ctx.channel().isActive()) {
      return;
    }
    new BackendMessage.ErrorResponse(error).writeTo(out());
    ByteBuf buf = local;
    local = null;
    ctx.writeAndFlush(buf).addListener(ChannelFutureListener.CLOSE);
  }

  /** Closes the session (shutdown, admin). */
  void terminate(String reason) {
    fatal(PgError.fatal("57P01", "Junction: " + reason));
  }
}
