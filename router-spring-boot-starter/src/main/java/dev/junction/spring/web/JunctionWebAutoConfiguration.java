package dev.junction.spring.web;

import dev.junction.config.ConfigException;
import dev.junction.config.JunctionConfig;
import dev.junction.fence.FenceTokenCodec;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.spring.JunctionAutoConfiguration;
import dev.junction.spring.JunctionProperties;
import dev.junction.spring.WebProperties;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Registers {@link ConsistencyScopeFilter} in servlet web applications that use Junction, as
 * configured by {@code junction.web.*}.
 */
@AutoConfiguration(after = JunctionAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({OncePerRequestFilter.class, RoutingDataSource.class})
@ConditionalOnSingleCandidate(RoutingDataSource.class)
@EnableConfigurationProperties(JunctionProperties.class)
public class JunctionWebAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean(name = "junctionScopeFilter")
  FilterRegistrationBean<ConsistencyScopeFilter> junctionScopeFilter(JunctionProperties properties, RoutingDataSource dataSource) {
    WebProperties web = properties.getWeb();
    List<ScopeSource> sources = web.getScope() == null ? List.of() : new ArrayList<>(web.getScope());
    FenceTokenTransport tokens = sources.contains(ScopeSource.TOKEN) ? tokens(web, dataSource.config()) : null;
    if (sources.contains(ScopeSource.HEADER) && (web.getHeaderName() == null || web.getHeaderName().isBlank())) {
      throw new ConfigException("junction.web.header-name", "required when junction.web.scope includes header");
    }
    FilterRegistrationBean<ConsistencyScopeFilter> registration =
        new FilterRegistrationBean<>(new ConsistencyScopeFilter(sources, web.getHeaderName(), tokens));
    registration.setName("junctionScopeFilter");
    registration.setOrder(web.getFilterOrder());
    registration.setEnabled(!sources.isEmpty() && sources.get(0) != ScopeSource.NONE);
    return registration;
  }

  private static FenceTokenTransport tokens(WebProperties web, JunctionConfig config) {
    String secret = config.fencing().tokenSecret();
    if (secret == null) {
      throw new ConfigException("junction.web.scope", "'token' needs junction.fencing.token-secret (at least 16 characters, "
          + "the same on every instance) to sign the tokens; set it or remove 'token' from junction.web.scope");
    }
    if (isBlank(web.getTokenHeader()) && isBlank(web.getTokenCookie())) {
      throw new ConfigException("junction.web.token-header", "'token' in junction.web.scope needs junction.web.token-header "
          + "or junction.web.token-cookie to carry the token");
    }
    return new FenceTokenTransport(new FenceTokenCodec(secret.getBytes(StandardCharsets.UTF_8)), web.getTokenHeader(),
        web.getTokenCookie(), config.fencing().ttl());
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }
}
