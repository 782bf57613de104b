package dev.junction.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.junction.classify.Dialect;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Passwords built to defeat a masking rule ({@code & ; = % # @ / ?}, spaces, non-ASCII), placed in the
 * query and in the user-info of PostgreSQL, MariaDB, MySQL and junk-scheme URLs: no validation
 * message, cause message, printed stack trace or {@code toString} may contain the password or any
 * fragment of it of 3 or more characters. Why fragments: {@code password=a&b} redacted up to the
 * {@code &} used to leave {@code &b} behind.
 */
class UrlSecretAdversarialTest {
  static final List<String> PASSWORDS = List.of(
      "Pw&ab;cd=ef%41#gh@ij/kl?mn",
      "sp ace&Wx;semi",
      "Ünï©ødé&Пароль;密码",
      "xy%26zz%3Bqq",
      "at@at@at/sl?qu#ha",
      "eq=eq=eq&amp=1",
      "Zq;pwd=Xk&usr=Vj");

  static final List<String> SCHEMES = List.of("jdbc:postgresql", "jdbc:mariadb", "jdbc:mysql", "junk+scheme", "postgres");

  /** Every URL shape a password can take: raw and percent-encoded, in the query and in the user-info. */
  static List<String> urls(String scheme, String pw) {
    String enc = URLEncoder.encode(pw, StandardCharsets.UTF_8);
    return List.of(
        scheme + "://db1.internal:5432/app?user=app&password=" + pw,
        scheme + "://db1.internal:5432/app?password=" + pw + "&ssl=true",
        scheme + "://db1.internal:5432/app?user=app&password=" + enc + "&ssl=true",
        scheme + "://db1.internal:5432/app;password=" + pw + ";user=app",
        scheme + "://app:" + pw + "@db1.internal:5432/app",
        scheme + "://app:" + enc + "@db1.internal:5432/app?sslmode=require",
        scheme + "://db1.internal:5432/app?sslpassword=" + pw + "#frag");
  }

  static JunctionConfig config(String url, int weight) {
    JunctionConfig.Endpoint primary = new JunctionConfig.Endpoint("primary", url, "app", null, weight, JunctionConfig.Pool.defaults());
    JunctionConfig.Endpoint replica = new JunctionConfig.Endpoint("r1", url, "app", null, 1, JunctionConfig.Pool.defaults());
    return new JunctionConfig(Dialect.POSTGRESQL, List.of(new JunctionConfig.Shard("main", primary, List.of(replica))),
        JunctionConfig.Routing.defaults(),
        new JunctionConfig.Fencing(JunctionConfig.FenceStoreKind.REDIS, Duration.ofSeconds(30), 1000, url,
            Duration.ofMillis(200), "junction:", null, null));
  }

  @Test
  void noMessageToStringOrStackTraceHoldsAnyPartOfThePassword() {
    int checked = 0;
    for (String pw : PASSWORDS) {
      for (String scheme : SCHEMES) {
        for (String url : urls(scheme, pw)) {
          List<String> texts = new ArrayList<>();
          // the URL itself invalid (junk schemes), or another key of the same endpoint, or the redis-uri
          texts.addAll(failureTexts(catchThrowable(() -> config(url, 1).validate())));
          texts.addAll(failureTexts(catchThrowable(() -> config(url, 0).validate())));
          JunctionConfig c = config(url, 1);
          texts.add(c.toString());
          texts.add(c.shards().get(0).primary().toString());
          texts.add(c.fencing().toString());
          for (String text : texts) {
            assertNoFragment(text, pw, url);
            checked++;
          }
        }
      }
    }
    assertThat(checked).isGreaterThan(500);
  }

  @Test
  void validationNamesTheKeySchemeAndAddressOnly() {
    Throwable e = catchThrowable(() -> config("postgres://app:" + PASSWORDS.get(2) + "@db1.internal:5432/app?ssl=true", 1).validate());
    assertThat(e).isInstanceOf(ConfigException.class).hasMessage("junction.shards[0].primary.url: required JDBC URL starting"
        + " with 'jdbc:', e.g. jdbc:postgresql://db1:5432/app, got postgres://db1.internal:5432/app (parameters and user-info"
        + " not shown)");
    assertThat(((ConfigException) e).key()).isEqualTo("junction.shards[0].primary.url");
    Throwable junk = catchThrowable(() -> config("Pw&ab;cd=ef", 1).validate());
    assertThat(junk).hasMessageEndingWith("got <unreadable URL> (parameters and user-info not shown)");
  }

  @Test
  void redactionMasksEverythingAfterASecretParameter() {
    assertThat(Redaction.redact("jdbc:postgresql://db1/app?password=a&bcd;efg#hij more"))
        .isEqualTo("jdbc:postgresql://db1/app?password=*** more");
    assertThat(Redaction.redact("jdbc:mysql://app:p/q?r#s@t@db1:3306/app")).isEqualTo("jdbc:mysql://***@db1:3306/app");
    assertThat(Redaction.redact("jdbc:mariadb://db1/app?password=a@bcd")).isEqualTo("jdbc:mariadb://db1/app?password=***");
  }

  static List<String> failureTexts(Throwable e) {
    List<String> out = new ArrayList<>();
    for (Throwable t = e; t != null; t = t.getCause()) {
      out.add(String.valueOf(t.getMessage()));
      out.add(t.toString());
    }
    if (e != null) {
      StringWriter w = new StringWriter();
      e.printStackTrace(new PrintWriter(w));
      // the frames ("\tat dev.junction...") are code, not data: what is printed besides them must be clean
      out.add(w.toString().replaceAll("(?m)^\\s+at .*$", ""));
    }
    return out;
  }

  /** The password, its percent-encoded form, and each of their substrings of 3+ characters, are absent. */
  static void assertNoFragment(String text, String pw, String url) {
    for (String secret : List.of(pw, URLEncoder.encode(pw, StandardCharsets.UTF_8))) {
      for (int len = 3; len <= secret.length(); len++) {
        for (int i = 0; i + len <= secret.length(); i++) {
          String fragment = secret.substring(i, i + len);
          if (!NOT_SECRET.contains(fragment)) {
            assertThat(text).as("text for %s must not contain %s", "<url with that password>", fragment).doesNotContain(fragment);
          }
        }
      }
    }
  }

  /** Fragments that are also ordinary words of the messages; none so far. */
  static final List<String> NOT_SECRET = List.of();
}
