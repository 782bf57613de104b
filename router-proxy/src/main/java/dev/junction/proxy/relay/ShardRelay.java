package dev.junction.proxy.relay;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.junction.JunctionSqlState;
import dev.junction.classify.Classification;
import dev.junction.classify.StatementKind;
import dev.junction.health.EndpointState;
import dev.junction.jdbc.ShardRouter;
import dev.junction.merge.BoundScatterPlan;
import dev.junction.merge.Combine;
import dev.junction.merge.MergeSpec;
import dev.junction.merge.RowCursor;
import dev.junction.merge.RowCursors;
import dev.junction.proxy.protocol.BackendMessage;
import dev.junction.proxy.protocol.FieldDescription;
import dev.junction.proxy.protocol.Format;
import dev.junction.proxy.protocol.FrontendMessage;
import dev.junction.proxy.protocol.PgError;
import dev.junction.proxy.protocol.PgType;
import dev.junction.proxy.protocol.PgValueCodec;
import dev.junction.route.RouteReason;
import dev.junction.shard.ShardRoute;
import io.netty.buffer.ByteBuf;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;

/**
 * The sharded part of one relay session ({@code junction.sharding}): which shard a unit of client
 * messages goes to, and what the proxy does itself when a unit needs several shards.
 *
 * <ul>
 *   <li><b>One shard.</b> Each statement of a unit is planned by router-core's shard planner
 *       (through {@link ShardRouter}: the data source's cached plans, ring version and cut-over
 *       checks), with the key taken from the SQL or from the Bind parameters (decoded only for the
 *       planner; text or binary). A unit whose statements all go to one shard is relayed to that
 *       shard's replica set exactly as an unsharded unit: its own primary/replica choice, fence and
 *       pools; the bytes are not touched.</li>
 *   <li><b>Transactions</b> stay on the shard they touched. A {@code BEGIN} sent alone is answered
 *       by the proxy and sent ahead of the transaction's first statement, on that statement's shard.
 *       A statement that needs another shard inside a transaction is refused (0AJ00) and the
 *       transaction is made to fail on its backend, so that a COMMIT cannot commit half of it.</li>
 *   <li><b>Several shards, statement by statement</b> (a pgjdbc batch of inserts whose keys land on
 *       different shards): the unit is split where the shard changes, each part ends with a Sync of
 *       the proxy's whose ReadyForQuery is not relayed; parts are not atomic together, as in the
 *       library, where every batch entry runs on its own shard.</li>
 *   <li><b>One statement over several shards</b> (scatter reads, broadcast writes and DDL,
 *       INSERT_SPLIT, multi-shard UPDATE/DELETE): outside a transaction, the proxy runs each shard's
 *       statement on a backend of that shard (in parallel, non-blocking), decodes the rows only
 *       for a read's merge (router-core's scatter planner and merger, as the library), and answers
 *       the client itself. A merge buffers at most {@code max-message-size} bytes of shard rows
 *       (else 54000).</li>
 * </ul>
 */
final class ShardRelay {
  static final int PROCEED = 0;
  static final int WAIT = 1;
  static final int DONE = 2;
  /** The Sync the proxy inserts where it splits a unit between shards (compared by identity). */
  static final FrontendMessage.Sync SPLIT = new FrontendMessage.Sync();
  private static final String FAIL_TRANSACTION =
      "DO $junction$BEGIN RAISE EXCEPTION 'Junction refused a statement of this transaction'; END$junction$";
  private static final Cache<String, Placeholders> PLACEHOLDERS = Caffeine.newBuilder().maximumSize(10_000).build();
  private static final PgValueCodec CODEC = new PgValueCodec();

  private final RelaySession session;
  private final RelayRuntime runtime;
  /** A BEGIN the proxy answered itself; sent before the transaction's first statement. */
  private String deferredBegin;
  private boolean deferredReadOnly;
  private boolean deferredFailed;
  /** After a refused or failed part of a unit: drop the client's messages up to its Sync. */
  private boolean skipToSync;
  /** The ring state the open transaction's first statement was routed by. */
  private ShardRouter.State txState;

  ShardRelay(RelaySession session, RelayRuntime runtime) {
    this.session = session;
    this.runtime = runtime;
  }

  /** Per unit: where each statement goes. */
  static final class Parts {
    /** {position of the Bind in the unit (1-based), configured shard index} per extended statement. */
    final List<int[]> binds = new ArrayList<>(4);
    int statements;
    ShardRouter.State state;
    ShardRoute spanning;
    Classification spanningClass;
    String spanningSql;
    Placeholders placeholders;
    List<Object> values;
    FrontendMessage.Bind bind;
  }

  // ================================================================== planning

  /** Adds one statement of the unit: plans it and notes its shard (or that it spans shards, or its refusal). */
  void account(RelaySession.Unit u, Classification c, String sql, FrontendMessage.Bind bind, List<Integer> types, int position) {
    if (sql == null || u.refusal != null) {
      return;
    }
    switch (c.kind()) {
      case SESSION, TX_BEGIN, TX_COMMIT, TX_ROLLBACK, TX_SAVEPOINT -> {
        return;
      }
      default -> { }
    }
    Parts p = u.parts == null ? (u.parts = new Parts()) : u.parts;
    p.statements++;
    try {
      ShardRouter.State state = runtime.sharding.state();
      p.state = state;
      Placeholders ph = PLACEHOLDERS.get(sql, Placeholders::rewrite);
      List<Object> values = bind == null ? List.of() : values(ph, bind, types);
      ShardRoute route = state.route(c, ph.jdbcSql(), values);
      if (route.isSingleShard()) {
        String name = state.shardNames().get(route.statements().get(0).shard());
        ShardEndpoints target = runtime.shard(name);
        if (target == null) {
          throw JunctionSqlState.refusal("Junction: shard " + name + " has no endpoints in this proxy's configuration");
        }
        if (bind != null) {
          p.binds.add(new int[] {position, target.index});
        }
        if (u.shard >= 0 && u.shard != target.index) {
          u.multi = true;
        } else {
          u.shard = target.index;
        }
      } else {
        u.multi = true;
        if (p.spanning == null) {
          p.spanning = route;
          p.spanningClass = c;
          p.spanningSql = sql;
          p.placeholders = ph;
          p.values = values;
          p.bind = bind;
        }
        if (bind != null) {
          p.binds.add(new int[] {position, -1});
        }
      }
    } catch (SQLException e) {
      u.refusal = e;
    } catch (RuntimeException e) {
      u.refusal = new SQLException("Junction: could not route the statement: " + e.getMessage(), "XX000", e);
    }
  }

