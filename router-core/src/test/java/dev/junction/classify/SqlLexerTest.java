package dev.junction.classify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The one SQL lexer's quoting rules, for both dialect families (issue #14). The classifier, the shard
 * planner's {@code SqlTokens} and the proxy's {@code Placeholders} all scan through {@link SqlLexer}, so
 * these rules hold for each of them (the v1 proxy session's {@code CommandTags}, named below, is gone).
 */
class SqlLexerTest {

    private static final SqlLexer PG = new SqlLexer(Dialect.POSTGRESQL);
    private static final SqlLexer MY = new SqlLexer(Dialect.MYSQL);
    private static final SqlLexer MARIA = new SqlLexer(Dialect.MARIADB);

    /** Tokens as {@code KIND:text}, comments as {@code #comment:text}, by {@link SqlLexer#jdbcTokenEnd}. */
    static List<String> lex(SqlLexer lexer, String sql) {
        List<String> out = new ArrayList<>();
        int pos = 0;
        int end = sql.length();
        while (pos < end) {
            if (Character.isWhitespace(sql.charAt(pos))) {
                pos++;
                continue;
            }
            int commentEnd = lexer.commentEnd(sql, pos, end);
            if (commentEnd >= 0) {
                out.add((lexer.isExecutableComment(sql, pos, end) ? "EXEC:" : "COMMENT:") + sql.substring(pos, commentEnd));
                pos = commentEnd;
                continue;
            }
            int tokenEnd = lexer.jdbcTokenEnd(sql, pos, end);
            out.add(lexer.kind(sql, pos, tokenEnd) + ":" + sql.substring(pos, tokenEnd));
            pos = tokenEnd;
        }
        return out;
    }

    @Test
    void dollarQuotesArePostgresStringsAndNotParameters() {
        assertThat(lex(PG, "select $$a 'b' ?$$, $tag$ $$ x $tag$, $1, a$1"))
                .containsExactly("WORD:select", "STRING:$$a 'b' ?$$", "SYMBOL:,", "STRING:$tag$ $$ x $tag$", "SYMBOL:,",
                        "SYMBOL:$", "NUMBER:1", "SYMBOL:,", "WORD:a$1");
        // MySQL has no dollar quotes: $$ are two symbols and the ? between them is a parameter.
        assertThat(lex(MY, "select $$ ? $$")).containsExactly("WORD:select", "SYMBOL:$", "SYMBOL:$", "PARAMETER:?",
                "SYMBOL:$", "SYMBOL:$");
        // Unterminated: runs to the end, and is not a terminated literal.
        String open = "select $a$ x";
        assertThat(lex(PG, open)).containsExactly("WORD:select", "STRING:$a$ x");
        assertThat(PG.isTerminatedLiteral(open, 7, open.length())).isFalse();
        assertThat(PG.isTerminatedLiteral("$$", 0, 2)).isFalse();
        assertThat(PG.isTerminatedLiteral("$$$$", 0, 4)).isTrue();
    }

    @Test
    void escapeStringsHonourBackslashesOnlyInPostgresEStringsAndEverywhereInMySql() {
        assertThat(lex(PG, "select E'it\\'s ?', ?")).containsExactly("WORD:select", "STRING:E'it\\'s ?'", "SYMBOL:,", "PARAMETER:?");
        assertThat(PG.isEscapeString("e'x'", 0, 4)).isTrue();
        // a plain PostgreSQL string ends at the quote after the backslash
        assertThat(lex(PG, "select 'a\\', ?")).containsExactly("WORD:select", "STRING:'a\\'", "SYMBOL:,", "PARAMETER:?");
        // MySQL: backslash escapes in '...' and "..."; E is just a word
        assertThat(lex(MY, "select 'a\\', ?'")).containsExactly("WORD:select", "STRING:'a\\', ?'");
        assertThat(lex(MY, "select E'x'")).containsExactly("WORD:select", "WORD:E", "STRING:'x'");
        assertThat(MY.isEscapeString("E'x'", 0, 4)).isFalse();
        // doubled quotes in both
        assertThat(lex(PG, "'a''b'")).containsExactly("STRING:'a''b'");
        assertThat(lex(MY, "'a''b'")).containsExactly("STRING:'a''b'");
    }

    @Test
    void doubleQuotesAndBackticksFollowTheDialect() {
        assertThat(lex(PG, "select \"a?\", `b`")).containsExactly("WORD:select", "QUOTED_IDENT:\"a?\"", "SYMBOL:,",
                "SYMBOL:`", "WORD:b", "SYMBOL:`");
        assertThat(lex(MY, "select \"a?\", `b ?`")).containsExactly("WORD:select", "STRING:\"a?\"", "SYMBOL:,",
                "QUOTED_IDENT:`b ?`");
        // a backslash does not escape inside backticks; a doubled backtick does
        assertThat(lex(MARIA, "`a\\` ? `b``c`")).containsExactly("QUOTED_IDENT:`a\\`", "PARAMETER:?", "QUOTED_IDENT:`b``c`");
    }

    @Test
    void blockCommentsNestOnlyInPostgres() {
        assertThat(lex(PG, "/* a /* b */ ? */ select ?")).containsExactly("COMMENT:/* a /* b */ ? */", "WORD:select", "PARAMETER:?");
        assertThat(lex(MY, "/* a /* b */ c */ select ?")).containsExactly("COMMENT:/* a /* b */", "WORD:c", "SYMBOL:*",
                "SYMBOL:/", "WORD:select", "PARAMETER:?");
        assertThat(lex(PG, "select 1 /* open ?")).containsExactly("WORD:select", "NUMBER:1", "COMMENT:/* open ?");
    }

    @Test
    void lineCommentsFollowTheDialect() {
        // '#' is a comment only in MySQL/MariaDB
        assertThat(lex(MY, "select ? # ?\n, 1")).containsExactly("WORD:select", "PARAMETER:?", "COMMENT:# ?", "SYMBOL:,", "NUMBER:1");
        assertThat(lex(PG, "select a # b")).containsExactly("WORD:select", "WORD:a", "SYMBOL:#", "WORD:b");
        // MySQL needs whitespace (or the end) after "--"; PostgreSQL does not
        assertThat(lex(MY, "select 1--1")).containsExactly("WORD:select", "NUMBER:1", "SYMBOL:-", "SYMBOL:-", "NUMBER:1");
        assertThat(lex(MY, "select 1-- ?")).containsExactly("WORD:select", "NUMBER:1", "COMMENT:-- ?");
        assertThat(lex(MY, "select 1--")).containsExactly("WORD:select", "NUMBER:1", "COMMENT:--");
        assertThat(lex(PG, "select 1--?\r?")).containsExactly("WORD:select", "NUMBER:1", "COMMENT:--?", "PARAMETER:?");
    }

    @Test
    void mySqlExecutableCommentsAreFlaggedOnlyInTheMySqlFamily() {
        assertThat(lex(MY, "/*! select t */ /*M!100 x */ /*m!1 y */ /* plain */ select 1"))
                .containsExactly("EXEC:/*! select t */", "EXEC:/*M!100 x */", "EXEC:/*m!1 y */", "COMMENT:/* plain */",
                        "WORD:select", "NUMBER:1");
        assertThat(lex(MARIA, "/*!50000 x */")).containsExactly("EXEC:/*!50000 x */");
        assertThat(lex(PG, "/*! select t */ select 1")).containsExactly("COMMENT:/*! select t */", "WORD:select", "NUMBER:1");
    }

    @Test
    void questionMarksAreReadAsTheJdbcDriverReadsThem() {
        // the JDBC escape ?? is one token; ?| and ?& are a parameter and an operator, as pgjdbc reads them
        // (its Parser: "a ?| b" is "a $1| b"; the jsonb operators are written ??| and ??& in JDBC text)
        for (SqlLexer lexer : List.of(PG, MY)) {
            assertThat(lex(lexer, "a ?| b ?& c ?? d ? e")).containsExactly("WORD:a", "PARAMETER:?", "SYMBOL:|", "WORD:b",
                    "PARAMETER:?", "SYMBOL:&", "WORD:c", "SYMBOL:??", "WORD:d", "PARAMETER:?", "WORD:e");
            assertThat(lex(lexer, "'%'||?||'%'")).containsExactly("STRING:'%'", "SYMBOL:|", "SYMBOL:|", "PARAMETER:?",
                    "SYMBOL:|", "SYMBOL:|", "STRING:'%'");
            // ??? is the escape then a parameter
            assertThat(lex(lexer, "???")).containsExactly("SYMBOL:??", "PARAMETER:?");
        }
        // tokenEnd (the classifier's view) keeps every '?' a one-character token
        assertThat(PG.tokenEnd("?|", 0, 2)).isEqualTo(1);
        assertThat(PG.jdbcTokenEnd("?|", 0, 2)).isEqualTo(1);
        assertThat(PG.jdbcTokenEnd("??|", 0, 3)).isEqualTo(2);
        assertThat(PG.jdbcTokenEnd("?", 0, 1)).isEqualTo(1);
    }

    @Test
    void wordsAndNumbers() {
        assertThat(lex(PG, "_a1$ 1.5e3x 0x1F é")).containsExactly("WORD:_a1$", "NUMBER:1.5e3x", "NUMBER:0x1F", "WORD:é");
    }

    // ------------------------------------------------------------------ adversarial: where the old copies disagreed

    @Test
    void adversarialStatementsOnWhichTheOldCopiesDisagreed() {
        // Proxy Placeholders (old copy): ended E'it\'s' at \' and missed $1. One lexer: $ 1 is outside the string.
        assertThat(lex(PG, "SELECT E'it\\'s', $1")).containsExactly("WORD:SELECT", "STRING:E'it\\'s'", "SYMBOL:,",
                "SYMBOL:$", "NUMBER:1");
        // Proxy CommandTags (old copy): did not nest comments, so the first word of this INSERT was "c".
        assertThat(lex(PG, "/* a /* b */ c */ INSERT INTO t VALUES (1)").get(1)).isEqualTo("WORD:INSERT");
        // Proxy CommandTags (old copy): took E of E'..' for a word.
        assertThat(lex(PG, "E'x'")).containsExactly("STRING:E'x'");
    }
}
