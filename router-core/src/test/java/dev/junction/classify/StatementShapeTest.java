package dev.junction.classify;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StatementShapeTest {
    static final SqlLexer PG = new SqlLexer(Dialect.POSTGRESQL);
    static final SqlLexer MY = new SqlLexer(Dialect.MYSQL);

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "SELECT abalance FROM pgbench_accounts WHERE aid = 42|SELECT abalance FROM pgbench_accounts WHERE aid = ?",
        "select * from t where a = 'x''y' and b > 3.5e2|select * from t where a = ? and b > ?",
        "/* junction:primary */ select 1|/* junction:primary */ select ?",
        "SELECT   E'a\\'b'  ,  $q$ body; $q$|SELECT ? , ?",
        "insert into t values (1, 'a', -2)|insert into t values (?, ?, -?)",
        "select t1.c2 from t1 where x = $1|select t1.c2 from t1 where x = $?",
        "select 'for update' from t;|select ? from t;",
    })
    void literalsBecomePlaceholders(String sql, String shape) {
        assertThat(StatementShape.of(sql, PG)).isEqualTo(shape);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "select a from t",                       // no literal: exact text is the key already
        "explain (analyze 0) delete from t where id = 1",
        "set statement_timeout = 5",
        "select 1; delete from t where id = 2",  // several statements
        "begin",
        "select 'unterminated",
        "select E'a\\' from t",
        "select $q$ never closed",
    })
    void statementsThatMustKeepExactTextCaching(String sql) {
        assertThat(StatementShape.of(sql, PG)).isNull();
    }

    @Test
    void unclosedMysqlLiteralEndingInAnEscapedQuoteIsNotShaped() {
        assertThat(StatementShape.of("select 'abc\\'", MY)).isNull();
        assertThat(StatementShape.of("select 'abc\\\\'", MY)).isEqualTo("select ?");
    }

    @Test
    void mysqlKeepsDoubleQuotedTextAndBackslashEscapes() {
        assertThat(StatementShape.of("select * from t where a = 'it\\'s' and b = \"x\"", MY))
            .isEqualTo("select * from t where a = ? and b = \"x\"");
    }

    @Test
    void statementsOfOneShapeShareAClassificationAndCountAsHits() {
        StatementClassifier classifier = new StatementClassifier(Dialect.POSTGRESQL);
        Classification first = classifier.classify("SELECT v FROM kv WHERE k = 1");
        for (int k = 2; k < 100; k++) {
            assertThat(classifier.classify("SELECT v FROM kv WHERE k = " + k)).isSameAs(first);
        }
        assertThat(classifier.classify("SELECT v FROM kv WHERE k = 5 FOR UPDATE").primaryReason())
            .isEqualTo(PrimaryReason.LOCKING_READ);
        assertThat(classifier.cacheStats().missCount()).isEqualTo(2);
        assertThat(classifier.cacheStats().hitCount()).isEqualTo(98);
    }
}