  /** The wire parameters the planner needs as Java values (text or binary, by the Parse's types). */
  private static List<Object> values(Placeholders ph, FrontendMessage.Bind bind, List<Integer> types) {
    int[] order = ph.order();
    List<Object> out = new ArrayList<>(order.length);
    for (int wire : order) {
      int i = wire - 1;
      byte[] bytes = i < bind.parameterValues().size() ? bind.parameterValues().get(i) : null;
      if (bytes == null) {
        out.add(null);
        continue;
      }
      int oid = types != null && i < types.size() ? types.get(i) : 0;
      try {
        out.add(CODEC.decode(bytes, oid, format(bind.parameterFormats(), i)));
      } catch (RuntimeException e) {
        out.add(new Undecoded(oid)); // not a key the planner can read: refused there if it needs it
      }
    }
    return out;
  }

  /** A parameter the proxy cannot decode (a binary value of a type it does not know). */
  record Undecoded(int oid) {
    @Override
    public String toString() {
      return "(binary value of type OID " + oid + ")";
    }
  }

  static Format format(List<Format> formats, int i) {
    if (formats.isEmpty()) {
      return Format.TEXT;
    }
    return formats.size() == 1 ? formats.get(0) : i < formats.size() ? formats.get(i) : Format.TEXT;
  }

  // ================================================================== the pump's sharded step

  /**
   * Called by the pump for each complete unit before the relay's own routing: chooses the unit's shard
   * (making it the session's current replica set), or answers the unit itself.
   *
   * @return {@link #PROCEED}: relay the unit as usual; {@link #WAIT}: wait for the attached backend;
   *     {@link #DONE}: handled here (or started: the session waits)
   */
  int step(RelaySession.Unit u) {
    BackendConnection a = session.attachedBackend();
    boolean inTx = a != null && a.status != 'I';
    if (u.refusal == null && u.parts != null && u.parts.state != null) {
      if (!inTx && deferredBegin == null) {
        txState = u.parts.state;
      } else if (txState != null && !u.parts.state.routesLike(txState)) {
        // as a sharded connection: a transaction that did work under another ring state runs again (40001)
        u.refusal = u.parts.state.ringChangedInTransaction();
      } else if (txState == null) {
        txState = u.parts.state;
      }
    }
    if (u.refusal == null && u.multi) {
      if (a != null && !a.idle()) {
        return WAIT;
      }
      Parts p = u.parts;
      if (inTx || deferredBegin != null || session.isPinned() || u.transactionControl) {
        u.refusal = JunctionSqlState.refusal("Junction: inside a transaction (or a session pinned to one backend), the"
            + " proxy keeps to the shard the transaction touched first" + (a != null ? " (" + a.endpoint.group + ")" : "")
            + ", and this statement needs several shards. Run it outside the transaction, or keep the transaction's"
            + " statements on one shard key.");
      } else if (p.spanning == null) {
        if (!(lastOf(u) instanceof FrontendMessage.Sync) || lastOf(u) == SPLIT) {
          u.refusal = JunctionSqlState.refusal("Junction: these statements go to different shards; end them with Sync");
        } else {
          if (a != null) {
            session.detachBackend();
          }
          split(u);
          return DONE;
        }
      } else if (p.statements > 1) {
        u.refusal = JunctionSqlState.refusal("Junction: a statement that spans shards (" + p.spanning.opcode() + ") must be"
            + " sent on its own through the proxy (one statement per Query, or its own Sync), not with other statements");
      } else if (limitsRows(u) && p.spanningClass.kind() == StatementKind.READ && p.spanning.opcode() != ShardRoute.Opcode.INSERT_SPLIT) {
        // A merged read is sent at once: a portal suspended after N rows (and resumed by a later Execute) is
        // not kept across shards, and returning every row to a client that asked for N would break it.
        // (Writes are not refused: pgjdbc's executeUpdate sends a limit of 1 and ignores the rows.)
        u.refusal = JunctionSqlState.refusal("Junction: an Execute with a row limit (a cursor-style fetch) is not"
            + " supported for a statement that spans shards (" + p.spanning.opcode() + "); fetch all rows (fetch size 0)"
            + " or add a shard-key predicate so the statement runs on one shard");
      } else {
        if (a != null) {
          session.detachBackend();
        }
        new MultiRun(u).start();
        return DONE;
      }
    }
    if (u.refusal == null && a == null && deferredBegin != null && deferredFailed
        && u.only != StatementKind.TX_COMMIT && u.only != StatementKind.TX_ROLLBACK) {
      u.refusal = new SQLException("current transaction is aborted, commands ignored until end of transaction block", "25P02");
    }
    if (u.refusal != null) {
      if (a != null && !a.idle()) {
        return WAIT;
      }
      refuse(u, u.refusal);
      return DONE;
    }
    if (u.shard >= 0) {
      ShardEndpoints target = runtime.shards[u.shard];
      if (a != null && a.endpoint.group != target) {
        if (!a.idle()) {
          return WAIT;
        }
        if (inTx || session.isPinned()) {
          refuse(u, JunctionSqlState.refusal("Junction: this transaction (or pinned session) runs on shard " + a.endpoint.group
              + " and this statement goes to shard " + target + "; the proxy keeps a transaction on one shard."
              + " Commit or roll back first, or keep the transaction's statements on one shard key."));
          return DONE;
        }
        session.detachBackend();
      }
      session.switchShard(target);
    } else if (a == null || (a.idle() && a.status == 'I' && !session.isPinned() && (u.only == StatementKind.TX_BEGIN
        || deferredBegin != null && (u.only == StatementKind.TX_COMMIT || u.only == StatementKind.TX_ROLLBACK)) && answerable(u))) {
      if (a != null) {
        session.detachBackend(); // the previous unit's backend, idle: the transaction will choose its own shard
        a = null;
      }
      if (deferredBegin != null && !u.statements && parsesOnly(u)) {
        // Inside a BEGIN answered here no backend is held: a Parse-only unit (libpq's PQprepare) is answered
        // here too and prepared where the statement first runs. Waiting for a pooled backend instead could
        // wait on clients that cannot go on (pgbench prepares synchronously, one thread for many clients).
        answerLocally(u, null, virtualStatus());
        return DONE;
      }
      if (u.only == StatementKind.TX_BEGIN && answerable(u)) {
        boolean nested = deferredBegin != null;
        txState = nested ? txState : null;
        deferredBegin = u.onlySql;
        deferredReadOnly = u.readOnlyBegin;
        deferredFailed = nested && deferredFailed;
        answerLocally(u, "BEGIN", deferredFailed ? 'E' : 'T');
        return DONE;
      }
      if (deferredBegin != null && (u.only == StatementKind.TX_COMMIT || u.only == StatementKind.TX_ROLLBACK) && answerable(u)) {
        String tag = u.only == StatementKind.TX_COMMIT && !deferredFailed ? "COMMIT" : "ROLLBACK";
        deferredBegin = null;
        deferredFailed = false;
        answerLocally(u, tag, 'I');
        return DONE;
      }
      session.switchShard(defaultShard());
    }
    if (deferredBegin != null && a == null && u.statements) {
      if (deferredReadOnly) {
        u.readOnlyBegin = !u.primary;
      } else if (!u.primary) {
        u.primary = true;
        u.reason = RouteReason.PRIMARY_TRANSACTION;
      }
    }
    return PROCEED;
  }

