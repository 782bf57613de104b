package dev.junction.classify;

/**
 * The shape of a statement: its text with every literal replaced by {@code ?} and whitespace runs
 * folded, so {@code ... WHERE aid = 17} and {@code ... WHERE aid = 42} share one classification.
 *
 * <p>Why it is safe: a literal cannot change a statement's structure (its kind, tables, locking
 * clauses, functions or CTEs), and the shape is cut with the classifier's own lexer, so literal
 * boundaries are exactly the ones the classifier sees. Comments are kept verbatim (the routing hint
 * lives there). Only single statements starting with a data keyword get a shape: EXPLAIN options,
 * SET values and transaction modes can carry meaning in literal-like tokens, so they keep exact-text
 * caching. Without it, every literal-bearing statement of a simple-protocol client (psql, pgbench
 * -M simple, ORMs that inline values) would pay a full parse.
 */
final class StatementShape {
    private static final String[] SHAPED = {"SELECT", "WITH", "INSERT", "UPDATE", "DELETE", "VALUES", "TABLE",
            "REPLACE", "MERGE"};

    private StatementShape() {
    }

    /** The shape of {@code sql}, or null when it has no literal or is not a statement that may be shaped. */
    static String of(String sql, SqlLexer lexer) {
        int end = sql.length();
        int first = lexer.skipTrivia(sql, 0, end);
        if (first >= end || !SqlLexer.isWordStart(sql.charAt(first))) {
            return null;
        }
        int firstEnd = lexer.tokenEnd(sql, first, end);
        if (!isShapedKeyword(sql, first, firstEnd)) {
            return null;
        }
        StringBuilder shape = new StringBuilder(end);
        boolean literal = false;
        boolean pendingSpace = false;
        int pos = 0;
        while (pos < end) {
            char c = sql.charAt(pos);
            if (Character.isWhitespace(c)) {
                pendingSpace = shape.length() > 0;
                pos++;
                continue;
            }
            int commentEnd = lexer.commentEnd(sql, pos, end);
            int tokenEnd = commentEnd >= 0 ? commentEnd : lexer.tokenEnd(sql, pos, end);
            if (pendingSpace) {
                shape.append(' ');
                pendingSpace = false;
            }
            if (commentEnd < 0 && isLiteral(sql, pos, tokenEnd, lexer)) {
                if (!lexer.isTerminatedLiteral(sql, pos, tokenEnd)) {
                    return null; // an unclosed literal swallows the rest: classify the exact text
                }
                shape.append('?');
                literal = true;
            } else if (commentEnd < 0 && c == ';') {
                if (lexer.skipTrivia(sql, tokenEnd, end) < end) {
                    return null; // several statements: classified as a whole, by exact text
                }
                shape.append(';');
            } else {
                shape.append(sql, pos, tokenEnd);
            }
            pos = tokenEnd;
        }
        return literal ? shape.toString() : null;
    }

    /** Whether the first word is a data keyword; compared in place, so no substring on this hot path. */
    private static boolean isShapedKeyword(String sql, int start, int stop) {
        int length = stop - start;
        for (String keyword : SHAPED) {
            if (keyword.length() == length && sql.regionMatches(true, start, keyword, 0, length)) {
                return true;
            }
        }
        return false;
    }

    static boolean isLiteral(String s, int start, int stop, SqlLexer lexer) {
        char c = s.charAt(start);
        if (c == '\'' || (c >= '0' && c <= '9')) {
            return true;
        }
        if (lexer.isEscapeString(s, start, stop)) {
            return true; // PostgreSQL E'...'
        }
        return c == '$' && !lexer.isMySqlFamily() && stop - start > 1 && s.charAt(stop - 1) == '$'; // $tag$...$tag$
    }
}
