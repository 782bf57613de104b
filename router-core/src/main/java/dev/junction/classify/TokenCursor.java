package dev.junction.classify;

import java.util.Locale;

/**
 * Walks the significant tokens of one statement, skipping whitespace and comments.
 *
 * <p>Used by the keyword pre-classifier, which needs to look at the first few words of a
 * statement ({@code START TRANSACTION READ ONLY}, {@code ROLLBACK TO SAVEPOINT}) without the
 * parser. Not thread-safe; create one per statement.
 */
final class TokenCursor {

    private final String sql;
    private final SqlLexer lexer;
    private final int end;
    private int start;
    private int stop;

    TokenCursor(String sql, SqlLexer lexer, int from, int end) {
        this.sql = sql;
        this.lexer = lexer;
        this.end = end;
        this.stop = from;
        advance();
    }

    /** Moves to the next token; at the end, {@link #atEnd()} becomes true. */
    TokenCursor advance() {
        start = lexer.skipTrivia(sql, stop, end);
        stop = start < end ? lexer.tokenEnd(sql, start, end) : end;
        return this;
    }

    /** A new cursor at the token after the current one; this cursor does not move. */
    TokenCursor peek() {
        return new TokenCursor(sql, lexer, stop, end);
    }

    boolean atEnd() {
        return start >= end;
    }

    /** True if the current token is the given keyword (upper-case), compared case-insensitively. */
    boolean isWord(String keyword) {
        return stop - start == keyword.length() && sql.regionMatches(true, start, keyword, 0, keyword.length());
    }

    /** True if the current token is any of the given keywords. */
    boolean isAnyWord(String... keywords) {
        for (String keyword : keywords) {
            if (isWord(keyword)) {
                return true;
            }
        }
        return false;
    }

    boolean isChar(char c) {
        return stop - start == 1 && sql.charAt(start) == c;
    }

    boolean isWord() {
        return start < end && SqlLexer.isWordStart(sql.charAt(start)) && !lexer.isEscapeString(sql, start, stop);
    }

    /** The current token, upper-cased when it is a word; empty at the end. */
    String text() {
        String token = sql.substring(start, stop);
        return isWord() ? token.toUpperCase(Locale.ROOT) : token;
    }

    /** Advances if the current token is {@code keyword}; returns whether it did. */
    boolean accept(String keyword) {
        if (isWord(keyword)) {
            advance();
            return true;
        }
        return false;
    }

    int tokenStart() {
        return start;
    }

    int tokenEnd() {
        return stop;
    }
}
