package dev.junction.classify;

import net.sf.jsqlparser.parser.CCJSqlParser;
import net.sf.jsqlparser.parser.ParseException;
import net.sf.jsqlparser.parser.StringProvider;
import net.sf.jsqlparser.statement.Statement;

/**
 * Runs JSqlParser on the calling thread and turns every failure into {@code null}.
 *
 * <p>{@code CCJSqlParserUtil.parse} is avoided on purpose: it hands each parse to an executor
 * thread to enforce a timeout and logs on fallback, which costs a thread hop per cache miss. Here
 * the timeout is replaced by bounding the input: the caller rejects deep nesting up front, and
 * JSqlParser's "complex parsing" retry (whose cost roughly triples per parenthesis level: about
 * 4 s at depth 9) is only attempted for shallow statements.
 */
final class StatementParser {

    /** Complex-parsing retries above this parenthesis depth could take seconds. */
    static final int COMPLEX_PARSING_MAX_DEPTH = 5;

    private final SqlLexer lexer;

    StatementParser(SqlLexer lexer) {
        this.lexer = lexer;
    }

    /**
     * @param sql           one statement, without a trailing semicolon
     * @param depth         its parenthesis nesting depth
     * @param escapeStrings it contains PostgreSQL {@code E'...'} literals
     * @return the statement, or null if JSqlParser cannot parse it
     */
    Statement parse(String sql, int depth, boolean escapeStrings) {
        boolean backslashEscapes = lexer.isMySqlFamily() || escapeStrings;
        Statement statement = tryParse(sql, false, backslashEscapes);
        if (statement == null && depth <= COMPLEX_PARSING_MAX_DEPTH) {
            statement = tryParse(sql, true, backslashEscapes);
        }
        if (statement == null && lexer.isMySqlFamily()) {
            String rewritten = rewriteLockInShareMode(sql);
            if (rewritten != null) {
                statement = tryParse(rewritten, false, backslashEscapes);
            }
        }
        return statement;
    }

    private static Statement tryParse(String sql, boolean complex, boolean backslashEscapes) {
        try {
            return new CCJSqlParser(new StringProvider(sql))
                    .withAllowComplexParsing(complex)
                    .withBackslashEscapeCharacter(backslashEscapes)
                    .Statement();
        } catch (ParseException | RuntimeException e) { // incl. TokenMgrException and parser-internal bugs
            return null;
        } catch (StackOverflowError e) {
            // Deep recursion without parentheses (long operator chains); the stack has unwound.
            return null;
        }
    }

    /**
     * JSqlParser 5.1 does not know MySQL's legacy {@code LOCK IN SHARE MODE}; MySQL documents it as
     * the older spelling of {@code FOR SHARE}, so parse that instead. Returns null if absent.
     */
    private String rewriteLockInShareMode(String sql) {
        TokenCursor cursor = new TokenCursor(sql, lexer, 0, sql.length());
        while (!cursor.atEnd()) {
            if (cursor.isWord("LOCK")) {
                int lockStart = cursor.tokenStart();
                if (cursor.advance().accept("IN") && cursor.accept("SHARE") && cursor.isWord("MODE")) {
                    return sql.substring(0, lockStart) + "FOR SHARE" + sql.substring(cursor.tokenEnd());
                }
            } else {
                cursor.advance();
            }
        }
        return null;
    }
}
