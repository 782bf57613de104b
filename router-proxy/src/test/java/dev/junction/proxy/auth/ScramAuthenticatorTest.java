package dev.junction.proxy.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.proxy.protocol.BackendMessage;
import dev.junction.proxy.protocol.BackendMessage.AuthenticationOk;
import dev.junction.proxy.protocol.BackendMessage.AuthenticationSasl;
import dev.junction.proxy.protocol.BackendMessage.AuthenticationSaslContinue;
import dev.junction.proxy.protocol.BackendMessage.AuthenticationSaslFinal;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScramAuthenticatorTest {
  private static final Credential.ScramSecret PENCIL = Credential.ScramSecret.derive("pencil",
      Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String serverFirst(AuthStep step) {
    assertThat(step).isInstanceOf(AuthStep.Challenge.class);
    BackendMessage m = ((AuthStep.Challenge) step).message();
    return new String(((AuthenticationSaslContinue) m).data(), StandardCharsets.UTF_8);
  }

  static void assertFailure(AuthStep step, String sqlState, String messagePart) {
    assertThat(step).isInstanceOfSatisfying(AuthStep.Failure.class, f -> {
      assertThat(f.error().sqlState()).isEqualTo(sqlState);
      assertThat(f.error().severity().name()).isEqualTo("FATAL");
      assertThat(f.error().message()).contains(messagePart);
    });
  }

  @Test
  void rfc7677TestVector() {
    ScramAuthenticator auth = new ScramAuthenticator("user", PENCIL, null, () -> "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
    assertThat(auth.start()).isEqualTo(new AuthStep.Challenge(new AuthenticationSasl(List.of("SCRAM-SHA-256"))));

    AuthStep first = auth.onPasswordMessage(
        ScramTestClient.initialResponse("SCRAM-SHA-256", "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
    assertThat(serverFirst(first)).isEqualTo(
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");

    AuthStep last = auth.onPasswordMessage(utf8("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
        + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="));
    assertThat(last).isEqualTo(new AuthStep.Success(List.of(
        new AuthenticationSaslFinal(utf8("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")),
        AuthenticationOk.INSTANCE)));
  }

  @Test
  void fullExchangeWithRandomNonceAndStartupUser() {
    ScramAuthenticator auth = new ScramAuthenticator("alice", Credential.plain("correct horse").scramSecret(), null);
    ScramTestClient client = new ScramTestClient("correct horse", "fyko+d2lbbFgONRv9qkxdawL");
    auth.start();
    String serverFirst = serverFirst(auth.onPasswordMessage(client.initialResponse()));
    assertThat(serverFirst).startsWith("r=fyko+d2lbbFgONRv9qkxdawL").contains(",s=").endsWith(",i=4096");
    AuthStep last = auth.onPasswordMessage(utf8(client.clientFinal(serverFirst)));
    assertThat(last).isInstanceOfSatisfying(AuthStep.Success.class, s -> assertThat(s.messages())
        .containsExactly(new AuthenticationSaslFinal(utf8(client.expectedServerFinal)), AuthenticationOk.INSTANCE));
  }

  @Test
  void wrongPasswordFailsWith28P01() {
    ScramAuthenticator auth = new ScramAuthenticator("alice", Credential.plain("right").scramSecret(), null);
    ScramTestClient client = new ScramTestClient("wrong", "abc");
    auth.start();
    AuthStep last = auth.onPasswordMessage(utf8(client.clientFinal(serverFirst(auth.onPasswordMessage(client.initialResponse())))));
    assertFailure(last, "28P01", "password authentication failed for user \"alice\"");
    assertFailure(auth.onPasswordMessage(new byte[0]), "08P01", "already finished");
  }

  @Test
  void clientThatCouldBindButWasNotOfferedIsAccepted() {
    ScramAuthenticator auth = new ScramAuthenticator("alice", Credential.plain("pw").scramSecret(), null);
    ScramTestClient client = new ScramTestClient("pw", "nonce", "y,,", "alice");
    auth.start();
    AuthStep last = auth.onPasswordMessage(utf8(client.clientFinal(serverFirst(auth.onPasswordMessage(client.initialResponse())))));
    assertThat(last).isInstanceOf(AuthStep.Success.class);
  }

  @Test
  void channelBindingRequiredByClientIsRefusedClearly() {
    ScramAuthenticator auth = new ScramAuthenticator("alice", PENCIL, null);
    auth.start();
    assertFailure(auth.onPasswordMessage(ScramTestClient.initialResponse("SCRAM-SHA-256",
        "p=tls-server-end-point,,n=*,r=abc")), "08P01", "channelBinding=disable");
  }

  @Test
  void malformedOrUnsupportedClientFirstMessages() {
    String[][] cases = {
        {"SCRAM-SHA-256-PLUS", "n,,n=*,r=abc", "08P01", "invalid SASL authentication mechanism"},
        {"SCRAM-SHA-256", null, "08P01", "no client-first-message"},
        {"SCRAM-SHA-256", "n,a=admin,n=*,r=abc", "0A000", "authorization identity"},
        {"SCRAM-SHA-256", "x,,n=*,r=abc", "08P01", "channel binding flag"},
        {"SCRAM-SHA-256", "n,,m=ext,n=*,r=abc", "0A000", "unsupported SCRAM extension"},
        {"SCRAM-SHA-256", "n,,n=*", "08P01", "expected ','"},
        {"SCRAM-SHA-256", "n,,n=*,r=", "08P01", "client nonce"},
        {"SCRAM-SHA-256", "n,,r=abc", "08P01", "expected attribute 'n'"},
        {"SCRAM-SHA-256", "", "08P01", "malformed SCRAM message"},
    };
    for (String[] c : cases) {
      ScramAuthenticator auth = new ScramAuthenticator("alice", PENCIL, null);
      auth.start();
      assertFailure(auth.onPasswordMessage(ScramTestClient.initialResponse(c[0], c[1])), c[2], c[3]);
    }
    ScramAuthenticator garbage = new ScramAuthenticator("alice", PENCIL, null);
    garbage.start();
    assertFailure(garbage.onPasswordMessage(new byte[] {'x'}), "08P01", "SASLInitialResponse");
  }

  @Test
  void clientFirstExtensionsAreIgnored() {
    ScramAuthenticator auth = new ScramAuthenticator("alice", PENCIL, null);
    auth.start();
    assertThat(auth.onPasswordMessage(ScramTestClient.initialResponse("SCRAM-SHA-256", "n,,n=*,r=abc,x=ext")))
        .isInstanceOf(AuthStep.Challenge.class);
  }

  @Test
  void malformedClientFinalMessages() {
    String[][] cases = {
        {"c=biws,r=%s", "08P01", "expected ','"},
        {"c=biws,r=%s,p=!!notbase64", "08P01", "proof is not valid base64"},
        {"c=biws,r=%s,p=AAAA", "08P01", "must be 32 bytes"},
        {"c=eSws,r=%s,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", "08P01", "channel binding check failed"},
        {"c=biws,r=wrongnonce,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", "08P01", "nonce mismatch"},
        {"c=biws,r=%s,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=,x=1", "08P01", "after the client proof"},
    };
    for (String[] c : cases) {
      ScramAuthenticator auth = new ScramAuthenticator("user", PENCIL, null, () -> "SERVER");
      auth.start();
      String nonce = ScramTestClient.attributes(serverFirst(
          auth.onPasswordMessage(ScramTestClient.initialResponse("SCRAM-SHA-256", "n,,n=user,r=CLIENT")))).get('r');
      assertFailure(auth.onPasswordMessage(utf8(c[0].replace("%s", nonce))), c[1], c[2]);
    }
  }

  @Test
  void clientFinalExtensionsBeforeTheProofAreSigned() {
    ScramAuthenticator auth = new ScramAuthenticator("user", PENCIL, null, () -> "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
    auth.start();
    auth.onPasswordMessage(ScramTestClient.initialResponse("SCRAM-SHA-256", "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
    // The RFC proof does not cover an extra attribute, so inserting one must break the proof.
    AuthStep last = auth.onPasswordMessage(utf8("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,x=ext,"
        + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="));
    assertFailure(last, "28P01", "password authentication failed");
  }

  @Test
  void unknownUserGetsAStableMockSaltAndFailsOnlyAtTheEnd() {
    ScramAuthenticator first = new ScramAuthenticator("ghost", null, "user \"ghost\" does not exist");
    ScramAuthenticator second = new ScramAuthenticator("ghost", null, "user \"ghost\" does not exist");
    ScramAuthenticator other = new ScramAuthenticator("phantom", null, "user \"phantom\" does not exist");
    ScramTestClient client = new ScramTestClient("anything", "abc");
    first.start();
    second.start();
    other.start();
    String s1 = serverFirst(first.onPasswordMessage(client.initialResponse()));
    String s2 = serverFirst(second.onPasswordMessage(client.initialResponse()));
    String s3 = serverFirst(other.onPasswordMessage(client.initialResponse()));
    assertThat(ScramTestClient.attributes(s1).get('s')).isEqualTo(ScramTestClient.attributes(s2).get('s'))
        .isNotEqualTo(ScramTestClient.attributes(s3).get('s'));
    AuthStep last = first.onPasswordMessage(utf8(client.clientFinal(s1)));
    assertFailure(last, "28P01", "password authentication failed for user \"ghost\"");
    assertThat(((AuthStep.Failure) last).logDetail()).contains("does not exist");
  }

  @Test
  void handlerMisuseIsAProgrammingError() {
    ScramAuthenticator auth = new ScramAuthenticator("a", PENCIL, null);
    assertThatThrownBy(() -> auth.onPasswordMessage(new byte[0])).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("call start()");
    auth.start();
    assertThatThrownBy(auth::start).isInstanceOf(IllegalStateException.class);
  }
}
