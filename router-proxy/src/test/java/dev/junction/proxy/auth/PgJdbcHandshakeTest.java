package dev.junction.proxy.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.proxy.protocol.FrontendMessage;
import dev.junction.proxy.protocol.FrontendMessage.StartupMessage;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PasswordUtil;

/**
 * The real PostgreSQL JDBC driver logs in against {@link MiniPgServer}, which runs the handshake with
 * the proxy's decoder, encoder and authenticators: SCRAM (pgjdbc's own SCRAM client), MD5,
 * cleartext, and the failures a client must see as SQLSTATE 28P01.
 */
class PgJdbcHandshakeTest {

  private static Function<StartupMessage, Authenticator> users(AuthMethod method, Map<String, Credential> credentials) {
    return startup -> Authenticators.create(method, startup.user(), credentials.get(startup.user()));
  }

  private static Connection connect(MiniPgServer server, String user, String password) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", user);
    props.setProperty("password", password);
    props.setProperty("connectTimeout", "5");
    props.setProperty("socketTimeout", "10");
    return DriverManager.getConnection(server.url("db"), props);
  }

  private static void assertConnects(MiniPgServer server, String user, String password) throws SQLException {
    try (Connection c = connect(server, user, password)) {
      assertThat(c.isValid(2)).isTrue();
      try (Statement s = c.createStatement()) {
        s.execute("SET search_path = public");
      }
    }
  }

  @Test
  void scramWithPlainPassword() throws Exception {
    try (MiniPgServer server = new MiniPgServer(users(AuthMethod.SCRAM_SHA_256,
        Map.of("alice", Credential.plain("s3cret!"))))) {
      assertConnects(server, "alice", "s3cret!");
      // pgjdbc's default sslmode=prefer asks for TLS first; the server declines and the client goes on.
      assertThat(server.received.get(0)).isInstanceOf(FrontendMessage.SslRequest.class);
      StartupMessage startup = (StartupMessage) server.received.get(1);
      assertThat(startup.user()).isEqualTo("alice");
      assertThat(startup.database()).isEqualTo("db");
      // After login pgjdbc configures the session with SETs (which ones, and whether as simple or
      // extended-protocol messages, changed between 42.7.5 and 42.7.14): the session is usable.
      assertThat(server.received).anyMatch(m -> m instanceof FrontendMessage.Parse p && p.query().startsWith("SET ")
          || m instanceof FrontendMessage.Query q && q.sql().startsWith("SET "));
      awaitTerminate(server);
    }
  }

  private static void awaitTerminate(MiniPgServer server) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (server.received.stream().noneMatch(m -> m instanceof FrontendMessage.Terminate)) {
      assertThat(System.nanoTime()).as("Terminate should arrive after close()").isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  @Test
  void scramWithPostgresVerifier() throws Exception {
    String verifier = PasswordUtil.encodeScramSha256("verified".toCharArray());
    try (MiniPgServer server = new MiniPgServer(users(AuthMethod.SCRAM_SHA_256,
        Map.of("bob", Credential.parse(verifier))))) {
      assertConnects(server, "bob", "verified");
    }
  }

  @Test
  void scramWithNonAsciiPasswordNeedsMatchingSaslPrep() throws Exception {
    String password = "pä\u00ADss\u00A0wörd \u2168 ｆｕｌｌ";
    try (MiniPgServer server = new MiniPgServer(users(AuthMethod.SCRAM_SHA_256,
        Map.of("carol", Credential.plain(password))))) {
      assertConnects(server, "carol", password);
    }
  }

  @Test
  void scramWithWrongPasswordFailsWith28P01() throws Exception {
    try (MiniPgServer server = new MiniPgServer(users(AuthMethod.SCRAM_SHA_256,
        Map.of("alice", Credential.plain("s3cret!"))))) {
      assertThatThrownBy(() -> connect(server, "alice", "wrong").close())
          .isInstanceOfSatisfying(SQLException.class, e -> {
            assertThat(e.getSQLState()).isEqualTo("28P01");
            assertThat(e.getMessage()).contains("password authentication failed for user \"alice\"");
          });
      assertThat(server.authFailures).singleElement().asString().contains("does not match");
    }
  }

  @Test
  void unknownUserLooksLikeAWrongPassword() throws Exception {
    try (MiniPgServer server = new MiniPgServer(users(AuthMethod.SCRAM_SHA_256, Map.of()))) {
      assertThatThrownBy(() -> connect(server, "mallory", "guess").close())
          .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
      assertThat(server.authFailures).singleElement().asString().contains("does not exist");
    }
  }

  @Test
  void md5WithPlainPassword() throws Exception {
    try (MiniPgServer server = new MiniPgServer(users(AuthMethod.MD5, Map.of("dave", Credential.plain("md5pw"))))) {
      assertConnects(server, "dave", "md5pw");
    }
  }

  @Test
  void md5WithPostgresHash() throws Exception {
    String hash = PasswordUtil.encodeMd5("erin", "hashed".toCharArray());
    try (MiniPgServer server = new MiniPgServer(users(AuthMethod.MD5, Map.of("erin", Credential.parse(hash))))) {
      assertConnects(server, "erin", "hashed");
    }
  }

  @Test
  void md5WithWrongPasswordFailsWith28P01() throws Exception {
    try (MiniPgServer server = new MiniPgServer(users(AuthMethod.MD5, Map.of("dave", Credential.plain("md5pw"))))) {
      assertThatThrownBy(() -> connect(server, "dave", "nope").close())
          .isInstanceOfSatisfying(SQLException.class, e -> {
            assertThat(e.getSQLState()).isEqualTo("28P01");
            assertThat(e.getMessage()).contains("password authentication failed for user \"dave\"");
          });
    }
  }

  @Test
  void md5MethodUsesScramForAUserWithOnlyAScramVerifier() throws Exception {
    String verifier = PasswordUtil.encodeScramSha256("upgraded".toCharArray());
    try (MiniPgServer server = new MiniPgServer(users(AuthMethod.MD5, Map.of("fay", Credential.parse(verifier))))) {
      assertConnects(server, "fay", "upgraded");
    }
  }

  @Test
  void cleartextPassword() throws Exception {
    try (MiniPgServer server = new MiniPgServer(users(AuthMethod.PASSWORD, Map.of("gus", Credential.plain("plain"))))) {
      assertConnects(server, "gus", "plain");
      assertThatThrownBy(() -> connect(server, "gus", "other").close())
          .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
    }
  }

  @Test
  void trust() throws Exception {
    try (MiniPgServer server = new MiniPgServer(users(AuthMethod.TRUST, Map.of()))) {
      assertConnects(server, "anyone", "ignored");
    }
  }
}
