package dev.junction.proxy.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.util.PasswordUtil;

class CredentialTest {
  private static final byte[] SALT = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");

  /** pgjdbc's verifier generator (ongres SCRAM with PostgreSQL's SASLprep rules) is the reference. */
  @ParameterizedTest
  @ValueSource(strings = {"pencil", "pässwörd", "I\u00ADX", "\u2168", "ｆｕｌｌｗｉｄｔｈ", "bell\u0007", "\u0627\u0031",
      "🔑 key", "a\u00A0b"})
  void derivedVerifierMatchesPgjdbc(String password) {
    String expected = PasswordUtil.encodeScramSha256(password.toCharArray(), 4096, SALT);
    assertThat(Credential.ScramSecret.derive(password, SALT, 4096).toPgFormat()).isEqualTo(expected);
  }

  @Test
  void parsesPostgresVerifierAndMd5Hash() {
    String verifier = PasswordUtil.encodeScramSha256("pw".toCharArray());
    Credential scram = Credential.parse(verifier);
    assertThat(scram).isInstanceOfSatisfying(Credential.ScramSecret.class, s -> {
      assertThat(s.toPgFormat()).isEqualTo(verifier);
      assertThat(s.iterations()).isEqualTo(4096);
      assertThat(s.matches("pw")).isTrue();
      assertThat(s.matches("nope")).isFalse();
    });
    String md5 = PasswordUtil.encodeMd5("bob", "pw".toCharArray());
    assertThat(Credential.parse(md5)).isEqualTo(new Credential.Md5Secret(md5));
    assertThat(Credential.Md5Secret.of("bob", "pw").hash()).isEqualTo(md5);
    assertThat(Credential.parse("just a password")).isInstanceOf(Credential.PlainPassword.class);
  }

  @Test
  void invalidConfigurationIsExplained() {
    assertThatThrownBy(() -> Credential.parse("SCRAM-SHA-256$4096:c2FsdA==$short"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pg_authid.rolpassword");
    assertThatThrownBy(() -> Credential.parse("SCRAM-SHA-256$4096:c2FsdA==$c2hvcnQ=:c2hvcnQ="))
        .hasMessageContaining("32 bytes");
    assertThatThrownBy(() -> Credential.plain("")).hasMessageContaining("empty passwords are not allowed");
  }

  @Test
  void secretsAreNotPrinted() {
    assertThat(Credential.plain("hunter2").toString()).doesNotContain("hunter2");
    assertThat(Credential.Md5Secret.of("u", "p").toString()).doesNotContain("md5");
    Credential.ScramSecret secret = Credential.plain("hunter2").scramSecret();
    assertThat(secret.toString()).doesNotContain(Base64.getEncoder().encodeToString(secret.storedKey()))
        .doesNotContain(Base64.getEncoder().encodeToString(secret.serverKey()));
  }
}
