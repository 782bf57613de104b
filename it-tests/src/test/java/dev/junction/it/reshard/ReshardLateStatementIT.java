package dev.junction.it.reshard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.health.ReplicaSelector;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.JdbcServer;
import dev.junction.local.LocalCluster;
import dev.junction.reshard.ReshardJob;
import dev.junction.shard.KeyType;
import dev.junction.shard.ShardedTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A statement routed before a cut-over that gets its connection only after it: the write of a
 * moving key is routed to its old owner, then waits for that shard's only pooled connection (held
 * by another logical connection) while the resharding fences the old owner and switches the key
 * to its new one. When the connection comes free, the write must not run, or must be rejected by
 * the old owner's trigger: acknowledged there, it would be lost (the old owner's rows of moved keys
 * are no longer drained, and are deleted by the cleanup).
 *
 * <p>Before this test the session declared the router's <em>latest</em> ring version when it got
 * its connection, not the version the statement was routed by, so the trigger let the late write
 * through: acknowledged, and gone after the cleanup. That is how {@code ReshardUnderLoadIT} once saw
 * a scoped read return a row whose delete had been acknowledged.
 */
class ReshardLateStatementIT {
  static final int ROWS = 200;

  /** A client of the router under test: a logical connection that holds the old owner, and one that writes late. */
  interface Client extends AutoCloseable {
    /** Holds the only connection to shard s0 until closed, outside any transaction (the cut-over must not wait for it). */
    AutoCloseable holdOldOwner(long staying) throws Exception;

    /** A client connection (opened before the old owner is held: a proxy client's login needs no shard, but be sure). */
    Connection connect() throws SQLException;

    /** The router's ring (it routes {@code key} by it). */
    dev.junction.shard.ShardRing ring();

    @Override
    void close();
  }

  @Test
  void aLibraryWriteRoutedBeforeTheCutOverThatRunsAfterItIsRefusedNotLost() throws Exception {
    lateWrite(primaries -> {
      RoutingDataSource ds = RoutingDataSource.create(config(primaries, 2));
      return new Client() {
        @Override
        public AutoCloseable holdOldOwner(long staying) throws Exception {
          // An open statement keeps the connection its results came from (JDBC lets the application still read
          // them); closed, the connection goes back to the pool as it is, not evicted as a pinned one would be.
          Connection holder = ds.getConnection();
          Statement open = holder.createStatement();
          while (true) {
            try {
              open.executeQuery("SELECT 1").close();
              break;
            } catch (SQLException e) {
              if (!leaseExpired(e)) {
                throw e;
              }
            }
          }
          return holder;
        }

        @Override
        public Connection connect() throws SQLException {
          return ds.getConnection();
        }

        @Override
        public dev.junction.shard.ShardRing ring() {
          return ds.ring();
        }

        @Override
        public void close() {
          ds.close();
        }
      };
    });
  }

  @Test
  void aProxyWriteRoutedBeforeTheCutOverThatRunsAfterItIsRefusedNotLost() throws Exception {
    lateWrite(primaries -> {
      ReshardUnderLoadIT.InProcessProxy proxy = ReshardUnderLoadIT.InProcessProxy.start(config(primaries, 2));
      return new Client() {
        @Override
        public Connection connect() throws SQLException {
          java.util.Properties p = new java.util.Properties();
          p.setProperty("user", Load.PROXY_USER);
          p.setProperty("password", Load.PROXY_PASSWORD);
          return java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres", p);
        }

        @Override
        public AutoCloseable holdOldOwner(long staying) throws Exception {
          Connection holder = connect();
          pin(holder);
          return holder;
        }


        @Override
        public dev.junction.shard.ShardRing ring() {
          return proxy.dataSource().ring();
        }

        @Override
        public void close() {
          proxy.close();
        }
      };
    });
  }

  /**
   * A session lock pins the client session to the default shard's primary backend, outside any
   * transaction: the resharding does not wait for it.
   */
  static void pin(Connection c) throws SQLException {
    while (true) {
      try (Statement s = c.createStatement()) {
        s.executeQuery("SELECT pg_advisory_lock(42)").close();
        return;
      } catch (SQLException e) {
        if (!leaseExpired(e)) {
          throw e;
        }
      }
    }
  }

  /** The router's retryable refusal when its ring watcher could not read the record in time (a starved thread). */
  static boolean leaseExpired(SQLException e) {
    return "40001".equals(e.getSQLState()) && String.valueOf(e.getMessage()).contains("could not confirm the ring");
  }

  interface ClientFactory {
    Client open(List<JdbcServer> primaries) throws Exception;
  }