  /**
   * Whether the proxy can answer this one-statement unit itself: a simple Query, or Parse/Bind/Describe/
   * Execute/Close ending with Sync (what psql, pgjdbc, pgbench and node-postgres send for BEGIN/COMMIT).
   */
  private boolean answerable(RelaySession.Unit u) {
    if (u.statementCount != 1 || u.onlySql == null || !u.onlySql.strip().matches("(?is)(BEGIN|START|COMMIT|END|ROLLBACK|ABORT)\\b[^;]*;?")) {
      return false;
    }
    int i = 0;
    for (FrontendMessage m : session.pendingMessages()) {
      if (++i > u.count) {
        break;
      }
      if (m instanceof FrontendMessage.Query) {
        return u.count == 1;
      }
      if (m == SPLIT || m instanceof FrontendMessage.Flush || m instanceof FrontendMessage.FunctionCall) {
        return false;
      }
      if (i == u.count) {
        return m instanceof FrontendMessage.Sync;
      }
    }
    return false;
  }

  /** Parse and Close messages only, ending with the client's Sync. */
  private boolean parsesOnly(RelaySession.Unit u) {
    int i = 0;
    for (FrontendMessage m : session.pendingMessages()) {
      if (++i > u.count) {
        break;
      }
      if (i == u.count) {
        return m instanceof FrontendMessage.Sync && m != SPLIT;
      }
      if (!(m instanceof FrontendMessage.Parse || m instanceof FrontendMessage.Close)) {
        return false;
      }
    }
    return false;
  }

  /** Answers a BEGIN/COMMIT/ROLLBACK unit as PostgreSQL would, without a backend. */
  private void answerLocally(RelaySession.Unit u, String tag, char status) {
    ByteBuf out = session.localOut();
    for (int i = 0; i < u.count; i++) {
      FrontendMessage m = session.pendingMessages().poll();
      if (m instanceof FrontendMessage.Parse p) {
        session.registerParse(p);
        BackendMessage.Empty.PARSE_COMPLETE.writeTo(out);
      } else if (m instanceof FrontendMessage.Bind) {
        BackendMessage.Empty.BIND_COMPLETE.writeTo(out);
      } else if (m instanceof FrontendMessage.Describe d) {
        if (d.target() == FrontendMessage.Target.STATEMENT) {
          new BackendMessage.ParameterDescription(List.of()).writeTo(out);
        }
        BackendMessage.Empty.NO_DATA.writeTo(out);
      } else if (m instanceof FrontendMessage.Close c) {
        session.registerClose(c);
        BackendMessage.Empty.CLOSE_COMPLETE.writeTo(out);
      } else if (m instanceof FrontendMessage.Execute || m instanceof FrontendMessage.Query) {
        new BackendMessage.CommandComplete(tag).writeTo(out);
      }
    }
    RelaySession.readyMessage(status).writeTo(out);
    session.flushClient();
  }

  private ShardEndpoints defaultShard() {
    try {
      ShardRouter.State state = runtime.sharding.peek();
      ShardEndpoints s = runtime.shard(state.shardNames().get(state.defaultShard()));
      return s == null ? runtime.shards[0] : s;
    } catch (RuntimeException e) {
      return runtime.shards[0];
    }
  }

