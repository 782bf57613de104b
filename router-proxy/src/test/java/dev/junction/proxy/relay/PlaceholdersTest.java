package dev.junction.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The wire-to-JDBC placeholder rewrite, on router-core's lexer (PostgreSQL quoting rules). */
class PlaceholdersTest {

    @Test
    void rewritesParametersInOrderAndEscapesLiteralQuestionMarks() {
        Placeholders p = Placeholders.rewrite("select * from t where a = $2 and b = $1 and c ? 'k' and d = $2");

        assertThat(p.jdbcSql()).isEqualTo("select * from t where a = ? and b = ? and c ?? 'k' and d = ?");
        assertThat(p.order()).containsExactly(2, 1, 2);
        assertThat(p.wireParameterCount()).isEqualTo(2);
    }

    @Test
    void backslashEscapedQuoteInAnEscapeStringDoesNotHideTheNextParameter() {
        // The old scan ended the E'' literal at \' and took ", $1" for the inside of a string.
        Placeholders p = Placeholders.rewrite("SELECT E'it\\'s', $1");

        assertThat(p.jdbcSql()).isEqualTo("SELECT E'it\\'s', ?");
        assertThat(p.order()).containsExactly(1);
    }

    @Test
    void leavesLiteralsIdentifiersCommentsAndDollarQuotesAlone() {
        String sql = "select '$1 ?', \"$2?\", a$1, $tag$ $3 ? $tag$ /* $4 ? /* nested */ */ -- $5 ?\n, $6";

        Placeholders p = Placeholders.rewrite(sql);

        assertThat(p.jdbcSql()).isEqualTo(
                "select '$1 ?', \"$2?\", a$1, $tag$ $3 ? $tag$ /* $4 ? /* nested */ */ -- $5 ?\n, ?");
        assertThat(p.order()).containsExactly(6);
    }

    @Test
    void shardStatementsGoBackToWireFormNumberedInOrder() {
        // what the scatter planner writes (JDBC form, a pushed-down LIMIT as a new parameter) in wire form
        assertThat(Placeholders.toWire("SELECT a FROM t WHERE b = ? AND c ?? 'k' AND d = '?' ORDER BY a LIMIT ?"))
            .isEqualTo("SELECT a FROM t WHERE b = $1 AND c ? 'k' AND d = '?' ORDER BY a LIMIT $2");
        Placeholders p = Placeholders.rewrite("select * from t where a = $1 and c ? 'k'");
        assertThat(Placeholders.toWire(p.jdbcSql())).isEqualTo("select * from t where a = $1 and c ? 'k'");
    }
}
