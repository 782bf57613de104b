package dev.junction.proxy.relay;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.junction.JunctionSqlState;
import dev.junction.classify.Classification;
import dev.junction.classify.StatementKind;
import dev.junction.health.EndpointState;
import dev.junction.jdbc.internal.ShardRouter;
import dev.junction.merge.BoundScatterPlan;
import dev.junction.merge.Combine;
import dev.junction.merge.MergeSpec;
import dev.junction.merge.RowCursor;
import dev.junction.merge.RowCursors;
import dev.junction.merge.SqlTime;
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
 *   <li><b>Transactions</b> start on the shard of their first statement: a {@code BEGIN} sent alone is
 *       answered by the proxy and sent ahead of that statement, on its shard. A statement for another
 *       shard makes that shard join (its primary gets the transaction's BEGIN text first), statements
 *       over several shards run on each shard's backend of the transaction, and COMMIT/ROLLBACK end it
 *       on every joined shard in ring order, as the library's sharded connection does
 *       ({@link ShardTransaction}: what is held, and the failure rules).</li>
 *   <li><b>Several shards, statement by statement</b> (a pgjdbc batch of inserts whose keys land on
 *       different shards): the unit is split where the shard changes, each part ends with a Sync of
 *       the proxy's whose ReadyForQuery is not relayed. Outside a transaction, a unit that writes runs
 *       as one implicit transaction over its shards, committed or rolled back at the client's Sync
 *       ({@link #implicitTransaction}), as PostgreSQL runs everything before one Sync.</li>
 *   <li><b>One statement over several shards</b> (scatter reads, broadcast writes and DDL,
 *       INSERT_SPLIT, multi-shard UPDATE/DELETE): the proxy runs each shard's statement on a backend
 *       of that shard (in parallel, non-blocking; inside a transaction, the transaction's backend), decodes the rows only
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
  /**
   * Put in place of the client's Sync of a split unit that writes outside a transaction (after the last
   * part's {@link #SPLIT}): where the proxy ends the unit's implicit transaction on every shard it joined
   * (compared by identity; see {@link #implicitTransaction}).
   */
  static final FrontendMessage.Sync IMPLICIT_END = new FrontendMessage.Sync();
  static final String FAIL_TRANSACTION =
      "DO $junction$BEGIN RAISE EXCEPTION 'Junction refused a statement of this transaction'; END$junction$";
  private static final Cache<String, Placeholders> PLACEHOLDERS = Caffeine.newBuilder().maximumSize(10_000).build();
  private static final PgValueCodec CODEC = new PgValueCodec();
  /** PostgreSQL's warning for a BEGIN inside a transaction. */
  private static final PgError ALREADY_IN_TRANSACTION =
      PgError.of(PgError.Severity.WARNING, "25001", "there is already a transaction in progress");

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
  /** The open transaction's shards beyond the attached backend's (see {@link ShardTransaction}). */
  private final ShardTransaction tx;
  /** The open transaction is a split unit's implicit one (see {@link #implicitTransaction}), ended at {@link #IMPLICIT_END}. */
  private boolean implicit;
  /** The first message of a unit whose transaction settings already ran on the transaction's other shards. */
  private FrontendMessage settingsApplied;

  ShardRelay(RelaySession session, RelayRuntime runtime) {
    this.session = session;
    this.runtime = runtime;
    this.tx = new ShardTransaction(runtime.shards.length);
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
    /** Transaction-control statements in the unit, and the text of a BEGIN that is its first statement. */
    int controls;
    String begin;
    /** A BEGIN of the unit opened a transaction that no COMMIT/ROLLBACK of the unit ended yet. */
    private boolean openInUnit;
    /** A COMMIT/ROLLBACK of the unit was seen. */
    private boolean endedInUnit;
    /** The first BEGIN with modes after another BEGIN of the unit, none ended between: nested in the unit itself. */
    private String nestedInUnit;
    /** The first BEGIN with modes before any BEGIN, COMMIT or ROLLBACK of the unit: nested when the session is in a transaction. */
    private String beginBeforeEnd;

    /** Notes one BEGIN of the unit, in order (see {@link #nestedBegin}). */
    void noteBegin(String sql) {
      if (!plainBegin(sql)) {
        if (openInUnit) {
          nestedInUnit = nestedInUnit == null ? sql : nestedInUnit;
        } else if (!endedInUnit && beginBeforeEnd == null) {
          beginBeforeEnd = sql;
        }
      }
      openInUnit = true;
    }

    /** Notes one COMMIT/END/ROLLBACK (not ROLLBACK TO) of the unit. */
    void noteEnd() {
      openInUnit = false;
      endedInUnit = true;
    }

    /**
     * The first BEGIN with modes of the unit that runs inside a transaction, given whether the session is in one
     * when the unit starts, or null. Any of them, not only a leading one: {@code BEGIN; BEGIN READ ONLY} in one
     * query, or extended {@code BEGIN, SELECT, BEGIN READ ONLY} (ShardedTxControlDifferentialIT, seed 1234567: the
     * READ ONLY held on one shard, and an INSERT on another ran where PostgreSQL answers 25006).
     */
    String nestedBegin(boolean inTransaction) {
      return nestedInUnit != null ? nestedInUnit : inTransaction ? beginBeforeEnd : null;
    }
    /** A statement of the unit writes, in the library's sense (WRITE, DDL, UNKNOWN: what reject counts). */
    boolean writes;
    /** The unit's SET LOCAL / SET TRANSACTION / SET CONSTRAINTS statements (see {@link ShardTransaction#settings}). */
    List<String> txSettings;
    /** The unit holds a ROLLBACK TO SAVEPOINT. */
    boolean rollbackTo;
    /** SET and other session statements in the unit (a statement over several shards must come alone, without them). */
    int settings;
  }

  // ================================================================== planning

  /** Adds one statement of the unit: plans it and notes its shard (or that it spans shards, or its refusal). */
  void account(RelaySession.Unit u, Classification c, String sql, FrontendMessage.Bind bind, List<Integer> types, int position) {
    if (sql == null || u.refusal != null) {
      return;
    }
    switch (c.kind()) {
      case SESSION -> {
        Parts p = u.parts == null ? (u.parts = new Parts()) : u.parts;
        p.settings++;
        if (ShardTransaction.transactionScoped(sql)) {
          (p.txSettings == null ? (p.txSettings = new ArrayList<>(2)) : p.txSettings).add(sql);
        }
        return;
      }
      case TX_BEGIN, TX_COMMIT, TX_ROLLBACK, TX_SAVEPOINT -> {
        Parts p = u.parts == null ? (u.parts = new Parts()) : u.parts;
        if (++p.controls == 1 && p.statements == 0 && c.kind() == StatementKind.TX_BEGIN) {
          p.begin = sql.strip();
        }
        if (c.kind() == StatementKind.TX_BEGIN) {
          p.noteBegin(sql);
        } else if (c.kind() == StatementKind.TX_COMMIT || c.kind() == StatementKind.TX_ROLLBACK) {
          p.noteEnd();
        }
        if (c.kind() == StatementKind.TX_SAVEPOINT && sql.strip().regionMatches(true, 0, "ROLLBACK", 0, 8)) {
          p.rollbackTo = true;
        }
        return;
      }
      default -> { }
    }
    Parts p = u.parts == null ? (u.parts = new Parts()) : u.parts;
    p.statements++;
    if (c.kind() == StatementKind.WRITE || c.kind() == StatementKind.DDL || c.kind() == StatementKind.UNKNOWN) {
      p.writes = true;
    }
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
    if (session.pendingMessages().peek() == IMPLICIT_END) {
      if (a != null && !a.idle()) {
        return WAIT;
      }
      endTransaction(u, a, true, true);
      return DONE;
    }
    if (a != null && session.unsynced()) {
      return unsyncedStep(u, a);
    }
    boolean inTx = a != null && a.status != 'I' || tx.failed || tx.spread();
    String nestedBegin = !inTx || u.refusal != null ? null
        : u.only == StatementKind.TX_BEGIN && answerable(u) ? u.onlySql : leadingBegin(u) ? u.parts.begin : null;
    if (nestedBegin == null && u.refusal == null && u.parts != null) {
      nestedBegin = u.parts.nestedBegin(inTx);
    }
    if (nestedBegin != null && !plainBegin(nestedBegin)) {
      // A nested BEGIN's modes hold on the server that gets it only, not on shards joining later with the
      // transaction's BEGIN text (ShardedTxControlDifferentialIT, seed 42: a READ ONLY lost on the next shard)
      if (a != null && !a.idle()) {
        return WAIT;
      }
      refuse(u, nestedBeginWithModes(nestedBegin));
      return DONE;
    }
    if (!inTx && deferredBegin == null && (a == null || a.idle())) {
      tx.clear();
    }
    if (!inTx && deferredBegin == null && u.parts != null && u.parts.begin != null) {
      tx.begin = u.parts.begin; // (not a BEGIN inside one the proxy answered: see multiInTransaction)
    }
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
    if (u.refusal == null && u.parts != null && u.parts.txSettings != null
        && (inTx || deferredBegin != null || u.parts.begin != null)) {
      int r = settingsOnEveryShard(u, a);
      if (r >= 0) {
        return r;
      }
    }
    if (u.refusal == null && (inTx && (tx.failed || tx.spread() || otherShard(u, a))
        || !session.isPinned() && u.multi && (deferredBegin != null || leadingBegin(u)))) {
      int r = transaction(u, a, inTx);
      if (r >= 0) {
        return r;
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
        } else if (p.writes && p.txSettings != null) {
          // PostgreSQL ignores SET LOCAL / SET TRANSACTION in an implicit transaction (WARNING 25P01); inside the
          // transaction the proxy opens for such a unit it would hold (ShardedTxControlDifferentialIT, seed 99)
          u.refusal = JunctionSqlState.refusal("Junction: SET LOCAL or SET TRANSACTION outside a transaction, among"
              + " statements that write to several shards before one Sync: PostgreSQL ignores it there, and the proxy"
              + " runs such statements as one transaction, where it would hold; send it inside BEGIN ... COMMIT");
        } else {
          if (a != null) {
            session.detachBackend();
          }
          if (p.writes) {
            implicitTransaction(u);
          } else {
            split(u); // reads only: each part on its own shard (nothing to undo after a later error)
          }
          return DONE;
        }
      } else if (p.statements + p.settings > 1) {
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
        new MultiRun(u, false).start();
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
        if (nested && !plainBegin(u.onlySql)) {
          // PostgreSQL applies a nested BEGIN's modes on top of the transaction's (SET TRANSACTION), which one
          // BEGIN text for every shard cannot say (ShardedTxControlDifferentialIT, seed 42)
          refuse(u, nestedBeginWithModes(u.onlySql));
          return DONE;
        }
        txState = nested ? txState : null;
        if (!nested) {
          deferredBegin = u.onlySql;
          deferredReadOnly = u.readOnlyBegin;
          tx.begin = u.onlySql;
        }
        deferredFailed = nested && deferredFailed;
        answerLocally(u, beginTag(u), nested ? ALREADY_IN_TRANSACTION : null, null, deferredFailed ? 'E' : 'T');
        return DONE;
      }
      if (deferredBegin != null && (u.only == StatementKind.TX_COMMIT || u.only == StatementKind.TX_ROLLBACK) && answerable(u)) {
        String tag = u.only == StatementKind.TX_COMMIT && !deferredFailed ? "COMMIT" : "ROLLBACK";
        boolean chain = TransactionStatement.parse(u.onlySql).chain();
        if (!chain) { // AND CHAIN: a new transaction with the same characteristics, still before any shard
          deferredBegin = null;
        }
        deferredFailed = false;
        answerLocally(u, tag, chain ? 'T' : 'I');
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
    if (u.parts != null && u.parts.writes) {
      tx.written.set(session.currentShard().index);
    }
    return PROCEED;
  }

  // ================================================================== transactions over several shards

  /**
   * A unit with SET LOCAL (SET TRANSACTION, SET CONSTRAINTS) inside a transaction: before it runs on its
   * own shard, the same settings run on every other shard the transaction has joined, so that all of them
   * go on with the same settings (shards that join later get them replayed, {@link ShardTransaction#joinSql}).
   * If one fails there, the transaction fails (the unit is answered with that error and does not run):
   * divergent settings would give each shard's part of the transaction another answer.
   *
   * @return {@link #WAIT} or {@link #DONE} as {@link #step}; -1: nothing to do here, the unit goes on
   */
  private int settingsOnEveryShard(RelaySession.Unit u, BackendConnection a) {
    FrontendMessage head = session.pendingMessages().peek();
    if (settingsApplied == head) {
      return -1; // this unit's settings already ran on the other shards (cleared once it is sent, see beforeSend)
    }
    if (u.multi) {
      u.refusal = JunctionSqlState.refusal("Junction: SET LOCAL, SET TRANSACTION and SET CONSTRAINTS inside a transaction"
          + " must not be sent together with statements for several shards through the proxy; send the setting on its own");
      return -1;
    }
    if (tx.failed || a != null && a.status == 'E' || tx.anyParkedFailed()) {
      return -1; // answered 25P02 as any statement of a failed transaction
    }
    int target = u.shard >= 0 ? u.shard : a != null && a.status != 'I' ? a.endpoint.group.index : -1;
    if (target < 0) { // no backend attached: the unit runs on the current shard's parked one, else the first parked
      target = tx.parked[session.currentShard().index] != null ? session.currentShard().index : -1;
      for (int i = 0; target < 0 && i < tx.parked.length; i++) {
        target = tx.parked[i] != null ? i : -1;
      }
    }
    List<BackendConnection> others = new ArrayList<>();
    for (BackendConnection b : tx.parked) {
      if (b != null && b.endpoint.group.index != target) {
        others.add(b);
      }
    }
    if (a != null && a.status != 'I' && a.endpoint.group.index != target) {
      others.add(a);
    }
    if (others.isEmpty()) {
      return -1;
    }
    if (a != null && !a.idle()) {
      return WAIT;
    }
    String sql = String.join("\n;", u.parts.txSettings.stream().map(ShardTransaction::strip).toList());
    session.setWaiting(true);
    PgError[] problem = new PgError[1];
    int[] remaining = {others.size()};
    for (BackendConnection b : others) {
      b.internal(new InternalQuery(sql) {
        @Override
        void done(BackendConnection backend, char status) {
          if (failed() && problem[0] == null) {
            problem[0] = PgError.error(errorSqlState == null ? "XX000" : errorSqlState, "Junction: on shard "
                + backend.endpoint.group.name + " of this transaction: " + error);
          }
          release();
          if (--remaining[0] > 0) {
            return;
          }
          session.setWaiting(false);
          if (session.isClosed()) {
            return;
          }
          if (problem[0] != null) {
            tx.failed = true; // the other shards must not go on with settings this one refused
            refuse(u, new SQLException(problem[0].message(), problem[0].sqlState()));
          } else {
            settingsApplied = head;
          }
          session.resume();
        }
      });
    }
    return DONE;
  }

  /**
   * An extended-protocol unit outside a transaction that writes, with statements for several shards
   * (a pgjdbc auto-commit batch): PostgreSQL runs everything before one Sync as one implicit
   * transaction, and an error rolls all of it back. The proxy runs the unit as a multi-shard
   * transaction of its own: a BEGIN it does not answer goes ahead of the first part (and, as for any
   * shard joining a transaction, ahead of each other shard's first part), the parts are split where the
   * shard changes as before, and the client's Sync becomes {@link #IMPLICIT_END}: there every joined
   * shard commits in ring order, or all roll back when a statement failed (the statements after it are
   * skipped up to the Sync, as PostgreSQL does). The client sees PostgreSQL's answers: no BEGIN/COMMIT,
   * ReadyForQuery 'I'. As explicit multi-shard transactions, the commit is not atomic against a crash
   * (or a failed commit) between the shards' commits.
   */
  private void implicitTransaction(RelaySession.Unit u) {
    tx.clear();
    tx.begin = "BEGIN";
    implicit = true;
    deferredBegin = "BEGIN";
    deferredReadOnly = false;
    deferredFailed = false;
    split(u);
    ArrayDeque<FrontendMessage> pending = session.pendingMessages();
    int n = 0;
    for (FrontendMessage m : pending) {
      n++;
      if (m instanceof FrontendMessage.Sync && m != SPLIT) {
        break; // the client's Sync: the unit's last message
      }
    }
    List<FrontendMessage> unit = new ArrayList<>(n + 1);
    for (int i = 0; i < n - 1; i++) {
      unit.add(pending.poll());
    }
    pending.poll(); // the client's Sync
    unit.add(SPLIT);
    unit.add(IMPLICIT_END);
    for (int i = unit.size() - 1; i >= 0; i--) {
      pending.addFirst(unit.get(i));
    }
  }

  /** A part of an implicit transaction failed (or was refused): it rolls back at {@link #IMPLICIT_END}. */
  void implicitFailed() {
    tx.failed = true;
  }

  /** The unit goes to another shard than the attached backend's, or to several. */
  private static boolean otherShard(RelaySession.Unit u, BackendConnection a) {
    return u.multi || a != null && u.shard >= 0 && u.shard != a.endpoint.group.index;
  }

  /** The unit's only transaction control is a BEGIN that is its first statement (pgjdbc sends BEGIN so). */
  private static boolean leadingBegin(RelaySession.Unit u) {
    return u.parts != null && u.parts.begin != null && u.parts.controls == 1;
  }

  /**
   * A unit inside a transaction that is (or becomes) spread over several shards, or one that fails the
   * transaction: joins the shard it needs, ends the transaction on every shard, or refuses.
   *
   * @return {@link #PROCEED}, {@link #WAIT} or {@link #DONE} as {@link #step}; -1: the single-shard path decides
   */
  private int transaction(RelaySession.Unit u, BackendConnection a, boolean inTx) {
    if (a != null && !a.idle()) {
      return WAIT;
    }
    boolean failed = tx.failed || a != null && a.status == 'E' || tx.anyParkedFailed();
    boolean spread = tx.spread();
    if (inTx && (spread || tx.failed) && (u.only == StatementKind.TX_COMMIT || u.only == StatementKind.TX_ROLLBACK)
        && answerable(u) && !u.multi) {
      String sql = u.onlySql.strip().toUpperCase(java.util.Locale.ROOT);
      if (sql.startsWith("PREPARE") || sql.matches("(?s).*\\bAND\\s+CHAIN\\b.*") && !sql.matches("(?s).*\\bNO\\s+CHAIN\\b.*")) {
        refuse(u, JunctionSqlState.refusal("Junction: " + u.onlySql.strip() + " is not supported in a transaction over"
            + " several shards (" + joinedNames(a) + "); use COMMIT or ROLLBACK"));
        return DONE;
      }
      endTransaction(u, a, u.only == StatementKind.TX_COMMIT, false);
      return DONE;
    }
    if (inTx && u.transactionControl && !(u.multi && !spread && leadingBegin(u) && a == null)) {
      if (!spread && !tx.failed && !otherShard(u, a)) {
        return -1;
      }
      if (spread && u.only == StatementKind.TX_BEGIN && answerable(u) && !plainBegin(u.onlySql)) {
        refuse(u, nestedBeginWithModes(u.onlySql));
        return DONE;
      }
      if (spread && u.only == StatementKind.TX_BEGIN && answerable(u)) {
        answerLocally(u, beginTag(u), ALREADY_IN_TRANSACTION, null, session.localStatus()); // the transaction goes on
        return DONE;
      }
      refuse(u, JunctionSqlState.refusal("Junction: in a transaction over several shards (" + joinedNames(a)
          + (u.multi || otherShard(u, a) ? ", and " + describeTarget(u) : "") + "), the proxy runs COMMIT and ROLLBACK only"
          + " when sent alone, and no savepoints; send them as their own statement, or keep the transaction on one shard"));
      return DONE;
    }
    if (failed && u.statements) {
      refuse(u, new SQLException("current transaction is aborted, commands ignored until end of transaction block", "25P02"));
      return DONE;
    }
    if (session.isPinned() && (u.multi || otherShard(u, a))) {
      return -1; // refused below: a pinned session keeps to its backend
    }
    if (u.pins && (spread || u.multi || otherShard(u, a))) {
      refuse(u, JunctionSqlState.refusal("Junction: session state that pins the client to one backend (SET, temporary"
          + " tables, LISTEN, session locks, ...) is not supported in a transaction over several shards through the proxy;"
          + " set it outside the transaction or keep the transaction on one shard"));
      return DONE;
    }
    if (u.multi) {
      return multiInTransaction(u, a, inTx);
    }
    if (u.shard < 0 || a != null && u.shard == a.endpoint.group.index) {
      if (a == null && spread) {
        BackendConnection b = tx.unpark(session.currentShard());
        if (b == null) {
          for (BackendConnection p : tx.parked) {
            if (p != null) {
              b = tx.unpark(p.endpoint.group);
              session.switchShard(p.endpoint.group);
              break;
            }
          }
        }
        session.attachBackend(b);
        return PROCEED;
      }
      return -1;
    }
    ShardEndpoints target = runtime.shards[u.shard];
    SQLException rejected = rejectedWrite(u.parts, List.of(target));
    if (rejected != null) {
      refuseKeepingTransaction(u, rejected);
      return DONE;
    }
    if (tx.parked[target.index] == null && tx.settingsUnknown) {
      refuse(u, settingsUnknown(target.name));
      return DONE;
    }
    if (a != null) {
      park(a);
    }
    session.switchShard(target);
    if (u.parts != null && u.parts.writes) {
      tx.written.set(target.index);
    }
    BackendConnection b = tx.unpark(target);
    if (b != null) {
      session.attachBackend(b);
      return PROCEED;
    }
    // the shard joins: its primary, with the transaction's BEGIN sent ahead of the statement (beforeSend)
    deferredBegin = tx.begin;
    deferredReadOnly = false;
    deferredFailed = false;
    u.primary = true;
    u.reason = RouteReason.PRIMARY_TRANSACTION;
    u.readOnlyBegin = false;
    return PROCEED;
  }

  /** BEGIN or START TRANSACTION without modes (a nested one only gets PostgreSQL's warning). */
  static boolean plainBegin(String sql) {
    String s = sql.strip().toLowerCase(java.util.Locale.ROOT).replaceAll("\\s+", " ");
    return s.matches("(begin( work| transaction)?|start transaction) ?;?");
  }

  /**
   * A BEGIN with modes inside a transaction that already runs on shards (or with a statement over several
   * shards): PostgreSQL applies its modes as SET TRANSACTION would (or fails 25001 after a query), which the
   * proxy does not reproduce over several shards.
   */
  private static SQLException nestedBeginWithModes(String sql) {
    return JunctionSqlState.refusal("Junction: " + sql.strip() + " inside a transaction is not supported by the sharded"
        + " proxy (PostgreSQL applies a nested BEGIN's modes on top of the transaction's, on every shard it touches);"
        + " give the modes in the transaction's first BEGIN, or use SET TRANSACTION on its own");
  }

  /** The refusal of a shard joining after ROLLBACK TO SAVEPOINT undid transaction settings (see {@link ShardTransaction#settingsUnknown}). */
  private static SQLException settingsUnknown(String shard) {
    return JunctionSqlState.refusal("Junction: this transaction rolled back to a savepoint after SET LOCAL (SET TRANSACTION,"
        + " SET CONSTRAINTS), so the proxy does not know which of those settings still hold and shard " + shard + " cannot"
        + " join the transaction with the same settings; keep this transaction on the shards it already touched, or do"
        + " not roll back to a savepoint after such settings in a transaction that spans shards");
  }

  /** Takes the attached backend off the session: parked while in a transaction, else given back. */
  private void park(BackendConnection a) {
    if (a.status != 'I') {
      session.forgetAttached();
      tx.park(a);
    } else {
      session.detachBackend();
    }
  }

  /** A unit over several shards inside a transaction (or starting one with a leading BEGIN). */
  private int multiInTransaction(RelaySession.Unit u, BackendConnection a, boolean inTx) {
    Parts p = u.parts;
    boolean begins = !inTx && deferredBegin == null && leadingBegin(u);
    if (u.transactionControl && !leadingBegin(u)) {
      refuse(u, JunctionSqlState.refusal("Junction: statements for several shards and COMMIT, ROLLBACK or savepoints"
          + " in one unit are not supported by the proxy; send the transaction control statement on its own"));
      return DONE;
    }
    if (p.spanning == null) {
      if (!(lastOf(u) instanceof FrontendMessage.Sync) || lastOf(u) == SPLIT) {
        refuse(u, JunctionSqlState.refusal("Junction: these statements go to different shards; end them with Sync"));
        return DONE;
      }
      split(u); // each part joins its shard as a statement of its own (a leading BEGIN stays in the first part)
      return DONE;
    }
    if (p.statements + p.settings > 1) {
      refuse(u, JunctionSqlState.refusal("Junction: a statement that spans shards (" + p.spanning.opcode() + ") must be"
          + " sent on its own through the proxy (one statement per Query, or its own Sync), not with other statements"));
      return DONE;
    }
    if (limitsRows(u) && p.spanningClass.kind() == StatementKind.READ && p.spanning.opcode() != ShardRoute.Opcode.INSERT_SPLIT) {
      refuse(u, JunctionSqlState.refusal("Junction: an Execute with a row limit (a cursor-style fetch) is not"
          + " supported for a statement that spans shards (" + p.spanning.opcode() + "); fetch all rows (fetch size 0)"
          + " or add a shard-key predicate so the statement runs on one shard"));
      return DONE;
    }
    if (begins) {
      if (a != null) {
        session.detachBackend();
      }
      if (!peelBegin(u, null)) {
        refuse(u, JunctionSqlState.refusal("Junction: BEGIN and a statement that spans shards in one Query are not"
            + " supported by the proxy; send BEGIN on its own"));
        return DONE;
      }
      tx.begin = p.begin;
      deferredBegin = p.begin;
      deferredReadOnly = false;
      deferredFailed = false;
    } else if (leadingBegin(u) && !(plainBegin(p.begin) && peelBegin(u, ALREADY_IN_TRANSACTION))) {
      // (peeled: a plain BEGIN inside the transaction is answered with PostgreSQL's warning, and changes nothing)
      refuse(u, nestedBeginWithModes(p.begin));
      return DONE;
    }
    List<ShardEndpoints> shards = new ArrayList<>();
    for (ShardRoute.ShardStatement st : p.spanning.statements()) {
      ShardEndpoints s = runtime.shard(p.state.shardNames().get(st.shard()));
      if (s != null) {
        shards.add(s);
      }
    }
    boolean read = p.spanningClass.kind() == StatementKind.READ && p.spanning.opcode() != ShardRoute.Opcode.INSERT_SPLIT;
    SQLException rejected = read ? null : rejectedWrite(p, shards);
    if (rejected != null) {
      refuseKeepingTransaction(u, rejected);
      return DONE;
    }
    if (tx.settingsUnknown) {
      for (ShardEndpoints s : shards) {
        if (tx.parked[s.index] == null && (a == null || a.status == 'I' || a.endpoint.group != s)) {
          refuse(u, settingsUnknown(s.name));
          return DONE;
        }
      }
    }
    if (!read && p.writes) {
      shards.forEach(s -> tx.written.set(s.index));
    }
    if (a != null && session.attachedBackend() == a) {
      park(a);
    }
    new MultiRun(u, true).start();
    return DONE;
  }

  /**
   * Answers the BEGIN at the head of an extended-protocol unit (its Parse/Bind/Describe/Execute) as the
   * server would (with {@code notice} before its tag: the warning of a BEGIN inside a transaction), and
   * leaves the rest of the unit; false when the unit is not so (a simple Query).
   */
  private boolean peelBegin(RelaySession.Unit u, PgError notice) {
    ArrayDeque<FrontendMessage> pending = session.pendingMessages();
    int n = 0;
    int binds = 0;
    for (FrontendMessage m : pending) {
      if (++n >= u.count || m instanceof FrontendMessage.Query || m instanceof FrontendMessage.Sync
          || m instanceof FrontendMessage.Flush) {
        return false;
      }
      if (m instanceof FrontendMessage.Bind) {
        binds++;
      }
      if (m instanceof FrontendMessage.Execute) {
        break;
      }
    }
    if (binds != 1) {
      return false;
    }
    ByteBuf out = session.localOut();
    for (int i = 0; i < n; i++) {
      FrontendMessage m = pending.poll();
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
      } else if (m instanceof FrontendMessage.Execute) {
        if (notice != null) {
          new BackendMessage.NoticeResponse(notice).writeTo(out);
        }
        String begin = u.parts.begin.strip();
        new BackendMessage.CommandComplete(begin.regionMatches(true, 0, "START", 0, 5) ? "START TRANSACTION" : "BEGIN").writeTo(out);
      }
    }
    u.count -= n;
    return true;
  }

  /**
   * {@code junction.sharding.multi-shard-transactions: reject}: the library's refusal of a statement
   * that would make the transaction write to a second shard, before it runs.
   */
  private SQLException rejectedWrite(Parts p, List<ShardEndpoints> shards) {
    if (p == null || !p.writes || !runtime.sharding.peek().rejectsMultiShardWrites()) {
      return null;
    }
    java.util.BitSet after = (java.util.BitSet) tx.written.clone();
    shards.forEach(s -> after.set(s.index));
    if (after.cardinality() <= 1) {
      return null;
    }
    List<String> target = new ArrayList<>();
    shards.forEach(s -> target.add(s.name));
    if (implicit) {
      return JunctionSqlState.refusal("Junction: the statements before this Sync run as one implicit transaction, as in"
          + " PostgreSQL, which already wrote to shard(s) " + names(tx.written) + ", and this statement writes to " + target
          + "; multi-shard transactions are rejected (junction.sharding.multi-shard-transactions: reject). Nothing of them"
          + " was committed. Send one statement per Sync (pgjdbc: execute them one by one, not as a batch), keep the"
          + " writes before one Sync on one shard key, or set multi-shard-transactions: allow to accept non-atomic commits");
    }
    return JunctionSqlState.refusal("Junction: this transaction already wrote to shard(s) " + names(tx.written)
        + " and this statement writes to " + target + "; multi-shard transactions are rejected"
        + " (junction.sharding.multi-shard-transactions: reject). Commit or roll back first, keep a transaction's"
        + " writes on one shard key, or set multi-shard-transactions: allow to accept non-atomic commits");
  }

  private List<String> names(java.util.BitSet shards) {
    List<String> out = new ArrayList<>();
    shards.stream().forEach(i -> out.add(runtime.shards[i].name));
    return out;
  }

  private String joinedNames(BackendConnection a) {
    List<String> out = new ArrayList<>();
    for (BackendConnection b : joinedInRingOrder(a)) {
      out.add(b.endpoint.group.name);
    }
    return "shards " + out;
  }

  private String describeTarget(RelaySession.Unit u) {
    return u.multi ? "a statement for several shards" : "a statement for shard " + runtime.shards[u.shard].name;
  }

  /** The attached backend and the parked ones, in ring order (the library's commit order). */
  private List<BackendConnection> joinedInRingOrder(BackendConnection a) {
    List<BackendConnection> all = new ArrayList<>();
    for (BackendConnection b : tx.parked) {
      if (b != null) {
        all.add(b);
      }
    }
    if (a != null && a.status != 'I') {
      all.add(a);
    }
    List<String> ring = runtime.sharding.peek().shardNames();
    all.sort(java.util.Comparator.comparingInt(b -> {
      int i = ring.indexOf(b.endpoint.group.name);
      return i < 0 ? Integer.MAX_VALUE : i;
    }));
    return all;
  }

  /**
   * COMMIT or ROLLBACK of a transaction spread over several shards (or failed): each joined shard in
   * ring order; after a failed COMMIT the others roll back, and the error names the shards that had
   * committed, in the library's words. {@code atSync}: the unit is {@link #IMPLICIT_END}, answered
   * with ReadyForQuery only (preceded by the error if a commit failed), as PostgreSQL answers a Sync.
   */
  private void endTransaction(RelaySession.Unit u, BackendConnection a, boolean commitAsked, boolean atSync) {
    List<BackendConnection> all = joinedInRingOrder(a);
    if (a != null) {
      session.forgetAttached();
      if (a.status == 'I') {
        session.returnBackend(a);
      } else {
        a.session = null;
      }
    }
    tx.takeAll();
    this.implicit = false;
    boolean failed = tx.failed || deferredFailed;
    for (BackendConnection b : all) {
      failed |= b.status == 'E' || b.phase != BackendConnection.Phase.READY;
    }
    boolean commit = commitAsked && !failed;
    java.util.BitSet written = (java.util.BitSet) tx.written.clone();
    deferredBegin = null;
    deferredFailed = false;
    session.setWaiting(true);
    ShardTransaction.end(all, commit, outcome -> {
      tx.clear();
      for (BackendConnection b : all) {
        session.returnBackend(b);
      }
      session.setWaiting(false);
      if (session.isClosed()) {
        return;
      }
      for (String name : outcome.committed()) {
        ShardEndpoints s = runtime.shard(name);
        if (s != null && written.get(s.index)) {
          session.decisionOf(s).writeCommitted(session.routeContext()); // read-your-writes on that shard from now on
        }
      }
      PgError error = null;
      if (outcome.error() != null) {
        PgError e = outcome.error();
        error = PgError.error(e.sqlState(), "Junction: commit failed on shard " + outcome.failedShard()
            + " (" + e.message() + ")" + (outcome.committed().isEmpty() ? "" : "; it already committed on "
            + outcome.committed() + " (multi-shard transactions are not atomic)") + (outcome.rolledBack().isEmpty() ? ""
            : "; rolled back on " + outcome.rolledBack()));
      }
      if (atSync) {
        for (int i = 0; i < u.count; i++) {
          session.pendingMessages().poll();
        }
        if (error != null) {
          new BackendMessage.ErrorResponse(error).writeTo(session.localOut());
        }
        RelaySession.readyMessage('I').writeTo(session.localOut());
        session.flushClient();
      } else if (error != null) {
        answerLocally(u, null, error, 'I');
      } else {
        answerLocally(u, commit ? "COMMIT" : "ROLLBACK", 'I');
      }
      session.resume();
    });
  }

  /** A refusal that leaves the transaction as it was (reject mode: the statement did not run anywhere). */
  private void refuseKeepingTransaction(RelaySession.Unit u, SQLException e) {
    if (u.parts != null && u.parts.txSettings != null) {
      refuse(u, e); // its settings may already run on the other shards: the transaction cannot go on exactly
      return;
    }
    ArrayDeque<FrontendMessage> pending = session.pendingMessages();
    FrontendMessage last = null;
    for (int i = 0; i < u.count; i++) {
      last = pending.poll();
    }
    boolean ends = last instanceof FrontendMessage.Query || (last instanceof FrontendMessage.Sync && last != SPLIT);
    if (!ends) {
      skipToSync = true;
    }
    new BackendMessage.ErrorResponse(PgError.error(e.getSQLState() == null ? "0A000" : e.getSQLState(), e.getMessage()))
        .writeTo(session.localOut());
    if (ends) {
      RelaySession.readyMessage(session.localStatus()).writeTo(session.localOut());
    }
    session.flushClient();
  }

  /** A transaction holds backends parked here (with or without one attached to the session). */
  boolean holdsParkedBackends() {
    return tx.spread();
  }

  /** The client left: every backend of its transaction is rolled back before it returns to its pool. */
  void sessionClosed() {
    for (BackendConnection b : tx.takeAll()) {
      session.abandonBackend(b);
    }
  }

  /** A unit could not get a backend (pool timeout): inside a transaction, the transaction has failed. */
  char failedWithoutBackend() {
    if (tx.spread() || tx.failed) {
      tx.failed = true;
    }
    if (deferredBegin != null) {
      deferredFailed = true;
    }
    return virtualStatus();
  }

  /**
   * Whether the proxy can answer this one-statement unit itself: a simple Query, or Parse/Bind/Describe/
   * Execute/Close ending with Sync (what psql, pgjdbc, pgbench and node-postgres send for BEGIN/COMMIT).
   */
  private boolean answerable(RelaySession.Unit u) {
    if (u.statementCount != 1 || u.onlySql == null || TransactionStatement.parse(u.onlySql) == null) {
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

  /** PostgreSQL's command tag for the unit's BEGIN or START TRANSACTION. */
  private static String beginTag(RelaySession.Unit u) {
    return u.onlySql.strip().regionMatches(true, 0, "START", 0, 5) ? "START TRANSACTION" : "BEGIN";
  }

  /** Answers a BEGIN/COMMIT/ROLLBACK unit as PostgreSQL would, without a backend. */
  private void answerLocally(RelaySession.Unit u, String tag, char status) {
    answerLocally(u, tag, null, null, status);
  }

  private void answerLocally(RelaySession.Unit u, String tag, PgError error, char status) {
    answerLocally(u, tag, null, error, status);
  }

  /** As above; with {@code error}, the statement's answer is that error (and what follows it up to Sync is skipped). */
  private void answerLocally(RelaySession.Unit u, String tag, PgError notice, PgError error, char status) {
    ByteBuf out = session.localOut();
    boolean skipping = false;
    for (int i = 0; i < u.count; i++) {
      FrontendMessage m = session.pendingMessages().poll();
      if (skipping) {
        continue;
      }
      if (error != null && (m instanceof FrontendMessage.Execute || m instanceof FrontendMessage.Query)) {
        new BackendMessage.ErrorResponse(error).writeTo(out);
        skipping = true;
      } else if (m instanceof FrontendMessage.Parse p) {
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
        if (notice != null) {
          new BackendMessage.NoticeResponse(notice).writeTo(out);
        }
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
    if (tx.spread() || tx.failed) {
      return tx.failed ? 'E' : 'T';
    }
    return deferredBegin == null ? 'I' : deferredFailed ? 'E' : 'T';
  }

  /**
   * Before a unit goes to {@code b}: the ring version a resharding needs, and a BEGIN answered earlier
   * (for a shard joining the transaction: with the transaction's settings so far). Notes the unit's
   * transaction settings for the shards that join later.
   *
   * <p>The BEGIN runs before the unit is sent, not pipelined ahead of it: if the server refuses it (a
   * hot standby refuses SERIALIZABLE, a setting of the session makes it fail, ...), the unit must not run,
   * or it would commit on its own while the client was told its transaction had begun, and the client's
   * ROLLBACK could not undo it. Then the unit is answered with the server's error and the transaction has
   * failed (25P02 until ROLLBACK; COMMIT answers ROLLBACK). This costs one round trip per transaction
   * that starts with a BEGIN the proxy answered, and per shard that joins one.
   *
   * @return true when the BEGIN was sent and the unit waits for it (sent again from the pump, or refused)
   */
  boolean beforeSend(RelaySession.Unit u, BackendConnection b) {
    boolean inTx = b.status != 'I' || deferredBegin != null && u.statements || u.parts != null && u.parts.begin != null;
    if (b.status == 'I') {
      declareRingVersion(b, u.parts != null && u.parts.state != null ? u.parts.state : txState);
      if (deferredBegin != null && u.statements) {
        String text = deferredBegin;
        boolean joining = tx.spread();
        deferredBegin = null;
        session.setWaiting(true);
        b.internal(new InternalQuery(tx.joinSql(text)) {
          @Override
          void done(BackendConnection backend, char status) {
            session.setWaiting(false);
            if (session.isClosed()) {
              release();
              return;
            }
            if (status == 'I') { // the BEGIN itself was refused: nothing of the unit ran, and it must not run alone
              session.detachBackend();
              if (joining) {
                tx.failed = true;
              } else {
                deferredBegin = text;
              }
              String state = errorSqlState == null ? "XX000" : errorSqlState;
              refuse(u, new SQLException("Junction: shard " + backend.endpoint.group.name + " refused this transaction's "
                  + text + ": " + (error == null ? "no transaction was opened" : error) + "; the transaction has failed,"
                  + " roll it back", state));
            } else if (failed()) { // a setting this shard refuses: the unit gets 25P02 from it
              tx.failed |= !tx.settings.isEmpty();
              new BackendMessage.NoticeResponse(PgError.of(PgError.Severity.WARNING, errorSqlState == null ? "XX000"
                  : errorSqlState, "Junction: shard " + backend.endpoint.group.name + " could not join the transaction: "
                  + error)).writeTo(session.localOut());
              session.flushClient();
            }
            release();
            session.resume();
          }
        });
        return true;
      }
    }
    settingsApplied = null;
    if (inTx && u.parts != null) {
      if (u.parts.txSettings != null) {
        tx.settings.addAll(u.parts.txSettings);
      }
      tx.settingsUnknown |= u.parts.rollbackTo && !tx.settings.isEmpty();
    }
    return false;
  }

  /**
   * A unit after a Flush, with the pipeline's implicit transaction open on the attached backend: it goes
   * there (PostgreSQL would run it in that transaction), or, for another shard or several, it is refused
   * and that backend closed, which rolls the implicit transaction back as the error would have in
   * PostgreSQL; never sent elsewhere while the backend is given back with the transaction open.
   */
  private int unsyncedStep(RelaySession.Unit u, BackendConnection a) {
    if (u.refusal == null && !u.multi && (u.shard < 0 || u.shard == a.endpoint.group.index)) {
      return PROCEED;
    }
    SQLException refusal = u.refusal != null ? u.refusal : JunctionSqlState.refusal("Junction: after a Flush, the"
        + " statements up to the next Sync run in one implicit transaction on shard " + a.endpoint.group.name + ", and this"
        + " one needs " + (u.multi ? "several shards" : "shard " + runtime.shards[u.shard].name) + "; send Sync (or"
        + " use an explicit transaction) before statements for other shards. The statements since the last Sync were"
        + " rolled back");
    if (session.isPinned()) {
      session.fatalError(PgError.fatal(refusal.getSQLState(), refusal.getMessage()));
      return DONE;
    }
    if (a.status != 'I') {
      tx.failed = true; // an explicit transaction was open on it: gone with the connection
    }
    session.detachBackend(); // closes it (unsynced, see RelaySession#detach)
    refuse(u, refusal);
    return DONE;
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
      if (pending.peek() == IMPLICIT_END) {
        skipToSync = false; // the implicit transaction ends there, rolled back
        tx.failed = true;
        return;
      }
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
    FrontendMessage last = session.dropUnit(u);
    PgError refusal = PgError.error(e.getSQLState() == null ? "0A000" : e.getSQLState(), e.getMessage());
    BackendConnection a = session.attachedBackend();
    if (tx.spread() || a == null && tx.failed) {
      tx.failed = true; // an error anywhere fails the transaction on every shard
    }
    if (a != null && a.status == 'T') {
      session.setWaiting(true);
      a.internal(new InternalQuery(FAIL_TRANSACTION) {
        @Override
        void done(BackendConnection backend, char status) {
          session.setWaiting(false);
          new BackendMessage.ErrorResponse(refusal).writeTo(session.localOut());
          session.endRefusedUnit(last, status);
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
    session.endRefusedUnit(last, session.localStatus());
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
    /** Inside a transaction: each leg runs on the transaction's backend of its shard (joining it if need be). */
    final boolean inTx;
    final boolean simple;
    final List<Leg> legs = new ArrayList<>();
    final IdentityHashMap<Object, byte[]> raw = new IdentityHashMap<>();
    final long limit;
    long buffered;
    boolean overflow;
    int remaining;
    BoundScatterPlan plan;
    List<Format> resultFormats = List.of();

    MultiRun(RelaySession.Unit u, boolean inTx) {
      this.unit = u;
      this.inTx = inTx;
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
      if (inTx) {
        deferredBegin = null; // every leg's shard gets the transaction's BEGIN when it joins
        for (Leg leg : legs) {
          leg.endpoint = leg.shard.primary;
          leg.backend = tx.unpark(leg.shard);
          if (leg.backend != null) {
            leg.endpoint = leg.backend.endpoint;
          }
        }
        join(ringOrder(legs), 0);
        return;
      }
      for (Leg leg : legs) {
        leg.endpoint = read ? readEndpoint(leg.shard) : leg.shard.primary;
        acquire(leg);
      }
    }

    private List<Leg> ringOrder(List<Leg> in) {
      List<Leg> out = new ArrayList<>(in);
      List<String> ring = parts.state.shardNames();
      out.sort(java.util.Comparator.comparingInt(l -> ring.indexOf(l.shard.name)));
      return out;
    }

    /**
     * Gives each leg without a backend its shard's primary, one shard after the other in ring order, with
     * the transaction's BEGIN; then sends every leg. A pool that has no free connection within the
     * pool's wait timeout fails the leg (53300), never a hang.
     */
    /** A leg's backend gets the client's session settings and the routed ring version before the leg's statement. */
    private void prepare(Leg leg, BackendConnection b) {
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
    }

    private void join(List<Leg> order, int at) {
      while (at < order.size() && order.get(at).backend != null) {
        at++;
      }
      if (at == order.size()) {
        SQLException late = lateFor(parts.state); // joining waited for pools: the ring may have moved on meanwhile
        for (Leg leg : legs) {
          if (late != null && leg.problem == null) {
            leg.problem = PgError.error(late.getSQLState(), late.getMessage());
          }
          if (leg.problem != null || leg.backend == null) {
            legDone(leg, leg.backend);
          } else {
            leg.send(leg.backend);
          }
        }
        return;
      }
      Leg leg = order.get(at);
      int next = at + 1;
      Endpoint endpoint = leg.shard.primary;
      endpoint.partitions[session.loopIndex()].acquire(new Pool.Callback() {
        @Override
        public void acquired(BackendConnection b) {
          b.session = null;
          leg.backend = b;
          if (session.isClosed()) {
            join(order, next);
            return;
          }
          runtime.routed(leg.shard, RouteReason.PRIMARY_TRANSACTION);
          prepare(leg, b);
          b.internal(new InternalQuery(tx.joinSql(tx.begin)) {
            @Override
            void done(BackendConnection backend, char status) {
              if (failed() && leg.problem == null) {
                leg.problem = PgError.error(errorSqlState == null ? "XX000" : errorSqlState, error);
              }
              release();
              join(order, next);
            }
          });
        }

        @Override
        public void failed(PgError error) {
          leg.problem = error;
          join(order, next);
        }
      });
    }

    /** A read leg's endpoint: the shard's decision places it without steps (see {@link dev.junction.route.RouteSession#placeLeg}). */
    private Endpoint readEndpoint(ShardEndpoints shard) {
      EndpointState target = session.decisionOf(shard).placeLeg(session.routeContext()).target();
      return target == shard.primary.state ? shard.primary : shard.endpointOf(target);
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
          prepare(leg, b);
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
      if (inTx) {
        BackendConnection held = b != null ? b : leg.backend;
        leg.backend = null;
        if (held != null) {
          if (session.isClosed()) {
            session.abandonBackend(held);
          } else if (held.phase == BackendConnection.Phase.READY) {
            tx.park(held); // its transaction goes on; a failed one fails the whole transaction (below)
          } else {
            tx.failed = true; // that shard's part of the transaction is gone with its connection
          }
        }
      } else if (b != null) {
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
          if (!read && !inTx) {
            session.decisionOf(leg.shard).writeCommitted(session.routeContext()); // read-your-writes on that shard from now on
          }
        } else if (failed == null) {
          failed = leg;
        }
      }
      if (failed != null) {
        if (inTx) {
          tx.failed = true;
        }
        String msg = "Junction: on shard " + failed.shard.name + ": " + failed.problem.message()
            + (!read && !inTx && !applied.isEmpty() ? "; the statement was applied on shard(s) " + applied
            + " (statements spanning shards are not atomic)" : "");
        writeError(PgError.error(failed.problem.sqlState(), msg));
        return;
      }
      if (overflow) {
        if (inTx) {
          tx.failed = true;
        }
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
        tx.failed |= inTx;
        writeError(PgError.error(e.getSQLState() == null ? "XX000" : e.getSQLState(), e.getMessage()));
      } catch (RuntimeException e) {
        tx.failed |= inTx;
        SQLException cause = e.getCause() instanceof SQLException s ? s : null;
        writeError(PgError.error(cause != null && cause.getSQLState() != null ? cause.getSQLState() : "0A000",
            cause != null ? cause.getMessage() : "Junction: the merge failed: " + e.getMessage()));
      }
    }

    private void writeError(PgError error) {
      ByteBuf out = session.localOut();
      new BackendMessage.ErrorResponse(error).writeTo(out);
      RelaySession.readyMessage(status()).writeTo(out);
    }

    /** ReadyForQuery after this statement: in a transaction, failed or not; else idle. */
    private char status() {
      return !inTx ? 'I' : tx.failed ? 'E' : 'T';
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
      if (value instanceof SqlTime t) {
        value = CODEC.decodeText((String) t.value(), f.typeOid()); // a time: the LocalTime the binary encoder takes
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
      RelaySession.readyMessage(status()).writeTo(buf);
    }

    private void fail(SQLException e) {
      tx.failed |= inTx;
      new BackendMessage.ErrorResponse(PgError.error(e.getSQLState() == null ? "0A000" : e.getSQLState(), e.getMessage()))
          .writeTo(session.localOut());
      RelaySession.readyMessage(status()).writeTo(session.localOut());
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

  /** PostgreSQL's {@code time} and {@code timetz}: merged as the library merges them ({@link SqlTime}). */
  static final int TIME_OID = 1083;
  static final int TIMETZ_OID = 1266;

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
      if (oid == TIME_OID || oid == TIMETZ_OID) {
        return SqlTime.of(text, text, oid == TIMETZ_OID); // timetz: time and zone; time: microseconds and 24:00
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
