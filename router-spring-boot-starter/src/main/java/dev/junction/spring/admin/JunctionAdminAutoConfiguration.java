package dev.junction.spring.admin;

import dev.junction.admin.AdminStatus;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.spring.JunctionAutoConfiguration;
import dev.junction.spring.JunctionProperties;
import jakarta.servlet.http.HttpServlet;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;

/**
 * Serves the live admin page of {@code router-admin} at {@code junction.admin.path} (default
 * {@code /junction/admin/}) when {@code junction.admin.enabled=true}, router-admin is on the
 * classpath and the application is a servlet web application.
 */
@AutoConfiguration(after = JunctionAutoConfiguration.class)
@ConditionalOnClass({AdminStatus.class, HttpServlet.class, ServletRegistrationBean.class})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnSingleCandidate(RoutingDataSource.class)
@ConditionalOnProperty(prefix = "junction.admin", name = "enabled", havingValue = "true")
public class JunctionAdminAutoConfiguration {

  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  AdminStatus junctionAdminStatus(RoutingDataSource dataSource) {
    return new AdminStatus(dataSource);
  }

  @Bean
  ServletRegistrationBean<HttpServlet> junctionAdminServlet(AdminStatus status, JunctionProperties junction) {
    AdminProperties properties = junction.getAdmin();
    String path = properties.getPath().endsWith("/") ? properties.getPath().substring(0, properties.getPath().length() - 1)
        : properties.getPath();
    if (!path.startsWith("/") || path.length() < 2 || path.contains("*")) {
      throw new IllegalArgumentException("junction.admin.path: must start with '/', name a directory and contain no '*', got '"
          + properties.getPath() + "'");
    }
    ServletRegistrationBean<HttpServlet> registration = new ServletRegistrationBean<>(new AdminServlet(status), path, path + "/*");
    registration.setName("junctionAdmin");
    return registration;
  }
}