  /** The unit holds an Execute that asks for at most N rows (N > 0). */
  private boolean limitsRows(RelaySession.Unit u) {
    int i = 0;
    for (FrontendMessage m : session.pendingMessages()) {
      if (++i > u.count) {
        return false;
      }
      if (m instanceof FrontendMessage.Execute e && e.maxRows() > 0) {
        return true;
      }
    }
    return false;
  }

  private FrontendMessage lastOf(RelaySession.Unit u) {
    int i = 0;
    for (FrontendMessage m : session.pendingMessages()) {
      if (++i == u.count) {
        return m;
      }
    }
    return null;
  }

  /** The ReadyForQuery status while no backend is attached: in a transaction only after a BEGIN answered here. */
  char virtualStatus() {
    return deferredBegin == null ? 'I' : deferredFailed ? 'E' : 'T';
  }

  /** Before a unit goes to {@code b}: the ring version a resharding needs, and a BEGIN answered earlier. */
  void beforeSend(RelaySession.Unit u, BackendConnection b) {
    if (b.status != 'I') {
      return;
    }
    declareRingVersion(b, u.parts != null && u.parts.state != null ? u.parts.state : txState);
    if (deferredBegin != null && u.statements) {
      String begin = deferredBegin;
      deferredBegin = null;
      b.internal(new InternalQuery(begin) {
        @Override
        void done(BackendConnection backend, char status) {
        }
      });
    }
  }

  /**
   * Just before a unit that waited for its backend is sent: refuses it (40001, nothing ran) when the
   * ring state it was routed by was replaced meanwhile by one that routes differently, or the lease
   * expired. A pool wait can outlast a lease; sent anyway, a read of a key that moved meanwhile would
   * read its old owner's frozen copy. Inside a transaction {@link #step} already holds every unit to
   * the transaction's state.
   *
   * @return true if the unit was refused (its messages are consumed, the backend given back)
   */
  boolean refusedAsLate(RelaySession.Unit u, BackendConnection b) {
    ShardRouter.State routedBy = u.parts == null ? null : u.parts.state;
    if (routedBy == null || b.status != 'I' || !b.idle()) {
      return false;
    }
    SQLException late = lateFor(routedBy);
    if (late == null) {
      return false;
    }
    session.detachBackend();
    refuse(u, late);
    return true;
  }

  /** The refusal of work routed by {@code routedBy} if the ring moved on since (or the lease expired), else null. */
  private SQLException lateFor(ShardRouter.State routedBy) {
    try {
      ShardRouter.State now = runtime.sharding.state();
      return now.routesLike(routedBy) ? null : routedBy.ringChangedWhileWaiting(now);
    } catch (SQLException leaseOrProblem) {
      return leaseOrProblem;
    }
  }

  /**
   * Declares on a primary backend the version of the ring {@code routedBy} (the state the unit was
   * routed by; null: the router's latest), not the router's latest: a unit routed before a cut-over
   * that waited for its backend until after it must be rejected by the old owner's trigger (40001),
   * not let through by a newer version. A backend that declared a version for an earlier unit is
   * brought back to 0 when this unit's state declares none.
   */
  private void declareRingVersion(BackendConnection b, ShardRouter.State routedBy) {
    if (!b.endpoint.isPrimary()) {
      return;
    }
    long version = (routedBy != null ? routedBy : runtime.sharding.peek()).sessionRingVersion();
    if (b.ringVersion != version) {
      b.ringVersion = version;
      b.internal(new InternalQuery("SELECT set_config('junction.ring_version', '" + version + "', false)") {
        @Override
        void done(BackendConnection backend, char status) {
          if (failed()) {
            backend.ringVersion = 0;
          }
        }
      });
    }
  }

  // ================================================================== splitting and refusing

  /** Splits a unit whose statements go to different shards where the shard changes. */
  private void split(RelaySession.Unit u) {
    ArrayDeque<FrontendMessage> pending = session.pendingMessages();
    List<FrontendMessage> messages = new ArrayList<>(u.count + 4);
    for (int i = 0; i < u.count; i++) {
      messages.add(pending.poll());
    }
    List<int[]> binds = u.parts.binds;
    List<FrontendMessage> out = new ArrayList<>(messages.size() + binds.size());
    int next = 1;
    for (int i = 0; i < messages.size(); i++) {
      int position = i + 1;
      if (next < binds.size() && binds.get(next)[0] == position) {
        if (binds.get(next)[1] != binds.get(next - 1)[1]) {
          out.add(SPLIT);
        }
        next++;
      }
      out.add(messages.get(i));
    }
    for (int i = out.size() - 1; i >= 0; i--) {
      pending.addFirst(out.get(i));
    }
  }

  void skipRestOfUnit() {
    skipToSync = true;
  }

  boolean skipping() {
    return skipToSync;
  }

  /** Drops the client's messages up to the unit's own Sync, then answers ReadyForQuery. */
  void skip() {
    ArrayDeque<FrontendMessage> pending = session.pendingMessages();
    while (!pending.isEmpty()) {
      FrontendMessage m = pending.poll();
      if (m instanceof FrontendMessage.Sync && m != SPLIT) {
        skipToSync = false;
        RelaySession.readyMessage(session.localStatus()).writeTo(session.localOut());
        session.flushClient();
        return;
      }
    }
  }

