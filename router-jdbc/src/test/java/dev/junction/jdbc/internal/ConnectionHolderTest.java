package dev.junction.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.classify.Dialect;
import dev.junction.health.EndpointState;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every state transition of {@link ConnectionHolder} without a server: endpoints are fake pools
 * handing out recording fake connections, so each test sees which connection was taken, given back
 * (closed, not evicted) or evicted, and what ran on it.
 */
class ConnectionHolderTest {

  /** A fake physical connection: records SQL run on it and JDBC setters; close() marks it closed. */
  static final class FakeConnection {
    final String name;
    final List<String> log = new ArrayList<>();
    boolean closed;
    boolean failSetUp;
    boolean autoCommit = true;
    final Connection proxy;

    FakeConnection(String name) {
      this.name = name;
      this.proxy = (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
          (p, m, args) -> switch (m.getName()) {
            case "close" -> {
              closed = true;
              yield null;
            }
            case "isClosed" -> closed;
            case "toString" -> name;
            case "hashCode" -> System.identityHashCode(p);
            case "equals" -> p == args[0];
            case "isWrapperFor" -> false;
            case "getAutoCommit" -> autoCommit;
            case "setAutoCommit" -> {
              autoCommit = (Boolean) args[0];
              log.add("setAutoCommit " + args[0]);
              yield null;
            }
            case "commit", "rollback" -> {
              log.add(m.getName());
              yield null;
            }
            case "setTransactionIsolation", "setCatalog", "setSchema", "setHoldability", "setTypeMap" -> {
              if (failSetUp) {
                throw new SQLException("set-up failed", "08006");
              }
              log.add(m.getName() + " " + args[0]);
              yield null;
            }
            case "createStatement" -> statement();
            case "prepareStatement" -> {
              log.add("prepare " + args[0]);
              yield new JdbcWrappersTest.Fake().of(java.sql.PreparedStatement.class);
            }
            default -> JdbcWrappersTest.defaultValue(m.getReturnType());
          });
    }

