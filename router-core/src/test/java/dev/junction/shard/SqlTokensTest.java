package dev.junction.shard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.classify.Dialect;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The planner's token view, built on router-core's one lexer ({@code classify.SqlLexer}, issue #14). */
class SqlTokensTest {

  private static List<String> kinds(SqlTokens t) {
    return t.tokens().stream().map(k -> k.kind() + ":" + t.text(k)).toList();
  }

  @Test
  void tokensParametersAndIdentifiers() {
    SqlTokens pg = new SqlTokens("select \"A\", E'\\'?', $$?$$, ? , a ?| b, c ?? d from t", Dialect.POSTGRESQL);
    assertThat(kinds(pg)).containsExactly("WORD:select", "QUOTED_IDENT:\"A\"", "SYMBOL:,", "STRING:E'\\'?'", "SYMBOL:,",
        "STRING:$$?$$", "SYMBOL:,", "PARAM:?", "SYMBOL:,", "WORD:a", "PARAM:?", "SYMBOL:|", "WORD:b", "SYMBOL:,", "WORD:c",
        "SYMBOL:??", "WORD:d", "WORD:from", "WORD:t");
    assertThat(pg.parameterCount()).as("pgjdbc binds the ? of ?| (a $1| b)").isEqualTo(2);
    assertThat(pg.identifier(pg.tokens().get(1))).isEqualTo("a");
    assertThat(pg.backslashEscapes()).isTrue();
    assertThat(pg.parserInput()).isEqualTo("select \"A\", E'\\'?', '?', ? , a ? | b, c ?? d from t");

    SqlTokens my = new SqlTokens("select `A`, \"?\" # ?\n, ? from t", Dialect.MYSQL);
    assertThat(kinds(my)).containsExactly("WORD:select", "QUOTED_IDENT:`A`", "SYMBOL:,", "STRING:\"?\"", "SYMBOL:,",
        "PARAM:?", "WORD:from", "WORD:t");
    assertThat(my.parameterCount()).isEqualTo(1);
    assertThat(my.parserInput()).isEqualTo("select `A`, \"?\"  \n, ? from t");
  }

  @Test
  void leadingAndExecutableComments() {
    SqlTokens my = new SqlTokens("/* junction:shard=1 */ /*!50000 t */ select (1) /*M! u */", Dialect.MARIADB);
    assertThat(my.leadingComments()).hasSize(2);
    assertThat(my.executableComments()).extracting(SqlTokens.Comment::start).containsExactly(23, 48);
    assertThat(my.maxParenthesisDepth()).isEqualTo(1);

    SqlTokens pg = new SqlTokens("/* a /* b */ c */ /*! x */ select 1", Dialect.POSTGRESQL);
    assertThat(pg.leadingComments()).hasSize(2);
    assertThat(pg.executableComments()).isEmpty();
  }

  @Test
  void anUnterminatedDollarQuoteIsAnExpressionNotACrash() {
    // threw StringIndexOutOfBoundsException before (the tag was cut from a too-short token)
    assertThat(new SqlTokens("select $a$x", Dialect.POSTGRESQL).parserInput()).isEqualTo("select ('' || '')");
    assertThat(new SqlTokens("select $$", Dialect.POSTGRESQL).parserInput()).isEqualTo("select ('' || '')");
    assertThat(new SqlTokens("select $$$$", Dialect.POSTGRESQL).parserInput()).isEqualTo("select ''");
  }
}
