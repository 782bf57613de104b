package dev.junction.spring.jpa;

import dev.junction.jdbc.RoutingDataSource;
import dev.junction.spring.JunctionAutoConfiguration;
import org.hibernate.engine.spi.SessionImplementor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.orm.jpa.vendor.HibernateJpaDialect;

/** Hibernate/JPA adjustments for Junction; see {@link JunctionEntityManagerFactoryPostProcessor}. */
@AutoConfiguration(after = JunctionAutoConfiguration.class)
@ConditionalOnClass({LocalContainerEntityManagerFactoryBean.class, HibernateJpaDialect.class, SessionImplementor.class})
@ConditionalOnBean(RoutingDataSource.class)
public class JunctionJpaAutoConfiguration {

  @Bean
  static JunctionEntityManagerFactoryPostProcessor junctionEntityManagerFactoryPostProcessor() {
    return new JunctionEntityManagerFactoryPostProcessor();
  }
}
