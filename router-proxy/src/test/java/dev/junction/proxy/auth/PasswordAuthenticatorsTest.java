package dev.junction.proxy.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.proxy.protocol.BackendMessage.AuthenticationCleartextPassword;
import dev.junction.proxy.protocol.BackendMessage.AuthenticationMd5Password;
import dev.junction.proxy.protocol.BackendMessage.AuthenticationOk;
import dev.junction.proxy.protocol.BackendMessage.AuthenticationSasl;
import dev.junction.proxy.protocol.BackendMessage.AuthenticationSaslContinue;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** MD5, cleartext and trust authenticators, and the method/credential rules of {@link Authenticators}. */
class PasswordAuthenticatorsTest {
  private static final byte[] SALT = {1, 2, 3, (byte) 0xFE};

  static byte[] cstring(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[b.length + 1];
    System.arraycopy(b, 0, out, 0, b.length);
    return out;
  }

  /** The client side, computed independently: "md5" + md5hex(md5hex(password + user) + salt). */
  static String md5Response(String user, String password, byte[] salt) throws Exception {
    MessageDigest md5 = MessageDigest.getInstance("MD5");
    String inner = HexFormat.of().formatHex(md5.digest((password + user).getBytes(StandardCharsets.UTF_8)));
    md5.update(inner.getBytes(StandardCharsets.US_ASCII));
    md5.update(salt);
    return "md5" + HexFormat.of().formatHex(md5.digest());
  }

  static void assertPasswordFailed(AuthStep step, String user) {
    assertThat(step).isInstanceOfSatisfying(AuthStep.Failure.class, f -> {
      assertThat(f.error().sqlState()).isEqualTo("28P01");
      assertThat(f.error().message()).isEqualTo("password authentication failed for user \"" + user + "\"");
    });
  }

  @Test
  void md5AcceptsTheRightResponseFromPlainOrHashedCredentials() throws Exception {
    for (Credential credential : List.of(Credential.plain("pw"), Credential.Md5Secret.of("bob", "pw"))) {
      Md5Authenticator auth = new Md5Authenticator("bob", credential, SALT);
      assertThat(auth.start()).isEqualTo(new AuthStep.Challenge(new AuthenticationMd5Password(SALT)));
      assertThat(auth.onPasswordMessage(cstring(md5Response("bob", "pw", SALT))))
          .isEqualTo(new AuthStep.Success(List.of(AuthenticationOk.INSTANCE)));
    }
  }

  @Test
  void md5Failures() throws Exception {
    Md5Authenticator wrong = new Md5Authenticator("bob", Credential.plain("pw"), SALT);
    wrong.start();
    assertPasswordFailed(wrong.onPasswordMessage(cstring(md5Response("bob", "other", SALT))), "bob");

    Md5Authenticator otherUser = new Md5Authenticator("eve", Credential.Md5Secret.of("bob", "pw"), SALT);
    otherUser.start();
    assertPasswordFailed(otherUser.onPasswordMessage(cstring(md5Response("eve", "pw", SALT))), "eve");

    Md5Authenticator unknown = new Md5Authenticator("ghost", null, SALT);
    unknown.start();
    assertPasswordFailed(unknown.onPasswordMessage(cstring(md5Response("ghost", "pw", SALT))), "ghost");

    Md5Authenticator malformed = new Md5Authenticator("bob", Credential.plain("pw"), SALT);
    malformed.start();
    assertThat(malformed.onPasswordMessage("no terminator".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(AuthStep.Failure.class, f -> assertThat(f.error().sqlState()).isEqualTo("08P01"));

    Md5Authenticator empty = new Md5Authenticator("bob", Credential.plain("pw"), SALT);
    empty.start();
    assertPasswordFailed(empty.onPasswordMessage(cstring("")), "bob");
  }

  @Test
  void md5SaltIsRandomPerConnection() {
    Credential c = Credential.plain("pw");
    AuthStep a = new Md5Authenticator("bob", c).start();
    AuthStep b = new Md5Authenticator("bob", c).start();
    assertThat(a).isNotEqualTo(b); // 1 in 2^32 chance of a false failure
  }

  @Test
  void cleartextChecksEveryCredentialKind() {
    for (Credential credential : List.of(Credential.plain("pw"), Credential.Md5Secret.of("bob", "pw"),
        Credential.plain("pw").scramSecret())) {
      CleartextAuthenticator ok = new CleartextAuthenticator("bob", credential);
      assertThat(ok.start()).isEqualTo(new AuthStep.Challenge(AuthenticationCleartextPassword.INSTANCE));
      assertThat(ok.onPasswordMessage(cstring("pw"))).isInstanceOf(AuthStep.Success.class);
      CleartextAuthenticator bad = new CleartextAuthenticator("bob", credential);
      bad.start();
      assertPasswordFailed(bad.onPasswordMessage(cstring("pw2")), "bob");
    }
  }

  @Test
  void authenticatorsFollowPostgresMethodRules() {
    Credential.ScramSecret scram = Credential.plain("pw").scramSecret();
    assertThat(Authenticators.create(AuthMethod.TRUST, "a", null).start())
        .isEqualTo(new AuthStep.Success(List.of(AuthenticationOk.INSTANCE)));
    assertThat(Authenticators.create(AuthMethod.MD5, "a", scram).start())
        .isEqualTo(new AuthStep.Challenge(new AuthenticationSasl(List.of("SCRAM-SHA-256"))));
    assertThat(((AuthStep.Challenge) Authenticators.create(AuthMethod.MD5, "a", Credential.plain("pw")).start())
        .message()).isInstanceOf(AuthenticationMd5Password.class);

    Authenticator md5OnlyUser = Authenticators.create(AuthMethod.SCRAM_SHA_256, "a", Credential.Md5Secret.of("a", "pw"));
    md5OnlyUser.start();
    ScramTestClient client = new ScramTestClient("pw", "n0nce");
    AuthStep first = md5OnlyUser.onPasswordMessage(client.initialResponse());
    String serverFirst = new String(((AuthenticationSaslContinue)
        ((AuthStep.Challenge) first).message()).data(), StandardCharsets.UTF_8);
    AuthStep last = md5OnlyUser.onPasswordMessage(client.clientFinal(serverFirst).getBytes(StandardCharsets.UTF_8));
    assertPasswordFailed(last, "a");
    assertThat(((AuthStep.Failure) last).logDetail()).contains("only an MD5 password");
  }
}
