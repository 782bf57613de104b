package dev.junction.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.health.EndpointState;
import dev.junction.proxy.protocol.PgError;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.nio.NioEventLoopGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every client waiting for a backend is served once capacity frees, on whichever event loop it
 * frees: the relay pool of one endpoint is split into one partition per event loop, and the
 * endpoint's {@code maximum-size} is shared, so a connection released or closed on one loop must
 * reach a waiter on another.
 *
 * <p>The first two tests replay, step by step, the two lost wake-ups behind RelayIT's intermittent
 * "no connection to main/primary became free within 120000 ms (pool size 3, 0 in use, 0 waiting)":
 * a slot freed for one partition while that partition's own connect was already under way, and a
 * woken partition that found the endpoint full again while the capacity sat idle on another loop.
 * The third drives many clients over six loops with backends that die now and then, and checks
 * that no one times out and that the accounting settles back to what is really open.
 *
 * <p>The backend is {@link FakeBackend} (login, then nothing): pool accounting needs no SQL, and a
 * login held at the server makes "a connection still opening" last as long as a step needs.
 */
class PoolWakeupTest {
  private FakeBackend server;
  private NioEventLoopGroup group;
  private RelayRuntime runtime;
  private Endpoint primary;

  private void start(int loops, int maxSize, Duration queryWait) throws Exception {
    server = new FakeBackend();
    group = new NioEventLoopGroup(loops);
    JunctionConfig.Pool pool = new JunctionConfig.Pool(maxSize, 0, Duration.ofSeconds(10), Duration.ofMinutes(10),
        Duration.ofMinutes(30), Duration.ofSeconds(1));
    JunctionConfig.Endpoint endpoint = new JunctionConfig.Endpoint("primary",
        "jdbc:postgresql://127.0.0.1:" + server.port() + "/app", "app", "", 1, pool);
    JunctionConfig config = new JunctionConfig(Dialect.POSTGRESQL, List.of(new JunctionConfig.Shard("main", endpoint, List.of())),
        JunctionConfig.Routing.defaults(), new JunctionConfig.Fencing(JunctionConfig.FenceStoreKind.LOCAL, Duration.ofSeconds(30),
        1000, null, Duration.ofMillis(200), "junction:fence:", "a-test-secret-of-32-characters!!"));
    runtime = new RelayRuntime(config, List.of(new EndpointState("main", "primary", EndpointState.Role.PRIMARY, 1)),
        sql -> null, group, new SimpleMeterRegistry(), RelayRuntime.PoolMode.TRANSACTION, queryWait, 16);
    primary = runtime.primary;
  }

  @AfterEach
  void stop() throws Exception {
    if (runtime != null) {
      runtime.close();
    }
    if (group != null) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
    if (server != null) {
      server.close();
    }
  }

  /**
   * Partition 1 holds one of two connections, partition 0 opens the other (its login held at the
   * server), and partition 2 waits. Partition 1 releases: the endpoint is full and others wait, so
   * it closes its connection to hand the slot over. The slot must reach partition 2, whose waiter
   * nothing else covers; partition 0 is covered by its own connect. Before the fix the wake-up went
   * to the first partition with anyone waiting (0), which had nothing to do; partition 2 waited for
   * the whole query-wait-timeout while no connection was in use.
   */
  @Test
  void aHandedOverSlotReachesThePartitionWhoseWaiterNothingCovers() throws Exception {
    start(3, 2, Duration.ofSeconds(4));
    BackendConnection held = served(acquire(1), "partition 1's first client");
    server.hold();
    CompletableFuture<BackendConnection> opening = acquire(0);
    await("partition 0's connect reached the server", () -> server.accepted.get() == 2);
    CompletableFuture<BackendConnection> waiting = acquire(2);

    release(held);
    await("the handed-over connection closed", () -> onLoop(held, () -> held.phase == BackendConnection.Phase.CLOSED));
    Thread.sleep(200); // the wake-ups run
    server.letLoginsThrough();

    release(served(opening, "partition 0's client"));
    release(served(waiting, "partition 2's client"));
    assertSettled(2);
  }

