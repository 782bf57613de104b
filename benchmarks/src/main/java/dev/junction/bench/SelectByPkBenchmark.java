package dev.junction.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.junction.bench.library.Contender;
import dev.junction.bench.library.Contenders;
import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.health.ReplicaSelector;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One select-by-primary-key round trip (borrow, prepare, bind, execute, read, close) against a real
 * local PostgreSQL replica, through raw HikariCP and through Junction routing to that same replica,
 * measured side by side in one run so the ratio is meaningful on a noisy shared machine. Two peers
 * route the same read to the same replica: Spring's {@code AbstractRoutingDataSource} with a
 * thread-local read-only flag, and ShardingSphere-JDBC's readwrite-splitting rule (see
 * {@code library.Contenders}; the closed-loop {@code library.LibraryBenchmark} compares them at scale).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class SelectByPkBenchmark {
  static final int ROWS = 10_000;

  @Param({"hikari", "junction", Contenders.SPRING_THREAD_LOCAL, Contenders.SHARDINGSPHERE})
  public String target;

  LocalCluster cluster;
  DataSource dataSource;
  Contender contender;
  AutoCloseable closeable;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO).start();
    PostgresServer primary = cluster.postgres(0).primary();
    PostgresServer replica = cluster.postgres(0).replica(0);
    try (Connection c = primary.connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE accounts (id int primary key, name text, balance bigint)");
      s.execute("INSERT INTO accounts SELECT g, 'name-' || g, g * 10 FROM generate_series(1, " + ROWS + ") g");
    }
    Thread.sleep(500);
    if (!target.equals("hikari") && !target.equals("junction")) {
      contender = Contenders.create(target, cluster.postgres(0), 4);
      closeable = contender;
    } else if (target.equals("hikari")) {
      HikariConfig hc = new HikariConfig();
      hc.setJdbcUrl(replica.jdbcUrl());
      hc.setUsername(replica.user());
      hc.setMaximumPoolSize(4);
      HikariDataSource h = new HikariDataSource(hc);
      dataSource = h;
      closeable = h;
    } else {
      JunctionConfig.Pool pool = new JunctionConfig.Pool(4, 0, Duration.ofSeconds(2), Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofSeconds(1));
      JunctionConfig config = new JunctionConfig(Dialect.POSTGRESQL, List.of(new JunctionConfig.Shard("main",
          new JunctionConfig.Endpoint("primary", primary.jdbcUrl(), primary.user(), "", 1, pool),
          List.of(new JunctionConfig.Endpoint("replica1", replica.jdbcUrl(), replica.user(), "", 1, pool)))),
          new JunctionConfig.Routing(ReplicaSelector.Strategy.ROUND_ROBIN, Duration.ofSeconds(5), 0, Duration.ofMillis(2500),
              Duration.ofMillis(250), Duration.ofMillis(50), Duration.ofSeconds(1), 10_000),
          JunctionConfig.Fencing.defaults());
      RoutingDataSource r = RoutingDataSource.create(config);
      dataSource = r;
      closeable = r;
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    closeable.close();
    cluster.close();
  }

  @Benchmark
  public long selectByPrimaryKey() throws Exception {
    int id = 1 + ThreadLocalRandom.current().nextInt(ROWS);
    if (contender != null) {
      return contender.read(c -> select(c, id));
    }
    try (Connection c = dataSource.getConnection()) {
      return select(c, id);
    }
  }

  static long select(Connection c, int id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT id, name, balance FROM accounts WHERE id = ?")) {
      ps.setInt(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(3);
      }
    }
  }
}
