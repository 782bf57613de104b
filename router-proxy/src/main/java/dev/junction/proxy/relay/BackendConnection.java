package dev.junction.proxy.relay;

import dev.junction.proxy.auth.BackendCredentials;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * One pooled connection to a backend server, speaking the frontend side of the v3 protocol.
 *
 * <p>Design notes:
 * <ul>
 *   <li>It lives on one event loop for its whole life, the loop of the pool partition that created it;
 *       only sessions on that loop use it, so nothing here is shared between threads.</li>
 *   <li>Every request sent adds a {@link Pending} to {@link #queue}; the backend answers in order, so
 *       the head says where the next response goes: to the client (relayed as the server sent it), to
 *       the proxy (injected Parse/Close, internal queries), or nowhere. After an extended-protocol error
 *       the server skips to the next Sync, and so does the queue.</li>
 *   <li>It knows its own state: the last ReadyForQuery status, the session settings it carries, which
 *       proxy statements it has prepared (an LRU of {@code max-prepared-statements}), whose unnamed
 *       statement it holds, and whether it is inside COPY. The pool takes it back only when that state
 *       says it is clean: idle, outside any transaction, nothing in flight.</li>
 * </ul>
 */
final class BackendConnection extends ChannelInboundHandlerAdapter {
  enum Phase { CONNECTING, AUTHENTICATING, READY, CLOSED }

  static final byte[] PARSE_COMPLETE = {'1', 0, 0, 0, 4};

  final Endpoint endpoint;
  final Pool pool;
  final long createdNanos = System.nanoTime();
  /** True while a new replica connection samples its position, before the pool may lend it. */
  boolean sampling;
  private final BackendCredentials credentials;
  private final Map<String, String> startupParameters;
  private BiConsumer<BackendConnection, String> onReady;

  Channel channel;
  Phase phase = Phase.CONNECTING;
  final Map<String, String> parameters = new HashMap<>();
  /** The server reported a setting the proxy cannot read statements under ({@link TextSettings}); closing. */
  private boolean textConflict;
  int processId;
  int secretKey;
  Settings settings = Settings.EMPTY;
  final LinkedHashMap<Long, Boolean> prepared;
  /** The session whose unnamed statement this backend holds, and which of its Parses it was. */
  Object unnamedOwner;
  /**
   * {@link #unnamedOwner} when the server's unnamed statement is unknown (a Parse of it failed or was skipped
   * after an error, leaving none or the one before): no session's, so a Bind of it re-parses or closes first.
   */
  static final Object UNKNOWN_OWNER = new Object();
  long unnamedSerial;
  final ArrayDeque<Pending> queue = new ArrayDeque<>();
  char status = 'I';
  /** The {@code junction.ring_version} this session declared (sharded relay during a resharding); 0: none. */
  long ringVersion;
  boolean skipping;
  boolean copyIn;
  RelaySession session;
  int cancelsInFlight;
  boolean releaseAfterCancel;
  long idleSinceNanos;
  long useCount;
  private ByteBuf out;

  BackendConnection(Endpoint endpoint, Pool pool, int maxPrepared, BiConsumer<BackendConnection, String> onReady) {
    this.endpoint = endpoint;
    this.pool = pool;
    this.credentials = new BackendCredentials(endpoint.user, endpoint.password);
    this.onReady = onReady;
    Map<String, String> p = new LinkedHashMap<>();
    p.put("user", endpoint.user);
    p.put("database", endpoint.database);
    p.put("client_encoding", "UTF8");
    this.startupParameters = p;
    this.prepared = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
        if (size() > maxPrepared) {
          evicted = eldest.getKey();
          return true;
        }
        return false;
      }
    };
  }

  private Long evicted;

  // ------------------------------------------------------------------ Netty

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    channel = ctx.channel();
    phase = Phase.AUTHENTICATING;
    ByteBuf buf = ctx.alloc().buffer(128);
    Frontend.startup(buf, startupParameters);
    ctx.writeAndFlush(buf);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf m = (ByteBuf) msg;
    if (phase == Phase.AUTHENTICATING) {
      try {
        authenticating(ctx, m);
      } finally {
        m.release();
      }
      return;
    }
    if (phase != Phase.READY) {
      m.release();
      return;
    }
    onMessage(m);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (session != null) {
      session.flushClient();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (session != null) {
      session.backendWritabilityChanged(this, ctx.channel().isWritable());
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    Phase was = phase;
    phase = Phase.CLOSED;
    releaseOut();
    if (was != Phase.READY) {
      ready("the server closed the connection during login");
    }
    for (Pending p : queue) {
      if (p.kind == Pending.Kind.INTERNAL) {
        ((InternalQuery) p.payload).release();
      }
    }
    queue.clear();
    RelaySession s = session;
    session = null;
    pool.closed(this, was == Phase.READY);
    if (s != null) {
      s.backendLost(this);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    endpoint.log.debug("backend {} failed: {}", endpoint, cause.toString());
    ctx.close();
  }

  // ------------------------------------------------------------------ login

  private void authenticating(ChannelHandlerContext ctx, ByteBuf m) {
    byte type = m.getByte(0);
    switch (type) {
      case 'R' -> {
        int code = m.getInt(5);
        ByteBuf reply = ctx.alloc().buffer(128);
        switch (code) {
          case 0 -> { // AuthenticationOk
            reply.release();
            return;
          }
          case 3 -> Frontend.password(reply, credentials.cleartext());
          case 5 -> {
            byte[] salt = new byte[4];
            m.getBytes(9, salt);
            Frontend.password(reply, credentials.md5(salt));
          }
          case 10 -> Frontend.saslInitial(reply, "SCRAM-SHA-256", credentials.scramClientFirst());
          case 11 -> {
            byte[] data = new byte[m.readableBytes() - 9];
            m.getBytes(9, data);
            try {
              Frontend.saslResponse(reply, credentials.scramClientFinal(data));
            } catch (RuntimeException e) {
              reply.release();
              fail(ctx, "SCRAM exchange failed: " + e.getMessage());
              return;
            }
          }
          case 12 -> {
            byte[] data = new byte[m.readableBytes() - 9];
            m.getBytes(9, data);
            reply.release();
            if (!credentials.verifyServerFinal(data)) {
              fail(ctx, "the server's SCRAM signature does not verify");
            }
            return;
          }
          default -> {
            reply.release();
            fail(ctx, "unsupported authentication request " + code + " from the server");
            return;
          }
        }
        ctx.writeAndFlush(reply);
      }
      case 'E' -> fail(ctx, BackendMessages.errorField(m, 'C') + " " + BackendMessages.errorField(m, 'M'));
      case 'S' -> {
        String[] kv = BackendMessages.parameterStatus(m);
        if (kv != null) {
          String conflict = TextSettings.conflict(kv[0], kv[1]);
          if (conflict != null) {
            fail(ctx, conflict + " (reported by " + endpoint + " at login: a role or database default?)");
            return;
          }
          parameters.put(kv[0], kv[1]);
        }
      }
      case 'K' -> {
        processId = m.getInt(5);
        secretKey = m.getInt(9);
      }
      case 'Z' -> {
        phase = Phase.READY;
        status = (char) m.getByte(5);
        ready(null);
      }
      default -> { // NoticeResponse, NegotiateProtocolVersion: nothing to do
      }
    }
  }

  /**
   * Gives up a login that did not finish in time, reporting that reason: the close that follows
   * would otherwise report "the server closed the connection during login", which sends an
   * operator looking at the server instead of at a slow login (a loaded host, SCRAM cost).
   */
  void abandonLogin(String reason) {
    ready(reason);
    if (channel != null) {
      channel.close();
    }
  }

  private void fail(ChannelHandlerContext ctx, String reason) {
    ready(reason);
    ctx.close();
  }

  private void ready(String error) {
    BiConsumer<BackendConnection, String> callback = onReady;
    onReady = null;
    if (callback != null) {
      callback.accept(this, error);
    }
  }

  // ------------------------------------------------------------------ requests

  /** The buffer the next requests are written to; sent by {@link #flush()}. */
  ByteBuf out() {
    if (out == null) {
      out = channel.alloc().buffer(256);
    }
    return out;
  }

  void flush() {
    ByteBuf buf = out;
    out = null;
    if (buf == null) {
      return;
    }
    if (buf.isReadable() && channel.isActive()) {
      channel.writeAndFlush(buf, channel.voidPromise());
    } else {
      buf.release();
    }
  }

  private void releaseOut() {
    if (out != null) {
      out.release();
      out = null;
    }
  }

  /** Records the response expected for a request just written. */
  void expect(Pending p) {
    if (skipping) {
      if (p.kind != Pending.Kind.SYNC && p.kind != Pending.Kind.SPLIT_SYNC) {
        forgetSkipped(p); // the server ignores everything up to the Sync after an error
        return;
      }
      skipping = false;
    }
    queue.add(p);
    if (queue.size() == 1) {
      drainSynthetic();
    }
  }

  /**
   * A Parse that failed, or that the server skips (it came after an error, before the Sync), prepares nothing:
   * what was marked prepared when it was written is forgotten, else every later Bind of that statement here
   * would fail 26000.
   */
  private void forgetSkipped(Pending p) {
    if (p.kind == Pending.Kind.PARSE && session != null) {
      session.parseFailed((String) p.payload, this);
    } else if (p.kind == Pending.Kind.PARSE_INJECTED) {
      if (p.payload instanceof Long id) {
        prepared.remove(id);
      } else {
        unnamedOwner = UNKNOWN_OWNER;
      }
    }
  }

  /**
   * Writes one extended-protocol statement the proxy runs for itself (a shard's part of a sharded
   * statement: unnamed Parse, Bind, Describe portal, Execute, Sync) and expects its responses, which
   * go to {@code q} as for {@link #internal}.
   */
  void internalExtended(InternalQuery q, List<Integer> types, List<dev.junction.proxy.protocol.Format> parameterFormats,
                        List<byte[]> values, List<dev.junction.proxy.protocol.Format> resultFormats) {
    ByteBuf o = out();
    Frontend.parse(o, "", q.sql, types);
    Frontend.bind(o, "", "", parameterFormats, values, resultFormats);
    Frontend.describe(o, 'P', "");
    Frontend.execute(o, "", 0);
    Frontend.sync(o);
    unnamedOwner = null;
    expect(Pending.internal(q));
    flush();
  }

  /** Writes a proxy query and expects its responses. */
  void internal(InternalQuery q) {
    Frontend.query(out(), q.sql);
    unnamedOwner = null;
    expect(Pending.internal(q));
    flush();
  }

  boolean idle() {
    return queue.isEmpty() && !copyIn && phase == Phase.READY;
  }

  /** The server dropped every prepared statement here (a client's DISCARD ALL or DEALLOCATE ALL). */
  void forgetPrepared() {
    prepared.clear();
    unnamedOwner = null;
  }

  boolean hasPrepared(long id) {
    return prepared.get(id) != null;
  }

  /** Marks a statement prepared here; returns the server name to close when the LRU evicted one, or null. */
  Long markPrepared(long id) {
    evicted = null;
    prepared.put(id, Boolean.TRUE);
    Long e = evicted;
    evicted = null;
    return e;
  }

  void close() {
    if (channel != null) {
      channel.close();
    }
  }

  // ------------------------------------------------------------------ responses

  /** One whole message from the server, a retained slice this method owns (from {@link BackendDecoder}). */
  void onMessage(ByteBuf m) {
    if (textConflict) {
      m.release(); // the rest of a read batch after the ParameterStatus that ended the session
      return;
    }
    byte type = m.getByte(0);
    Pending head = queue.peek();
    RelaySession s = session;
    if (type == 'S' || type == 'N' || type == 'A') {
      if (type == 'S') {
        String[] kv = BackendMessages.parameterStatus(m);
        if (kv != null) {
          String conflict = TextSettings.conflict(kv[0], kv[1]);
          if (conflict != null) {
            m.release();
            textConflict = true;
            if (s != null) {
              s.textSettingConflict(conflict);
            }
            close(); // the server session ends too: nothing more of it is read with the other rules
            return;
          }
          parameters.put(kv[0], kv[1]);
        }
      }
      if (s != null && (head == null || head.kind != Pending.Kind.INTERNAL
          || ((InternalQuery) head.payload).relaysParameterStatus)) {
        s.relay(m);
      } else {
        m.release();
      }
      return;
    }
    if (head == null) {
      // Nothing asked: the server is going away (administrator command, shutdown) or misbehaving.
      if (type == 'E' && s != null) {
        s.relay(m);
      } else {
        m.release();
      }
      if (type == 'E') {
        close();
      }
      return;
    }
    switch (head.kind) {
      case INTERNAL -> internalResponse((InternalQuery) head.payload, type, m);
      case QUERY -> queryResponse(s, type, m);
      default -> extendedResponse(s, head, type, m);
    }
    drainSynthetic();
  }

  private void internalResponse(InternalQuery q, byte type, ByteBuf m) {
    switch (type) {
      case 'D' -> q.onDataRow(m);
      case 'T' -> q.onRowDescription(m);
      case 'C' -> q.onCommandComplete(m);
      case 'E' -> q.onError(m);
      case 'Z' -> {
        queue.poll();
        status = (char) m.getByte(5);
        m.release();
        try {
          q.done(this, status);
        } finally {
          q.release();
        }
        return;
      }
      case 'G', 'W' -> { // an internal query never copies; end it
        m.release();
        Frontend.copyFail(out(), "not expected");
        flush();
        return;
      }
      default -> { }
    }
    m.release();
  }

  private void queryResponse(RelaySession s, byte type, ByteBuf m) {
    switch (type) {
      case 'Z' -> {
        queue.poll();
        status = (char) m.getByte(5);
        copyIn = false;
        if (s != null) {
          s.relay(m);
          s.readyForQuery(this, status);
        } else {
          m.release();
        }
        return;
      }
      case 'E' -> {
        if (s != null) {
          s.statementFailed();
        }
      }
      case 'G', 'W' -> copyIn = true;
      case 'C' -> {
        copyIn = false;
        if (s != null) {
          s.commandComplete(m, this);
        }
      }
      default -> { }
    }
    if (s != null) {
      s.relay(m);
    } else {
      m.release();
    }
  }

  private void extendedResponse(RelaySession s, Pending head, byte type, ByteBuf m) {
    boolean relay = true;
    switch (type) {
      case '1' -> {
        queue.poll();
        relay = head.kind == Pending.Kind.PARSE;
        if (head.statement != null && !head.statement.accepted) {
          head.statement.accepted = true;
        }
      }
      case '3' -> {
        queue.poll();
        relay = head.kind != Pending.Kind.CLOSE_INJECTED;
      }
      case '2', 'T', 'n' -> queue.poll();
      case 'C', 'I', 's' -> {
        queue.poll();
        copyIn = false;
        if (type == 'C' && s != null) {
          s.commandComplete(m, this);
        }
      }
      case 'G', 'W' -> copyIn = true;
      case 'Z' -> {
        queue.poll();
        status = (char) m.getByte(5);
        copyIn = false;
        if (s != null) {
          if (head.kind == Pending.Kind.SPLIT_SYNC) {
            m.release(); // the client sent one Sync for the whole unit: only the last part's is relayed
            s.splitReady();
          } else {
            s.relay(m);
          }
          s.readyForQuery(this, status);
        } else {
          m.release();
        }
        return;
      }
      case 'E' -> {
        copyIn = false;
        if (s != null) {
          s.statementFailed();
        }
        while (!queue.isEmpty() && queue.peek().kind != Pending.Kind.SYNC && queue.peek().kind != Pending.Kind.SPLIT_SYNC) {
          // not prepared here (failed, or skipped after this error): only those are forgotten; the others
          // still exist on the server, and preparing them again would fail with 42P05
          forgetSkipped(queue.poll());
        }
        if (queue.isEmpty()) {
          skipping = true;
        }
      }
      default -> { }
    }
    if (relay && s != null) {
      s.relay(m);
    } else {
      m.release();
    }
  }

  private void drainSynthetic() {
    while (!queue.isEmpty() && queue.peek().kind == Pending.Kind.SYNTHETIC_PARSE_COMPLETE) {
      queue.poll();
      if (session != null) {
        session.relay(Unpooled.wrappedBuffer(PARSE_COMPLETE));
      }
    }
  }

  @Override
  public String toString() {
    return endpoint + "#" + processId;
  }

  static String text(ByteBuf m, int from) {
    return m.toString(from, m.readableBytes() - from, StandardCharsets.UTF_8);
  }
}