    private Statement statement() {
      return (Statement) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Statement.class},
          (p, m, args) -> {
            if (m.getName().equals("execute")) {
              if (failSetUp) {
                throw new SQLException("set-up failed", "08006");
              }
              log.add((String) args[0]);
              return false;
            }
            return JdbcWrappersTest.defaultValue(m.getReturnType());
          });
    }
  }

  /** A fake pool of one endpoint. */
  static final class FakeSource implements ConnectionHolder.Source {
    final EndpointState state;
    final List<FakeConnection> handedOut = new ArrayList<>();
    final Set<Connection> evicted = new HashSet<>();
    final List<SQLException> failures = new ArrayList<>();
    SQLException acquireFailure;
    boolean nextFailsSetUp;
    /** Runs when a connection is handed out (e.g. the sample a new replica connection takes). */
    Runnable onAcquire = () -> { };

    FakeSource(EndpointState state) {
      this.state = state;
    }

    @Override
    public EndpointState state() {
      return state;
    }

    @Override
    public Connection acquire() throws SQLException {
      if (acquireFailure != null) {
        throw acquireFailure;
      }
      FakeConnection c = new FakeConnection(state.name() + "#" + handedOut.size());
      c.failSetUp = nextFailsSetUp;
      handedOut.add(c);
      onAcquire.run();
      return c.proxy;
    }

    @Override
    public void evict(Connection c) {
      evicted.add(c);
    }

    @Override
    public void recordFailure(SQLException e) {
      failures.add(e);
    }

    FakeConnection last() {
      return handedOut.get(handedOut.size() - 1);
    }

    /** Handed out and closed without eviction: back in the pool. */
    boolean returned(Connection c) {
      return fake(c).closed && !evicted.contains(c);
    }

    FakeConnection fake(Connection c) {
      return handedOut.stream().filter(f -> f.proxy == c).findFirst().orElseThrow();
    }
  }

  final FakeSource primary = new FakeSource(new EndpointState("s", "p", EndpointState.Role.PRIMARY, 1));
  final FakeSource r1 = new FakeSource(new EndpointState("s", "r1", EndpointState.Role.REPLICA, 1));
  final FakeSource r2 = new FakeSource(new EndpointState("s", "r2", EndpointState.Role.REPLICA, 1));
  final Set<Connection> reading = new HashSet<>();
  final List<Connection> forgotten = new ArrayList<>();
  long ringVersion;

  final ConnectionHolder holder = new ConnectionHolder(primary, s -> s == r1.state ? r1 : r2, Dialect.POSTGRESQL,
      () -> ringVersion, new ConnectionHolder.Users() {
        @Override
        public boolean reading(Connection c) {
          return reading.contains(c);
        }

        @Override
        public void forget(Connection c) {
          forgotten.add(c);
        }
      });

  @Test
  void takesConnectionsLazilyAndKeepsThem() throws Exception {
    assertThat(holder.held()).isEmpty();
    Connection p = holder.primary(false);
    assertThat(holder.primary(false)).isSameAs(p);
    assertThat(primary.handedOut).hasSize(1);
    assertThat(holder.isPrimary(p)).isTrue();
    assertThat(holder.endpointOf(p)).isSameAs(primary.state);
    Connection r = holder.replica(r1.state);
    assertThat(holder.replica(r1.state)).isSameAs(r);
    assertThat(r1.handedOut).hasSize(1);
    assertThat(holder.isReplica(r)).isTrue();
    assertThat(holder.replicaEndpoint()).isSameAs(r1.state);
    assertThat(holder.endpointOf(r)).isSameAs(r1.state);
  }

  @Test
  void outsideATransactionTheOtherIdleConnectionGoesBackBeforeWaitingOnAPool() throws Exception {
    Connection p = holder.primary(false);
    Connection r = holder.replica(r1.state);
    assertThat(primary.returned(p)).as("idle primary given back before taking a replica").isTrue();
    assertThat(holder.heldPrimary()).isNull();
    assertThat(forgotten).containsExactly(p);
    Connection p2 = holder.primary(false);
    assertThat(r1.returned(r)).as("idle replica given back before taking the primary").isTrue();
    assertThat(holder.held()).containsExactly(p2);
  }

  /** What keeps the held primary while a replica is taken (and, symmetrically, the replica). */
  enum Keeper {
    TRANSACTION, PINNED, SESSION_STATE, READING;

    void apply(ConnectionHolder h, Connection c, Set<Connection> reading) throws SQLException {
      switch (this) {
        case TRANSACTION -> h.transactionOn(c);
        case PINNED -> h.pinPrimary();
        case SESSION_STATE -> h.markDirty(c);
        case READING -> reading.add(c);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Keeper.class)
  void primaryIsKeptWhileSomethingNeedsIt(Keeper keeper) throws Exception {
    Connection p = holder.primary(false);
    keeper.apply(holder, p, reading);
    assertThat(holder.primaryReleasable()).isFalse();
    holder.replica(r1.state);
    assertThat(holder.heldPrimary()).isSameAs(p);
    assertThat(primary.fake(p).closed).isFalse();
    holder.releaseIdle();
    assertThat(holder.heldPrimary()).isSameAs(p);
  }

  @ParameterizedTest
  @EnumSource(value = Keeper.class, names = {"TRANSACTION", "SESSION_STATE", "READING"})
  void replicaIsKeptWhileSomethingNeedsIt(Keeper keeper) throws Exception {
    Connection r = holder.replica(r1.state);
    keeper.apply(holder, r, reading);
    assertThat(holder.replicaReleasable()).isFalse();
    holder.primary(false);
    assertThat(holder.heldReplica()).isSameAs(r);
    holder.releaseIdle();
    assertThat(holder.heldReplica()).isSameAs(r);
  }

  @Test
  void releaseIdleGivesBackBothWhenNothingNeedsThem() throws Exception {
    Connection r = holder.replica(r1.state);
    reading.add(r);
    Connection p = holder.primary(false);
    reading.clear();
    holder.releaseIdle();
    assertThat(holder.held()).isEmpty();
    assertThat(r1.returned(r)).isTrue();
    assertThat(primary.returned(p)).isTrue();
  }

  @Test
  void switchingReplicasGivesTheFirstBack() throws Exception {
    Connection a = holder.replica(r1.state);
    Connection b = holder.replica(r2.state);
    assertThat(r1.returned(a)).isTrue();
    assertThat(holder.heldReplica()).isSameAs(b);
    assertThat(holder.replicaEndpoint()).isSameAs(r2.state);
  }

  @Test
  void aReplicaConnectionClosedByThePoolIsReplacedAndEvicted() throws Exception {
    Connection a = holder.replica(r1.state);
    a.close(); // HikariCP closed it after a fatal SQLSTATE
    Connection b = holder.replica(r1.state);
    assertThat(b).isNotSameAs(a);
    assertThat(r1.evicted).contains(a);
  }

  @Test
  void aPrimaryConnectionClosedByThePoolIsReplacedOnlyOutsideATransaction() throws Exception {
    Connection a = holder.primary(false);
    a.close();
    assertThat(holder.primary(true)).as("inside a transaction the failure must surface").isSameAs(a);
    Connection b = holder.primary(false);
    assertThat(b).isNotSameAs(a);
    assertThat(forgotten).contains(a);
  }

  @Test
  void aReplicaThatCannotBeHadIsNull() throws Exception {
    r1.acquireFailure = new SQLException("circuit open", "08001");
    assertThat(holder.replica(r1.state)).isNull();
    r1.acquireFailure = null;
    r1.nextFailsSetUp = true;
    holder.isolation(Connection.TRANSACTION_SERIALIZABLE);
    assertThat(holder.replica(r1.state)).as("set-up failed").isNull();
    assertThat(r1.failures).hasSize(1);
    assertThat(r1.evicted).contains(r1.last().proxy);
    assertThat(r1.last().closed).isTrue();
  }

  @Test
  void aPrimaryWhoseSetUpFailsIsEvictedAndTheFailureThrown() throws Exception {
    holder.schema("app");
    primary.nextFailsSetUp = true;
    assertThatThrownBy(() -> holder.primary(false)).isInstanceOf(SQLException.class).hasMessage("set-up failed");
    assertThat(primary.evicted).contains(primary.last().proxy);
    assertThat(primary.failures).hasSize(1);
    assertThat(holder.heldPrimary()).isNull();
  }

  @Test
  void settingsApplyToHeldConnectionsAndToThoseTakenLater() throws Exception {
    Connection p = holder.primary(false);
    holder.isolation(Connection.TRANSACTION_SERIALIZABLE);
    holder.catalog("cat");
    holder.schema("app");
    holder.holdability(2);
    holder.typeMap(Map.of());
    assertThat(primary.fake(p).log).containsExactly("setTransactionIsolation 8", "setCatalog cat", "setSchema app",
        "setHoldability 2", "setTypeMap {}");
    reading.add(p);
    Connection r = holder.replica(r1.state);
    assertThat(r1.fake(r).log).containsExactly("setTransactionIsolation 8", "setCatalog cat", "setSchema app",
        "setHoldability 2", "setTypeMap {}");
    assertThat(holder.isolation()).isEqualTo(8);
    assertThat(holder.catalog()).isEqualTo("cat");
    assertThat(holder.schema()).isEqualTo("app");
    assertThat(holder.holdability()).isEqualTo(2);
    assertThat(holder.typeMap()).isEmpty();
  }

  @Test
  void aSessionStatementIsReplayedAndMakesItsConnectionsDirty() throws Exception {
    Connection r = holder.replica(r1.state);
    reading.add(r);
    Connection p = holder.primary(false);
    holder.sessionStatement("SET search_path = app", p, true);
    assertThat(r1.fake(r).log).containsExactly("SET search_path = app");
    assertThat(holder.hasSessionStatements()).isTrue();
    reading.clear();
    assertThat(holder.primaryReleasable()).isFalse();
    assertThat(holder.replicaReleasable()).isFalse();
    Connection other = holder.replica(r2.state);
    assertThat(r1.evicted).as("a dirty replica is evicted, not given back").contains(r);
    assertThat(r2.fake(other).log).containsExactly("SET search_path = app");
  }

  @Test
  void aSessionStatementInsideATransactionIsOnlyRemembered() throws Exception {
    Connection r = holder.replica(r1.state);
    reading.add(r);
    Connection p = holder.primary(true);
    holder.sessionStatement("SET search_path = app", p, false);
    assertThat(r1.fake(r).log).isEmpty();
    assertThat(holder.primaryReleasable()).isFalse();
  }

  @Test
  void failuresEvictAndForget() throws Exception {
    Connection r = holder.replica(r1.state);
    holder.transactionOn(r);
    SQLException lost = new SQLException("gone", "08006");
    holder.replicaFailed(lost);
    assertThat(r1.failures).containsExactly(lost);
    assertThat(r1.evicted).contains(r);
    assertThat(holder.heldReplica()).isNull();
    assertThat(holder.transaction()).isNull();
    assertThat(forgotten).contains(r);

    Connection p = holder.primary(true);
    holder.transactionOn(p);
    holder.primaryFailed(lost);
    assertThat(primary.failures).containsExactly(lost);
    assertThat(primary.evicted).contains(p);
    assertThat(primary.fake(p).closed).isTrue();
    assertThat(holder.heldPrimary()).isNull();
    assertThat(holder.transaction()).isNull();
    holder.primaryFailed(lost); // nothing held: nothing happens
    assertThat(primary.failures).hasSize(1);
  }

  /** At close: the replica goes back; the primary goes back unless it carries state. */
  enum AtClose {
    CLEAN(h -> { }, false),
    PINNED(ConnectionHolder::pinPrimary, true),
    DIRTY(h -> h.markDirty(h.heldPrimary()), true);

    final Consumer<ConnectionHolder> setUp;
    final boolean evicted;

    AtClose(Consumer<ConnectionHolder> setUp, boolean evicted) {
      this.setUp = setUp;
      this.evicted = evicted;
    }
  }

  @ParameterizedTest
  @EnumSource(AtClose.class)
  void closeGivesBackOrEvicts(AtClose c) throws Exception {
    Connection r = holder.replica(r1.state);
    reading.add(r);
    Connection p = holder.primary(false);
    c.setUp.accept(holder);
    holder.close();
    assertThat(r1.returned(r)).isTrue();
    assertThat(primary.fake(p).closed).isTrue();
    assertThat(primary.evicted.contains(p)).isEqualTo(c.evicted);
    assertThat(holder.held()).isEmpty();
  }

  @Test
  void theRingVersionIsSetOnceOutsideATransactionAndEveryTimeInsideOne() throws Exception {
    String set = "prepare SELECT set_config('junction.ring_version', ?, false)";
    Connection p = holder.primary(false);
    assertThat(primary.fake(p).log).as("no sharding: no ring version").isEmpty();
    ringVersion = 7;
    holder.primary(false);
    holder.primary(false);
    assertThat(primary.fake(p).log).containsExactly(set);
    holder.primary(true); // already set outside: still current
    assertThat(primary.fake(p).log).hasSize(1);
    ringVersion = 8;
    holder.primary(true);
    holder.primary(true); // inside a transaction a rollback may undo it: set every time
    assertThat(primary.fake(p).log).hasSize(3);
    holder.primary(false);
    holder.primary(false);
    assertThat(primary.fake(p).log).hasSize(4);
    assertThat(primary.handedOut).hasSize(1);
  }
}
