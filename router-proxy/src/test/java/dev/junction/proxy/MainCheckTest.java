package dev.junction.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code router-proxy.jar --check}: a MySQL or MariaDB configuration is refused at startup, naming
 * {@code junction.dialect}. Before, the proxy started, and every session failed on its first statement
 * with a MariaDB syntax error (its session settings are PostgreSQL's).
 */
class MainCheckTest {
  @TempDir
  Path dir;

  static String yaml(String dialect, String scheme) {
    return "junction:\n  dialect: " + dialect + "\n  shards:\n    - name: main\n      primary:\n"
        + "        url: jdbc:" + scheme + "://127.0.0.1:1/app\n        username: app\n        password: s3cr3t-pw\n"
        + "  proxy:\n    listen: 127.0.0.1:0\n    auth: trust\n";
  }

  @ParameterizedTest
  @ValueSource(strings = {"mariadb", "mysql"})
  void aMySqlFamilyDialectIsRefusedNamingTheKey(String dialect) throws Exception {
    Path file = Files.writeString(dir.resolve("junction.yaml"), yaml(dialect, dialect));
    String err = checkStderr(file);
    assertThat(err).contains("junction.dialect").contains("PostgreSQL").contains(dialect).doesNotContain("s3cr3t-pw");
  }

  @Test
  void postgresqlPasses() throws Exception {
    Path file = Files.writeString(dir.resolve("junction.yaml"), yaml("postgresql", "postgresql"));
    assertThat(Main.check(file)).isZero();
  }

  private static String checkStderr(Path file) {
    PrintStream old = System.err;
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    try {
      assertThat(Main.check(file)).isEqualTo(2);
    } finally {
      System.setErr(old);
    }
    return buffer.toString(StandardCharsets.UTF_8);
  }
}
