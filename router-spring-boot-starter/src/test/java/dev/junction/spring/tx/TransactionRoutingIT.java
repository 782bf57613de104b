package dev.junction.spring.tx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.spring.jpa.ReadOnlyRoutingHibernateJpaDialect;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.data.jpa.JpaRepositoriesAutoConfiguration;
import org.springframework.boot.autoconfigure.orm.jpa.HibernateJpaAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.orm.jpa.EntityManagerFactoryInfo;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.SharedEntityManagerCreator;
import org.springframework.orm.jpa.vendor.HibernateJpaDialect;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code @Transactional(readOnly = true)} against real servers, with both transaction managers
 * Spring Boot auto-configures: DataSourceTransactionManager (JdbcTemplate) and JpaTransactionManager
 * (Hibernate 6), including the Hibernate setup in which Spring alone would drop the read-only flag.
 */
class TransactionRoutingIT {
  static LocalCluster cluster;
  static PostgresReplicaSet pg;
  static int primaryPort;
  static Set<Integer> replicaPorts;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO, Duration.ZERO).start();
    pg = cluster.postgres(0);
    try (Connection c = pg.primary().connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE note (id serial PRIMARY KEY, body text)");
    }
    primaryPort = pg.primary().port();
    replicaPorts = Set.of(pg.replica(0).port(), pg.replica(1).port());
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static Map<String, Object> junction() {
    Map<String, Object> p = new HashMap<>();
    p.put("spring.main.web-application-type", "none");
    p.put("spring.main.banner-mode", "off");
    p.put("logging.level.root", "warn");
    p.put("junction.dialect", "postgresql");
    p.put("junction.shards[0].name", "main");
    p.put("junction.shards[0].primary.url", pg.primary().jdbcUrl());
    p.put("junction.shards[0].primary.username", pg.primary().user());
    for (int i = 0; i < 2; i++) {
      p.put("junction.shards[0].replicas[" + i + "].url", pg.replica(i).jdbcUrl());
      p.put("junction.shards[0].replicas[" + i + "].username", pg.replica(i).user());
    }
    return p;
  }

  @Test
  void jdbcTemplateTransactionsRouteByTheirReadOnlyFlag() throws Exception {
    RoutingDataSource ds;
    try (ConfigurableApplicationContext context = new SpringApplicationBuilder(JdbcApp.class).properties(junction()).run()) {
      assertThat(context.getBean(PlatformTransactionManager.class)).isInstanceOf(JdbcTransactionManager.class);
      ServerPorts ports = context.getBean(ServerPorts.class);

      Set<Integer> readOnly = new HashSet<>();
      for (int i = 0; i < 6; i++) {
        List<Integer> tx = ports.readOnlyTransaction();
        assertThat(tx.get(0)).as("both statements of one read-only transaction on one server").isEqualTo(tx.get(1));
        readOnly.add(tx.get(0));
      }
      assertThat(readOnly).isEqualTo(replicaPorts);
      assertThat(ports.readWriteTransaction().get(0)).isEqualTo(primaryPort);
      assertThat(ports.noTransaction()).isIn(replicaPorts);

      MeterRegistry registry = context.getBean(MeterRegistry.class);
      assertThat(registry.get("junction.route").tag("reason", "replica-read-only-transaction").counter().count()).isEqualTo(12);
      assertThat(registry.get("junction.route").tag("reason", "primary-transaction").counter().count()).isGreaterThanOrEqualTo(2);
      ds = context.getBean(RoutingDataSource.class);
    }
    // Spring closed the data source with the context: it refuses new connections, saying so.
    RoutingDataSource closed = ds;
    assertThatThrownBy(closed::getConnection).hasMessageContaining("RoutingDataSource is closed");
  }

  @Test
  void jpaReadOnlyTransactionsReachAReplicaEvenWhenHibernateReleasesConnectionsAfterEachTransaction() {
    Map<String, Object> p = junction();
    p.put("spring.jpa.properties.hibernate.connection.handling_mode", "DELAYED_ACQUISITION_AND_RELEASE_AFTER_TRANSACTION");
    try (ConfigurableApplicationContext context = new SpringApplicationBuilder(JpaApp.class).properties(p).run()) {
      EntityManagerFactory emf = context.getBean(EntityManagerFactory.class);
      assertThat(((EntityManagerFactoryInfo) emf).getJpaDialect()).isInstanceOf(ReadOnlyRoutingHibernateJpaDialect.class);
      JpaServerPorts ports = context.getBean(JpaServerPorts.class);

      Set<Integer> readOnly = new HashSet<>();
      for (int i = 0; i < 6; i++) {
        readOnly.add(ports.readOnlyTransaction());
      }
      assertThat(readOnly).isEqualTo(replicaPorts);
      assertThat(ports.readWriteTransaction()).isEqualTo(primaryPort);

      // The control: Spring's own HibernateJpaDialect in this Hibernate mode never marks the connection
      // read-only, so the same read-only transaction lands on the primary.
      JpaTransactionManager plain = new JpaTransactionManager(emf);
      plain.setJpaDialect(new HibernateJpaDialect());
      TransactionTemplate readOnlyTx = new TransactionTemplate(plain);
      readOnlyTx.setReadOnly(true);
      EntityManager shared = SharedEntityManagerCreator.createSharedEntityManager(emf);
      Integer port = readOnlyTx.execute(status ->
          ((Number) shared.createNativeQuery("SELECT inet_server_port()").getSingleResult()).intValue());
      assertThat(port).isEqualTo(primaryPort);
    }
  }

  @Test
  void jpaInTheDefaultHibernateModeRoutesReadOnlyTransactionsToReplicas() {
    try (ConfigurableApplicationContext context = new SpringApplicationBuilder(JpaApp.class).properties(junction()).run()) {
      JpaServerPorts ports = context.getBean(JpaServerPorts.class);
      assertThat(ports.readOnlyTransaction()).isIn(replicaPorts);
      assertThat(ports.readWriteTransaction()).isEqualTo(primaryPort);
    }
  }

  @Test
  void hibernatesProviderDisablesAutocommitIsRejectedAtStartup() {
    Map<String, Object> p = junction();
    p.put("spring.jpa.properties.hibernate.connection.provider_disables_autocommit", "true");
    assertThatThrownBy(() -> new SpringApplicationBuilder(JpaApp.class).properties(p).run().close())
        .rootCause().hasMessageContaining("provider_disables_autocommit=true, which cannot work with Junction")
        .hasMessageContaining("Remove spring.jpa.properties.hibernate.connection.provider_disables_autocommit");
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration(exclude = {HibernateJpaAutoConfiguration.class, JpaRepositoriesAutoConfiguration.class})
  static class JdbcApp {
    @Bean
    ServerPorts serverPorts(JdbcTemplate jdbc) {
      return new ServerPorts(jdbc);
    }
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class JpaApp {
    @Bean
    JpaServerPorts jpaServerPorts() {
      return new JpaServerPorts();
    }
  }
}
