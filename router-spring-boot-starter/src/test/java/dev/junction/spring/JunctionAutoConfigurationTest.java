package dev.junction.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.config.ConfigException;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.spring.health.JunctionHealthAutoConfiguration;
import dev.junction.spring.web.JunctionWebAutoConfiguration;
import dev.junction.spring.web.ScopeSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wiring of the auto-configuration, without database servers: the endpoints point at a closed
 * port, which Junction tolerates at startup by design (a dead replica must not stop an app booting).
 */
class JunctionAutoConfigurationTest {
  private static final String[] UNREACHABLE = {
      "junction.dialect=postgresql",
      "junction.shards[0].primary.url=jdbc:postgresql://127.0.0.1:1/app",
      "junction.shards[0].primary.pool.connection-timeout=250ms",
      "junction.shards[0].replicas[0].url=jdbc:postgresql://127.0.0.1:1/app",
      "junction.shards[0].replicas[0].pool.connection-timeout=250ms"};

  private static final String[] SHARDED = {
      "junction.shards[1].primary.url=jdbc:postgresql://127.0.0.1:1/app",
      "junction.shards[1].primary.pool.connection-timeout=250ms",
      "junction.sharding.tables[0].name=orders",
      "junction.sharding.tables[0].key=customer_id",
      "junction.sharding.tables[0].key-type=uuid"};

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(JunctionAutoConfiguration.class, DataSourceAutoConfiguration.class,
          JunctionHealthAutoConfiguration.class));

  @Test
  void staysAwayWhenJunctionIsNotConfigured() {
    runner.withPropertyValues("junction.dialect=postgresql", "spring.datasource.url=jdbc:postgresql://127.0.0.1:1/app")
        .run(context -> {
          assertThat(context).hasNotFailed().doesNotHaveBean(RoutingDataSource.class).doesNotHaveBean(JunctionConfig.class);
          assertThat(context).hasSingleBean(DataSource.class);
        });
  }

  @Test
  void backsOffWhenTheApplicationDefinesItsOwnDataSource() {
    runner.withUserConfiguration(OwnDataSource.class).withPropertyValues(UNREACHABLE).run(context -> {
      assertThat(context).hasNotFailed().doesNotHaveBean(RoutingDataSource.class).doesNotHaveBean("junctionHealthContributor");
      assertThat(context.getBean(DataSource.class)).isInstanceOf(PGSimpleDataSource.class);
    });
  }

  @Test
  void buildsTheRoutingDataSourceOnTheApplicationsMeterRegistry() {
    runner.withUserConfiguration(AppMeterRegistry.class).withPropertyValues(UNREACHABLE).run(context -> {
      assertThat(context).hasNotFailed().hasSingleBean(DataSource.class);
      RoutingDataSource ds = context.getBean(RoutingDataSource.class);
      MeterRegistry registry = context.getBean(MeterRegistry.class);
      assertThat(ds.meterRegistry()).isSameAs(registry);
      assertThat(registry.find("junction.route").counters()).isNotEmpty();
      assertThat(registry.find("junction.replica.lag.ms").tag("endpoint", "replica1").gauge()).isNotNull();
    });
  }

  @Test
  void registersOneHealthIndicatorPerEndpoint() {
    runner.withPropertyValues(UNREACHABLE).run(context -> {
      HealthContributor junction = context.getBean("junctionHealthContributor", HealthContributor.class);
      CompositeHealthContributor shard = (CompositeHealthContributor) ((CompositeHealthContributor) junction).getContributor("shard0");
      assertThat(shard).extracting(c -> c.getName()).containsExactly("primary", "replica1");
      assertThat(((HealthIndicator) shard.getContributor("replica1")).health().getStatus()).isEqualTo(Status.DOWN);
    });
    runner.withPropertyValues(UNREACHABLE).withPropertyValues("management.health.junction.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean("junctionHealthContributor"));
  }

  @Test
  void registersTheFenceStoreContributorWithItsOwnSwitch() {
    runner.withPropertyValues(UNREACHABLE).run(context -> {
      HealthIndicator store = context.getBean("junctionFenceStoreHealthContributor", HealthIndicator.class);
      var health = store.health();
      assertThat(health.getStatus()).as("the local store is always up").isEqualTo(Status.UP);
      assertThat(health.getDetails()).containsEntry("store", "local").containsEntry("detail", "ok").containsKey("scope")
          .doesNotContainKeys("effect", "downSince", "lastError");
    });
    runner.withPropertyValues(UNREACHABLE).withPropertyValues("management.health.junction-fence-store.enabled=false")
        .run(context -> assertThat(context).hasBean("junctionHealthContributor").doesNotHaveBean("junctionFenceStoreHealthContributor"));
  }

  @Test
  void theProxySectionOfASharedFileIsAccepted() {
    runner.withPropertyValues(UNREACHABLE).withPropertyValues("junction.proxy.listen=127.0.0.1:6432")
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(RoutingDataSource.class));
  }

  @Test
  void anApplicationsOwnRoutingDataSourceGetsHealthAndTheScopeFilter() {
    new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(JunctionAutoConfiguration.class, JunctionWebAutoConfiguration.class,
            JunctionHealthAutoConfiguration.class))
        .withUserConfiguration(OwnRoutingDataSource.class)
        .run(context -> {
          assertThat(context).hasNotFailed().hasSingleBean(DataSource.class).doesNotHaveBean(JunctionConfig.class);
          assertThat(context).hasBean("junctionHealthContributor").hasBean("junctionScopeFilter");
        });
  }

  @Test
  void anInvalidValueFailsStartupNamingItsKey() {
    runner.withPropertyValues(UNREACHABLE).withPropertyValues("junction.shards[0].replicas[0].url=postgres://db2/app").run(context -> {
      assertThat(context).hasFailed();
      Throwable failure = context.getStartupFailure();
      assertThat(failure).rootCause().isInstanceOf(ConfigException.class);
      FailureAnalysis analysis = new JunctionConfigFailureAnalyzer().analyze(failure);
      assertThat(analysis.getDescription()).startsWith(
          "Invalid Junction configuration: junction.shards[0].replicas[0].url: required JDBC URL starting with 'jdbc:'");
      assertThat(analysis.getAction()).contains("Fix 'junction.shards[0].replicas[0].url'");
    });
  }

  @Test
  void aValueOfTheWrongTypeFailsStartupNamingItsKey() {
    runner.withPropertyValues(UNREACHABLE).withPropertyValues("junction.routing.max-lag=soon").run(context -> {
      assertThat(context).hasFailed();
      BindException bind = causeOfType(context.getStartupFailure(), BindException.class);
      assertThat(bind.getName().toString()).isEqualTo("junction.routing.max-lag");
      assertThat(bind.getProperty().getValue()).isEqualTo("soon");
    });
  }

  @Test
  void anUnknownKeyInTheConfigurationFailsStartup() {
    runner.withPropertyValues(UNREACHABLE).withPropertyValues("junction.routing.max-lagg=1s").run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).rootCause().isInstanceOf(UnboundConfigurationPropertiesException.class)
          .hasMessageContaining("junction.routing.max-lagg");
    });
  }

  @Test
  void anUnknownShardingKeyFailsStartup() {
    for (String unknown : new String[] {"junction.sharding.scater-threads=4", "junction.sharding.tables[0].colum=id"}) {
      runner.withPropertyValues(UNREACHABLE).withPropertyValues(SHARDED).withPropertyValues(unknown).run(context -> {
        assertThat(context).hasFailed();
        assertThat(context.getStartupFailure()).rootCause().isInstanceOf(UnboundConfigurationPropertiesException.class)
            .hasMessageContaining(unknown.substring(0, unknown.indexOf('=')));
      });
    }
  }

  @Test
  void theShardingSectionMakesTheConfigurationSharded() {
    runner.withPropertyValues(UNREACHABLE).run(context -> assertThat(context.getBean(JunctionConfig.class).isSharded()).isFalse());
    runner.withPropertyValues(UNREACHABLE).withPropertyValues(SHARDED).run(context -> {
      assertThat(context).hasNotFailed().hasSingleBean(RoutingDataSource.class);
      JunctionConfig config = context.getBean(JunctionConfig.class);
      assertThat(config.isSharded()).isTrue();
      assertThat(config.sharding().tables()).extracting(t -> t.name() + "." + t.keyColumn() + ":" + t.keyType())
          .containsExactly("orders.customer_id:UUID");
    });
  }

  @Test
  void unrelatedSystemPropertiesWithTheSamePrefixAreTolerated() {
    runner.withPropertyValues(UNREACHABLE).withSystemProperties("junction.local.keep=true")
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(RoutingDataSource.class));
  }

  @Test
  void theDefaultScopeProtectsAnonymousClientsWithATokenCookieAndAGeneratedKey() {
    // Issue #11: with scope: principal alone, anonymous users had no scope at all.
    new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(JunctionAutoConfiguration.class, JunctionWebAutoConfiguration.class))
        .withPropertyValues(UNREACHABLE)
        .run(context -> {
          assertThat(context).hasNotFailed();
          JunctionProperties properties = context.getBean(JunctionProperties.class);
          assertThat(properties.getWeb().getScope()).containsExactly(ScopeSource.PRINCIPAL, ScopeSource.TOKEN);
          assertThat(properties.getWeb().getTokenCookie()).isEqualTo("junction-fence");
          assertThat(context.getBean("junctionScopeFilter", FilterRegistrationBean.class).isEnabled()).isTrue();
        });
  }

  @Test
  void aTokenScopeWithoutAnyCarrierFailsStartupNamingTheKey() {
    new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(JunctionAutoConfiguration.class, JunctionWebAutoConfiguration.class))
        .withPropertyValues(UNREACHABLE).withPropertyValues("junction.web.token-cookie=", "junction.web.token-header=")
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause().isInstanceOf(ConfigException.class)
              .hasMessageStartingWith("junction.web.token-cookie: 'token' in junction.web.scope needs");
        });
  }

  @Test
  void registersTheScopeFilterInServletApplications() {
    new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(JunctionAutoConfiguration.class, JunctionWebAutoConfiguration.class))
        .withPropertyValues(UNREACHABLE).withPropertyValues("junction.web.filter-order=-42")
        .run(context -> {
          FilterRegistrationBean<?> filter = context.getBean("junctionScopeFilter", FilterRegistrationBean.class);
          assertThat(filter.getOrder()).isEqualTo(-42);
          assertThat(filter.isEnabled()).isTrue();
        });
  }

  private static <T extends Throwable> T causeOfType(Throwable failure, Class<T> type) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    throw new AssertionError("no " + type.getSimpleName() + " in the cause chain of " + failure);
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnDataSource {
    @Bean
    DataSource dataSource() {
      PGSimpleDataSource ds = new PGSimpleDataSource();
      ds.setUrl("jdbc:postgresql://127.0.0.1:1/app");
      return ds;
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnRoutingDataSource {
    @Bean(destroyMethod = "close")
    RoutingDataSource routingDataSource() {
      JunctionConfig.Pool pool = new JunctionConfig.Pool(2, 0, java.time.Duration.ofMillis(250), java.time.Duration.ofMinutes(1),
          java.time.Duration.ofMinutes(5), java.time.Duration.ofMillis(250));
      JunctionConfig.Endpoint primary = new JunctionConfig.Endpoint("primary", "jdbc:postgresql://127.0.0.1:1/app", null, null, 1, pool);
      return RoutingDataSource.create(new JunctionConfig(dev.junction.classify.Dialect.POSTGRESQL,
          java.util.List.of(new JunctionConfig.Shard("own", primary, java.util.List.of())), JunctionConfig.Routing.defaults(),
          JunctionConfig.Fencing.defaults()));
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class AppMeterRegistry {
    @Bean
    MeterRegistry meterRegistry() {
      return new SimpleMeterRegistry();
    }
  }
}
