package dev.junction.spring.health;

import dev.junction.jdbc.EndpointHealth;
import dev.junction.jdbc.RoutingDataSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.HealthContributor;

/**
 * Builds the {@code junction} health tree: {@code junction/<shard>/<endpoint>}, one indicator per
 * database endpoint (with several routing data sources, the bean name comes first:
 * {@code junction/<bean>/<shard>/<endpoint>}).
 */
final class JunctionHealthContributors {
  private JunctionHealthContributors() {}

  static HealthContributor of(Map<String, RoutingDataSource> dataSources) {
    if (dataSources.size() == 1) {
      RoutingDataSource only = dataSources.values().iterator().next();
      return ofSnapshot(only.health(), only::health);
    }
    Map<String, HealthContributor> byBean = new LinkedHashMap<>();
    dataSources.forEach((bean, ds) -> byBean.put(bean, ofSnapshot(ds.health(), ds::health)));
    return CompositeHealthContributor.fromMap(byBean);
  }

  /**
   * The {@code junctionFenceStore} contributor: one indicator, or with several routing data sources
   * one per bean ({@code junctionFenceStore/<bean>}).
   */
  static HealthContributor fenceStores(Map<String, RoutingDataSource> dataSources) {
    if (dataSources.size() == 1) {
      return new FenceStoreHealthIndicator(dataSources.values().iterator().next());
    }
    Map<String, HealthContributor> byBean = new LinkedHashMap<>();
    dataSources.forEach((bean, ds) -> byBean.put(bean, new FenceStoreHealthIndicator(ds)));
    return CompositeHealthContributor.fromMap(byBean);
  }

  /** @param layout the endpoints to expose (fixed at startup); @param live fresh snapshots per health check */
  static HealthContributor ofSnapshot(List<EndpointHealth> layout, Supplier<List<EndpointHealth>> live) {
    Map<String, Map<String, HealthContributor>> shards = new LinkedHashMap<>();
    for (EndpointHealth e : layout) {
      shards.computeIfAbsent(e.shard(), s -> new LinkedHashMap<>())
          .put(e.endpoint(), new EndpointHealthIndicator(e.shard(), e.endpoint(), live));
    }
    Map<String, HealthContributor> byShard = new LinkedHashMap<>();
    shards.forEach((shard, endpoints) -> byShard.put(shard, CompositeHealthContributor.fromMap(endpoints)));
    return CompositeHealthContributor.fromMap(byShard);
  }
}
