package dev.junction.spring.slices;

import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import java.time.Duration;
import org.springframework.test.context.DynamicPropertyRegistry;

/** One primary and one replica for the slice tests, started on first use and stopped when the JVM exits. */
final class SliceCluster {
  private static LocalCluster cluster;

  private SliceCluster() {}

  static synchronized PostgresReplicaSet pg() {
    if (cluster == null) {
      cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO).start();
      Runtime.getRuntime().addShutdownHook(new Thread(cluster::close));
    }
    return cluster.postgres(0);
  }

  /** Only junction.* properties: no spring.datasource.* at all. */
  static void junction(DynamicPropertyRegistry registry) {
    PostgresReplicaSet pg = pg();
    registry.add("junction.dialect", () -> "postgresql");
    registry.add("junction.shards[0].name", () -> "main");
    registry.add("junction.shards[0].primary.url", () -> pg.primary().jdbcUrl());
    registry.add("junction.shards[0].primary.username", () -> pg.primary().user());
    registry.add("junction.shards[0].replicas[0].url", () -> pg.replica(0).jdbcUrl());
    registry.add("junction.shards[0].replicas[0].username", () -> pg.replica(0).user());
  }
}