  /** Answers a unit that must not run with the refusal; inside a transaction, the transaction fails too. */
  private void refuse(RelaySession.Unit u, SQLException e) {
    ArrayDeque<FrontendMessage> pending = session.pendingMessages();
    FrontendMessage last = null;
    for (int i = 0; i < u.count; i++) {
      last = pending.poll();
    }
    boolean ends = last instanceof FrontendMessage.Query || (last instanceof FrontendMessage.Sync && last != SPLIT);
    PgError refusal = PgError.error(e.getSQLState() == null ? "0A000" : e.getSQLState(), e.getMessage());
    if (!ends) {
      skipToSync = true;
    }
    BackendConnection a = session.attachedBackend();
    if (a != null && a.status == 'T') {
      session.setWaiting(true);
      a.internal(new InternalQuery(FAIL_TRANSACTION) {
        @Override
        void done(BackendConnection backend, char status) {
          session.setWaiting(false);
          new BackendMessage.ErrorResponse(refusal).writeTo(session.localOut());
          if (ends) {
            RelaySession.readyMessage(status).writeTo(session.localOut());
          }
          session.flushClient();
          session.resume();
        }
      });
      return;
    }
    if (a == null && deferredBegin != null) {
      deferredFailed = true;
    }
    new BackendMessage.ErrorResponse(refusal).writeTo(session.localOut());
    if (ends) {
      RelaySession.readyMessage(session.localStatus()).writeTo(session.localOut());
    }
    session.flushClient();
  }

  // ================================================================== one statement over several shards

  /**
   * One statement over several shards: one leg per shard, then the merged (read) or summed (write)
   * answer. {@link #raw} maps each decoded value (by identity) to the shard's own bytes, so that values
   * the merge passes through are sent as the shard sent them and only computed ones are encoded.
   */
  private final class MultiRun {
    final RelaySession.Unit unit;
    final List<FrontendMessage> messages = new ArrayList<>();
    final Parts parts;
    final boolean read;
    final boolean simple;
    final List<Leg> legs = new ArrayList<>();
    final IdentityHashMap<Object, byte[]> raw = new IdentityHashMap<>();
    final long limit;
    long buffered;
    boolean overflow;
    int remaining;
    BoundScatterPlan plan;
    List<Format> resultFormats = List.of();

    MultiRun(RelaySession.Unit u) {
      this.unit = u;
      this.parts = u.parts;
      ArrayDeque<FrontendMessage> pending = session.pendingMessages();
      for (int i = 0; i < u.count; i++) {
        messages.add(pending.poll());
      }
      this.simple = messages.get(0) instanceof FrontendMessage.Query;
      this.read = parts.spanningClass.kind() == StatementKind.READ && parts.spanning.opcode() != ShardRoute.Opcode.INSERT_SPLIT;
      this.limit = session.maxMessageBytes();
    }

    void start() {
      for (FrontendMessage m : messages) {
        if (m instanceof FrontendMessage.Parse p) {
          session.registerParse(p);
        } else if (m instanceof FrontendMessage.Close c) {
          session.registerClose(c);
        } else if (m instanceof FrontendMessage.Describe d && d.target() == FrontendMessage.Target.STATEMENT) {
          fail(JunctionSqlState.refusal("Junction: Describe of a prepared statement that spans shards is not supported"
              + " through the proxy; describe the portal (Bind, then Describe) instead"));
          return;
        } else if (m instanceof FrontendMessage.Flush) {
          fail(JunctionSqlState.refusal("Junction: a statement that spans shards must end with Sync, not Flush"));
          return;
        }
      }
      if (parts.bind != null) {
        resultFormats = parts.bind.resultFormats();
      }
      List<ShardRoute.ShardStatement> targets = parts.spanning.statements();
      try {
        if (read) {
          plan = parts.state.scatter(parts.placeholders.jdbcSql(), parts.values);
        }
      } catch (SQLException e) {
        fail(e);
        return;
      }
      for (ShardRoute.ShardStatement st : targets) {
        String name = parts.state.shardNames().get(st.shard());
        ShardEndpoints shard = runtime.shard(name);
        if (shard == null) {
          fail(JunctionSqlState.refusal("Junction: shard " + name + " has no endpoints in this proxy's configuration"));
          return;
        }
        String sql = read ? plan.shardSql() : st.sql();
        List<Object> params = read ? plan.shardParameters() : st.parameters();
        legs.add(new Leg(this, shard, Placeholders.toWire(sql), params));
      }
      session.setWaiting(true);
      remaining = legs.size();
      for (Leg leg : legs) {
        leg.endpoint = read ? readEndpoint(leg.shard) : leg.shard.primary;
        acquire(leg);
      }
    }

    private Endpoint readEndpoint(ShardEndpoints shard) {
      RelaySession.ShardFence f = session.fenceOf(shard);
      if (f.pending || f.primaryReads || shard.replicas.length == 0) {
        return shard.primary;
      }
      EndpointState pick = runtime.selector.pick(shard.replicaStates, f.fence, null);
      return pick == null ? shard.primary : shard.endpointOf(pick);
    }

    private void acquire(Leg leg) {
      Endpoint endpoint = leg.endpoint;
      endpoint.partitions[session.loopIndex()].acquire(new Pool.Callback() {
        @Override
        public void acquired(BackendConnection b) {
          if (session.isClosed()) {
            b.pool.release(b);
            legDone(leg, null);
            return;
          }
          b.session = null;
          SQLException late = lateFor(parts.state); // the pool wait may have outlasted the ring state
          if (late != null) {
            leg.problem = PgError.error(late.getSQLState(), late.getMessage());
            legDone(leg, b);
            return;
          }
          leg.backend = b;
          runtime.routed(leg.shard, endpoint.isPrimary() ? (read ? RouteReason.PRIMARY_NO_REPLICA : RouteReason.PRIMARY_WRITE)
              : RouteReason.REPLICA);
          Settings settings = session.sessionSettings();
          if (!b.settings.equals(settings)) {
            b.internal(new InternalQuery(settings.applySql()) {
              @Override
              void done(BackendConnection backend, char status) {
                if (failed()) {
                  leg.problem = PgError.error(errorSqlState == null ? "22023" : errorSqlState, error);
                } else {
                  backend.settings = settings;
                  backend.ringVersion = 0;
                }
              }
            });
          }
          declareRingVersion(b, parts.state);
          leg.send(b);
        }

        @Override
        public void failed(PgError error) {
          if (!endpoint.isPrimary()) {
            leg.endpoint = leg.shard.primary; // a dead replica is skipped
            acquire(leg);
            return;
          }
          leg.problem = error;
          legDone(leg, null);
        }
      });
    }

