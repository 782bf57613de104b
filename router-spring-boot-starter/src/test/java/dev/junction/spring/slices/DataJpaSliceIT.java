package dev.junction.spring.slices;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.jdbc.RoutingDataSource;
import dev.junction.spring.jpa.ReadOnlyRoutingHibernateJpaDialect;
import jakarta.persistence.EntityManagerFactory;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.jdbc.AutoConfigureTestDatabase;
import org.springframework.boot.test.autoconfigure.orm.jpa.DataJpaTest;
import org.springframework.orm.jpa.EntityManagerFactoryInfo;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** {@code @DataJpaTest} with {@code replace = NONE} runs on Junction, with its Hibernate read-only routing. */
@DataJpaTest
@AutoConfigureTestDatabase(replace = AutoConfigureTestDatabase.Replace.NONE)
class DataJpaSliceIT {
  @DynamicPropertySource
  static void junction(DynamicPropertyRegistry registry) {
    SliceCluster.junction(registry);
  }

  @Autowired DataSource dataSource;
  @Autowired EntityManagerFactory entityManagerFactory;

  @Test
  void theDataJpaSliceRunsOnJunctionWithItsHibernateSetup() {
    assertThat(dataSource).isInstanceOf(RoutingDataSource.class);
    assertThat(((EntityManagerFactoryInfo) entityManagerFactory).getJpaDialect()).isInstanceOf(ReadOnlyRoutingHibernateJpaDialect.class);
  }
}
