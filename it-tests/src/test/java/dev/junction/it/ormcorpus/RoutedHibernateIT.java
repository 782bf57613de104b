package dev.junction.it.ormcorpus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.health.ReplicaSelector;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.JdbcServer;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.LockModeType;
import jakarta.persistence.Table;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.hibernate.Session;
import org.hibernate.SessionFactory;
import org.hibernate.annotations.Formula;
import org.hibernate.cfg.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hibernate on a real routed data source: JPA reads (find, JPQL with Hibernate's {@code ('%'||?||'%')}
 * LIKE pattern, paged queries with {@code offset ? rows fetch first ? rows only}, criteria) land on the
 * PostgreSQL replica, and pessimistic finds on the primary. The server says where it ran: the probe
 * entity's {@code @Formula("pg_is_in_recovery()")} is evaluated by the server that answered.
 */
class RoutedHibernateIT {
  static LocalCluster cluster;
  static RoutingDataSource ds;
  static SessionFactory sf;

  @Entity(name = "ServerProbe")
  @Table(name = "probes")
  public static class ServerProbe {
    @Id
    Long id;
    String name;
    @Formula("pg_is_in_recovery()")
    boolean onReplica;
  }

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO).shared(RoutedHibernateIT.class);
    PostgresReplicaSet pg = cluster.postgres(0);
    try (Connection c = pg.primary().connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE probes (id bigint PRIMARY KEY, name text)");
      s.execute("INSERT INTO probes SELECT g, 'probe ' || g FROM generate_series(1, 20) g");
    }
    awaitRows(pg.replica(0), 20);
    JunctionConfig.Pool pool = new JunctionConfig.Pool(4, 0, Duration.ofMillis(500), Duration.ofMinutes(10),
        Duration.ofMinutes(30), Duration.ofMillis(500));
    JunctionConfig.Routing routing = new JunctionConfig.Routing(ReplicaSelector.Strategy.ROUND_ROBIN, Duration.ofSeconds(5), 0,
        Duration.ofMillis(2500), Duration.ofMillis(100), Duration.ofMillis(50), Duration.ofMillis(500), 10_000);
    ds = RoutingDataSource.create(new JunctionConfig(Dialect.POSTGRESQL,
        List.of(new JunctionConfig.Shard("main", endpoint("primary", pg.primary(), pool), List.of(endpoint("replica1", pg.replica(0), pool)))),
        routing, JunctionConfig.Fencing.defaults()));
    Configuration cfg = new Configuration().addAnnotatedClass(ServerProbe.class);
    cfg.getProperties().put("jakarta.persistence.nonJtaDataSource", ds);
    cfg.setProperty("hibernate.dialect", "org.hibernate.dialect.PostgreSQLDialect");
    cfg.setProperty("hibernate.hbm2ddl.auto", "none");
    // Lets a pessimistic find run in autocommit, where an unlocked read would go to the replica.
    cfg.setProperty("hibernate.allow_update_outside_transaction", "true");
    sf = cfg.buildSessionFactory();
  }

  static JunctionConfig.Endpoint endpoint(String name, JdbcServer server, JunctionConfig.Pool pool) {
    return new JunctionConfig.Endpoint(name, server.jdbcUrl(), server.user(), server.password(), 1, pool);
  }

  static void awaitRows(JdbcServer replica, int rows) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      try (Connection c = replica.connect(); Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT count(*) FROM probes")) {
        rs.next();
        if (rs.getInt(1) == rows) {
          return;
        }
      } catch (java.sql.SQLException notYet) {
        // the table has not replayed yet
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("replica did not catch up");
      }
      Thread.sleep(100);
    }
  }

  @AfterAll
  static void stop() {
    if (sf != null) {
      sf.close();
    }
    if (ds != null) {
      ds.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void jpaReadsLandOnTheReplica() {
    try (Session s = sf.openSession()) {
      assertThat(s.find(ServerProbe.class, 1L).onReplica).as("find").isTrue();
    }
    try (Session s = sf.openSession()) {
      List<ServerProbe> found = s.createQuery("from ServerProbe p where p.name like concat('%', :x, '%') order by p.id", ServerProbe.class)
          .setParameter("x", "probe 1").getResultList();
      assertThat(found).isNotEmpty().allMatch(p -> p.onReplica);
    }
    try (Session s = sf.openSession()) {
      List<ServerProbe> page = s.createQuery("from ServerProbe p where p.id in :ids order by p.id", ServerProbe.class)
          .setParameter("ids", List.of(3L, 4L, 5L, 6L)).setFirstResult(1).setMaxResults(2).getResultList();
      assertThat(page).hasSize(2).allMatch(p -> p.onReplica);
    }
    try (Session s = sf.openSession()) {
      var cb = s.getCriteriaBuilder();
      var q = cb.createQuery(Boolean.class);
      var p = q.from(ServerProbe.class);
      q.select(p.get("onReplica")).where(cb.equal(p.get("id"), 7L));
      assertThat(s.createQuery(q).getSingleResult()).as("criteria").isTrue();
    }
  }

  @Test
  void pessimisticFindsLandOnThePrimary() {
    for (LockModeType mode : List.of(LockModeType.PESSIMISTIC_WRITE, LockModeType.PESSIMISTIC_READ)) {
      try (Session s = sf.openSession()) {
        s.getTransaction().begin();
        assertThat(s.find(ServerProbe.class, 2L, mode).onReplica).as(mode.toString()).isFalse();
        s.getTransaction().commit();
      }
      // Without a transaction (autocommit), where an unlocked read would go to the replica.
      try (Session s = sf.openSession()) {
        assertThat(s.find(ServerProbe.class, 3L, mode).onReplica).as(mode + " in autocommit").isFalse();
        assertThat(s.find(ServerProbe.class, 4L).onReplica).as("plain find in autocommit").isTrue();
      }
    }
    try (Session s = sf.openSession()) {
      s.getTransaction().begin();
      List<ServerProbe> locked = s.createQuery("from ServerProbe p where p.id < 4 order by p.id", ServerProbe.class)
          .setLockMode(LockModeType.PESSIMISTIC_WRITE).setHint("jakarta.persistence.lock.timeout", org.hibernate.LockOptions.SKIP_LOCKED)
          .getResultList();
      assertThat(locked).isNotEmpty().noneMatch(p -> p.onReplica);
      s.getTransaction().commit();
    }
  }
}