    void legDone(Leg leg, BackendConnection b) {
      if (b != null) {
        if (b.status == 'I' && b.idle()) {
          b.pool.release(b);
        } else {
          b.pool.discard(b);
        }
      }
      if (--remaining > 0) {
        return;
      }
      session.setWaiting(false);
      try {
        if (!session.isClosed()) {
          finish();
        }
      } finally {
        legs.forEach(InternalQuery::release);
        session.flushClient();
        session.resume();
      }
    }

    private void finish() {
      List<String> applied = new ArrayList<>();
      Leg failed = null;
      for (Leg leg : legs) {
        if (leg.problem == null) {
          applied.add(leg.shard.name);
          if (!read) {
            session.fenceOf(leg.shard).pending = true; // read-your-writes on that shard from now on
          }
        } else if (failed == null) {
          failed = leg;
        }
      }
      session.reloadFence();
      if (failed != null) {
        String msg = "Junction: on shard " + failed.shard.name + ": " + failed.problem.message()
            + (!read && !applied.isEmpty() ? "; the statement was applied on shard(s) " + applied
            + " (statements spanning shards are not atomic)" : "");
        writeError(PgError.error(failed.problem.sqlState(), msg));
        return;
      }
      if (overflow) {
        writeError(PgError.error("54000", "Junction: the shards' rows of this multi-shard " + (read ? "SELECT" : "statement")
            + " exceed " + limit + " bytes, the most the proxy buffers for a merge (junction.proxy.max-message-size);"
            + " add a LIMIT or a shard-key predicate, or page through the result"));
        return;
      }
      try {
        if (read) {
          finishRead();
        } else {
          finishWrite();
        }
      } catch (SQLException e) {
        writeError(PgError.error(e.getSQLState() == null ? "XX000" : e.getSQLState(), e.getMessage()));
      } catch (RuntimeException e) {
        SQLException cause = e.getCause() instanceof SQLException s ? s : null;
        writeError(PgError.error(cause != null && cause.getSQLState() != null ? cause.getSQLState() : "0A000",
            cause != null ? cause.getMessage() : "Junction: the merge failed: " + e.getMessage()));
      }
    }

    private void writeError(PgError error) {
      ByteBuf out = session.localOut();
      new BackendMessage.ErrorResponse(error).writeTo(out);
      RelaySession.readyMessage('I').writeTo(out);
    }

    private void finishRead() throws SQLException {
      Leg first = legs.get(0);
      MergeSpec spec = plan.spec();
      List<FieldDescription> fields = first.fields;
      int width = fields.size();
      int visible = spec.visibleColumns() >= 0 ? spec.visibleColumns() : width - spec.hiddenColumns();
      boolean[] text = new boolean[width];
      String[] labels = new String[width];
      for (int i = 0; i < width; i++) {
        int oid = fields.get(i).typeOid();
        text[i] = oid == 25 || oid == 1043 || oid == 1042 || oid == 19;
        labels[i] = fields.get(i).name();
      }
      SQLException refused = parts.state.textKeyRefusal(spec, text, labels, legs.size());
      if (refused != null) {
        throw refused;
      }
      List<FieldDescription> out = new ArrayList<>(visible);
      for (int i = 0; i < visible; i++) {
        FieldDescription f = fields.get(i);
        String label = spec.labels().size() > i && spec.labels().get(i) != null ? spec.labels().get(i) : f.name();
        boolean avg = spec.aggregation().size() > i && spec.aggregation().get(i).combine() == Combine.AVG;
        Format format = format(resultFormats, i);
        int oid = avg ? PgType.NUMERIC.oid() : f.typeOid();
        if (format == Format.BINARY && PgType.ofOid(oid) == null) {
          throw JunctionSqlState.refusal("Junction: result column " + label + " (type OID " + oid + ") of a multi-shard"
              + " SELECT cannot be sent in binary format by the proxy's merge; request text format for it");
        }
        out.add(new FieldDescription(label, avg ? 0 : f.tableOid(), avg ? 0 : f.columnNumber(), oid,
            avg ? -1 : f.typeSize(), avg ? -1 : f.typeModifier(), format));
      }
      List<RowCursor> cursors = new ArrayList<>(legs.size());
      for (Leg leg : legs) {
        cursors.add(RowCursors.of(leg.rows));
      }
      ByteBuf buf = session.localOut();
      BackendMessage.RowDescription description = new BackendMessage.RowDescription(out);
      long count = 0;
      try (RowCursor merged = parts.state.merge(cursors, spec)) {
        writePrefix(buf, description, true);
        while (merged.next()) {
          Object[] row = merged.row();
          List<byte[]> cells = new ArrayList<>(visible);
          for (int i = 0; i < visible; i++) {
            cells.add(encode(row[i], out.get(i)));
          }
          new BackendMessage.DataRow(cells).writeTo(buf);
          count++;
        }
      }
      new BackendMessage.CommandComplete("SELECT " + count).writeTo(buf);
      writeSuffix(buf);
    }

    private byte[] encode(Object value, FieldDescription f) {
      if (value == null) {
        return null;
      }
      PgType type = PgType.ofOid(f.typeOid());
      if (f.format() == Format.TEXT) {
        byte[] bytes = raw.get(value);
        if (bytes != null) {
          return bytes;
        }
        if (value instanceof Opaque o) {
          return o.text.getBytes(StandardCharsets.UTF_8);
        }
        if (type == null) {
          return value.toString().getBytes(StandardCharsets.UTF_8);
        }
        return CODEC.encode(normalize(value, type), type, Format.TEXT);
      }
      if (value instanceof Opaque o) {
        throw new IllegalStateException("binary format for type OID " + f.typeOid());
      }
      return CODEC.encode(normalize(value, type), type, Format.BINARY);
    }

