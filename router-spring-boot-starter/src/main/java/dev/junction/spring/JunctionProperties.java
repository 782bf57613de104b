package dev.junction.spring;

import dev.junction.classify.Dialect;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * The {@code junction.*} properties: the same keys, in kebab-case, as the {@code junction:} section
 * of Junction's YAML format, so a configuration moves between the library, the proxy and a Spring
 * application unchanged. Spring binds and converts the values; {@link JunctionConfigMapper} turns
 * them into a validated {@link dev.junction.config.JunctionConfig}.
 */
@ConfigurationProperties(prefix = JunctionProperties.PREFIX)
public class JunctionProperties {
  public static final String PREFIX = "junction";

  /**
   * The one switch that turns the starter off (no routing data source, filter, health or admin
   * page); Spring Boot's own DataSource then applies as if Junction were absent. Excluding
   * DataSourceAutoConfiguration turns it off as well.
   */
  private boolean enabled = true;

  /** SQL dialect of every server: postgresql, mysql or mariadb. Required. */
  private Dialect dialect;

  /**
   * Replica sets, one per shard: each has a name, a primary and optional replicas (name, url,
   * username, password, weight, pool.*). Setting junction.shards[0].primary.url is what turns the
   * starter on.
   */
  private List<ShardProperties> shards = new ArrayList<>();

  /** Replica selection, lag thresholds and read-your-writes fencing. */
  @NestedConfigurationProperty
  private RoutingProperties routing = new RoutingProperties();

  /** Where consistency scopes keep their fences (local memory or Redis) and how tokens are signed. */
  @NestedConfigurationProperty
  private FencingProperties fencing = new FencingProperties();

  /**
   * How rows are spread over the shards. Setting any junction.sharding key turns sharding on, as
   * the sharding section does in Junction's YAML format; unset, this stays null.
   */
  @NestedConfigurationProperty
  private ShardingProperties sharding;

  /** The per-request consistency scope of servlet web applications. */
  @NestedConfigurationProperty
  private WebProperties web = new WebProperties();

  /** The live admin page (router-admin): off by default. */
  @NestedConfigurationProperty
  private dev.junction.spring.admin.AdminProperties admin = new dev.junction.spring.admin.AdminProperties();

  /**
   * The sidecar proxy's own settings (docs/proxy.md). Ignored by the starter; accepted so that one
   * Junction YAML file can configure both.
   */
  private Map<String, Object> proxy = new LinkedHashMap<>();

  public dev.junction.spring.admin.AdminProperties getAdmin() {
    return admin;
  }

  public void setAdmin(dev.junction.spring.admin.AdminProperties admin) {
    this.admin = admin;
  }

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public Dialect getDialect() {
    return dialect;
  }

  public void setDialect(Dialect dialect) {
    this.dialect = dialect;
  }

  public List<ShardProperties> getShards() {
    return shards;
  }

  public void setShards(List<ShardProperties> shards) {
    this.shards = shards;
  }

  public RoutingProperties getRouting() {
    return routing;
  }

  public void setRouting(RoutingProperties routing) {
    this.routing = routing;
  }

  public FencingProperties getFencing() {
    return fencing;
  }

  public void setFencing(FencingProperties fencing) {
    this.fencing = fencing;
  }

  public ShardingProperties getSharding() {
    return sharding;
  }

  public void setSharding(ShardingProperties sharding) {
    this.sharding = sharding;
  }

  public Map<String, Object> getProxy() {
    return proxy;
  }

  public void setProxy(Map<String, Object> proxy) {
    this.proxy = proxy;
  }

  public WebProperties getWeb() {
    return web;
  }

  public void setWeb(WebProperties web) {
    this.web = web;
  }
}
