package dev.junction.spring.jpa;

import dev.junction.jdbc.RoutingDataSource;
import java.sql.SQLException;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.orm.jpa.vendor.HibernateJpaVendorAdapter;

/**
 * Prepares Hibernate entity manager factories that run on a {@link RoutingDataSource}: installs
 * {@link ReadOnlyRoutingHibernateJpaDialect} (unless the application chose its own dialect) and
 * rejects {@code hibernate.connection.provider_disables_autocommit}, which would make Hibernate skip
 * {@code setAutoCommit(false)} so every statement of a transaction ran as its own transaction.
 */
final class JunctionEntityManagerFactoryPostProcessor implements BeanPostProcessor {
  static final String PROVIDER_DISABLES_AUTOCOMMIT = "hibernate.connection.provider_disables_autocommit";

  @Override
  public Object postProcessBeforeInitialization(Object bean, String beanName) {
    if (bean instanceof LocalContainerEntityManagerFactoryBean factory && routes(factory.getDataSource())
        && factory.getJpaVendorAdapter() instanceof HibernateJpaVendorAdapter) {
      rejectProviderDisablesAutocommit(factory.getJpaPropertyMap(), beanName);
      if (factory.getJpaDialect() == null) {
        factory.setJpaDialect(new ReadOnlyRoutingHibernateJpaDialect());
      }
    }
    return bean;
  }

  private static boolean routes(DataSource dataSource) {
    try {
      return dataSource != null && dataSource.isWrapperFor(RoutingDataSource.class);
    } catch (SQLException e) {
      return false;
    }
  }

  static void rejectProviderDisablesAutocommit(Map<String, Object> jpaProperties, String beanName) {
    Object value = jpaProperties.get(PROVIDER_DISABLES_AUTOCOMMIT);
    if (value != null && Boolean.parseBoolean(value.toString().trim())) {
      throw new IllegalStateException("Entity manager factory '" + beanName + "' sets " + PROVIDER_DISABLES_AUTOCOMMIT
          + "=true, which cannot work with Junction: its logical connections start in auto-commit mode, and Hibernate would"
          + " skip setAutoCommit(false), so each statement of a transaction would commit on its own. Remove"
          + " spring.jpa.properties." + PROVIDER_DISABLES_AUTOCOMMIT + ".");
    }
  }
}
