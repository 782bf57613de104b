package dev.junction.classify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SqlScannerTest {

    private static List<String> statements(Dialect dialect, String sql) {
        SqlScanner.ScannedSql scanned = new SqlScanner(new SqlLexer(dialect)).scan(sql);
        return scanned.segments().stream().map(s -> sql.substring(s.start(), s.end()).strip()).toList();
    }

    private static SqlScanner.ScannedSql scan(Dialect dialect, String sql) {
        return new SqlScanner(new SqlLexer(dialect)).scan(sql);
    }

    @Test
    void splitsOnlyAtSemicolonsOutsideLiteralsCommentsAndParentheses() {
        assertThat(statements(Dialect.POSTGRESQL, "select 'a;b'; select \"x;y\" from t; -- ; \n select 1 /* ; */"))
                .containsExactly("select 'a;b'", "select \"x;y\" from t", "-- ; \n select 1 /* ; */");
        assertThat(statements(Dialect.POSTGRESQL, "create rule r as on insert to t do also (insert into a values (1); insert into b values (2))"))
                .hasSize(1);
        assertThat(statements(Dialect.POSTGRESQL, "select $fn$ a; b $fn$; select $$;$$")).hasSize(2);
        assertThat(statements(Dialect.POSTGRESQL, "select $1; select $2")).containsExactly("select $1", "select $2");
    }

    @Test
    void dropsEmptyStatements() {
        assertThat(statements(Dialect.MYSQL, " ; ;select 1;; /* c */ ;")).containsExactly("select 1");
        assertThat(statements(Dialect.MYSQL, "")).isEmpty();
    }

    @Test
    void followsEachDialectsQuotingRules() {
        // PostgreSQL: backslash is literal in '...', so the string ends after 'a\'; MySQL: it escapes the quote.
        assertThat(statements(Dialect.POSTGRESQL, "select 'a\\'; select 2")).hasSize(2);
        assertThat(statements(Dialect.MYSQL, "select 'a\\'; select 2")).hasSize(1);
        // PostgreSQL escape strings honour backslashes.
        assertThat(statements(Dialect.POSTGRESQL, "select E'a\\'; select 2'")).hasSize(1);
        assertThat(scan(Dialect.POSTGRESQL, "select E'a\\'b'").escapeStrings()).isTrue();
        // MySQL backticks; PostgreSQL has no dollar quotes in MySQL.
        assertThat(statements(Dialect.MYSQL, "select `a;b` from t; select 2")).hasSize(2);
        assertThat(statements(Dialect.MYSQL, "select $$; select 2")).hasSize(2);
    }

    @Test
    void followsEachDialectsCommentRules() {
        // PostgreSQL nests block comments; MySQL ends at the first */.
        assertThat(statements(Dialect.POSTGRESQL, "/* a /* b */ ; */ select 1")).containsExactly("/* a /* b */ ; */ select 1");
        assertThat(statements(Dialect.MYSQL, "/* a /* b */ ; */ select 1")).containsExactly("*/ select 1");
        // MySQL '#' comments and the space required after '--'.
        assertThat(statements(Dialect.MYSQL, "select 1 # ; select 2")).hasSize(1);
        assertThat(statements(Dialect.POSTGRESQL, "select 1 # 2; select 2")).hasSize(2);
        assertThat(statements(Dialect.MYSQL, "select 1--1; select 2")).hasSize(2);
        assertThat(statements(Dialect.POSTGRESQL, "select 1--1; select 2")).hasSize(1);
    }

    @Test
    void tracksNestingDepthPerStatement() {
        SqlScanner.ScannedSql scanned = scan(Dialect.POSTGRESQL, "select ((1)); select (((2))) + (3); select ')))((('");

        assertThat(scanned.segments()).extracting(SqlScanner.Segment::maxDepth).containsExactly(2, 3, 0);
    }

    @Test
    void findsTheRoutingHintAnywhereOutsideLiterals() {
        assertThat(scan(Dialect.POSTGRESQL, "  /* junction:primary */ select 1").routingHint()).isTrue();
        assertThat(scan(Dialect.POSTGRESQL, "/* x */ -- Junction: Primary\nselect 1").routingHint()).isTrue();
        assertThat(scan(Dialect.MYSQL, "# junction:primary\nselect 1").routingHint()).isTrue();
        assertThat(scan(Dialect.POSTGRESQL, "select /* junction:primary */ 1").routingHint()).isTrue();
        assertThat(scan(Dialect.POSTGRESQL, "select 1 /*app='x'*/ /* junction:primary */").routingHint()).isTrue();
        assertThat(scan(Dialect.MYSQL, "select 1 -- junction:primary").routingHint()).isTrue();
        assertThat(scan(Dialect.POSTGRESQL, "select '/* junction:primary */'").routingHint()).isFalse();
        assertThat(scan(Dialect.POSTGRESQL, "select $$ -- junction:primary $$").routingHint()).isFalse();
        assertThat(scan(Dialect.POSTGRESQL, "/* junction:primaryx */ select 1").routingHint()).isFalse();
    }

    @Test
    void flagsMySqlExecutableCommentsOnly() {
        assertThat(scan(Dialect.MYSQL, "/*!50001 select 1 */").executableComment()).isTrue();
        assertThat(scan(Dialect.MARIADB, "select 1 /*M!100101 for update */").executableComment()).isTrue();
        assertThat(scan(Dialect.MYSQL, "select /*+ BKA(t) */ 1").executableComment()).isFalse();
        assertThat(scan(Dialect.POSTGRESQL, "/*!50001 select 1 */").executableComment()).isFalse();
    }

    @Test
    void keepsRoutineBodiesInOneStatement() {
        assertThat(statements(Dialect.MYSQL, "create procedure p() begin select 1; select 2; end")).hasSize(1);
        assertThat(statements(Dialect.POSTGRESQL, "create function f() returns int language sql begin atomic select 1; end")).hasSize(1);
        assertThat(statements(Dialect.MYSQL, "create table t (a int); select 1")).hasSize(2);
    }

    @Test
    void parserInputDropsCommentsAndDollarQuotesButKeepsLiterals() {
        SqlLexer postgres = new SqlLexer(Dialect.POSTGRESQL);
        String sql = "select /* a /* b */ */ $x$ ; $x$, '/* keep */', $1 -- tail";

        assertThat(postgres.parserInput(sql, 0, sql.length())).isEqualTo("select   '', '/* keep */', $1  ");
        assertThat(postgres.parserInput("select 1", 0, 8)).isEqualTo("select 1");
    }
}
