package dev.junction.proxy.relay;

import dev.junction.proxy.protocol.PgError;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The connections of one endpoint that live on one event loop, with a FIFO wait queue.
 *
 * <p>Design notes: a partition per event loop keeps a client session and its backend on the same
 * thread, so relaying needs no locks and no thread hand-off (the approach of thread-per-core
 * servers). The endpoint's {@code maximum-size} is split between the partitions. A waiter gets the
 * next connection released on its loop, or a clear 53300 error after {@code query-wait-timeout};
 * while the endpoint's circuit is open an acquisition fails at once with 08001. Everything here runs
 * on {@link #loop}.
 *
 * <p>Accounting. Per partition: {@code total} counts the connections open or opening here, of which
 * {@code connecting} are not lendable yet (login, or a replica's position sample), the idle ones are
 * in {@link #idle}, and the rest are lent ("in use"). {@link Endpoint#size} is the sum of
 * {@code total} over the partitions: {@link Endpoint#reserve} before a connect, {@link Endpoint#freed}
 * once per connection that ends, whichever way it ends.
 *
 * <p>Wake-ups between loops. A waiter is <em>unserved</em> when no connection opening on its own
 * partition will reach it ({@link #unserved()}). The endpoint's capacity can free on any loop, so a
 * partition with unserved waiters must never be left without a wake-up. The rules, each a write of
 * this partition's published counts followed by a read of another partition's (so that of two
 * loops racing, at least one sees the other):
 * <ul>
 *   <li>a partition publishes its waiters before it tries {@link Endpoint#reserve}; when the endpoint
 *       is full it asks a partition with an idle connection to shed it ({@link Endpoint#rebalance}),
 *       on a new acquisition <em>and</em> when woken ({@link #serveWaiters});</li>
 *   <li>a released connection is published as idle before the partition checks for unserved
 *       waiters elsewhere; if the endpoint is full and some exist where the partition holds less than
 *       its share ({@link Endpoint#owes}), it closes it to hand the slot over;</li>
 *   <li>a connection that ends wakes <em>every</em> partition with unserved waiters, not just the first
 *       one that reports waiting: that one may have its waiters covered by its own connect, or have
 *       served them meanwhile, and the slot would be lost for the others.</li>
 * </ul>
 * Before these rules a client could wait the whole {@code query-wait-timeout} while the endpoint
 * had a free slot or an idle connection on another loop ("0 in use"; see PoolWakeupTest).
 *
 * <p>Shares. Each partition may keep {@link Endpoint#quota} connections while others wait; capacity
 * moves only towards a partition below its share (or one holding nothing), or away from a connection
 * idle for {@link Endpoint#SHED_IDLE_NANOS}, re-checked every {@link #REBALANCE_MILLIS} while clients
 * wait. Moving capacity to any waiting partition made a saturated endpoint ping-pong its connections
 * between loops, a server login each time (PoolShareIT).
 */
final class Pool {
  interface Callback {
    void acquired(BackendConnection backend);

    void failed(PgError error);
  }

  private static final class Waiter {
    final Callback callback;
    /** When it gets 53300 ({@link System#nanoTime()}), or {@link #NO_DEADLINE} (queued while paused). */
    final long deadline;

    Waiter(Callback callback, long deadline) {
      this.callback = callback;
      this.deadline = deadline;
    }
  }

  private static final long NO_DEADLINE = Long.MAX_VALUE;

  final Endpoint endpoint;
  final EventLoop loop;
  private final RelayRuntime runtime;
  final int index;
  private final ArrayDeque<BackendConnection> idle = new ArrayDeque<>();
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
  private final List<BackendConnection> all = new java.util.concurrent.CopyOnWriteArrayList<>();
  private int total;
  private int connecting;
  volatile int activeCount;
  volatile int idleCountValue;
  volatile int waitingCount;
  volatile int connectingCount;
  /** Waiters that no connection opening here will serve; other partitions read it to decide on wake-ups. */
  volatile int unservedCount;
  /** Connections open or opening in this partition ({@code total}), readable from other loops. */
  volatile int ownedCount;
  /** Re-checks, while clients wait on a full endpoint, for capacity another partition can give up. */
  private ScheduledFuture<?> rebalanceTimer;
  /**
   * One timer for the waiters' deadlines, set for the earliest: WHY not one per waiter: on a saturated
   * pool nearly every acquisition waits, and a scheduled task per wait (created, queued in the loop's
   * timer heap, cancelled and removed when the waiter is served a moment later) was paid per transaction.
   */
  private ScheduledFuture<?> expiryTimer;

  Pool(Endpoint endpoint, RelayRuntime runtime, EventLoop loop, int index) {
    this.endpoint = endpoint;
    this.runtime = runtime;
    this.loop = loop;
    this.index = index;
  }

  int active() {
    return activeCount;
  }

  int idleCount() {
    return idleCountValue;
  }

  int waiting() {
    return waitingCount;
  }

  int connecting() {
    return connectingCount;
  }

  /** Waiters minus connections opening here: how many need capacity from elsewhere (see the class notes). */
  int unserved() {
    return unservedCount;
  }

  /** Connections open or opening here: compared with {@link Endpoint#quota} to decide who gives capacity up. */
  int owned() {
    return ownedCount;
  }

  List<BackendConnection> connections() {
    return all;
  }

  /** Lends a connection to {@code callback} (on this loop), now or once one is free. */
  void acquire(Callback callback) {
    if (!endpoint.state.circuitClosed()) {
      callback.failed(unavailable());
      return;
    }
    if (!runtime.paused) {
      BackendConnection b;
      while ((b = idle.pollLast()) != null) {
        if (b.phase == BackendConnection.Phase.READY && b.idle() && !expired(b)) {
          lend(b, callback);
          return;
        }
        discard(b);
      }
    }
    Waiter w = new Waiter(callback, runtime.paused ? NO_DEADLINE : System.nanoTime() + runtime.queryWaitTimeout.toNanos());
    waiters.add(w);
    if (w.deadline != NO_DEADLINE && expiryTimer == null) {
      armExpiry(w.deadline); // an armed timer is due no later: waiters queue in deadline order, but for paused ones
    }
    serveWaiters(); // the idle ones were tried above: this opens one, or asks another loop for capacity
  }

  private void armExpiry(long deadline) {
    expiryTimer = loop.schedule(this::expireWaiters, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  /** Fails the waiters whose deadline passed with 53300, then sets the timer for the earliest left. */
  private void expireWaiters() {
    expiryTimer = null;
    long now = System.nanoTime();
    List<Waiter> expired = null;
    long next = NO_DEADLINE;
    for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
      Waiter w = it.next();
      if (w.deadline - now <= 0) {
        it.remove();
        if (expired == null) {
          expired = new ArrayList<>();
        }
        expired.add(w);
      } else if (w.deadline != NO_DEADLINE && w.deadline < next) {
        next = w.deadline;
      }
    }
    if (next != NO_DEADLINE && !runtime.closing) {
      armExpiry(next);
    }
    if (expired == null) {
      return;
    }
    long millis = runtime.queryWaitTimeout.toMillis();
    for (Waiter w : expired) {
      counts();
      w.callback.failed(PgError.error("53300", "Junction: no connection to " + endpoint + " became free within "
          + millis + " ms (" + endpoint.describe() + "); raise the endpoint's pool.maximum-size or"
          + " junction.proxy.query-wait-timeout, or lower the concurrency"));
    }
  }

  /**
   * An idle connection lent at once to a caller on {@link #loop}, or null when none is (the caller
   * then goes through {@link #acquire}). WHY: {@link #acquire} hands even an idle connection over
   * through a task on the loop, so that a callback never runs inside the code that released the
   * connection; a session that borrows for itself, from its own code, needs no such distance, and
   * the task (a queued Runnable, and the relay of the unit deferred until after every other ready
   * socket of the loop) was paid on every pooled transaction. Only when nobody waits here, so this
   * never overtakes a waiter.
   */
  BackendConnection lendNow() {
    if (runtime.paused || !waiters.isEmpty() || !endpoint.state.circuitClosed()) {
      return null;
    }
    BackendConnection b;
    while ((b = idle.pollLast()) != null) {
      if (b.phase == BackendConnection.Phase.READY && b.idle() && !expired(b)) {
        b.useCount++;
        counts();
        return b;
      }
      discard(b);
    }
    return null;
  }

  /** True when a connection is idle here or one more may be opened: a borrower would not wait. */
  boolean available() {
    return !idle.isEmpty() || endpoint.size.get() < endpoint.maxSize;
  }

  /**
   * While clients wait here on a full endpoint, looks again every {@link #REBALANCE_MILLIS}: a
   * connection of another partition may have gone idle long enough to be shed for us (see
   * {@link Endpoint#rebalance}), or a slot may have been freed.
   */
  private void watchForCapacity() {
    if (rebalanceTimer != null) {
      return;
    }
    rebalanceTimer = loop.scheduleWithFixedDelay(() -> {
      if (waiters.isEmpty() || runtime.closing) {
        rebalanceTimer.cancel(false);
        rebalanceTimer = null;
        return;
      }
      serveWaiters(); // opens one if a slot is free, else asks another loop (Endpoint#rebalance)
    }, REBALANCE_MILLIS, REBALANCE_MILLIS, TimeUnit.MILLISECONDS);
  }

  private static final long REBALANCE_MILLIS = 100;

  /**
   * Closes the least recently used idle connection, if it has been idle at least {@code minIdleNanos},
   * so that another partition can open one (see {@link Endpoint#rebalance}).
   */
  void shedOne(long minIdleNanos) {
    if (waiters.isEmpty()) {
      BackendConnection b = idle.peekFirst();
      if (b != null && System.nanoTime() - b.idleSinceNanos >= minIdleNanos) {
        idle.pollFirst();
        b.close();
      }
    }
    counts();
  }

  /** Takes a connection back; it must be idle outside a transaction (the caller checked). */
  void release(BackendConnection b) {
    b.session = null;
    if (b.phase != BackendConnection.Phase.READY || !b.idle() || b.status != 'I') {
      discard(b);
      return;
    }
    if (b.cancelsInFlight > 0) {
      b.releaseAfterCancel = true; // a cancel may still hit it: it serves no one until the server answered
      counts();
      return;
    }
    if (expired(b) || endpoint.size.get() > endpoint.maxSize) {
      discard(b);
      serveWaiters();
      return;
    }
    if (endpoint.owes(this)) {
      // A partition below its share has clients waiting on another event loop: give the capacity
      // over (close here, the waiting partition opens one on its own loop), even before our own
      // waiters, or a partition above its share that always has waiters would never give back.
      discard(b);
      return;
    }
    if (!runtime.paused) {
      Waiter w = waiters.poll();
      if (w != null) {
        lend(b, w.callback);
        return;
      }
    }
    b.idleSinceNanos = System.nanoTime();
    idle.addLast(b);
    counts(); // idle is published before the check below (see the class notes), so a racing waiter sees one of the two
    if (endpoint.owes(this)) {
      discard(b);
    }
  }

  private void lend(BackendConnection b, Callback callback) {
    b.useCount++;
    counts();
    loop.execute(() -> {
      if (b.phase != BackendConnection.Phase.READY) {
        acquire(callback); // it died in between: try again
      } else {
        callback.acquired(b);
      }
    });
  }

  /** Called when a cancel sent for {@code b} finished. */
  void cancelFinished(BackendConnection b) {
    b.cancelsInFlight--;
    if (b.cancelsInFlight == 0 && b.releaseAfterCancel) {
      b.releaseAfterCancel = false;
      release(b);
    }
  }

  /**
   * Gives waiters the idle connections, opens connections for the waiters no opening one covers, and
   * when the endpoint is full asks another partition to shed an idle one. Runs after a new waiter,
   * when capacity freed anywhere ({@link Endpoint#freed}), after {@code RESUME} and after a size change.
   */
  void serveWaiters() {
    counts(); // the waiters are published before reserve() reads the endpoint's size (see the class notes)
    while (!waiters.isEmpty() && !runtime.paused) {
      BackendConnection b = idle.pollLast();
      if (b != null) {
        Waiter w = waiters.poll();
        lend(b, w.callback);
        continue;
      }
      if (connecting < waiters.size()) {
        if (endpoint.reserve()) {
          connect();
          continue;
        }
        // Full. Woken for a slot another partition took first, the capacity may sit idle elsewhere:
        // without this a waiter could wait out its timeout beside an idle connection on another loop.
        endpoint.rebalance(this);
        watchForCapacity();
      }
      break;
    }
    counts();
  }

  private boolean expired(BackendConnection b) {
    return System.nanoTime() - b.createdNanos > endpoint.maxLifetime.toNanos();
  }

  private void connect() {
    total++;
    connecting++;
    BackendConnection b = new BackendConnection(endpoint, this, runtime.maxPreparedStatements, this::connected);
    new Bootstrap().group(loop).channel(NettyTransport.socketChannel(loop))
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, endpoint.connectTimeout.toMillis()))
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast("decoder", new BackendDecoder(runtime.maxBackendMessage, b)).addLast("backend", b);
          }
        })
        .connect(endpoint.host, endpoint.port).addListener(f -> {
          if (!f.isSuccess()) {
            connected(b, "cannot connect to " + endpoint.host + ":" + endpoint.port + ": " + f.cause().getMessage());
          } else {
            b.channel = ((io.netty.channel.ChannelFuture) f).channel();
            loop.schedule(() -> {
              if (b.phase != BackendConnection.Phase.READY && b.phase != BackendConnection.Phase.CLOSED) {
                endpoint.log.info("login to {} timed out", endpoint);
                b.abandonLogin("the login did not finish within " + endpoint.connectTimeout.toMillis()
                    + " ms (pool.connection-timeout)");
              }
            }, endpoint.connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
          }
        });
    counts();
  }

  private void connected(BackendConnection b, String error) {
    if (error != null) {
      connecting--;
      connectFailed(error);
      return;
    }
    if (!endpoint.isPrimary()) {
      sampleThenAdd(b);
      return;
    }
    connecting--;
    add(b);
  }

  private void connectFailed(String error) {
    total--;
    endpoint.freed(this);
    endpoint.state.recordFailure(error, endpoint.circuitOpenMillis, 30_000);
    endpoint.log.warn("backend {}: {}", endpoint, error);
    PgError e = PgError.error("08001", "Junction: " + (endpoint.isPrimary() ? "primary " : "replica ") + endpoint
        + " is unavailable: " + error);
    List<Waiter> failed = new ArrayList<>(waiters);
    waiters.clear();
    for (Waiter w : failed) {
      w.callback.failed(e);
    }
    counts();
  }

  private void add(BackendConnection b) {
    all.add(b);
    endpoint.state.recordSuccess();
    runtime.rememberServerParameters(b.parameters);
    release(b);
  }

  /**
   * Issue #16 §2 through the relay: a new connection to a replica first samples the server's
   * replayed position and start time into the shared {@link dev.junction.health.EndpointState}
   * before anyone may use it. WHY: a standby that restarted between two lag-monitor polls accepts
   * connections while still replaying, far behind the position cached before the restart; the
   * relay replaces broken backends silently, so without the sample a fenced read could run on the
   * new incarnation while the cache still vouched for the old one. A sample from another start
   * time, or behind the cache, replaces the cache, and {@link RelaySession} checks the fence again
   * on the connection it got. One query per new backend, none per statement (as the library's
   * {@code SampleOnConnect}).
   */
  private void sampleThenAdd(BackendConnection b) {
    long generation = endpoint.state.generation();
    b.sampling = true;
    b.internal(new InternalQuery(SAMPLE_SQL) {
      @Override
      void done(BackendConnection backend, char status) {
        if (!backend.sampling) {
          return; // closed meanwhile: closed() accounted for it
        }
        backend.sampling = false;
        connecting--;
        Sample sample = failed() ? null : Sample.parse(firstValue);
        if (sample == null) {
          String why = failed() ? error : "unexpected answer " + firstValue;
          endpoint.state.forgetPosition();
          endpoint.log.warn("backend {}: position sample failed: {}", endpoint, why);
          backend.close(); // closed() frees its slot and serves the waiters
          return;
        }
        endpoint.state.observeSample(generation, sample.startedAtMillis, sample.replayed);
        add(backend);
      }
    });
  }

  /** Replayed LSN (or '-' when the server is not replaying: never a safe replica) and start time in ms. */
  static final String SAMPLE_SQL = "SELECT CASE WHEN pg_is_in_recovery() THEN coalesce(pg_last_wal_replay_lsn()::text, '-')"
      + " ELSE '-' END || ' ' || (EXTRACT(EPOCH FROM pg_postmaster_start_time()) * 1000)::bigint";

  /** A parsed {@link #SAMPLE_SQL} answer; {@code replayed} null means "covers no fence". */
  record Sample(dev.junction.position.ReplicationPosition replayed, long startedAtMillis) {
    static Sample parse(String text) {
      if (text == null) {
        return null;
      }
      int space = text.indexOf(' ');
      if (space < 0) {
        return null;
      }
      try {
        String lsn = text.substring(0, space);
        long started = Long.parseLong(text.substring(space + 1));
        return new Sample(lsn.equals("-") ? null : dev.junction.position.PgLsn.parse(lsn), started);
      } catch (RuntimeException e) {
        return null;
      }
    }
  }

  /** Closes a connection that must not be reused. */
  void discard(BackendConnection b) {
    idle.remove(b);
    b.session = null;
    b.close();
    counts();
  }

  /** The channel of {@code b} closed (or its login failed after connecting). */
  void closed(BackendConnection b, boolean wasReady) {
    if (b.sampling) {
      // closed while sampling its position (see sampleThenAdd): a failed connect
      b.sampling = false;
      connecting--;
      total--;
      endpoint.freed(this);
      idle.remove(b);
      endpoint.state.forgetPosition();
      counts();
      if (!waiters.isEmpty() && !runtime.closing) {
        loop.execute(this::serveWaiters);
      }
      return;
    }
    if (all.remove(b) || wasReady) {
      total--;
      endpoint.freed(this);
    }
    idle.remove(b);
    counts();
    if (!waiters.isEmpty() && !runtime.closing) {
      loop.execute(this::serveWaiters);
    }
  }

  /** Closes idle connections past their idle timeout or lifetime. */
  void reap() {
    long now = System.nanoTime();
    Iterator<BackendConnection> it = idle.iterator();
    while (it.hasNext()) {
      BackendConnection b = it.next();
      if (now - b.idleSinceNanos > endpoint.idleTimeout.toNanos() || expired(b)) {
        it.remove();
        b.close();
      }
    }
    counts();
  }

  void closeAll() {
    for (BackendConnection b : new ArrayList<>(all)) {
      b.close();
    }
    if (expiryTimer != null) {
      expiryTimer.cancel(false);
      expiryTimer = null;
    }
    waiters.clear();
  }

  /**
   * Publishes this partition's counts for the other loops and the admin console. Ordered stores and one
   * full fence after them instead of six volatile stores (each a full fence on x86; this runs several
   * times per pooled transaction): the class notes' rule, a write of these counts followed by a read of
   * another partition's, needs the stores to be visible before the next load, which the fence gives.
   * Readers keep reading the fields as volatile.
   */
  private void counts() {
    int idleNow = idle.size();
    int waitingNow = waiters.size();
    IDLE.setRelease(this, idleNow);
    ACTIVE.setRelease(this, Math.max(0, total - idleNow - connecting));
    CONNECTING.setRelease(this, connecting);
    OWNED.setRelease(this, total);
    WAITING.setRelease(this, waitingNow);
    UNSERVED.setRelease(this, Math.max(0, waitingNow - connecting));
    VarHandle.fullFence();
  }

  private static final VarHandle IDLE;
  private static final VarHandle ACTIVE;
  private static final VarHandle CONNECTING;
  private static final VarHandle OWNED;
  private static final VarHandle WAITING;
  private static final VarHandle UNSERVED;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      IDLE = l.findVarHandle(Pool.class, "idleCountValue", int.class);
      ACTIVE = l.findVarHandle(Pool.class, "activeCount", int.class);
      CONNECTING = l.findVarHandle(Pool.class, "connectingCount", int.class);
      OWNED = l.findVarHandle(Pool.class, "ownedCount", int.class);
      WAITING = l.findVarHandle(Pool.class, "waitingCount", int.class);
      UNSERVED = l.findVarHandle(Pool.class, "unservedCount", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private PgError unavailable() {
    return PgError.error("08001", "Junction: " + (endpoint.isPrimary() ? "primary " : "replica ") + endpoint
        + " is unavailable (" + endpoint.state.consecutiveFailures() + " consecutive failures; last: "
        + endpoint.state.lastError() + "). Junction retries it in the background.");
  }
}
