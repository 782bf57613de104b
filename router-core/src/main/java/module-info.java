/**
 * Junction's routing core: statement classification, the routing decision, the shard ring and
 * planner, fences, lag and health models, the merge of multi-shard results, and the configuration.
 * Nothing here talks to a database; {@code dev.junction.jdbc} and the proxy do.
 *
 * <p>API, used by applications through {@code dev.junction.jdbc}: {@code dev.junction} (scopes),
 * {@code config}, {@code classify}, {@code fence}, {@code health}, {@code position}, {@code route} and
 * {@code shard}. Internal: {@code merge} and {@code ring}, exported only to {@code dev.junction.jdbc},
 * which runs them (the proxy and the resharding tool use them from the class path).
 */
module dev.junction.core {
  requires transitive java.sql;
  requires transitive micrometer.core; // StatementClassifier.bindTo(MeterRegistry)
  requires transitive com.github.benmanes.caffeine; // StatementClassifier.stats() is its CacheStats
  requires java.management; // the parse budget reads thread CPU time
  requires net.sf.jsqlparser;
  requires org.slf4j;
  requires org.yaml.snakeyaml;

  exports dev.junction;
  exports dev.junction.classify;
  exports dev.junction.config;
  exports dev.junction.fence;
  exports dev.junction.health;
  exports dev.junction.position;
  exports dev.junction.route;
  exports dev.junction.shard;
  exports dev.junction.merge to dev.junction.jdbc;
  exports dev.junction.ring to dev.junction.jdbc;
}
