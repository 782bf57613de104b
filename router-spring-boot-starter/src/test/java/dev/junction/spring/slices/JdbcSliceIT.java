package dev.junction.spring.slices;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.jdbc.RoutingDataSource;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.jdbc.AutoConfigureTestDatabase;
import org.springframework.boot.test.autoconfigure.jdbc.JdbcTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code @JdbcTest} with {@code @AutoConfigureTestDatabase(replace = NONE)} runs on Junction: the
 * starter lists its auto-configuration in the slice's {@code .imports} file. (With the slice's
 * default, replace = ANY, Spring Boot swaps any DataSource, Junction's included, for an embedded one.)
 */
@JdbcTest
@AutoConfigureTestDatabase(replace = AutoConfigureTestDatabase.Replace.NONE)
class JdbcSliceIT {
  @DynamicPropertySource
  static void junction(DynamicPropertyRegistry registry) {
    SliceCluster.junction(registry);
  }

  @Autowired DataSource dataSource;
  @Autowired JdbcTemplate jdbc;

  @Test
  void theJdbcSliceRunsOnJunction() {
    assertThat(dataSource).isInstanceOf(RoutingDataSource.class);
    // @JdbcTest wraps each test in a read-write transaction: it runs on the primary
    assertThat(jdbc.queryForObject("SELECT inet_server_port()", Integer.class)).isEqualTo(SliceCluster.pg().primary().port());
  }
}