  static void lateWrite(ClientFactory clients) throws Exception {
    try (LocalCluster cluster = LocalCluster.builder().postgresReplicaSets(2).start()) {
      List<JdbcServer> primaries = new ArrayList<>();
      cluster.postgres().forEach(s -> primaries.add(s.primary()));
      try (RoutingDataSource one = RoutingDataSource.create(config(primaries, 1)); Connection c = one.getConnection();
           Statement s = c.createStatement()) {
        s.execute("CREATE TABLE accounts (id bigint PRIMARY KEY, balance bigint NOT NULL)");
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO accounts (id, balance) VALUES (?, 0)")) {
          for (long id = 0; id < ROWS; id++) {
            ps.setLong(1, id);
            ps.executeUpdate();
          }
        }
      }
      try (ReshardJob job = ReshardJob.open(config(primaries, 2))) {
        long moving = -1;
        long staying = -1;
        for (long id = 0; id < ROWS && (moving < 0 || staying < 0); id++) {
          if (job.to().shardFor(id).equals("s1")) {
            moving = moving < 0 ? id : moving;
          } else {
            staying = staying < 0 ? id : staying;
          }
        }
        job.start();
        job.copy();
        job.catchUp();
        assertThat(job.verify().ok()).isTrue();
        // A router on the target configuration (as after a rolling restart), whose old owner s0 has one pooled connection.
        try (Client client = clients.open(primaries)) {
          Connection writer = client.connect();
          PreparedStatement update = writer.prepareStatement("UPDATE accounts SET balance = 777 WHERE id = ?");
          AutoCloseable holder = client.holdOldOwner(staying); // holds s0's only connection
          long key = moving;
          java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
          CompletableFuture<Integer> late = CompletableFuture.supplyAsync(() -> {
            while (true) {
              try {
                update.setLong(1, key);
                return update.executeUpdate(); // routed now (to s0, the old owner), runs once s0's connection is free
              } catch (SQLException e) {
                if (!released.get() && leaseExpired(e)) {
                  continue; // a loaded machine starved the ring watcher before the update could wait: not the case tested
                }
                throw new java.util.concurrent.CompletionException(e);
              }
            }
          });
          Thread.sleep(500); // the update is routed and waits for s0's connection
          assertThat(late).isNotDone();
          job.cutover(); // FENCED, drain, SWITCHED while the update waits
          awaitRouting(client, key, "s1");
          released.set(true);
          holder.close(); // the update gets s0's connection now
          Integer updated = null;
          SQLException refused = null;
          try {
            updated = late.get(30, TimeUnit.SECONDS);
          } catch (java.util.concurrent.ExecutionException e) {
            refused = (SQLException) e.getCause();
          }
          long switched = balanceOn(primaries.get(1), key); // the new owner, which alone serves the key since the switch
          if (refused != null) {
            assertThat(refused.getSQLState()).as("a retryable refusal: %s", refused.getMessage()).isEqualTo("40001");
            assertThat(switched).as("a refused update did not run").isZero();
            // The refusal leaves the connection (the proxy session) usable: the retry runs on the new owner.
            while (true) {
              try {
                assertThat(update.executeUpdate()).as("the retried update").isEqualTo(1);
                break;
              } catch (SQLException e) {
                if (!leaseExpired(e)) {
                  throw e;
                }
              }
            }
            assertThat(balanceOn(primaries.get(1), key)).as("the retried update, on the new owner").isEqualTo(777);
          }
          writer.close();
          job.cleanup();
          long balance = balanceOn(primaries.get(1), key);
          System.out.println("late update of moving key " + key + ": " + (refused != null ? "refused " + refused.getSQLState()
              + " " + refused.getMessage() : "acknowledged (" + updated + " row)") + "; its new owner holds " + switched
              + " after the update, " + balance + " after the cleanup");
          if (refused == null) {
            assertThat(switched).as("an acknowledged update of moving key %d must be on its new owner, which alone serves"
                + " it since the switch (else every read sees the old value)", key).isEqualTo(777);
          }
          assertThat(balance).as("the acknowledged update of moving key %d must survive the cleanup (a lost write)", key)
              .isEqualTo(777);
        }
      }
    }
  }

  static long balanceOn(JdbcServer server, long key) throws SQLException {
    try (Connection c = server.connect(); PreparedStatement ps = c.prepareStatement("SELECT balance FROM accounts WHERE id = ?")) {
      ps.setLong(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        return rs.getLong(1);
      }
    }
  }

  /** Waits until the client's router routes {@code key} to {@code shard} (it has read SWITCHED). */
  static void awaitRouting(Client client, long key, String shard) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!client.ring().shardFor(key).equals(shard)) {
      assertThat(System.nanoTime()).as("the router never read the switch").isLessThan(deadline);
      Thread.sleep(10);
    }
    Thread.sleep(100);
  }

  static JunctionConfig config(List<JdbcServer> primaries, int shards) {
    List<JunctionConfig.Shard> out = new ArrayList<>();
    for (int i = 0; i < shards; i++) {
      JdbcServer p = primaries.get(i);
      JunctionConfig.Pool pool = new JunctionConfig.Pool(i == 0 ? 1 : 4, 0, Duration.ofSeconds(60), Duration.ofMinutes(10),
          Duration.ofMinutes(30), Duration.ofSeconds(1));
      out.add(new JunctionConfig.Shard("s" + i, new JunctionConfig.Endpoint("primary", p.jdbcUrl(), p.user(), p.password(), 1,
          pool), List.of()));
    }
    JunctionConfig.Routing routing = new JunctionConfig.Routing(ReplicaSelector.Strategy.ROUND_ROBIN, Duration.ofSeconds(5), 0,
        Duration.ofMillis(2500), Duration.ofMillis(100), Duration.ofMillis(50), Duration.ofMillis(500), 10_000);
    return new JunctionConfig(Dialect.POSTGRESQL, out, routing, JunctionConfig.Fencing.defaults(),
        JunctionConfig.Sharding.of(List.of(new ShardedTable("accounts", "id", KeyType.LONG)), List.of())).validate();
  }
}
