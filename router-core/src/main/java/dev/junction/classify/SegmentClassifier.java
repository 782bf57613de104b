package dev.junction.classify;

/**
 * Classifies one statement: keyword pre-check first, EXPLAIN unwrapping, then the parser.
 *
 * <p>EXPLAIN lives here because it needs the whole pipeline for the explained statement:
 * without ANALYZE nothing executes, so it is harmless anywhere; with ANALYZE the statement
 * really runs, so {@code EXPLAIN ANALYZE DELETE ...} inherits the DELETE's classification.
 * MySQL's DESCRIBE/DESC are EXPLAIN synonyms, and MariaDB's {@code ANALYZE SELECT ...} is
 * EXPLAIN ANALYZE. EXPLAIN without ANALYZE (and EXPLAIN ANALYZE of a replica-eligible read) is a
 * {@link StatementKind#READ}, so it is routed, and labelled, like the reads it explains.
 */
final class SegmentClassifier {

    static final Classification TOO_DEEP = Classification.of(StatementKind.UNKNOWN, PrimaryReason.TOO_DEEP);

    private final Dialect dialect;
    private final SqlLexer lexer;
    private final int maxNestingDepth;
    private final KeywordClassifier keywords;
    private final AstClassifier ast;

    SegmentClassifier(Dialect dialect, ClassifierSettings settings, SqlLexer lexer, java.util.concurrent.atomic.LongAdder overBudget) {
        this.dialect = dialect;
        this.lexer = lexer;
        this.maxNestingDepth = settings.maxNestingDepth();
        this.keywords = new KeywordClassifier(dialect);
        this.ast = new AstClassifier(dialect, settings, lexer, overBudget);
    }

    Classification classify(String sql, SqlScanner.Segment segment, boolean escapeStrings) {
        TokenCursor cursor = new TokenCursor(sql, lexer, segment.start(), segment.end());
        if (cursor.atEnd()) {
            return KeywordClassifier.HARMLESS_UTILITY;
        }
        if (cursor.isAnyWord("EXPLAIN", "DESCRIBE", "DESC")) {
            return explain(sql, cursor.advance(), segment, escapeStrings);
        }
        if (dialect == Dialect.MARIADB && cursor.isWord("ANALYZE") && explainsStatement(cursor.peek())) {
            return explain(sql, cursor, segment, escapeStrings); // explain() takes ANALYZE as its option
        }
        Classification byKeyword = keywords.classify(cursor);
        if (byKeyword != null) {
            return byKeyword;
        }
        if (segment.maxDepth() > maxNestingDepth) {
            return TOO_DEEP;
        }
        return ast.classify(lexer.parserInput(sql, segment.start(), segment.end()), segment.maxDepth(), escapeStrings);
    }

    private Classification explain(String sql, TokenCursor cursor, SqlScanner.Segment segment, boolean escapeStrings) {
        boolean analyze = false;
        while (!cursor.atEnd()) {
            if (cursor.isAnyWord("ANALYZE", "ANALYSE")) {
                analyze = true;
                cursor.advance();
            } else if (cursor.isAnyWord("VERBOSE", "EXTENDED", "PARTITIONS")) {
                cursor.advance();
            } else if (cursor.isWord("FORMAT")) {
                if (cursor.advance().isChar('=')) {
                    cursor.advance();
                }
                cursor.advance();
            } else if (cursor.isChar('(') && isOptionList(cursor.peek())) {
                analyze |= optionListAnalyzes(cursor);
            } else {
                break;
            }
        }
        if (cursor.isWord("FOR")) { // MySQL EXPLAIN FOR CONNECTION n: about a session on one server
            return KeywordClassifier.HARMLESS_UTILITY;
        }
        if (cursor.atEnd()) {
            return KeywordClassifier.HARMLESS_UTILITY;
        }
        Classification explained = classify(sql,
                new SqlScanner.Segment(cursor.tokenStart(), segment.end(), segment.maxDepth()), escapeStrings);
        if (analyze && !explained.replicaEligible()) {
            return explained;
        }
        // Without ANALYZE nothing executes (PostgreSQL skips even the read-only check for an
        // explain-only plan), so a replica answers it as well as the primary: a read.
        return Classification.of(StatementKind.READ, PrimaryReason.NONE, explained.tables());
    }

    /** {@code EXPLAIN (ANALYZE, BUFFERS) ...} versus MySQL's {@code EXPLAIN (SELECT ...)}. */
    private static boolean isOptionList(TokenCursor next) {
        return next.isWord() && !next.isAnyWord("SELECT", "WITH", "VALUES", "TABLE");
    }

    /** Consumes {@code ( option [value] [, ...] )}; ANALYZE counts unless followed by FALSE, OFF or 0. */
    private static boolean optionListAnalyzes(TokenCursor cursor) {
        boolean analyze = false;
        cursor.advance();
        while (!cursor.atEnd() && !cursor.isChar(')')) {
            if (cursor.isAnyWord("ANALYZE", "ANALYSE")) {
                cursor.advance();
                analyze = !(cursor.isAnyWord("FALSE", "OFF") || cursor.isChar('0'));
            } else {
                cursor.advance();
            }
        }
        cursor.advance();
        return analyze;
    }

    /** MariaDB: ANALYZE TABLE is maintenance; ANALYZE [FORMAT=JSON] SELECT/UPDATE/... executes the statement. */
    private static boolean explainsStatement(TokenCursor next) {
        return next.isAnyWord("SELECT", "WITH", "VALUES", "INSERT", "UPDATE", "DELETE", "REPLACE", "FORMAT")
                || next.isChar('(');
    }
}
