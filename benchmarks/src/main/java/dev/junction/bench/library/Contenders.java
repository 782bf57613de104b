package dev.junction.bench.library;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.local.PostgresServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.apache.shardingsphere.driver.api.yaml.YamlShardingSphereDataSourceFactory;

/**
 * Builds every contender against the same replica set, each with its own pools of the same size and
 * settings, so the only difference between them is the layer in front of HikariCP.
 */
public final class Contenders {
  static final String HIKARI = "hikari";
  static final String JUNCTION_PRIMARY = "junction-primary-only";
  static final String JUNCTION_REPLICAS = "junction-2-replicas";
  static final String SPRING_TX = "spring-readonly-tx";
  public static final String SPRING_THREAD_LOCAL = "spring-threadlocal";
  public static final String SHARDINGSPHERE = "shardingsphere-5.5.2";

  static final List<String> ALL = List.of(HIKARI, JUNCTION_PRIMARY, JUNCTION_REPLICAS, SPRING_THREAD_LOCAL, SPRING_TX, SHARDINGSPHERE);

  private Contenders() {}

  public static Contender create(String name, PostgresReplicaSet pg, int poolSize) throws Exception {
    return switch (name) {
      case HIKARI -> {
        HikariDataSource h = hikari("hikari-primary", pg.primary(), poolSize);
        yield new PlainContender(name, h, h);
      }
      case JUNCTION_PRIMARY -> {
        RoutingDataSource r = RoutingDataSource.create(junctionConfig(pg, poolSize, false));
        yield new PlainContender(name, r, r);
      }
      case JUNCTION_REPLICAS -> {
        RoutingDataSource r = RoutingDataSource.create(junctionConfig(pg, poolSize, true));
        yield new PlainContender(name, r, r);
      }
      case SPRING_TX, SPRING_THREAD_LOCAL -> {
        List<HikariDataSource> replicas = new ArrayList<>();
        for (int i = 0; i < pg.replicas().size(); i++) {
          replicas.add(hikari(name + "-replica" + i, pg.replica(i), poolSize));
        }
        SpringRoutingContender.Hint hint = name.equals(SPRING_TX)
            ? SpringRoutingContender.Hint.READ_ONLY_TRANSACTION : SpringRoutingContender.Hint.THREAD_LOCAL;
        yield new SpringRoutingContender(name, hint, hikari(name + "-primary", pg.primary(), poolSize), replicas);
      }
      case SHARDINGSPHERE -> {
        DataSource ss = YamlShardingSphereDataSourceFactory.createDataSource(
            shardingSphereYaml(pg, poolSize).getBytes(StandardCharsets.UTF_8));
        yield new PlainContender(name, ss, (AutoCloseable) ss);
      }
      default -> throw new IllegalArgumentException("unknown contender " + name + "; known: " + ALL);
    };
  }

  static HikariDataSource hikari(String poolName, PostgresServer server, int size) {
    HikariConfig hc = new HikariConfig();
    hc.setPoolName(poolName);
    hc.setJdbcUrl(server.jdbcUrl());
    hc.setUsername(server.user());
    hc.setPassword(server.password());
    hc.setMaximumPoolSize(size);
    hc.setMinimumIdle(0);
    hc.setConnectionTimeout(Duration.ofSeconds(2).toMillis());
    return new HikariDataSource(hc);
  }

  static JunctionConfig junctionConfig(PostgresReplicaSet pg, int poolSize, boolean withReplicas) {
    JunctionConfig.Pool pool = new JunctionConfig.Pool(poolSize, 0, Duration.ofSeconds(2), Duration.ofMinutes(10),
        Duration.ofMinutes(30), Duration.ofSeconds(1));
    List<JunctionConfig.Endpoint> replicas = new ArrayList<>();
    if (withReplicas) {
      for (int i = 0; i < pg.replicas().size(); i++) {
        PostgresServer r = pg.replica(i);
        replicas.add(new JunctionConfig.Endpoint("replica" + (i + 1), r.jdbcUrl(), r.user(), r.password(), 1, pool));
      }
    }
    PostgresServer p = pg.primary();
    return new JunctionConfig(Dialect.POSTGRESQL, List.of(new JunctionConfig.Shard("main",
        new JunctionConfig.Endpoint("primary", p.jdbcUrl(), p.user(), p.password(), 1, pool), replicas)),
        JunctionConfig.Routing.defaults(), JunctionConfig.Fencing.defaults());
  }

  /** ShardingSphere's own YAML: a readwrite-splitting group over the three servers, reads round robin. */
  static String shardingSphereYaml(PostgresReplicaSet pg, int poolSize) {
    StringBuilder y = new StringBuilder();
    y.append("databaseName: bench\n");
    y.append("mode:\n  type: Standalone\n  repository:\n    type: JDBC\n");
    y.append("dataSources:\n");
    appendDataSource(y, "primary_ds", pg.primary(), poolSize);
    List<String> readNames = new ArrayList<>();
    for (int i = 0; i < pg.replicas().size(); i++) {
      readNames.add("replica_ds_" + i);
      appendDataSource(y, "replica_ds_" + i, pg.replica(i), poolSize);
    }
    y.append("rules:\n");
    y.append("- !READWRITE_SPLITTING\n  dataSourceGroups:\n    readwrite_ds:\n");
    y.append("      writeDataSourceName: primary_ds\n      readDataSourceNames:\n");
    for (String n : readNames) {
      y.append("        - ").append(n).append('\n');
    }
    y.append("      loadBalancerName: round_robin\n");
    y.append("  loadBalancers:\n    round_robin:\n      type: ROUND_ROBIN\n");
    y.append("- !SINGLE\n  tables:\n    - \"*.*.*\"\n");
    y.append("props:\n  sql-show: false\n");
    return y.toString();
  }

  private static void appendDataSource(StringBuilder y, String name, PostgresServer s, int poolSize) {
    y.append("  ").append(name).append(":\n");
    y.append("    dataSourceClassName: com.zaxxer.hikari.HikariDataSource\n");
    y.append("    driverClassName: org.postgresql.Driver\n");
    y.append("    jdbcUrl: ").append(s.jdbcUrl()).append('\n');
    y.append("    username: ").append(s.user()).append('\n');
    y.append("    password: ''\n");
    y.append("    maximumPoolSize: ").append(poolSize).append('\n');
    y.append("    minimumIdle: 0\n");
    y.append("    connectionTimeout: 2000\n");
  }
}
