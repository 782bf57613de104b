package dev.junction.reshard;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The COPY text format as PostgreSQL documents it: fields, escapes, NULL; and literals for the page query. */
class PgCopyPageTest {
  @Test
  void splitsOnRawTabsOnly() {
    assertThat(PgCopyPage.fields("1\ta\\tb\t\\N\t")).containsExactly("1", "a\\tb", "\\N", "");
  }

  @Test
  void decodesEveryEscape() {
    assertThat(PgCopyPage.unescape("\\N")).isNull();
    assertThat(PgCopyPage.unescape("plain")).isEqualTo("plain");
    assertThat(PgCopyPage.unescape("a\\tb\\nc\\rd\\\\e\\bf\\fg\\vh")).isEqualTo("a\tb\nc\rd\\e\bf\fg\u000bh");
    assertThat(PgCopyPage.unescape("\\101\\x42")).isEqualTo("AB");
    assertThat(PgCopyPage.unescape("\\303\\251t\\xc3\\xa9")).isEqualTo("\u00e9t\u00e9"); // UTF-8 bytes
    assertThat(PgCopyPage.unescape("\\N ")).isEqualTo("N "); // only the whole field \N is NULL
  }

  @Test
  void literalsReadTheSameWithEitherStringSetting() {
    assertThat(PgCopyPage.literal("o'k\\x")).isEqualTo("E'o''k\\\\x'");
    assertThat(PgCopyPage.literal(null)).isEqualTo("NULL");
  }
}