    private Object normalize(Object v, PgType type) {
      if (!(v instanceof Number n) || (v instanceof Double d && (d.isNaN() || d.isInfinite()))
          || (v instanceof Float f && (f.isNaN() || f.isInfinite()))) {
        return v; // NaN and infinities (numeric NaN too) are encoded as they are
      }
      BigDecimal d = n instanceof BigDecimal b ? b : new BigDecimal(n.toString());
      return switch (type) {
        case INT2 -> (short) d.intValueExact();
        case INT4 -> d.intValueExact();
        case INT8, OID -> d.longValueExact();
        case NUMERIC -> d;
        case FLOAT4 -> n.floatValue();
        case FLOAT8 -> n.doubleValue();
        default -> v;
      };
    }

    private void finishWrite() {
      Leg first = legs.get(0);
      List<Leg> reported = parts.spanning.opcode() == ShardRoute.Opcode.BROADCAST ? List.of(first) : legs;
      ByteBuf buf = session.localOut();
      boolean rows = first.fields != null;
      BackendMessage.RowDescription description = rows ? new BackendMessage.RowDescription(first.fields) : null;
      writePrefix(buf, description, rows);
      long total = 0;
      for (Leg leg : reported) {
        for (Object[] r : leg.rows) {
          new BackendMessage.DataRow(java.util.Arrays.asList((byte[][]) r[0])).writeTo(buf);
        }
        total += count(leg.tag);
      }
      String tag = first.tag == null ? "" : first.tag;
      if (reported.size() > 1) {
        int sp = tag.lastIndexOf(' ');
        if (sp > 0 && tag.substring(sp + 1).chars().allMatch(Character::isDigit)) {
          tag = tag.substring(0, sp + 1) + total;
        }
      }
      new BackendMessage.CommandComplete(tag).writeTo(buf);
      writeSuffix(buf);
    }

    private long count(String tag) {
      if (tag == null) {
        return 0;
      }
      int sp = tag.lastIndexOf(' ');
      try {
        return sp > 0 ? Long.parseLong(tag.substring(sp + 1)) : 0;
      } catch (NumberFormatException e) {
        return 0;
      }
    }

    /** The responses to the unit's messages before its Execute (simple: RowDescription when rows come). */
    private void writePrefix(ByteBuf buf, BackendMessage.RowDescription description, boolean rows) {
      if (simple) {
        if (rows && description != null) {
          description.writeTo(buf);
        }
        return;
      }
      for (FrontendMessage m : messages) {
        if (m instanceof FrontendMessage.Parse) {
          BackendMessage.Empty.PARSE_COMPLETE.writeTo(buf);
        } else if (m instanceof FrontendMessage.Bind) {
          BackendMessage.Empty.BIND_COMPLETE.writeTo(buf);
        } else if (m instanceof FrontendMessage.Describe) {
          if (rows && description != null) {
            description.writeTo(buf);
          } else {
            BackendMessage.Empty.NO_DATA.writeTo(buf);
          }
        } else if (m instanceof FrontendMessage.Close) {
          BackendMessage.Empty.CLOSE_COMPLETE.writeTo(buf);
        } else if (m instanceof FrontendMessage.Execute) {
          return; // rows and CommandComplete follow
        }
      }
    }

    /** Responses to messages after the Execute (Close), then ReadyForQuery. */
    private void writeSuffix(ByteBuf buf) {
      if (!simple) {
        boolean after = false;
        for (FrontendMessage m : messages) {
          if (m instanceof FrontendMessage.Execute) {
            after = true;
          } else if (after && m instanceof FrontendMessage.Close) {
            BackendMessage.Empty.CLOSE_COMPLETE.writeTo(buf);
          }
        }
      }
      RelaySession.readyMessage('I').writeTo(buf);
    }

    private void fail(SQLException e) {
      new BackendMessage.ErrorResponse(PgError.error(e.getSQLState() == null ? "0A000" : e.getSQLState(), e.getMessage()))
          .writeTo(session.localOut());
      RelaySession.readyMessage('I').writeTo(session.localOut());
      session.flushClient();
    }

    /** One shard's wire parameters: the client's own bytes for values it bound, text for values the rewrite computed. */
    void wire(Leg leg, List<Object> params) {
      IdentityHashMap<Object, Integer> byValue = new IdentityHashMap<>();
      FrontendMessage.Bind bind = parts.bind;
      if (bind != null) {
        int[] order = parts.placeholders.order();
        for (int k = 0; k < parts.values.size() && k < order.length; k++) {
          Object v = parts.values.get(k);
          if (v != null) {
            byValue.putIfAbsent(v, order[k] - 1);
          }
        }
      }
      List<Integer> types = bind == null ? null : parts.placeholders == null ? null : declaredTypes();
      for (Object v : params) {
        Integer wire = v == null ? null : byValue.get(v);
        if (wire != null) {
          leg.types.add(types != null && wire < types.size() ? types.get(wire) : 0);
          leg.formats.add(format(bind.parameterFormats(), wire));
          leg.values.add(bind.parameterValues().get(wire));
        } else {
          leg.types.add(0);
          leg.formats.add(Format.TEXT);
          leg.values.add(v == null ? null : v.toString().getBytes(StandardCharsets.UTF_8));
        }
      }
    }

    private List<Integer> declaredTypes() {
      Object[] st = session.statementOf(parts.bind.statement());
      @SuppressWarnings("unchecked") List<Integer> types = st == null ? null : (List<Integer>) st[1];
      return types;
    }
  }

  /** A value of a type the proxy does not decode: kept as the shard's text; equal by text, not ordered. */
  record Opaque(String text) {}

