package dev.junction.spring.web;

import dev.junction.config.ConfigException;
import dev.junction.config.JunctionConfig;
import dev.junction.fence.FenceTokenCodec.Rejection;
import dev.junction.fence.FenceTokenCodec;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.spring.JunctionAutoConfiguration;
import dev.junction.spring.JunctionProperties;
import dev.junction.spring.WebProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
 * configured by {@code junction.web.*}, and says at startup which requests get which scope.
 *
 * <p>The default ({@code principal, token} with a token cookie) protects every client out of the
 * box, logged in or not: an application without login (the common Spring MVC CRUD shape) would
 * otherwise read its own writes from a lagging replica, showing stale pages after a redirect and
 * saving stale entities back over newer edits.
 */
@AutoConfiguration(after = JunctionAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({OncePerRequestFilter.class, RoutingDataSource.class})
@ConditionalOnSingleCandidate(RoutingDataSource.class)
@EnableConfigurationProperties(JunctionProperties.class)
public class JunctionWebAutoConfiguration {
  private static final Logger log = LoggerFactory.getLogger(JunctionWebAutoConfiguration.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  @Bean
  @ConditionalOnMissingBean(name = "junctionScopeFilter")
  FilterRegistrationBean<ConsistencyScopeFilter> junctionScopeFilter(JunctionProperties properties, RoutingDataSource dataSource) {
    WebProperties web = properties.getWeb();
    List<ScopeSource> sources = web.getScope() == null ? List.of() : new ArrayList<>(web.getScope());
    if (sources.contains(ScopeSource.HEADER) && isBlank(web.getHeaderName())) {
      throw new ConfigException("junction.web.header-name", "required when junction.web.scope includes header");
    }
    JunctionConfig config = dataSource.config();
    String secret = config.fencing().tokenSecret();
    boolean generatedKey = sources.contains(ScopeSource.TOKEN) && secret == null;
    FenceTokenTransport tokens = sources.contains(ScopeSource.TOKEN)
        ? tokens(web, config, properties.getFencing().getTokenSecretPrevious()) : null;
    WebScopeReport report = WebScopeReport.of(sources, web.getHeaderName(), blankToNull(web.getTokenHeader()),
        blankToNull(web.getTokenCookie()), config.fencing(), generatedKey);
    log.info(report.summary());
    report.warnings().forEach(log::warn);
    FilterRegistrationBean<ConsistencyScopeFilter> registration =
        new FilterRegistrationBean<>(new ConsistencyScopeFilter(sources, web.getHeaderName(), tokens,
            rejectionCounter(dataSource.meterRegistry())));
    registration.setName("junctionScopeFilter");
    registration.setOrder(web.getFilterOrder());
    registration.setEnabled(!sources.isEmpty() && sources.get(0) != ScopeSource.NONE);
    return registration;
  }

  /**
   * The token transport. Without {@code junction.fencing.token-secret} the tokens are signed with a
   * random key generated now: correct on one instance (the common first deployment, and what a
   * default must protect), and announced by a startup warning, because a fleet needs a shared secret.
   */
  private static FenceTokenTransport tokens(WebProperties web, JunctionConfig config, String previousSecret) {
    if (isBlank(web.getTokenHeader()) && isBlank(web.getTokenCookie())) {
      throw new ConfigException("junction.web.token-cookie", "'token' in junction.web.scope needs junction.web.token-cookie "
          + "or junction.web.token-header to carry the token");
    }
    String secret = config.fencing().tokenSecret();
    byte[] previous = null;
    if (!isBlank(previousSecret)) {
      if (secret == null) {
        throw new ConfigException("junction.fencing.token-secret-previous", "needs junction.fencing.token-secret (the new "
            + "secret that signs tokens); the previous one is only accepted");
      }
      if (previousSecret.length() < 16) {
        throw new ConfigException("junction.fencing.token-secret-previous", "must be at least 16 characters");
      }
      if (previousSecret.equals(secret)) {
        throw new ConfigException("junction.fencing.token-secret-previous", "equals junction.fencing.token-secret; remove it "
            + "or set it to the secret used before the rotation");
      }
      previous = previousSecret.getBytes(StandardCharsets.UTF_8);
    }
    byte[] key;
    if (secret == null) {
      key = new byte[32];
      RANDOM.nextBytes(key);
    } else {
      key = secret.getBytes(StandardCharsets.UTF_8);
    }
    FenceTokenCodec codec = new FenceTokenCodec(key, previous, config.fencing().ttl(), Clock.systemUTC());
    log.info("Junction fence tokens: key id {}{}, expiry {} s", codec.keyId(),
        codec.previousKeyId() == null ? "" : ", previous key id " + codec.previousKeyId() + " still accepted",
        codec.ttl().getSeconds());
    return new FenceTokenTransport(codec, web.getTokenHeader(), web.getTokenCookie(), config.fencing().ttl());
  }

  /** {@code junction.fence.tokens.rejected{reason}}, every reason registered at startup so dashboards see zeros. */
  private static Consumer<Rejection> rejectionCounter(MeterRegistry registry) {
    Map<Rejection, Counter> counters = new EnumMap<>(Rejection.class);
    for (Rejection r : Rejection.values()) {
      counters.put(r, Counter.builder("junction.fence.tokens.rejected").tag("reason", r.tag())
          .description("Fence tokens that were malformed, expired or not signed by a known key; their requests ran without the carried fence")
          .register(registry));
    }
    return r -> counters.get(r).increment();
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  private static String blankToNull(String s) {
    return isBlank(s) ? null : s;
  }
}
