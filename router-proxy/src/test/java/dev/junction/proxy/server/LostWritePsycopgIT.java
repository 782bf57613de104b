package dev.junction.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.jdbc.RoutingDataSource;
import dev.junction.local.LocalCluster;
import dev.junction.local.PostgresReplicaSet;
import dev.junction.proxy.auth.AuthMethod;
import dev.junction.proxy.auth.Credential;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #16 §0 through the proxy with psycopg2, the client of the original report: psycopg2 sends
 * {@code BEGIN} before the first statement (autocommit off by default), so a script that reads and
 * closes without COMMIT, one that writes and closes, one whose statement failed, and one that dies
 * without closing its socket all leave a transaction behind. Interleaved with them, psycopg2
 * sessions write (auto-commit, and explicit commit). Acknowledged must equal committed on the
 * primary; no row of an abandoned transaction may be committed; no backend is left in a
 * transaction. Skipped where no python3 with psycopg2 is installed (Debian: python3-psycopg2).
 */
class LostWritePsycopgIT {
  static final String SCRIPT = """
      import os, sys
      import psycopg2
      mode = sys.argv[1]
      conn = psycopg2.connect(host='127.0.0.1', port=int(os.environ['PROXY_PORT']), user=os.environ['PGUSER'],
                              password=os.environ['PGPASSWORD'], dbname=os.environ['PGDATABASE'], sslmode='disable')
      cur = conn.cursor()
      if mode == 'read':
          cur.execute('SELECT count(*) FROM acked'); cur.fetchone(); conn.close()
      elif mode == 'write':
          cur.execute("INSERT INTO acked(who) VALUES ('never')"); conn.close()
      elif mode == 'fail':
          try:
              cur.execute('SELECT 1/0')
          except psycopg2.Error:
              pass
          conn.close()
      elif mode == 'die':
          cur.execute("INSERT INTO acked(who) VALUES ('never')"); sys.stdout.flush(); os._exit(0)
      elif mode == 'autocommit':
          conn.autocommit = True
          n = 0
          for i in range(3):
              cur.execute("INSERT INTO acked(who) VALUES ('acked')"); n += cur.rowcount
          print('ACKED', n)
      elif mode == 'commit':
          cur.execute("INSERT INTO acked(who) VALUES ('acked')"); n = cur.rowcount; conn.commit(); print('ACKED', n)
      """;
  static final Pattern ACKED = Pattern.compile("ACKED (\\d+)");

  static String python() {
    for (String candidate : List.of("/usr/bin/python3", "python3")) {
      try {
        ProxyIT.run(List.of(candidate, "-c", "import psycopg2"), Map.of(), 30);
        return candidate;
      } catch (Exception | AssertionError e) {
        // not this one
      }
    }
    return null;
  }

  @Test
  void acknowledgedWritesAfterAbandonedPsycopgTransactionsAreCommitted(@TempDir Path dir) throws Exception {
    String python = python();
    assumeThat(python).as("python3 with psycopg2").isNotNull();
    Path script = Files.writeString(dir.resolve("session.py"), SCRIPT);
    try (LocalCluster cluster = LocalCluster.builder().postgresReplicaSets(1).postgresReplicas(Duration.ZERO).shared(LostWritePsycopgIT.class)) {
      PostgresReplicaSet pg = cluster.postgres(0);
      try (Connection c = pg.primary().connect(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE acked (id bigserial primary key, who text)");
      }
      JunctionConfig.Pool pool = new JunctionConfig.Pool(2, 0, Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofMinutes(30),
          Duration.ofSeconds(1));
      JunctionConfig config = new JunctionConfig(Dialect.POSTGRESQL, List.of(new JunctionConfig.Shard("main",
          new JunctionConfig.Endpoint("primary", pg.primary().jdbcUrl(), pg.primary().user(), "", 1, pool),
          List.of(new JunctionConfig.Endpoint("replica1", pg.replica(0).jdbcUrl(), pg.replica(0).user(), "", 1, pool)))),
          JunctionConfig.Routing.defaults(), JunctionConfig.Fencing.defaults());
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      try (RoutingDataSource ds = RoutingDataSource.create(config, registry);
           ProxyServer proxy = new ProxyServer(ProxyConfig.defaults()
               .withAuth(AuthMethod.SCRAM_SHA_256, Map.of(ProxyIT.USER, Credential.plain(ProxyIT.PASSWORD))).withPorts(0, 0), ds, registry)) {
        Map<String, String> env = Map.of("PROXY_PORT", Integer.toString(proxy.port()), "PGUSER", ProxyIT.USER,
            "PGPASSWORD", ProxyIT.PASSWORD, "PGDATABASE", pg.primary().database());
        long acknowledged = 0;
        for (int round = 0; round < 3; round++) {
          for (String mode : List.of("read", "autocommit", "write", "commit", "fail", "autocommit", "die", "commit")) {
            String out = ProxyIT.run(List.of(python, script.toString(), mode), env, 60);
            Matcher m = ACKED.matcher(out);
            if (m.find()) {
              acknowledged += Long.parseLong(m.group(1));
            }
          }
        }
        try (Connection c = pg.primary().connect(); Statement s = c.createStatement()) {
          long committed = count(s, "SELECT count(*) FROM acked WHERE who = 'acked'");
          long never = count(s, "SELECT count(*) FROM acked WHERE who = 'never'");
          // a socket that died is noticed by the proxy asynchronously: bounded wait for its backend to be released
          long open = -1;
          for (int i = 0; i < 200 && open != 0; i++) {
            open = count(s, "SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'"
                + " AND backend_type = 'client backend'");
            if (open != 0) {
              Thread.sleep(50);
            }
          }
          System.out.printf("[LostWritePsycopgIT] acknowledged %d, committed %d, abandoned rows committed %d, backends left in a"
              + " transaction %d%n", acknowledged, committed, never, open);
          assertThat(acknowledged).isEqualTo(3 * (3 + 1 + 3 + 1));
          assertThat(committed).as("acknowledged writes committed").isEqualTo(acknowledged);
          assertThat(never).isZero();
          assertThat(open).isZero();
        }
      }
    }
  }

  static long count(Statement s, String sql) throws Exception {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
