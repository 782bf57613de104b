package dev.junction.reshard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.junction.config.ConfigException;
import dev.junction.config.YamlConfigLoader;
import dev.junction.reshard.ReshardJob;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The resharding tool with a URL no driver accepts, or one a driver cannot parse: it fails naming the
 * configuration key and the host only. Before, it opened connections with
 * {@code DriverManager.getConnection(url)}, whose "No suitable driver found for &lt;url&gt;" printed the
 * whole URL with its {@code password=} parameter and {@code user:password@} user-info.
 */
class ReshardCliSecretTest {
  static final String USERINFO_PW = "Ui-Pw&;=%x@y/z";
  static final String PARAM_PW = "Pa-Pw&qq;rr#ss";

  static String yaml(String url0, String url1) {
    return """
        junction:
          dialect: postgresql
          shards:
            - name: s0
              primary: { url: "%s", username: app, password: "Cf-Pw-0123" }
            - name: s1
              primary: { url: "%s", username: app }
          sharding:
            tables: [ { name: orders, key: customer_id } ]
        """.formatted(url0, url1);
  }

  static final String GOOD = "jdbc:postgresql://127.0.0.1:1/app";

  /** No driver for jdbc:oracle on the class path: the JDK's message would carry the whole URL. */
  static final String NO_DRIVER = "jdbc:oracle:thin://app:" + USERINFO_PW + "@db9.internal:1521/orcl?password=" + PARAM_PW;

  @Test
  void missingDriverFailsAtStartNamingTheKeyAndHostOnly(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("target.yaml");
    Files.writeString(file, yaml(GOOD, NO_DRIVER));
    Throwable e = catchThrowable(() -> ReshardJob.open(YamlConfigLoader.load(file)));
    assertThat(e).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("junction.shards[1].primary.url: no JDBC driver on the classpath accepts this URL (db9.internal:1521/orcl");
    assertClean(printed(e));

    String[] cli = cli("plan", file);
    System.out.println("reshard plan, stderr:" + cli[1]); // for the docs: what an operator sees
    assertThat(cli[1]).contains("reshard plan failed: junction.shards[1].primary.url: no JDBC driver");
    assertClean(cli[0] + cli[1]);
  }

  /**
   * Drivers that accept the prefix but cannot parse the rest: pgjdbc returns no connection (DriverManager
   * then says "No suitable driver found for &lt;url&gt;"), Connector/J throws an exception quoting the URL.
   */
  @Test
  void malformedUrlFailsNamingTheKeyAndNoPartOfThePassword(@TempDir Path dir) throws Exception {
    for (String url : List.of(
        "jdbc:postgresql://app:" + USERINFO_PW + "@127.0.0.1:notaport/app?password=" + PARAM_PW,
        "jdbc:mysql://app:" + USERINFO_PW + "@127.0.0.1:notaport/app?password=" + PARAM_PW,
        "jdbc:postgresql://127.0.0.1:notaport/app?user=app&password=" + PARAM_PW,
        "jdbc:mysql://127.0.0.1:3306/app?password=" + PARAM_PW + "&useSSL=maybe&sslMode=bogus")) {
      Path file = dir.resolve("target.yaml");
      Files.writeString(file, yaml(url, GOOD));
      Throwable e = catchThrowable(() -> ReshardJob.open(YamlConfigLoader.load(file)));
      assertThat(e).as(url).isNotNull();
      String printed = printed(e);
      assertThat(printed).as(url).contains("junction.shards[0].primary");
      assertClean(printed);
      String[] cli = cli("status", file);
      System.out.println("reshard status, stderr:" + cli[1]);
      assertThat(cli[1]).as(url).contains("reshard status failed: ").contains("junction.shards[0].primary");
      assertClean(cli[0] + cli[1]);
    }
  }

  static String[] cli(String command, Path file) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = ReshardCli.run(new String[] {command, "--config", file.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(code).isEqualTo(1);
    return new String[] {out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
  }

  /** Message, every cause's message and the printed stack trace (frames, which are code, left out). */
  static String printed(Throwable e) {
    StringBuilder sb = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      sb.append(t.getMessage()).append('\n').append(t).append('\n');
    }
    StringWriter w = new StringWriter();
    e.printStackTrace(new PrintWriter(w));
    return sb + w.toString().replaceAll("(?m)^\\s+at .*$", "");
  }

  /** Neither password, nor the configured one, nor any 3+ character piece of them. */
  static void assertClean(String text) {
    for (String secret : List.of(USERINFO_PW, PARAM_PW, "Cf-Pw-0123")) {
      for (int len = 3; len <= secret.length(); len++) {
        for (int i = 0; i + len <= secret.length(); i++) {
          assertThat(text).doesNotContain(secret.substring(i, i + len));
        }
      }
    }
  }
}