  /** One-dimensional array types of the built-in scalar types (pg_type.typarray). */
  static final java.util.Set<Integer> ARRAY_OIDS = java.util.Set.of(1000, 1001, 1002, 1003, 1005, 1007, 1009, 1014, 1015,
      1016, 1021, 1022, 1028, 1115, 1182, 1183, 1185, 1187, 1231, 1270, 2951, 199, 3807, 1041, 651, 1040);

  /**
   * A shard's array value as its PostgreSQL text form, for the merge ({@code array_agg}'s parts are
   * concatenated by text; {@code toString()} is what goes back to the client). Its elements are not
   * decoded: {@code getArray()} fails, which the merge keeps for a getter the proxy never calls.
   */
  record TextArray(String text) implements java.sql.Array {
    @Override public String toString() { return text; }
    @Override public String getBaseTypeName() throws SQLException { throw undecoded(); }
    @Override public int getBaseType() throws SQLException { throw undecoded(); }
    @Override public Object getArray() throws SQLException { throw undecoded(); }
    @Override public Object getArray(java.util.Map<String, Class<?>> map) throws SQLException { throw undecoded(); }
    @Override public Object getArray(long index, int count) throws SQLException { throw undecoded(); }
    @Override public Object getArray(long index, int count, java.util.Map<String, Class<?>> map) throws SQLException {
      throw undecoded();
    }
    @Override public java.sql.ResultSet getResultSet() throws SQLException { throw undecoded(); }
    @Override public java.sql.ResultSet getResultSet(java.util.Map<String, Class<?>> map) throws SQLException { throw undecoded(); }
    @Override public java.sql.ResultSet getResultSet(long index, int count) throws SQLException { throw undecoded(); }
    @Override public java.sql.ResultSet getResultSet(long index, int count, java.util.Map<String, Class<?>> map)
        throws SQLException {
      throw undecoded();
    }
    @Override public void free() { }

    private static SQLException undecoded() {
      return new SQLException("the proxy keeps array values as text", "0A000");
    }
  }

  /** One shard's part of a multi-shard statement: runs on a borrowed backend of that shard. */
  private final class Leg extends InternalQuery {
    final MultiRun run;
    final ShardEndpoints shard;
    final List<Integer> types = new ArrayList<>();
    final List<Format> formats = new ArrayList<>();
    final List<byte[]> values = new ArrayList<>();
    final List<Object[]> rows = new ArrayList<>();
    final List<Object> params;
    Endpoint endpoint;
    BackendConnection backend;
    List<FieldDescription> fields;
    String tag;
    PgError problem;

    Leg(MultiRun run, ShardEndpoints shard, String sql, List<Object> params) {
      super(sql);
      this.run = run;
      this.shard = shard;
      this.params = params;
      run.wire(this, params);
    }

    void send(BackendConnection b) {
      List<Format> results = run.read ? List.of() : run.resultFormats;
      b.internalExtended(this, types, formats, values, results);
    }

    @Override
    void onRowDescription(ByteBuf m) {
      if (fields != null) {
        return;
      }
      int n = m.getUnsignedShort(5);
      int at = 7;
      List<FieldDescription> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        int end = m.indexOf(at, m.writerIndex(), (byte) 0);
        String name = m.toString(at, end - at, StandardCharsets.UTF_8);
        at = end + 1;
        out.add(new FieldDescription(name, m.getInt(at), m.getShort(at + 4), m.getInt(at + 6), m.getShort(at + 10),
            m.getInt(at + 12), m.getShort(at + 16) == 1 ? Format.BINARY : Format.TEXT));
        at += 18;
      }
      fields = out;
    }

    @Override
    void onDataRow(ByteBuf m) {
      run.buffered += m.readableBytes() + 16L * Math.max(1, fields == null ? 1 : fields.size());
      if (run.buffered > run.limit) {
        run.overflow = true;
        return;
      }
      int n = m.getUnsignedShort(5);
      int at = 7;
      if (!run.read) {
        byte[][] cells = new byte[n][];
        for (int i = 0; i < n; i++) {
          int len = m.getInt(at);
          at += 4;
          if (len >= 0) {
            cells[i] = new byte[len];
            m.getBytes(at, cells[i]);
            at += len;
          }
        }
        rows.add(new Object[] {cells});
        return;
      }
      Object[] row = new Object[n];
      for (int i = 0; i < n; i++) {
        int len = m.getInt(at);
        at += 4;
        if (len < 0) {
          continue;
        }
        byte[] bytes = new byte[len];
        m.getBytes(at, bytes);
        at += len;
        int oid = fields == null || i >= fields.size() ? 0 : fields.get(i).typeOid();
        Object v = decode(bytes, oid);
        run.raw.put(v, bytes);
        row[i] = v;
      }
      rows.add(row);
    }

    private Object decode(byte[] bytes, int oid) {
      String text = new String(bytes, StandardCharsets.UTF_8);
      if (ARRAY_OIDS.contains(oid)) {
        return new TextArray(text); // what array_agg's multiset merge reads (its text form)
      }
      PgType type = PgType.ofOid(oid);
      if (type == null || type == PgType.JSON || type == PgType.JSONB) {
        return new Opaque(text);
      }
      try {
        Object v = CODEC.decodeText(text, oid);
        return v instanceof String s && type != PgType.TEXT && type != PgType.VARCHAR && type != PgType.BPCHAR
            ? new Opaque(s) : v;
      } catch (RuntimeException e) {
        return new Opaque(text);
      }
    }

    @Override
    void onCommandComplete(ByteBuf m) {
      tag = m.toString(5, m.readableBytes() - 6, StandardCharsets.UTF_8);
    }

    @Override
    void done(BackendConnection b, char status) {
      if (failed() && problem == null) {
        problem = PgError.error(errorSqlState == null ? "XX000" : errorSqlState, error);
      }
      run.legDone(this, b);
    }
  }
}
