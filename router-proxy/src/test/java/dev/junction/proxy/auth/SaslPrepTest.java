package dev.junction.proxy.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SaslPrepTest {
  @Test
  void rfc4013Examples() {
    assertThat(SaslPrep.prepare("I\u00ADX")).isEqualTo("IX");
    assertThat(SaslPrep.prepare("user")).isEqualTo("user");
    assertThat(SaslPrep.prepare("USER")).isEqualTo("USER");
    assertThat(SaslPrep.prepare("\u00AA")).isEqualTo("a");
    assertThat(SaslPrep.prepare("\u2168")).isEqualTo("IX");
    assertThat(SaslPrep.prepare("\u0007")).isNull(); // prohibited
    assertThat(SaslPrep.prepare("\u0627\u0031")).isNull(); // bidi rule
  }

  @Test
  void mappingAndFallback() {
    assertThat(SaslPrep.prepare("a\u00A0b\u3000c")).isEqualTo("a b c"); // non-ASCII spaces
    assertThat(SaslPrep.prepare("\u0627\u0628")).isEqualTo("\u0627\u0628"); // valid right-to-left
    assertThat(SaslPrep.prepare("x\uE000")).isNull(); // private use
    assertThat(SaslPrep.prepareOrRaw("bell\u0007")).isEqualTo("bell\u0007"); // PostgreSQL keeps the raw password
  }
}