  /**
   * Partition 2 waits while partitions 0 and 1 hold the two connections. Partition 0 hands its slot
   * over (closes its connection) and the wake-up is queued on partition 2's loop, which is busy.
   * Meanwhile partition 1 releases (the endpoint is not full, so it keeps its connection idle) and a
   * new client on partition 0 takes the free slot. When partition 2 runs, the endpoint is full again:
   * it must ask the partition with an idle connection to give it up. Before the fix it just kept
   * waiting, and the idle connection stayed idle until the waiter timed out.
   */
  @Test
  void aWokenPartitionThatFindsTheEndpointFullGetsTheIdleConnectionOfAnother() throws Exception {
    start(3, 2, Duration.ofSeconds(4));
    BackendConnection first = served(acquire(1), "partition 1's client");
    BackendConnection second = served(acquire(0), "partition 0's client");
    CompletableFuture<BackendConnection> waiting = acquire(2);

    CountDownLatch busy = new CountDownLatch(1);
    CountDownLatch blocked = new CountDownLatch(1);
    primary.partitions[2].loop.execute(() -> {
      blocked.countDown();
      try {
        busy.await(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    blocked.await();
    release(second); // partition 2 waits and the endpoint is full: partition 0 closes it for partition 2
    await("the handed-over connection closed", () -> onLoop(second, () -> second.phase == BackendConnection.Phase.CLOSED));
    release(first); // not full now: partition 1 keeps it idle
    BackendConnection third = served(acquire(0), "partition 0's next client"); // takes the free slot
    busy.countDown();

    release(served(waiting, "partition 2's client"));
    release(third);
    assertSettled(2);
  }

  /**
   * Eight clients over six loops share two connections; one backend in eight dies instead of going
   * back (as after pg_terminate_backend), and logins take up to 0.5 ms. Every acquisition must
   * succeed within the wait timeout, and afterwards the endpoint's count must equal the connections
   * really open.
   */
  @Test
  void manyClientsOnEveryLoopAreAllServedWhileBackendsDie() throws Exception {
    int loops = 6;
    int clients = 8;
    int rounds = 400;
    start(loops, 2, Duration.ofSeconds(10));
    server.maxLoginDelayMicros = 500; // connections stay "opening" long enough to meet a hand-over
    ExecutorService threads = Executors.newFixedThreadPool(clients);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int loop = c % loops;
        done.add(threads.submit(() -> {
          ThreadLocalRandom random = ThreadLocalRandom.current();
          for (int i = 0; i < rounds; i++) {
            BackendConnection b = served(acquire(loop), "a client on loop " + loop + ", round " + i);
            if (random.nextInt(4) == 0) {
              Thread.sleep(0, random.nextInt(200_000));
            }
            if (random.nextInt(8) == 0) {
              onLoop(b, () -> {
                b.close(); // the server ended it
                return true;
              });
            } else {
              release(b);
            }
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }
    System.out.println("[PoolWakeupTest] " + clients + " clients x " + rounds + " rounds on " + loops + " loops: "
        + server.accepted.get() + " backend connections opened");
    assertSettled(2);
  }

  /**
   * The wait timeout (53300) counts from each waiter's own acquisition, also with one timer per pool
   * for all waiters: a timer set for a waiter that was served meanwhile must neither fail the next
   * waiter early nor be lost for it.
   */
  @Test
  void eachWaiterTimesOutAtItsOwnDeadline() throws Exception {
    long timeoutMillis = 800;
    start(1, 1, Duration.ofMillis(timeoutMillis));
    BackendConnection held = served(acquire(0), "the first client");
    CompletableFuture<BackendConnection> first = acquire(0);
    Thread.sleep(300);
    long secondQueued = System.nanoTime();
    CompletableFuture<BackendConnection> second = acquire(0);
    release(held); // serves the first waiter, whose deadline the pool's timer was set for
    BackendConnection firstServed = served(first, "the first waiter");

    Thread.sleep(600); // past the first waiter's deadline, before the second's
    assertThat(second).as("the second waiter is still waiting").isNotDone();
    Throwable failure = null;
    try {
      second.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      failure = e.getCause();
    }
    long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - secondQueued);
    assertThat(failure).as("the second waiter timed out").isNotNull();
    assertThat(failure.getMessage()).startsWith("53300").contains("became free within " + timeoutMillis + " ms");
    assertThat(waitedMillis).isGreaterThanOrEqualTo(timeoutMillis - 50);

    release(firstServed);
    release(served(acquire(0), "a client after the timeouts"));
    assertSettled(1);
  }

  // ------------------------------------------------------------------ helpers

  /** Starts an acquisition on partition {@code loop}, as a session on that loop does. */
  private CompletableFuture<BackendConnection> acquire(int loop) throws Exception {
    CompletableFuture<BackendConnection> f = new CompletableFuture<>();
    Pool p = primary.partitions[loop];
    p.loop.submit(() -> p.acquire(new Pool.Callback() {
      @Override
      public void acquired(BackendConnection backend) {
        f.complete(backend);
      }

      @Override
      public void failed(PgError error) {
        f.completeExceptionally(new AssertionError(error.sqlState() + " " + error.message()));
      }
    })).get(5, TimeUnit.SECONDS);
    return f;
  }

  private BackendConnection served(CompletableFuture<BackendConnection> f, String who) throws Exception {
    try {
      return f.get(8, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return fail(who + " was not served: " + e.getCause().getMessage() + "; " + snapshot());
    } catch (TimeoutException e) {
      return fail(who + " was not served within 8 s; " + snapshot());
    }
  }

  private void release(BackendConnection b) throws Exception {
    b.pool.loop.submit(() -> b.pool.release(b)).get(5, TimeUnit.SECONDS);
  }

  private static <T> T onLoop(BackendConnection b, java.util.concurrent.Callable<T> task) throws Exception {
    return b.pool.loop.submit(task).get(5, TimeUnit.SECONDS);
  }

  private interface Check {
    boolean ok() throws Exception;
  }

  private static void await(String what, Check check) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!check.ok()) {
      if (System.nanoTime() > deadline) {
        fail("timed out waiting until " + what);
      }
      Thread.sleep(5);
    }
  }

  /** Nothing in use or waiting, and the endpoint's reserved count equals the connections the server has open. */
  private void assertSettled(int maxSize) throws Exception {
    BooleanSupplier settled = () -> {
      int active = 0;
      int waiting = 0;
      for (Pool p : primary.partitions) {
        active += p.active();
        waiting += p.waiting();
      }
      return active == 0 && waiting == 0 && primary.size.get() == server.open.get();
    };
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!settled.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(settled.getAsBoolean()).as(snapshot()).isTrue();
    assertThat(primary.size.get()).as(snapshot()).isLessThanOrEqualTo(maxSize);
  }

  private String snapshot() {
    StringBuilder s = new StringBuilder("endpoint size ").append(primary.size.get()).append(" of ").append(primary.maxSize)
        .append(", server sees ").append(server.open.get()).append(" open;");
    for (int i = 0; i < primary.partitions.length; i++) {
      Pool p = primary.partitions[i];
      s.append(" partition ").append(i).append(": ").append(p.active()).append(" in use, ").append(p.idleCount())
          .append(" idle, ").append(p.waiting()).append(" waiting;");
    }
    return s.toString();
  }
}
